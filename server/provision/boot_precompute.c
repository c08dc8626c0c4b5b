/* boot_precompute.c: after a start or reload, sign in the background the
 * stage2 every node would get, so that a boot storm finds them cached. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "boot.h"
#include "boot_int.h"
#include "lifecycle.h"
#include "log.h"

/* One precomputation: the generation it signs for (a reference held). */
struct boot_pre {
	struct server *srv;
	struct server_gen *gen;
};

#define BOOT_PRE_THREADS_MAX 8

/* One share of the nodes: every @n-th from @k. */
struct boot_pre_part {
	struct boot_pre *p;
	size_t k, n;
	size_t done;
	pthread_t thread;
};

/* Render and sign the installers of the share's nodes still to be
 * installed; stops early once srv->pre_stop is set. */
static void *boot_precompute_part(void *arg)
{
	struct boot_pre_part *part = arg;
	struct boot_pre *p = part->p;
	const struct config *cfg = p->gen->cfg;
	struct boot_render *out = malloc(sizeof(*out));
	unsigned char *der;
	struct store_node sn;
	size_t i, der_len;
	char err[512];

	for (i = part->k; out && i < cfg->n_nodes &&
			  !atomic_load(&p->srv->pre_stop);
	     i += part->n) {
		if (store_node_get(p->srv->store, cfg->nodes[i].hostname,
				   &sn) != 0 || !lifecycle_installs(sn.state))
			continue;
		if (boot_install(p->srv, p->gen, &cfg->nodes[i], &sn,
				 cfg->base_url, 1, out, err, sizeof(err)) != 0)
			continue;
		if (boot_sign(p->srv, p->gen, out->script, out->len, &der,
			      &der_len) == 0) {
			free(der);
			part->done++;
			atomic_fetch_add(&p->srv->pre_ready, 1);
		}
	}
	free(out);
	return NULL;
}

/* The shared scripts, then every armed node's, on every CPU. */
static void *boot_precompute_thread(void *arg)
{
	struct boot_pre_part parts[BOOT_PRE_THREADS_MAX];
	struct boot_pre *p = arg;
	const struct config *cfg = p->gen->cfg;
	struct boot_render *out = malloc(sizeof(*out));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus < 1 ? 1 : cpus > BOOT_PRE_THREADS_MAX ?
				 BOOT_PRE_THREADS_MAX : (size_t)cpus;
	size_t i, der_len, done = 0;
	unsigned char *der;

	if (out) {
		boot_render_local(out);
		if (boot_sign(p->srv, p->gen, out->script, out->len, &der,
			      &der_len) == 0)
			free(der);
	}
	if (out && boot_render_discover(cfg->base_url,
					signer_cn(p->gen->signer), out) == 0 &&
	    boot_sign(p->srv, p->gen, out->script, out->len, &der,
		      &der_len) == 0)
		free(der);
	free(out);
	for (i = 0; i < n; i++) {
		parts[i] = (struct boot_pre_part){ p, i, n, 0, 0 };
		if (i > 0 && pthread_create(&parts[i].thread, NULL,
					    boot_precompute_part,
					    &parts[i]) != 0)
			parts[i].n = 0;	/* not started: its share is skipped */
	}
	boot_precompute_part(&parts[0]);
	for (i = 0; i < n; i++) {
		if (i > 0 && parts[i].n)
			pthread_join(parts[i].thread, NULL);
		done += parts[i].done;
	}
	log_info("stage2 signatures ready for %zu armed nodes", done);
	atomic_store(&p->srv->pre_busy, 0);
	server_gen_put(p->gen);
	free(p);
	return NULL;
}

void boot_precompute_stop(struct server *srv)
{
	if (!srv->pre_running)
		return;
	atomic_store(&srv->pre_stop, 1);
	pthread_join(srv->pre_thread, NULL);
	atomic_store(&srv->pre_stop, 0);
	srv->pre_running = 0;
}

void boot_precompute(struct server *srv, struct server_gen *gen)
{
	struct boot_pre *p = malloc(sizeof(*p));

	boot_precompute_stop(srv);
	if (!p)
		return;
	p->srv = srv;
	p->gen = gen;
	atomic_fetch_add(&gen->refs, 1);
	atomic_store(&srv->pre_gen, gen->number);
	atomic_store(&srv->pre_ready, 0);
	atomic_store(&srv->pre_busy, 1);
	if (pthread_create(&srv->pre_thread, NULL, boot_precompute_thread,
			   p) != 0) {
		atomic_store(&srv->pre_busy, 0);
		server_gen_put(gen);
		free(p);
		return;
	}
	srv->pre_running = 1;
}

