/* http_drain.c: what a draining daemon needs to know of its requests:
 * how many are in flight, since when none is, that its answers close
 * their connections, and that none is parked (http_suspend) when it
 * stops. */
#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "http_int.h"

/* Daemons whose requests are counted; beyond this, a daemon is not, and
 * its drain waits for its connections to close, as without counting. */
#define HTTP_DRAIN_DAEMONS 32

/* One daemon's requests.  Its requests find it through the cls of the
 * daemon's callbacks: a connection's own daemon is a pool worker's. */
struct http_drain_rec {
	int used;			/* 0: a free slot */
	const struct MHD_Daemon *d;	/* once started */
	unsigned int inflight;		/* requests begun and not ended */
	int draining;			/* its answers close the connection */
	long long quiet_since;		/* monotonic ms none was in flight */
	unsigned int parked;		/* of those, parked (http_suspend) */
};

static pthread_mutex_t http_drain_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_drain_rec http_drain_recs[HTTP_DRAIN_DAEMONS];
/* Requests parked by http_suspend() and not resumed yet of daemons
 * whose requests are not counted (no record). */
static unsigned int http_parked_uncounted;

struct http_drain_rec *http_drain_new(void)
{
	struct http_drain_rec *rec = NULL;
	size_t i;

	pthread_mutex_lock(&http_drain_lock);
	for (i = 0; i < HTTP_DRAIN_DAEMONS && !rec; i++)
		if (!http_drain_recs[i].used)
			rec = &http_drain_recs[i];
	if (rec) {
		rec->used = 1;
		rec->d = NULL;
		rec->inflight = 0;
		rec->draining = 0;
		rec->quiet_since = clock_now_ms();
	}
	pthread_mutex_unlock(&http_drain_lock);
	return rec;
}

void http_drain_bind(struct http_drain_rec *rec, const struct MHD_Daemon *d)
{
	if (!rec)
		return;
	pthread_mutex_lock(&http_drain_lock);
	rec->d = d;
	rec->used = d != NULL;
	pthread_mutex_unlock(&http_drain_lock);
}

/* The record of started daemon @d, or NULL; lock held. */
static struct http_drain_rec *http_drain_find(const struct MHD_Daemon *d)
{
	size_t i;

	for (i = 0; d && i < HTTP_DRAIN_DAEMONS; i++)
		if (http_drain_recs[i].used && http_drain_recs[i].d == d)
			return &http_drain_recs[i];
	return NULL;
}

void http_drain_req_begin(struct http_drain_rec *rec)
{
	if (!rec)
		return;
	pthread_mutex_lock(&http_drain_lock);
	rec->inflight++;
	pthread_mutex_unlock(&http_drain_lock);
}

void http_drain_req_end(struct http_drain_rec *rec)
{
	if (!rec)
		return;
	pthread_mutex_lock(&http_drain_lock);
	if (rec->inflight && --rec->inflight == 0)
		rec->quiet_since = clock_now_ms();
	pthread_mutex_unlock(&http_drain_lock);
}

int http_drain_closes(struct http_drain_rec *rec)
{
	int closes;

	if (!rec)
		return 0;
	pthread_mutex_lock(&http_drain_lock);
	closes = rec->draining;
	pthread_mutex_unlock(&http_drain_lock);
	return closes;
}

void http_drain_begin(struct MHD_Daemon *d)
{
	struct http_drain_rec *rec;

	pthread_mutex_lock(&http_drain_lock);
	rec = http_drain_find(d);
	if (rec) {
		rec->draining = 1;
		if (!rec->inflight)	/* quiet from now, not from before */
			rec->quiet_since = clock_now_ms();
	}
	pthread_mutex_unlock(&http_drain_lock);
}

long long http_drain_quiet_ms(struct MHD_Daemon *d)
{
	struct http_drain_rec *rec;
	long long ms = -1;

	pthread_mutex_lock(&http_drain_lock);
	rec = http_drain_find(d);
	if (rec)
		ms = rec->inflight ? 0 : clock_now_ms() - rec->quiet_since;
	pthread_mutex_unlock(&http_drain_lock);
	return ms;
}

void http_drain_forget(struct MHD_Daemon *d)
{
	struct http_drain_rec *rec;

	pthread_mutex_lock(&http_drain_lock);
	rec = http_drain_find(d);
	if (rec)
		rec->used = 0;
	pthread_mutex_unlock(&http_drain_lock);
}

unsigned int http_connections(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *info;

	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return info ? info->num_connections : 0;
}

/* The count of parked requests @r belongs to (under http_drain_lock). */
static unsigned int *http_parked_count(struct http_drain_rec *rec)
{
	return rec ? &rec->parked : &http_parked_uncounted;
}

void http_suspend(struct http_req *r)
{
	pthread_mutex_lock(&http_drain_lock);
	(*http_parked_count(r->drain))++;
	pthread_mutex_unlock(&http_drain_lock);
	r->suspended = 1;
	MHD_suspend_connection(r->conn);
}

void http_resume(struct http_req *r)
{
	/* Once resumed, @r may end and be freed on its worker at once; its
	 * count (a daemon's record, which outlives the daemon's requests)
	 * is taken first, and its daemon cannot stop before it drops. */
	struct http_drain_rec *rec = r->drain;

	MHD_resume_connection(r->conn);
	pthread_mutex_lock(&http_drain_lock);
	(*http_parked_count(rec))--;
	pthread_mutex_unlock(&http_drain_lock);
}

void http_parked_wait(struct MHD_Daemon *d)
{
	struct http_drain_rec *rec;
	unsigned int n;

	if (!d)
		return;
	/* Whoever parked a request resumes it after a bounded wait of its
	 * own (a store statement): this only waits for that. */
	for (;;) {
		pthread_mutex_lock(&http_drain_lock);
		rec = http_drain_find(d);
		n = *http_parked_count(rec);
		pthread_mutex_unlock(&http_drain_lock);
		if (n == 0)
			return;
		usleep(10 * 1000);
	}
}
