/* signerd_tls.c: the signer process's TLS keys, one per configuration
 * generation, signing handshakes with GnuTLS (the library that speaks
 * TLS in the request process, and the faster one here). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <mbedtls/platform_util.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "signer.h"
#include "signer_proto.h"
#include "signerd_tls.h"
#include "tlsscheme.h"

/* Generations whose TLS key is kept: a reload drains the old daemons,
 * whose handshakes already under way still need their key. */
#define SIGNERD_TLS_GENS 4
#define SIGNERD_TLS_PEM_MAX (256 * 1024)

/* One generation's key, one copy per signer thread. */
struct signerd_tls_gen {
	unsigned int gen;		/* 0: empty */
	gnutls_privkey_t key[SIGNER_CHANNELS_MAX];
};

struct signerd_tls {
	char key_path[SIGNER_PATH_MAX];
	size_t copies;
	pthread_rwlock_t lock;		/* loading holds it exclusively */
	struct signerd_tls_gen gen[SIGNERD_TLS_GENS];
};

/* Release @g's copies (GnuTLS wipes the key) and empty the slot. */
static void signerd_tls_clear(struct signerd_tls_gen *g, size_t copies)
{
	size_t i;

	for (i = 0; i < copies; i++) {
		if (g->key[i])
			gnutls_privkey_deinit(g->key[i]);
		g->key[i] = NULL;
	}
	g->gen = 0;
}

int signerd_tls_new(struct signerd_tls **out, const char *key_path,
		    size_t copies)
{
	struct signerd_tls *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	if (copies > SIGNER_CHANNELS_MAX ||
	    snprintf(t->key_path, sizeof(t->key_path), "%s", key_path) >=
		    (int)sizeof(t->key_path)) {
		free(t);
		return -ENAMETOOLONG;
	}
	t->copies = copies;
	pthread_rwlock_init(&t->lock, NULL);
	*out = t;
	return 0;
}

void signerd_tls_free(struct signerd_tls *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		signerd_tls_clear(&t->gen[i], t->copies);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

/* @g's copies from the PEM in @pem; an RSA or ECDSA key only. */
static int signerd_tls_parse(struct signerd_tls_gen *g, size_t copies,
			     const gnutls_datum_t *pem)
{
	gnutls_pk_algorithm_t pk;
	size_t i;
	int ret = 0;

	for (i = 0; i < copies && ret >= 0; i++) {
		ret = gnutls_privkey_init(&g->key[i]);
		if (ret >= 0)
			ret = gnutls_privkey_import_x509_raw(g->key[i], pem,
							     GNUTLS_X509_FMT_PEM,
							     NULL, 0);
	}
	if (ret < 0) {
		log_error("TLS key: %s", gnutls_strerror(ret));
		return -PB_EKEY_PARSE;
	}
	pk = (gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(g->key[0],
								    NULL);
	return pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_ECDSA ? 0 :
							     -PB_EKEY_PARSE;
}

/* The public half of @key, DER. */
static int signerd_tls_public(gnutls_privkey_t key, unsigned char **pub,
			      size_t *pub_len)
{
	gnutls_pubkey_t p;
	gnutls_datum_t der = { NULL, 0 };
	int ret;

	if (gnutls_pubkey_init(&p) < 0)
		return -ENOMEM;
	ret = gnutls_pubkey_import_privkey(p, key, 0, 0);
	if (ret >= 0)
		ret = gnutls_pubkey_export2(p, GNUTLS_X509_FMT_DER, &der);
	gnutls_pubkey_deinit(p);
	if (ret < 0)
		return -PB_EKEY_PARSE;
	*pub = der.data;
	*pub_len = der.size;
	return 0;
}

int signerd_tls_load(struct signerd_tls *t, unsigned int gen,
		     unsigned char **pub, size_t *pub_len)
{
	struct signerd_tls_gen fresh = { .gen = gen }, *g;
	unsigned char *buf = NULL;
	gnutls_datum_t pem;
	size_t i, len = 0, slot = 0;
	int rc;

	*pub = NULL;
	rc = fileio_read(t->key_path, SIGNERD_TLS_PEM_MAX, &buf, &len);
	if (rc == 0) {
		pem.data = buf;
		pem.size = (unsigned int)len;
		rc = signerd_tls_parse(&fresh, t->copies, &pem);
		mbedtls_platform_zeroize(buf, len);
	}
	free(buf);
	if (rc == 0)
		rc = signerd_tls_public(fresh.key[0], pub, pub_len);
	if (rc != 0) {
		log_error("TLS key %s: %s", t->key_path, pb_strerror(rc));
		signerd_tls_clear(&fresh, t->copies);
		return rc;
	}
	pthread_rwlock_wrlock(&t->lock);
	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		if (t->gen[i].gen == gen ||
		    (t->gen[slot].gen != gen && t->gen[i].gen < t->gen[slot].gen))
			slot = i;
	g = &t->gen[slot];
	signerd_tls_clear(g, t->copies);
	*g = fresh;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

int signerd_tls_sign(struct signerd_tls *t, unsigned int gen, size_t copy,
		     unsigned int algo, const uint8_t *data, size_t len,
		     unsigned char **sig, size_t *sig_len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned int)len };
	gnutls_datum_t out = { NULL, 0 };
	const struct tlsscheme *e = tlsscheme_by_signer(algo);
	gnutls_privkey_t key = NULL;
	size_t i;
	int ret, rc = -ENOENT;

	*sig = NULL;
	if (!e || copy >= t->copies)
		return -EBADMSG;
	pthread_rwlock_rdlock(&t->lock);
	for (i = 0; i < SIGNERD_TLS_GENS; i++)
		if (t->gen[i].gen == gen)
			key = t->gen[i].key[copy];
	if (key &&
	    ((gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(key, NULL) !=
		     e->pk || (e->hash_len && len != e->hash_len)))
		rc = -EBADMSG;
	else if (key) {
		ret = gnutls_privkey_sign_hash2(key, e->algo, e->flags, &in,
						&out);
		rc = ret < 0 ? -PB_ESIGN : 0;
	}
	pthread_rwlock_unlock(&t->lock);
	if (rc == 0) {
		*sig = out.data;
		*sig_len = out.size;
	}
	return rc;
}
