/* api_args.c: the status API's decisions on query arguments: the reply
 * format, bounded numbers and node states.  Pure: the handlers in api.c
 * turn a refusal decided here into a reply. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "num.h"

/* Declared in api_int.h. */
int api_format(const char *format, int *text)
{
	*text = 0;
	if (!format || strcmp(format, "json") == 0)
		return 0;
	if (strcmp(format, "text") != 0)
		return -EINVAL;
	*text = 1;
	return 0;
}

/* Declared in api_int.h. */
int api_number(const char *s, unsigned long long min, unsigned long long max,
	       unsigned long long *out)
{
	uint64_t v;

	if (!s)
		return 0;
	if (num_parse_u64(s, strlen(s), max, &v) != 0 || v < min)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Declared in api_int.h. */
int api_state(const char *name, int *state, char *names, size_t size)
{
	enum node_state s;
	size_t len;
	int i;

	if (store_state_parse(name, &s) == 0) {
		*state = (int)s;
		return 0;
	}
	if (size == 0)
		return -EINVAL;
	names[0] = '\0';
	for (i = 0; i < NODE_STATE_COUNT; i++) {
		len = strlen(names);
		snprintf(names + len, size - len, "%s%s", i ? ", " : "",
			 store_state_name((enum node_state)i));
	}
	return -EINVAL;
}

static const char *const api_health_names[API_HEALTH_COUNT] = {
	[API_HEALTH_UP] = "up",
	[API_HEALTH_DOWN] = "down",
	[API_HEALTH_UNKNOWN] = "unknown",
};

/* Declared in api_int.h. */
int api_health_parse(const char *name, int *health)
{
	int i;

	for (i = 0; name && i < API_HEALTH_COUNT; i++) {
		if (strcmp(name, api_health_names[i]) == 0) {
			*health = i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Declared in api_int.h. */
const char *api_health_name(int health)
{
	if (health < 0 || health >= API_HEALTH_COUNT)
		return "unknown";
	return api_health_names[health];
}

/* Declared in api_int.h. */
int api_pager_offer(struct api_pager *p, const char *id)
{
	p->matched++;
	if (p->after && *p->after && strcmp(id, p->after) <= 0)
		return 0;
	if (p->taken >= p->limit) {
		p->more = 1;
		return 0;
	}
	p->taken++;
	snprintf(p->last, sizeof(p->last), "%s", id);
	return 1;
}

/* Declared in api_int.h. */
const char *api_pager_next(const struct api_pager *p)
{
	return p->more && p->taken ? p->last : NULL;
}

/* Declared in api_int.h. */
int api_event_kind(const char *kind)
{
	size_t i, len = kind ? strlen(kind) : 0;

	if (len == 0 || len >= API_EVENT_KIND_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!(kind[i] >= 'a' && kind[i] <= 'z') && kind[i] != '_' &&
		    kind[i] != '-')
			return -EINVAL;
	return 0;
}
