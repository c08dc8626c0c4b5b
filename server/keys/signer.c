/* signer.c: the one place podboot holds the code-signing key: the key
 * holder itself (used in the signer process and by podboot publish), and
 * the API the request side calls, forwarded to a signer process. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "authenticode.h"
#include "cms.h"
#include "error.h"
#include "keystore.h"
#include "log.h"
#include "pki.h"
#include "signer.h"
#include "signer_client.h"
#include "signer_proto.h"

#define SIGNER_SLOTS_MAX 8

/*
 * One copy of the key per CPU: an mbedTLS key and generator serve one
 * thread at a time, so several slots let signatures proceed in parallel.
 */
struct signer_slot {
	pthread_mutex_t lock;
	mbedtls_pk_context *key;
	mbedtls_x509_crt *chain;
	struct rng rng;
};

/* Who signs: replaced whole at a rotation, the old ones kept until
 * signer_free() so that a caller's pointer stays valid. */
struct signer_ident {
	char subject[256];
	char cn[128];
	uint8_t id[32];		/* SHA-256 of the signing certificate */
	char serial[80];	/* its serial, hex */
	long long not_after;	/* unix seconds */
	struct signer_ident *older;
};

/* What a file on disk is: a rotation (rename) changes it. */
struct signer_file {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct signer {
	struct signer_slot slot[SIGNER_SLOTS_MAX];
	size_t n;
	/* Signing holds it shared; a rotation swaps the keys exclusively. */
	pthread_rwlock_t swap;
	char key_path[SIGNER_PATH_MAX];
	char cert_path[SIGNER_PATH_MAX];
	char root_path[SIGNER_PATH_MAX];
	struct signer_file key_file, cert_file;	/* what the slots hold */
	_Atomic(struct signer_ident *) ident;
	/* Set: the keys live in a signer process, asked through this. */
	struct signer_client *remote;
	/* In this process only: the UEFI pair, "" for none. */
	char uefi_key[SIGNER_PATH_MAX];
	char uefi_cert[SIGNER_PATH_MAX];
	/* Request side: the id the signer named for the pair on disk as
	 * key_file and cert_file were (taken before asking); NULL: ask. */
	pthread_mutex_t seen_lock;
	const uint8_t *seen_id;
};

/* Wipe and free a key and its chain (either may be NULL). */
static void signer_pair_free(mbedtls_pk_context *key, mbedtls_x509_crt *chain)
{
	if (key) {
		mbedtls_pk_free(key);	/* wipes the key */
		free(key);
	}
	if (chain) {
		mbedtls_x509_crt_free(chain);
		free(chain);
	}
}

/*
 * Load the pair @s names into a new key and chain, owned by the caller
 * (signer_pair_free()); both NULL on failure.  0 or a negative error.
 */
static int signer_pair_load(const struct signer *s, mbedtls_pk_context **key,
			    mbedtls_x509_crt **chain)
{
	int rc;

	*key = malloc(sizeof(**key));
	*chain = malloc(sizeof(**chain));
	if (!*key || !*chain) {
		free(*key);
		free(*chain);
		*key = NULL;
		*chain = NULL;
		return -ENOMEM;
	}
	mbedtls_pk_init(*key);
	mbedtls_x509_crt_init(*chain);
	rc = keystore_load_signer(s->key_path, s->cert_path,
				  *s->root_path ? s->root_path : NULL, *key,
				  *chain);
	if (rc != 0) {
		signer_pair_free(*key, *chain);
		*key = NULL;
		*chain = NULL;
	}
	return rc;
}

/* What the file at @path is now, into @f: 0 or -errno. */
static int signer_file_stat(const char *path, struct signer_file *f)
{
	struct stat sb;

	if (stat(path, &sb) != 0)
		return -errno;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->size = sb.st_size;
	f->mtime = sb.st_mtim;
	f->ctime = sb.st_ctim;
	return 0;
}

/* 1 when @a and @b are the same file, unchanged; else 0. */
static int signer_file_same(const struct signer_file *a,
			    const struct signer_file *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Identity of the certificate that @chain starts with. */
static struct signer_ident *signer_ident_new(const mbedtls_x509_crt *chain)
{
	const mbedtls_x509_name *n;
	struct signer_ident *id = calloc(1, sizeof(*id));
	time_t from, to;

	if (!id)
		return NULL;
	digest_sha256(chain->raw.p, chain->raw.len, id->id);
	pki_serial_hex(chain, id->serial, sizeof(id->serial));
	pki_cert_validity(chain, &from, &to);
	id->not_after = (long long)to;
	mbedtls_x509_dn_gets(id->subject, sizeof(id->subject), &chain->subject);
	for (n = &chain->subject; n; n = n->next)
		if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
			snprintf(id->cn, sizeof(id->cn), "%.*s",
				 (int)n->val.len, n->val.p);
	return id;
}

/*
 * Load the pair on disk into every slot, all or nothing; the caller holds
 * the swap lock exclusively (or is signer_load, before anyone else).
 * The files' identity is taken before they are read: a change while
 * reading shows at the next check.
 */
static int signer_reload(struct signer *s)
{
	mbedtls_pk_context *key[SIGNER_SLOTS_MAX] = { NULL };
	mbedtls_x509_crt *chain[SIGNER_SLOTS_MAX] = { NULL };
	struct signer_file kf, cf;
	struct signer_ident *id = NULL;
	size_t i;
	int rc;

	rc = signer_file_stat(s->key_path, &kf);
	if (rc == 0)
		rc = signer_file_stat(s->cert_path, &cf);
	for (i = 0; rc == 0 && i < s->n; i++)
		rc = signer_pair_load(s, &key[i], &chain[i]);
	if (rc == 0 && !(id = signer_ident_new(chain[0])))
		rc = -ENOMEM;
	if (rc != 0) {
		for (i = 0; i < s->n; i++)
			signer_pair_free(key[i], chain[i]);
		return rc;
	}
	for (i = 0; i < s->n; i++) {
		pthread_mutex_lock(&s->slot[i].lock);
		signer_pair_free(s->slot[i].key, s->slot[i].chain);
		s->slot[i].key = key[i];
		s->slot[i].chain = chain[i];
		pthread_mutex_unlock(&s->slot[i].lock);
	}
	s->key_file = kf;
	s->cert_file = cf;
	id->older = atomic_load(&s->ident);
	atomic_store(&s->ident, id);
	return 0;
}

/* Is the pair in the slots the pair on disk?  Caller holds the swap lock. */
static int signer_on_disk(const struct signer *s)
{
	struct signer_file kf, cf;

	return signer_file_stat(s->key_path, &kf) == 0 &&
	       signer_file_stat(s->cert_path, &cf) == 0 &&
	       signer_file_same(&kf, &s->key_file) &&
	       signer_file_same(&cf, &s->cert_file);
}

/*
 * A rotation replaced the pair on disk: load the new one.  While the pair
 * on disk cannot be loaded (a rotation half done, a file missing) nothing
 * is signed at all: the retired key must never sign again.
 */
static int signer_swap(struct signer *s)
{
	int rc = 0;

	pthread_rwlock_wrlock(&s->swap);
	if (!signer_on_disk(s)) {
		rc = signer_reload(s);
		if (rc == 0)
			log_info("code-signing key rotated: now signing as %s",
				 atomic_load(&s->ident)->subject);
		else
			log_error("code-signing key %s and certificate %s "
				  "changed and do not load as a pair (%s): "
				  "not signing until they do", s->key_path,
				  s->cert_path, pb_strerror(rc));
	}
	pthread_rwlock_unlock(&s->swap);
	return rc ? -EAGAIN : 0;
}

/* Copy @src into a path field; -ENAMETOOLONG when it does not fit. */
static int signer_path_set(char *dst, const char *src)
{
	if (snprintf(dst, SIGNER_PATH_MAX, "%s", src ? src : "") >=
	    SIGNER_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* Keep the three paths of the pair (@root may be NULL). */
static int signer_paths_set(struct signer *s, const char *key,
			    const char *cert, const char *root)
{
	int rc;

	if ((rc = signer_path_set(s->key_path, key)) != 0)
		return rc;
	if ((rc = signer_path_set(s->cert_path, cert)) != 0)
		return rc;
	return signer_path_set(s->root_path, root);
}

/*
 * An empty signer for the pair at these paths (@root may be NULL), safe
 * to signer_free(): 0, -ENOMEM, or -ENAMETOOLONG (nothing kept then).
 */
static int signer_new(struct signer **out, const char *key,
		      const char *cert, const char *root)
{
	struct signer *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	pthread_rwlock_init(&s->swap, NULL);
	pthread_mutex_init(&s->seen_lock, NULL);
	atomic_init(&s->ident, NULL);
	rc = signer_paths_set(s, key, cert, root);
	if (rc != 0) {
		signer_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int signer_load(struct signer **out, const char *key_path,
		const char *cert_path, const char *root_path)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct signer *s;
	size_t i;
	int rc;

	*out = NULL;
	rc = signer_new(&s, key_path, cert_path, root_path);
	if (rc != 0)
		return rc;
	s->n = cpus < 1 ? 1 : cpus > SIGNER_SLOTS_MAX ? SIGNER_SLOTS_MAX :
							(size_t)cpus;
	for (i = 0; i < s->n; i++)
		pthread_mutex_init(&s->slot[i].lock, NULL);
	for (i = 0; i < s->n; i++) {
		rc = rng_init(&s->slot[i].rng, "podboot serve signer");
		if (rc != 0)
			goto err;
	}
	rc = signer_reload(s);
	if (rc != 0)
		goto err;
	*out = s;
	return 0;
err:
	signer_free(s);
	return rc;
}

void signer_free(struct signer *s)
{
	struct signer_ident *id, *older;
	size_t i;

	if (!s)
		return;
	signer_client_free(s->remote);
	for (i = 0; i < s->n; i++) {
		rng_free(&s->slot[i].rng);
		signer_pair_free(s->slot[i].key, s->slot[i].chain);
		pthread_mutex_destroy(&s->slot[i].lock);
	}
	for (id = atomic_load(&s->ident); id; id = older) {
		older = id->older;
		free(id);
	}
	pthread_mutex_destroy(&s->seen_lock);
	pthread_rwlock_destroy(&s->swap);
	free(s);
}

int signer_sign_digest(struct signer *s, const struct digest_alg *alg,
		       const uint8_t *hash, unsigned char **der,
		       size_t *der_len)
{
	struct signer_slot *slot = NULL;
	size_t i;
	int rc;

	if (s->remote)
		return signer_client_sign(s->remote, alg, hash, der, der_len);
	/* The files' identity is checked before every signature. */
	pthread_rwlock_rdlock(&s->swap);
	while (!signer_on_disk(s)) {
		pthread_rwlock_unlock(&s->swap);
		rc = signer_swap(s);
		if (rc != 0)
			return rc;
		pthread_rwlock_rdlock(&s->swap);
	}
	/* A free slot if there is one; else wait for one chosen by hash. */
	for (i = 0; i < s->n && !slot; i++)
		if (pthread_mutex_trylock(&s->slot[i].lock) == 0)
			slot = &s->slot[i];
	if (!slot) {
		slot = &s->slot[hash[0] % s->n];
		pthread_mutex_lock(&slot->lock);
	}
	rc = cms_sign_digest(alg, hash, slot->key, slot->chain, &slot->rng,
			     der, der_len);
	pthread_mutex_unlock(&slot->lock);
	pthread_rwlock_unlock(&s->swap);
	return rc;
}

const char *signer_cn(const struct signer *s)
{
	if (s->remote)
		return signer_client_cn(s->remote);
	return atomic_load(&((struct signer *)s)->ident)->cn;
}

const char *signer_subject(const struct signer *s)
{
	if (s->remote)
		return signer_client_subject(s->remote);
	return atomic_load(&((struct signer *)s)->ident)->subject;
}

const char *signer_serial(const struct signer *s, long long *not_after)
{
	const struct signer_ident *id;

	if (s->remote)
		return signer_client_serial(s->remote, not_after);
	id = atomic_load(&((struct signer *)s)->ident);
	*not_after = id->not_after;
	return id->serial;
}

/*
 * signer_id() on the request side.  The signer's identity changes only
 * when the pair on disk does (a rotation: the signer checks the files'
 * identity before it answers), so the request side makes the same check
 * with two stat() calls, and asks the signer (an IDENT round trip) only
 * when the files are not those it last asked about, or cannot be
 * stat()ed.  The files' identity is taken before asking: a rotation
 * while the question travels shows as a change at the next call.
 * Returns a pointer valid until signer_free().
 */
static const uint8_t *signer_remote_id(struct signer *s)
{
	struct signer_file kf, cf;
	const uint8_t *id = NULL;
	int known;

	known = signer_file_stat(s->key_path, &kf) == 0 &&
		signer_file_stat(s->cert_path, &cf) == 0;
	pthread_mutex_lock(&s->seen_lock);
	if (known && s->seen_id && signer_file_same(&kf, &s->key_file) &&
	    signer_file_same(&cf, &s->cert_file))
		id = s->seen_id;
	pthread_mutex_unlock(&s->seen_lock);
	if (id)
		return id;
	id = signer_client_id(s->remote, 1);
	pthread_mutex_lock(&s->seen_lock);
	s->key_file = kf;
	s->cert_file = cf;
	s->seen_id = known ? id : NULL;
	pthread_mutex_unlock(&s->seen_lock);
	return id;
}

const uint8_t *signer_id(const struct signer *s)
{
	struct signer *w = (struct signer *)s;
	int same;

	if (s->remote)
		return signer_remote_id(w);
	/* A cache keyed by this id must not find the retired key's work:
	 * look at the files first (a failed swap is logged, and signing
	 * then refuses). */
	pthread_rwlock_rdlock(&w->swap);
	same = signer_on_disk(w);
	pthread_rwlock_unlock(&w->swap);
	if (!same)
		signer_swap(w);
	return atomic_load(&w->ident)->id;
}

int signer_start(struct signer **out, const struct signer_paths *p)
{
	struct signer *s;
	int rc;

	*out = NULL;
	rc = signer_new(&s, p->codesign_key, p->codesign_cert, p->root_cert);
	if (rc != 0)
		return rc;
	rc = signerd_start(p, &s->remote);
	if (rc != 0) {
		signer_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

pid_t signer_pid(const struct signer *s)
{
	return s->remote ? signer_client_pid(s->remote) : 0;
}

int signer_tls_load(struct signer *s, unsigned int gen, unsigned char **pub,
		    size_t *pub_len)
{
	struct signer_req_tls_load q = { .gen = gen };

	*pub = NULL;
	if (!s->remote)
		return -ENOTSUP;
	return signer_client_call(s->remote, SIGNER_MSG_TLS_LOAD, &q,
				  sizeof(q), pub, pub_len);
}

int signer_tls_sign(struct signer *s, unsigned int gen, unsigned int algo,
		    const uint8_t *data, size_t len, unsigned char **sig,
		    size_t *sig_len)
{
	struct signer_req_tls_sign q;

	*sig = NULL;
	if (!s->remote)
		return -ENOTSUP;
	if (len > sizeof(q.data))
		return -PB_ETOOBIG;
	memset(&q, 0, sizeof(q));
	q.gen = gen;
	q.algo = algo;
	q.len = (uint32_t)len;
	memcpy(q.data, data, len);
	return signer_client_call(s->remote, SIGNER_MSG_TLS_SIGN, &q,
				  sizeof(q), sig, sig_len);
}

int signer_uefi_sign(struct signer *s, const uint8_t *hash,
		     unsigned char **der, size_t *der_len)
{
	struct signer_req_uefi_sign q;

	*der = NULL;
	if (!s->remote)
		return signer_uefi_sign_files(s->uefi_key, s->uefi_cert, hash,
					      der, der_len);
	memset(&q, 0, sizeof(q));
	q.md = MBEDTLS_MD_SHA256;
	q.hash_len = SIGNER_UEFI_HASH_LEN;
	memcpy(q.hash, hash, SIGNER_UEFI_HASH_LEN);
	return signer_client_call(s->remote, SIGNER_MSG_UEFI_SIGN, &q,
				  sizeof(q), der, der_len);
}

void signer_set_uefi(struct signer *s, const char *key, const char *cert)
{
	snprintf(s->uefi_key, sizeof(s->uefi_key), "%s", key ? key : "");
	snprintf(s->uefi_cert, sizeof(s->uefi_cert), "%s", cert ? cert : "");
}

int signer_uefi_sign_files(const char *key, const char *cert,
			   const uint8_t *hash, unsigned char **der,
			   size_t *der_len)
{
	struct rng rng = { .seeded = 0 };
	mbedtls_pk_context pk;
	mbedtls_x509_crt chain;
	int rc;

	*der = NULL;
	if (!key || !key[0])
		return -ENOTSUP;
	mbedtls_pk_init(&pk);
	mbedtls_x509_crt_init(&chain);
	rc = keystore_load_signer(key, cert, NULL, &pk, &chain);
	if (rc == 0)
		rc = rng_init(&rng, "podboot uefi signer");
	if (rc == 0)
		rc = authenticode_sign(digest_by_md(MBEDTLS_MD_SHA256), hash,
				       &pk, &chain, &rng, der, der_len);
	rng_free(&rng);
	mbedtls_x509_crt_free(&chain);
	mbedtls_pk_free(&pk);	/* wipes the key */
	return rc;
}
