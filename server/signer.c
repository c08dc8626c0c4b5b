/* signer.c: the one place podboot serve holds the code-signing key. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "cms.h"
#include "error.h"
#include "keystore.h"
#include "log.h"
#include "signer.h"

struct signer {
	pthread_mutex_t lock;	/* the key and the generator are not shareable */
	mbedtls_pk_context key;
	mbedtls_x509_crt chain;
	struct rng rng;
	char subject[256];
	char cn[128];
};

int signer_load(struct signer **out, const char *key_path,
		const char *cert_path, const char *root_path)
{
	const mbedtls_x509_name *n;
	struct signer *s;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	mbedtls_pk_init(&s->key);
	mbedtls_x509_crt_init(&s->chain);
	rc = keystore_load_signer(key_path, cert_path, root_path, &s->key,
				  &s->chain);
	if (rc == 0)
		rc = rng_init(&s->rng, "podboot serve signer");
	if (rc != 0) {
		signer_free(s);
		return rc;
	}
	mbedtls_x509_dn_gets(s->subject, sizeof(s->subject),
			     &s->chain.subject);
	for (n = &s->chain.subject; n; n = n->next)
		if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
			snprintf(s->cn, sizeof(s->cn), "%.*s", (int)n->val.len,
				 n->val.p);
	*out = s;
	return 0;
}

void signer_free(struct signer *s)
{
	if (!s)
		return;
	rng_free(&s->rng);
	mbedtls_x509_crt_free(&s->chain);
	mbedtls_pk_free(&s->key);	/* mbedTLS wipes the key material */
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int signer_sign_digest(struct signer *s, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = cms_sign_digest(alg, hash, &s->key, &s->chain, &s->rng, der,
			     der_len);
	pthread_mutex_unlock(&s->lock);
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
