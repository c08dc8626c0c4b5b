/* signer.c: the one place podboot serve holds the code-signing key. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "cms.h"
#include "error.h"
#include "keystore.h"
#include "log.h"
#include "signer.h"

#define SIGNER_SLOTS_MAX 8

/*
 * One copy of the key per CPU: an mbedTLS key and generator serve one
 * thread at a time, so several slots let signatures proceed in parallel.
 */
struct signer_slot {
	pthread_mutex_t lock;
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	struct rng rng;
};

struct signer {
	struct signer_slot slot[SIGNER_SLOTS_MAX];
	size_t n;
	char subject[256];
	char cn[128];
	uint8_t id[32];		/* SHA-256 of the signing certificate */
};

static int signer_slot_load(struct signer_slot *s, const char *key_path,
			    const char *cert_path, const char *root_path)
{
	int rc;

	rc = keystore_load_signer(key_path, cert_path, root_path, &s->key,
				  &s->chain);
	if (rc == 0)
		rc = rng_init(&s->rng, "podboot serve signer");
	return rc;
}

int signer_load(struct signer **out, const char *key_path,
		const char *cert_path, const char *root_path)
{
	const mbedtls_x509_name *n;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct signer *s;
	size_t i;
	int rc = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->n = cpus < 1 ? 1 : cpus > SIGNER_SLOTS_MAX ? SIGNER_SLOTS_MAX :
							(size_t)cpus;
	for (i = 0; i < s->n; i++) {
		pthread_mutex_init(&s->slot[i].lock, NULL);
		mbedtls_pk_init(&s->slot[i].key);
		mbedtls_x509_crt_init(&s->slot[i].chain);
	}
	for (i = 0; rc == 0 && i < s->n; i++)
		rc = signer_slot_load(&s->slot[i], key_path, cert_path,
				      root_path);
	if (rc != 0) {
		signer_free(s);
		return rc;
	}
	digest_sha256(s->slot[0].chain.raw.p, s->slot[0].chain.raw.len, s->id);
	mbedtls_x509_dn_gets(s->subject, sizeof(s->subject),
			     &s->slot[0].chain.subject);
	for (n = &s->slot[0].chain.subject; n; n = n->next)
		if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
			snprintf(s->cn, sizeof(s->cn), "%.*s", (int)n->val.len,
				 n->val.p);
	*out = s;
	return 0;
}

void signer_free(struct signer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		rng_free(&s->slot[i].rng);
		mbedtls_x509_crt_free(&s->slot[i].chain);
		mbedtls_pk_free(&s->slot[i].key);	/* wipes the key */
		pthread_mutex_destroy(&s->slot[i].lock);
	}
	free(s);
}

int signer_sign_digest(struct signer *s, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len)
{
	struct signer_slot *slot = NULL;
	size_t i;
	int rc;

	/* A free slot if there is one; else wait for one chosen by hash. */
	for (i = 0; i < s->n && !slot; i++)
		if (pthread_mutex_trylock(&s->slot[i].lock) == 0)
			slot = &s->slot[i];
	if (!slot) {
		slot = &s->slot[hash[0] % s->n];
		pthread_mutex_lock(&slot->lock);
	}
	rc = cms_sign_digest(alg, hash, &slot->key, &slot->chain, &slot->rng,
			     der, der_len);
	pthread_mutex_unlock(&slot->lock);
	return rc;
}

const char *signer_cn(const struct signer *s)
{
	return s->cn;
}

const char *signer_subject(const struct signer *s)
{
	return s->subject;
}

const uint8_t *signer_id(const struct signer *s)
{
	return s->id;
}
