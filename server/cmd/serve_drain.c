/* serve_drain.c: retiring the daemons of a replaced generation: they stop
 * accepting and finish their requests in a thread of their own. */
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "serve_int.h"

/*
 * Why reload never calls MHD_quiesce_daemon() on an epoll daemon.
 *
 * libmicrohttpd 0.9.75's MHD_quiesce_daemon() sets each pool worker's
 * was_quiesced and then removes the listening socket from that worker's
 * epoll set itself, while the worker thread, in MHD_epoll(), removes the
 * very same socket when it sees was_quiesced or reaches its connection
 * limit.  Neither flag is atomic or locked: both sides read
 * listen_socket_in_epoll as true, both call EPOLL_CTL_DEL, the loser gets
 * ENOENT and MHD_PANIC()s ("Failed to remove listen FD from epoll set"),
 * aborting the process with uploads and pushes in flight.  Calling it from
 * our main thread instead of a background one does not help: the other
 * party is MHD's own worker, which no thread of ours can hold off.
 *
 * So http_start() runs its daemons on poll(), where quiescing touches no
 * kernel state: it only sets was_quiesced and wakes each worker through its
 * inter-thread channel, and the worker leaves the listening socket out of
 * its next poll set.  A worker that read the flag just before it was set
 * accepts one more connection, which is served and counted, so the drain
 * waits for it.  The main thread (the only one that starts, quiesces or hands over
 * daemons) quiesces the old daemons after the new ones accept on dups of
 * the same sockets; a retire thread then only waits and stops.  The
 * listening socket a quiesced daemon hands back stays open until that
 * daemon is stopped, so no worker ever polls a closed or reused fd.
 */

/* Connections still open on the daemons of @r. */
static unsigned int serve_busy(struct serve_retired *r)
{
	return (r->tls ? http_connections(r->tls) : 0) +
	       (r->plain ? http_connections(r->plain) : 0);
}

/* How long no request has been in flight on either daemon of @r, in ms;
 * -1 when one of them does not count its requests. */
static long long serve_quiet_ms(struct serve_retired *r)
{
	long long t = r->tls ? http_drain_quiet_ms(r->tls) : LLONG_MAX;
	long long p = r->plain ? http_drain_quiet_ms(r->plain) : LLONG_MAX;

	return t < 0 || p < 0 ? -1 : t < p ? t : p;
}

/*
 * Let requests in flight finish (until @r->until), then stop.  Done when
 * no connection is open, twice 50 ms apart (a worker that accepted just as
 * it was quiesced has counted that connection by the second look), or
 * when no request has been in flight for SERVE_DRAIN_QUIET_MS: what is
 * still open then is an idle keep-alive connection (the daemon's answers
 * have closed every one that sent a request since the drain began) or a
 * client that has sent nothing for that long, and stopping closes it.
 */
static void *serve_retire_thread(void *arg)
{
	struct serve_retired *r = arg;
	int idle = 0;

	while (idle < 2 && (long long)time(NULL) < atomic_load(&r->until)) {
		idle = serve_busy(r) > 0 ? 0 : idle + 1;
		if (serve_quiet_ms(r) >= SERVE_DRAIN_QUIET_MS)
			break;
		if (idle < 2)
			usleep(50 * 1000);
	}
	http_parked_wait(r->tls);
	http_parked_wait(r->plain);
	if (r->tls)
		MHD_stop_daemon(r->tls);
	if (r->plain)
		MHD_stop_daemon(r->plain);
	http_drain_forget(r->tls);
	http_drain_forget(r->plain);
	if (r->tls_fd >= 0)
		close(r->tls_fd);
	if (r->plain_fd >= 0)
		close(r->plain_fd);
	atomic_store(&r->done, 1);
	return NULL;
}

/* Main thread only: stop @d accepting; the socket it gives back is ours. */
static int serve_quiesce(struct MHD_Daemon *d, int fd)
{
	if (!d) {
		/* Never handed to a daemon (a failed start): ours already. */
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* -1 if MHD refused: then MHD_stop_daemon() closes the socket. */
	return MHD_quiesce_daemon(d);
}

/*
 * Main thread only: the daemons in @l stop accepting now and drain in a
 * thread of their own for at most @seconds; @l is emptied.  The record
 * joins @list, reaped by serve_reap().
 */
void serve_retire(struct serve_retired **list,
			 struct serve_listeners *l, unsigned int seconds)
{
	struct serve_retired *r = calloc(1, sizeof(*r));
	int tls_fd, plain_fd;

	tls_fd = serve_quiesce(l->tls, l->tls_fd);
	plain_fd = serve_quiesce(l->plain, l->plain_fd);
	if (l->tls)
		http_drain_begin(l->tls);
	if (l->plain)
		http_drain_begin(l->plain);
	if (!r) {
		/* No memory for a record: drain here, bounded. */
		struct serve_retired tmp = { .tls = l->tls, .plain = l->plain,
					     .tls_fd = tls_fd,
					     .plain_fd = plain_fd };

		atomic_init(&tmp.until, (long long)time(NULL) + SERVE_DRAIN_S);
		serve_retire_thread(&tmp);
		goto out;
	}
	r->tls = l->tls;
	r->plain = l->plain;
	r->tls_fd = tls_fd;
	r->plain_fd = plain_fd;
	atomic_init(&r->until, (long long)time(NULL) + seconds);
	atomic_init(&r->done, 0);
	r->joinable = pthread_create(&r->thread, NULL, serve_retire_thread,
				     r) == 0;
	if (!r->joinable) {
		atomic_store(&r->until, (long long)time(NULL) + SERVE_DRAIN_S);
		serve_retire_thread(r);
	}
	r->next = *list;
	*list = r;
out:
	l->tls = l->plain = NULL;
	l->tls_fd = l->plain_fd = -1;
}

/*
 * Main thread only: free the drained generations in @list; with @all,
 * cut every drain to SERVE_DRAIN_S from now and wait for all of them
 * (SIGTERM: nothing may outlive the server it uses).
 */
void serve_reap(struct serve_retired **list, int all)
{
	long long cut = (long long)time(NULL) + SERVE_DRAIN_S;
	struct serve_retired **p = list, *r;

	while ((r = *p)) {
		if (all && atomic_load(&r->until) > cut)
			atomic_store(&r->until, cut);
		if (!all && !atomic_load(&r->done)) {
			p = &r->next;
			continue;
		}
		if (r->joinable)
			pthread_join(r->thread, NULL);
		*p = r->next;
		free(r);
	}
}

