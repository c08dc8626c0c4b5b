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
#include "fwbuild.h"
#include "fwimage.h"
#include "fwsweep.h"
#include "kea_apply.h"
#include "kea_leases.h"
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
	unsigned int leases_s;		/* dhcp.leases_interval_s; 0: off */
	time_t due;			/* of the next pass over the leases */
	struct fwbuild_memo memo;	/* the TFTP files placed so far */
};

/*
 * Copy the TFTP files of checked build @fw of pod @p (NULL: the shared
 * build) into dhcp.tftp_root (a pod's own: TFTP_ROOT/POD, made and
 * marked as podboot's when missing).  0, or a negative error with the
 * reason in @err.
 */
static int serve_dhcp_fw_place(struct serve_dhcp *w, const struct config *cfg,
			       const struct config_pod *p,
			       const struct fwbuild *fw, unsigned int *copied,
			       char *err, size_t err_size)
{
	char dest[PATH_MAX];
	int rc;

	if (!cfg->dhcp_tftp_root[0])
		return 0;
	if (p && (rc = fwsweep_claim(cfg->dhcp_tftp_root, p->name, err,
				     err_size)) != 0)
		return rc;
	rc = fwbuild_dest(dest, sizeof(dest), cfg->dhcp_tftp_root,
			  p ? p->name : NULL);
	if (rc != 0) {
		snprintf(err, err_size, "%.300s: %s", cfg->dhcp_tftp_root,
			 pb_strerror(rc));
		return rc;
	}
	return fwbuild_place(fw, dest, &w->memo, copied, err, err_size);
}

/*
 * Check the firmware build of pod @p (NULL: dhcp.firmware_dir) against
 * its SHA256SUMS, each file read once, copy its TFTP files into place
 * and add what was checked to @set.  Each build's digests are recorded
 * as an event.  0, or a negative error with the reason in @err.
 */
static int serve_dhcp_fw_one(struct serve_dhcp *w, const struct config *cfg,
			     const struct config_pod *p, struct fwimages *set,
			     char *err, size_t err_size)
{
	const char *dir = fwbuild_dir_of(cfg, p);
	struct fwbuild fw;
	unsigned int copied = 0;
	int rc;

	if (!dir[0])
		return 0;
	if ((rc = fwbuild_check(dir, &fw, err, err_size)) != 0)
		return rc;
	if ((rc = serve_dhcp_fw_place(w, cfg, p, &fw, &copied, err,
				      err_size)) != 0)
		goto out;
	store_event_add(w->srv->store, "firmware", p ? p->name : "",
			"build %s checked: " FWBUILD_BIOS " %s "
			FWBUILD_UEFI " %s " FWBUILD_HTTP " %s; %u copied "
			"to the TFTP root", dir, fw.hex[0], fw.hex[1],
			fw.hex[2], copied);
	rc = fwimages_add(set, p ? p->name : NULL, &fw, err, err_size);
out:
	fwbuild_free(&fw);
	return rc;
}

/*
 * The firmware of @cfg: the shared build, then each pod's own; when all
 * pass, their files replace those srv->fw serves.  0, or the first
 * failure with its reason (naming the file) in @err: srv->fw is kept.
 */
static int serve_dhcp_firmware(struct serve_dhcp *w, const struct config *cfg,
			       char *err, size_t err_size)
{
	struct fwimages *set = fwimages_new(), *old;
	struct server *srv = w->srv;
	size_t i;
	int rc;

	if (!set) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	rc = serve_dhcp_fw_one(w, cfg, NULL, set, err, err_size);
	for (i = 0; rc == 0 && i < cfg->n_pods; i++) {
		if (cfg->pods[i].firmware_dir[0])
			rc = serve_dhcp_fw_one(w, cfg, &cfg->pods[i], set,
					       err, err_size);
	}
	if (rc != 0) {
		fwimages_put(set);
		return rc;
	}
	pthread_mutex_lock(&srv->fw_lock);
	old = srv->fw;
	srv->fw = set;
	pthread_mutex_unlock(&srv->fw_lock);
	fwimages_put(old);
	return 0;
}

/* fwsweep_run()'s report of stale directory @pod: logged, and an event. */
static void serve_dhcp_swept(void *arg, const char *root, const char *pod,
			     int rc)
{
	struct serve_dhcp *w = arg;

	if (rc == 0) {
		log_info("firmware: removed %s/%s/ (pod %s has no firmware "
			 "build of its own)", root, pod, pod);
		store_event_add(w->srv->store, "firmware", pod, "removed "
				"%s/%s/: the pod has no firmware build of its "
				"own", root, pod);
	} else {
		log_error("firmware: %s/%s/ is stale (pod %s has no firmware "
			  "build of its own) but kept: %s", root, pod, pod,
			  rc == -ENOTEMPTY ? "it holds files podboot did not "
			  "put there" : pb_strerror(rc));
	}
}

