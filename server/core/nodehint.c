/* nodehint.c: a set-associative table of node hints (nodehint.h).  Each
 * id hashes to one set of NODE_HINT_WAYS slots; a new id takes the slot
 * written longest ago, so a fleet larger than the table loses its oldest
 * hints, not a random half of them as one slot per hash would. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "nodehint.h"
#include "num.h"

#define NODE_HINT_WAYS 4
/* Sets for the smallest table (a demo site) and the largest (262,144
 * slots of 152 bytes: 38 MiB, for a fleet of 131,072 nodes or more). */
#define NODE_HINT_SETS_MIN 64
#define NODE_HINT_SETS_MAX (1u << 16)

struct node_hint {
	char id[64];
	char pod[64];
	unsigned int generation;
	enum node_state state;
	long long at_ms;		/* when it was written, for its age */
	unsigned long long written;	/* the table's write count then; 0: empty */
};

struct node_hints {
	pthread_mutex_t lock;
	size_t sets;			/* a power of two */
	unsigned long long writes;	/* puts so far: orders the slots */
	struct node_hint slot[];	/* sets * NODE_HINT_WAYS */
};

struct node_hints *node_hints_new(size_t nodes)
{
	struct node_hints *h;
	size_t sets = NODE_HINT_SETS_MIN;

	/* Twice the nodes in slots: a set seldom fills.  Halving the slots
	 * rather than doubling @nodes: a huge @nodes must not wrap to a
	 * small table. */
	while (sets < NODE_HINT_SETS_MAX && sets * NODE_HINT_WAYS / 2 < nodes)
		sets *= 2;
	h = calloc(1, sizeof(*h) +
			      sets * NODE_HINT_WAYS * sizeof(struct node_hint));
	if (!h)
		return NULL;
	pthread_mutex_init(&h->lock, NULL);
	h->sets = sets;
	return h;
}

void node_hints_free(struct node_hints *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* The first slot of @id's set in @h. */
static struct node_hint *node_hint_set(struct node_hints *h, const char *id)
{
	return &h->slot[(num_fnv1a(NUM_FNV1A_INIT, id) & (h->sets - 1)) *
			NODE_HINT_WAYS];
}

void node_hint_put(struct node_hints *h, const struct store_node *n)
{
	struct node_hint *set, *e;
	size_t i;

	/* strnlen: an id filling its array has no NUL to stop strlen. */
	if (!h || !n->id[0] ||
	    strnlen(n->id, sizeof(n->id)) >= sizeof(set->id))
		return;
	set = node_hint_set(h, n->id);
	pthread_mutex_lock(&h->lock);
	e = &set[0];
	for (i = 0; i < NODE_HINT_WAYS; i++) {
		if (strcmp(set[i].id, n->id) == 0) {
			e = &set[i];
			break;
		}
		/* The write count, not the clock: puts within one
		 * millisecond still have an order. */
		if (set[i].written < e->written)
			e = &set[i];
	}
	snprintf(e->id, sizeof(e->id), "%s", n->id);
	snprintf(e->pod, sizeof(e->pod), "%s", n->pod);
	e->generation = n->generation;
	e->state = n->state;
	e->at_ms = clock_now_ms();
	e->written = ++h->writes;
	pthread_mutex_unlock(&h->lock);
}

int node_hint_get(struct node_hints *h, const char *id, long long max_age_ms,
		  struct store_node *out)
{
	long long now = clock_now_ms();
	struct node_hint *set;
	size_t i;
	int rc = -ENOENT;

	memset(out, 0, sizeof(*out));
	if (!h || !id[0])
		return -ENOENT;
	set = node_hint_set(h, id);
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < NODE_HINT_WAYS; i++) {
		if (!set[i].written || strcmp(set[i].id, id) != 0)
			continue;
		if (max_age_ms > 0 && now - set[i].at_ms > max_age_ms)
			break;
		memcpy(out->id, set[i].id, sizeof(out->id));
		memcpy(out->pod, set[i].pod, sizeof(out->pod));
		out->generation = set[i].generation;
		out->state = set[i].state;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&h->lock);
	return rc;
}
