/* transfer.c: bodies in flight: the reserve of connections they may not
 * take, and the thread that cuts those slower than the minimum rate. */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "transfer.h"

/* How often the rates are looked at. */
#define TRANSFER_TICK_MS 500

/*
 * Bytes the peer has taken on @fd (acknowledged, for a download) or sent
 * (received by this host, for an upload): what the client really did,
 * whatever sits in buffers between it and libmicrohttpd.
 */
static int transfer_bytes(int fd, int kind, unsigned long long *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return -errno;
	*out = (kind & TRANSFER_UPLOAD) ? ti.tcpi_bytes_received :
					  ti.tcpi_bytes_acked;
	return 0;
}

int transfer_begin(struct transfers *ts, struct transfer *t, int fd,
		   int kind, unsigned int max, const char *what)
{
	int rc = 0;

	memset(t, 0, sizeof(*t));
	t->fd = fd;
	t->kind = kind;
	t->start_ms = clock_now_ms();
	snprintf(t->what, sizeof(t->what), "%s", what);
	if (transfer_bytes(fd, kind, &t->base) != 0)
		t->base = 0;
	t->win_ms = t->start_ms;
	t->win_bytes = t->base;
	pthread_mutex_lock(&ts->lock);
	if ((kind & TRANSFER_RESERVED) && ts->reserved >= max) {
		rc = -EBUSY;
		goto out;
	}
	if (kind & TRANSFER_RESERVED) {
		ts->reserved++;
		atomic_store(ts->in_flight, ts->reserved);
	}
	t->prev = NULL;
	t->next = ts->head;
	if (ts->head)
		ts->head->prev = t;
	ts->head = t;
	t->listed = 1;
out:
	pthread_mutex_unlock(&ts->lock);
	return rc;
}

void transfer_end(struct transfers *ts, struct transfer *t)
{
	pthread_mutex_lock(&ts->lock);
	if (t->listed) {
		if (t->prev)
			t->prev->next = t->next;
		else
			ts->head = t->next;
		if (t->next)
			t->next->prev = t->prev;
		if (t->kind & TRANSFER_RESERVED) {
			ts->reserved--;
			atomic_store(ts->in_flight, ts->reserved);
		}
		t->listed = 0;
	}
	pthread_mutex_unlock(&ts->lock);
}

enum transfer_verdict transfer_verdict_of(long long win_ms, long long now,
					 unsigned long long win_bytes,
					 unsigned long long bytes,
					 unsigned int rate,
					 unsigned int grace_s)
{
	double secs = (double)(now - win_ms) / 1000.0;
	unsigned long long moved;

	if (secs < (double)(grace_s ? grace_s : 1))
		return TRANSFER_WAIT;
	moved = bytes > win_bytes ? bytes - win_bytes : 0;
	if ((double)moved >= (double)rate * secs)
		return TRANSFER_PASS;
	return TRANSFER_CUT;
}

/*
 * Cut @t if it moved fewer than @rate bytes per second over the last
 * window of @grace_s seconds.  The windows follow one another from the
 * transfer's start, so a client cannot bank speed: a fast first gigabyte
 * buys it no more than one window of trickling.  Called with the lock
 * held: the request, and so its socket, cannot end meanwhile.  shutdown()
 * wakes the worker that owns the connection, which closes (resets) it as
 * a failed request (an upload is then abandoned: its temporary file
 * removed).
 */
static void transfer_check(struct transfers *ts, struct transfer *t,
			   long long now, unsigned int rate,
			   unsigned int grace_s)
{
	const struct linger abort_now = { 1, 0 };
	unsigned long long bytes, moved;
	double secs = (double)(now - t->win_ms) / 1000.0;
	enum transfer_verdict v;

	/* Within the window, no system call is spent on the socket. */
	if (t->fd < 0 || transfer_verdict_of(t->win_ms, now, 0, 0, 0,
					     grace_s) == TRANSFER_WAIT ||
	    transfer_bytes(t->fd, t->kind, &bytes) != 0)
		return;
	v = transfer_verdict_of(t->win_ms, now, t->win_bytes, bytes, rate,
				grace_s);
	if (v == TRANSFER_PASS) {
		t->win_ms = now;	/* this window passed: the next begins */
		t->win_bytes = bytes;
		return;
	}
	moved = bytes > t->win_bytes ? bytes - t->win_bytes : 0;
	/* Abort, not close: what waits in the send buffer would trickle
	 * out behind a FIN for as long as the client likes.  With a zero
	 * linger, libmicrohttpd's close() resets the connection. */
	setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &abort_now, sizeof(abort_now));
	shutdown(t->fd, SHUT_RDWR);
	t->fd = -1;		/* cut once */
	atomic_fetch_add(ts->cut, 1);
	log_warn("%s: cut: %llu bytes in the last %.0f s (%.0f s since it "
		 "began) is below limits.min_rate (%u bytes/s)%s", t->what,
		 moved, secs, (double)(now - t->start_ms) / 1000.0, rate,
		 (t->kind & TRANSFER_UPLOAD) ? "; upload abandoned, nothing "
					       "published" : "");
}

/*
 * The watch: every TRANSFER_TICK_MS, cut the transfers of @arg (struct
 * transfers) that moved less than the configured rate after the grace
 * period, until transfer_stop().  Takes and releases ts->lock.
 */
static void *transfer_thread(void *arg)
{
	struct transfers *ts = arg;
	struct transfer *t;
	struct timespec until;
	unsigned int rate, grace;
	long long now;

	pthread_mutex_lock(&ts->lock);
	while (!ts->stop) {
		clock_after_ms(TRANSFER_TICK_MS, &until);
		pthread_cond_timedwait(&ts->wake, &ts->lock, &until);
		if (ts->stop)
			break;
		/* The configuration may change at any reload. */
		pthread_mutex_unlock(&ts->lock);
		ts->limits(ts->limits_ctx, &rate, &grace);
		pthread_mutex_lock(&ts->lock);
		if (rate == 0)
			continue;
		now = clock_now_ms();
		for (t = ts->head; t; t = t->next)
			transfer_check(ts, t, now, rate, grace);
	}
	pthread_mutex_unlock(&ts->lock);
	return NULL;
}

int transfer_start(struct transfers *ts, transfer_limits_fn limits,
		   void *limits_ctx, atomic_ullong *in_flight,
		   atomic_ullong *cut)
{
	pthread_condattr_t attr;
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->limits = limits;
	ts->limits_ctx = limits_ctx;
	ts->in_flight = in_flight;
	ts->cut = cut;
	pthread_mutex_init(&ts->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&ts->wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&ts->thread, NULL, transfer_thread, ts);
	if (rc != 0)
		return -rc;
	ts->running = 1;
	return 0;
}

void transfer_stop(struct transfers *ts)
{
	if (!ts->running)
		return;
	pthread_mutex_lock(&ts->lock);
	ts->stop = 1;
	pthread_cond_signal(&ts->wake);
	pthread_mutex_unlock(&ts->lock);
	pthread_join(ts->thread, NULL);
	ts->running = 0;
}
