/* boot_cache.c: what boot.c keeps between requests: signatures of stage2
 * scripts by the script's digest and signer, and artifacts' newest
 * versions for a second. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boot.h"
#include "boot_int.h"
#include "clock.h"
#include "digest.h"

struct boot_entry {
	uint8_t key[32];
	unsigned char *der;
	size_t len;
	struct boot_entry *next;
};

/* The newest version of an artifact, remembered briefly: every stage2
 * names two, and the database need not be asked thousands of times a
 * second for the same answer. */
#define BOOT_ART_SLOTS 64
#define BOOT_ART_TTL_MS 1000

struct boot_art {
	struct store_artifact a;
	long long at_ms;		/* 0: empty */
};

struct boot_cache {
	pthread_mutex_t lock;
	struct boot_art arts[BOOT_ART_SLOTS];
	struct boot_entry **buckets;
	size_t n_buckets;
	size_t count;
	size_t capacity;
};

struct boot_cache *boot_cache_new(size_t capacity)
{
	struct boot_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->capacity = capacity;
	c->n_buckets = 1024;
	while (c->n_buckets < capacity)
		c->n_buckets *= 2;
	c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
	if (!c->buckets) {
		free(c);
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

/*
 * Drop every signature and remembered artifact; the caller holds
 * @c->lock (or is the last user, in boot_cache_free()).
 */
static void boot_cache_clear_locked(struct boot_cache *c)
{
	struct boot_entry *e, *next;
	size_t i;

	memset(c->arts, 0, sizeof(c->arts));
	for (i = 0; i < c->n_buckets; i++) {
		for (e = c->buckets[i]; e; e = next) {
			next = e->next;
			free(e->der);
			free(e);
		}
		c->buckets[i] = NULL;
	}
	c->count = 0;
}

void boot_cache_clear(struct boot_cache *c)
{
	pthread_mutex_lock(&c->lock);
	boot_cache_clear_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void boot_cache_free(struct boot_cache *c)
{
	if (!c)
		return;
	boot_cache_clear_locked(c);
	pthread_mutex_destroy(&c->lock);
	free(c->buckets);
	free(c);
}

size_t boot_cache_size(struct boot_cache *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->count;
	pthread_mutex_unlock(&c->lock);
	return n;
}

/*
 * The bucket of @key: its first bytes, already a SHA-256, need no more
 * hashing.
 */
static size_t boot_bucket(const struct boot_cache *c, const uint8_t *key)
{
	size_t h;

	memcpy(&h, key, sizeof(h));
	return h & (c->n_buckets - 1);
}

/* A copy of the cached signature for @key, or -ENOENT. */
static int boot_cache_get(struct boot_cache *c, const uint8_t *key,
			  unsigned char **der, size_t *len)
{
	struct boot_entry *e;
	int rc = -ENOENT;

	pthread_mutex_lock(&c->lock);
	for (e = c->buckets[boot_bucket(c, key)]; e; e = e->next) {
		if (memcmp(e->key, key, 32) != 0)
			continue;
		*der = malloc(e->len);
		if (!*der) {
			rc = -ENOMEM;
			break;
		}
		memcpy(*der, e->der, e->len);
		*len = e->len;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

/*
 * Keep a copy of signature @der under @key; a full cache starts over, and
 * a failed allocation only leaves it out.
 */
static void boot_cache_put(struct boot_cache *c, const uint8_t *key,
			   const unsigned char *der, size_t len)
{
	struct boot_entry *e = calloc(1, sizeof(*e));
	size_t b;

	if (!e || !(e->der = malloc(len))) {
		free(e);
		return;		/* a cache that cannot grow still works */
	}
	memcpy(e->key, key, 32);
	memcpy(e->der, der, len);
	e->len = len;
	pthread_mutex_lock(&c->lock);
	/* Bounded: when full, start over rather than grow without limit. */
	if (c->count >= c->capacity)
		boot_cache_clear_locked(c);
	b = boot_bucket(c, key);
	e->next = c->buckets[b];
	c->buckets[b] = e;
	c->count++;
	pthread_mutex_unlock(&c->lock);
}

/*
 * The newest version of artifact @name, at most BOOT_ART_TTL_MS old: a
 * new upload (or an offline publish) shows in stage2 within a second.
 */
int boot_artifact(struct server *srv, const char *name,
			 struct store_artifact *out)
{
	struct boot_cache *c = srv->boot;
	long long now = clock_now_ms();
	struct boot_art *slot;
	uint32_t h = 2166136261u;
	const char *p;
	int rc;

	for (p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	slot = &c->arts[h % BOOT_ART_SLOTS];
	pthread_mutex_lock(&c->lock);
	if (slot->at_ms && now - slot->at_ms < BOOT_ART_TTL_MS &&
	    strcmp(slot->a.name, name) == 0) {
		*out = slot->a;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	rc = store_artifact_get(srv->store, name, NULL, out);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&c->lock);
	slot->a = *out;
	slot->at_ms = now;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/*
 * The signature of @script by @gen's signer, from the cache or freshly
 * made.  The cache key names the signer too: a request or precompute
 * still running on an older generation (a rotated code-signing key) can
 * never put a signature where the new generation looks.
 */
int boot_sign(struct server *srv, struct server_gen *gen,
		     const char *script, size_t len, unsigned char **der,
		     size_t *der_len)
{
	uint8_t hash[32], both[64], key[32];
	int rc;

	digest_sha256(script, len, hash);
	memcpy(both, signer_id(gen->signer), 32);
	memcpy(both + 32, hash, 32);
	digest_sha256(both, sizeof(both), key);
	if (boot_cache_get(srv->boot, key, der, der_len) == 0)
		return 0;
	rc = signer_sign_digest(gen->signer, digest_by_md(MBEDTLS_MD_SHA256),
				hash, der, der_len);
	if (rc != 0)
		return rc;
	atomic_fetch_add(&srv->stats.signatures, 1);
	boot_cache_put(srv->boot, key, *der, *der_len);
	return 0;
}