/*
 * Render @gen's configuration and apply it to its Kea; log the outcome
 * on one line, record it as an event and in srv->dhcp for /healthz
 * (cleaned to UTF-8: Kea's text is not ours).
 */
static void serve_dhcp_apply(struct serve_dhcp *w, struct server_gen *gen)
{
	struct server *srv = w->srv;
	struct kea_opts o;
	char text[sizeof(srv->dhcp.text)];
	int rc;

	memset(&o, 0, sizeof(o));
	rc = serve_dhcp_firmware(w, gen->cfg, text, sizeof(text));
	if (rc != 0) {
		log_error("firmware: configuration %u's DHCP part refused: "
			  "%s", gen->number, text);
		store_event_add(srv->store, "dhcp", "firmware",
				"configuration %u's DHCP part refused: %s",
				gen->number, text);
	} else if (!gen->cfg->dhcp_socket[0]) {
		snprintf(text, sizeof(text), "firmware placed (no Kea)");
		log_info("configuration %u: %s", gen->number, text);
	} else if ((rc = kea_apply_config(gen->cfg, &o, text,
					  sizeof(text))) == 0) {
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
	/* Kea (if any) no longer names a stale pod's files: remove them */
	if (rc == 0 && gen->cfg->dhcp_tftp_root[0])
		fwsweep_run(gen->cfg->dhcp_tftp_root, gen->cfg,
			    serve_dhcp_swept, w, NULL);
	fwbuild_memo_prune(&w->memo);
	pthread_mutex_lock(&srv->dhcp_lock);
	srv->dhcp.gen = gen->number;
	srv->dhcp.rc = rc;
	srv->dhcp.at = (long long)time(NULL);
	utf8_clean_str(srv->dhcp.text, sizeof(srv->dhcp.text), text);
	pthread_mutex_unlock(&srv->dhcp_lock);
}

/*
 * One pass over Kea's leases with the current generation: unknown
 * machines recorded as discovered (kea_leases_discover()); a failure is
 * logged, what was recorded is logged.
 */
static void serve_dhcp_leases(struct server *srv)
{
	struct server_gen *gen = server_gen_get(srv);
	const struct config *cfg = gen->cfg;
	struct kea_lease_counts c;
	char err[512];
	int rc;

	if (!cfg->dhcp_socket[0] || !cfg->dhcp_leases_s)
		goto out;
	rc = kea_leases_discover(cfg, srv->store, cfg->dhcp_socket, &c, err,
				 sizeof(err));
	if (rc != 0)
		log_error("Kea's leases at %s: %s", cfg->dhcp_socket, err);
	else if (c.recorded)
		log_info("Kea's leases: %u unknown machines recorded as "
			 "discovered", c.recorded);
out:
	server_gen_put(gen);
}

/* Under w->lock: wait for a post, a stop or the leases' turn. */
static void serve_dhcp_wait(struct serve_dhcp *w)
{
	struct timespec until = { 0, 0 };

	if (!w->leases_s) {
		pthread_cond_wait(&w->cond, &w->lock);
		return;
	}
	until.tv_sec = w->due;
	pthread_cond_timedwait(&w->cond, &w->lock, &until);
}

/* Under w->lock: 1 when the leases are due (and the next pass set). */
static int serve_dhcp_leases_due(struct serve_dhcp *w)
{
	time_t now = time(NULL);

	if (!w->leases_s || now < w->due)
		return 0;
	w->due = now + (time_t)w->leases_s;
	return 1;
}

/* The worker: apply each posted generation, read Kea's leases every
 * dhcp.leases_interval_s, until told to stop. */
static void *serve_dhcp_thread(void *arg)
{
	struct serve_dhcp *w = arg;
	struct server_gen *gen;
	int leases;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		leases = 0;
		while (!w->stop && !w->pending &&
		       !(leases = serve_dhcp_leases_due(w)))
			serve_dhcp_wait(w);
		if (w->stop)
			break;
		gen = w->pending;
		w->pending = NULL;
		pthread_mutex_unlock(&w->lock);
		if (gen) {
			serve_dhcp_apply(w, gen);
			server_gen_put(gen);
		} else if (leases) {
			serve_dhcp_leases(w->srv);
		}
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

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->leases_s != gen->cfg->dhcp_leases_s)
		w->due = time(NULL) + (time_t)gen->cfg->dhcp_leases_s;
	w->leases_s = gen->cfg->dhcp_leases_s;
	if (!gen->cfg->dhcp_socket[0] && !gen->cfg->dhcp_firmware_dir[0] &&
	    !gen->cfg->dhcp_tftp_root[0]) {
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
		return;
	}
	atomic_fetch_add(&gen->refs, 1);
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
	fwbuild_memo_free(&w->memo);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
	srv->dhcp_worker = NULL;
}
