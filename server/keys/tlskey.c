/* tlskey.c: the TLS certificate and key as libmicrohttpd sees them: a
 * GnuTLS external key whose signatures the signer process makes, so that
 * the process that parses requests never holds the TLS private key. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "signer.h"
#include "signer_proto.h"
#include "tlskey.h"
#include "tlsscheme.h"

/* Certificates in the TLS certificate file, at most (server, chain). */
#define TLSKEY_CHAIN_MAX 8

struct tlskey {
	struct tlskey *next;		/* every record, freed at exit */
	struct signer *signer;
	unsigned int gen;		/* the signer's slot for the key */
	gnutls_pcert_st pcert[TLSKEY_CHAIN_MAX];
	unsigned int n_pcert;
	gnutls_privkey_t key;
	gnutls_pk_algorithm_t pk;	/* RSA or ECDSA */
	unsigned int bits;
	gnutls_ecc_curve_t curve;	/* ECDSA: the key's curve */
};

static pthread_mutex_t tlskey_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tlskey *tlskey_all;
static _Atomic(struct tlskey *) tlskey_now;

/* The scheme GnuTLS calls @algo with @t's key, or NULL. */
static const struct tlsscheme *tlskey_scheme(const struct tlskey *t,
					     gnutls_sign_algorithm_t algo)
{
	return tlsscheme_by_gnutls(algo, t->pk, t->curve);
}

/* GnuTLS asks for a signature of a hash (or of a DigestInfo). */
static int tlskey_sign_hash(gnutls_privkey_t key, gnutls_sign_algorithm_t algo,
			    void *userdata, unsigned int flags,
			    const gnutls_datum_t *hash, gnutls_datum_t *signature)
{
	struct tlskey *t = userdata;
	unsigned char *sig = NULL;
	size_t len = 0;
	const struct tlsscheme *e;
	unsigned int a;
	int rc;

	(void)key;
	(void)flags;
	e = tlskey_scheme(t, algo);
	if (!e)
		return GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM;
	a = e->signer;
	/* An RSA PKCS#1 signature over a DigestInfo, not a bare hash. */
	if (t->pk == GNUTLS_PK_RSA && e->hash_len && hash->size != e->hash_len &&
	    a >= SIGNER_TLS_RSA_PKCS1_SHA256 && a <= SIGNER_TLS_RSA_PKCS1_SHA512)
		a = SIGNER_TLS_RSA_PKCS1;
	rc = signer_tls_sign(t->signer, t->gen, a, hash->data, hash->size, &sig,
			     &len);
	if (rc != 0) {
		log_error("TLS handshake signature: %s", pb_strerror(rc));
		return GNUTLS_E_PK_SIGN_FAILED;
	}
	signature->data = gnutls_malloc(len);
	if (!signature->data) {
		free(sig);
		return GNUTLS_E_MEMORY_ERROR;
	}
	memcpy(signature->data, sig, len);
	signature->size = (unsigned int)len;
	free(sig);
	return 0;
}

/* GnuTLS asks what the key is and what it can sign. */
static int tlskey_info(gnutls_privkey_t key, unsigned int flags, void *userdata)
{
	struct tlskey *t = userdata;

	(void)key;
	if (flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO)
		return tlskey_scheme(t, GNUTLS_FLAGS_TO_SIGN_ALGO(flags)) != NULL;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS)
		return (int)t->bits;
	if (flags & GNUTLS_PRIVKEY_INFO_PK_ALGO)
		return (int)t->pk;
	return GNUTLS_E_UNKNOWN_ALGORITHM;	/* no single preferred one */
}

/* Free one record; only when no handshake can use it. */
static void tlskey_free(struct tlskey *t)
{
	unsigned int i;

	if (t->key)
		gnutls_privkey_deinit(t->key);
	for (i = 0; i < t->n_pcert; i++)
		gnutls_pcert_deinit(&t->pcert[i]);
	free(t);
}

/* The certificates, and what their key is. */
static int tlskey_certs(struct tlskey *t, const char *cert_pem)
{
	gnutls_datum_t pem = { (unsigned char *)cert_pem,
			       (unsigned int)strlen(cert_pem) };
	gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
	int ret;

	t->n_pcert = TLSKEY_CHAIN_MAX;
	ret = gnutls_pcert_list_import_x509_raw(t->pcert, &t->n_pcert, &pem,
						GNUTLS_X509_FMT_PEM, 0);
	if (ret < 0 || t->n_pcert == 0) {
		t->n_pcert = 0;
		log_error("TLS certificate: %s", gnutls_strerror(ret));
		return -PB_ECERT_PARSE;
	}
	ret = gnutls_pubkey_get_pk_algorithm(t->pcert[0].pubkey, &t->bits);
	t->pk = ret < 0 ? GNUTLS_PK_UNKNOWN : (gnutls_pk_algorithm_t)ret;
	if (t->pk == GNUTLS_PK_ECDSA) {
		ret = gnutls_pubkey_export_ecc_raw2(t->pcert[0].pubkey,
						    &t->curve, &x, &y, 0);
		gnutls_free(x.data);
		gnutls_free(y.data);
		if (ret < 0)
			return -PB_ECERT_PARSE;
	} else if (t->pk != GNUTLS_PK_RSA) {
		log_error("TLS certificate: an RSA or ECDSA key is needed");
		return -PB_ECERT_PARSE;
	}
	return 0;
}

int tlskey_new(struct signer *s, unsigned int gen, const char *cert_pem,
	       struct tlskey **out)
{
	struct tlskey *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->signer = s;
	t->gen = gen;
	rc = tlskey_certs(t, cert_pem);
	if (rc != 0)
		goto err;
	if (gnutls_privkey_init(&t->key) < 0) {
		t->key = NULL;
		rc = -ENOMEM;
		goto err;
	}
	if (gnutls_privkey_import_ext4(t->key, t, NULL, tlskey_sign_hash, NULL,
				       NULL, tlskey_info, 0) < 0) {
		rc = -PB_EKEY_PARSE;
		goto err;
	}
	pthread_mutex_lock(&tlskey_lock);
	t->next = tlskey_all;
	tlskey_all = t;
	pthread_mutex_unlock(&tlskey_lock);
	*out = t;
	return 0;
err:
	tlskey_free(t);
	return rc;
}

void tlskey_use(struct tlskey *t)
{
	atomic_store(&tlskey_now, t);
}

void tlskey_free_all(void)
{
	struct tlskey *t, *next;

	pthread_mutex_lock(&tlskey_lock);
	atomic_store(&tlskey_now, NULL);
	for (t = tlskey_all; t; t = next) {
		next = t->next;
		tlskey_free(t);
	}
	tlskey_all = NULL;
	pthread_mutex_unlock(&tlskey_lock);
}

int tlskey_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
		    int nreqs, const gnutls_pk_algorithm_t *pk_algos,
		    int pk_algos_length, gnutls_pcert_st **pcert,
		    unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	struct tlskey *t = atomic_load(&tlskey_now);

	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (!t)
		return -1;
	*pcert = t->pcert;
	*pcert_length = t->n_pcert;
	*privkey = t->key;
	return 0;
}
