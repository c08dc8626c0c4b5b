/* serve_dhcp.c: "podboot serve" keeps Kea in step with its
 * configuration.  One worker thread applies the latest generation that
 * names dhcp.kea_socket; a Kea that is unreachable or refuses keeps its
 * running configuration, and the reason is logged, recorded as an event
 * and shown by /healthz.  The reload never waits for Kea. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "kea_apply.h"
#include "log.h"
#include "serve_dhcp.h"
#include "store.h"
#include "utf8.h"

struct serve_dhcp {
	struct server *srv;
	pthread_t thread;
	pthread_mutex_t lock;		/* guards pending and stop */
	pthread_cond_t cond;
	struct server_gen *pending;	/* next to apply, referenced */
	int stop;
};

/*
 * Render @gen's configuration and apply it to its Kea; log the outcome
 * on one line, record it as an event and in srv->dhcp for /healthz
 * (cleaned to UTF-8: Kea's text is not ours).
 */
static void serve_dhcp_apply(struct server *srv, struct server_gen *gen)
{
	struct kea_opts o;
	char text[sizeof(srv->dhcp.text)];
	int rc;

	memset(&o, 0, sizeof(o));
	rc = kea_apply_config(gen->cfg, &o, text, sizeof(text));
	if (rc == 0) {
		log_info("Kea at %s runs configuration %u: %s",
			 gen->cfg->dhcp_socket, gen->number, text);
		store_event_add(srv->store, "dhcp", gen->cfg->dhcp_socket,
				"configuration %u applied: %s", gen->number,
				text);
	} else {
		log_error("Kea at %s keeps its running configuration, not "
			  "configuration %u: %s", gen->cfg->dhcp_socket,
			  gen->number, text);
		store_event_add(srv->store, "dhcp", gen->cfg->dhcp_socket,
				"configuration %u not applied: %s",
				gen->number, text);
	}
	pthread_mutex_lock(&srv->dhcp_lock);
	srv->dhcp.gen = gen->number;
	srv->dhcp.rc = rc;
	srv->dhcp.at = (long long)time(NULL);
	utf8_clean_str(srv->dhcp.text, sizeof(srv->dhcp.text), text);
	pthread_mutex_unlock(&srv->dhcp_lock);
}

/* The worker: apply each posted generation until told to stop. */
static void *serve_dhcp_thread(void *arg)
{
	struct serve_dhcp *w = arg;
	struct server_gen *gen;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->stop && !w->pending)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->stop)
			break;
		gen = w->pending;
		w->pending = NULL;
		pthread_mutex_unlock(&w->lock);
		serve_dhcp_apply(w->srv, gen);
		server_gen_put(gen);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int serve_dhcp_start(struct server *srv)
{
	struct serve_dhcp *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->srv = srv;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	rc = pthread_create(&w->thread, NULL, serve_dhcp_thread, w);
	if (rc != 0) {
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -rc;
	}
	srv->dhcp_worker = w;
	return 0;
}

void serve_dhcp_post(struct server *srv, struct server_gen *gen)
{
	struct serve_dhcp *w = srv->dhcp_worker;
	struct server_gen *old;

	if (!w || !gen->cfg->dhcp_socket[0])
		return;
	atomic_fetch_add(&gen->refs, 1);
	pthread_mutex_lock(&w->lock);
	old = w->pending;
	w->pending = gen;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	server_gen_put(old);
}

void serve_dhcp_stop(struct server *srv)
{
	struct serve_dhcp *w = srv->dhcp_worker;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	server_gen_put(w->pending);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	srv->dhcp_worker = NULL;
}
