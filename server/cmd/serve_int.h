/* serve_int.h: what the pieces of "podboot serve" share: the listening
 * sockets and daemons of one generation, and their retirement. */
#ifndef PODBOOT_SERVE_INT_H
#define PODBOOT_SERVE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "http.h"

#define SERVE_DRAIN_S 30		/* SIGTERM: requests in flight */
#define SERVE_DRAIN_QUIET_MS 1000	/* no request in flight: done */
#define SERVE_RELOAD_DRAIN_S 3600	/* reload: long downloads finish */

/* The listening sockets and the daemons serving them. */
struct serve_listeners {
	int tls_fd;
	int plain_fd;
	struct MHD_Daemon *tls;
	struct MHD_Daemon *plain;
};

/* Daemons of one generation, no longer accepting, finishing their work. */
struct serve_retired {
	struct serve_retired *next;
	struct MHD_Daemon *tls, *plain;
	int tls_fd, plain_fd;		/* handed back by quiescing: ours */
	atomic_llong until;		/* stop then even if still busy */
	atomic_int done;
	pthread_t thread;
	int joinable;
};

/*
 * Main thread only: the daemons in @l stop accepting now and drain in a
 * thread of their own for at most @seconds; @l is emptied.  The record
 * joins @list, reaped by serve_reap().
 */
void serve_retire(struct serve_retired **list, struct serve_listeners *l,
		  unsigned int seconds);

/*
 * Main thread only: free the drained generations in @list; with @all,
 * cut every drain to SERVE_DRAIN_S from now and wait for all of them
 * (SIGTERM: nothing may outlive the server it uses).
 */
void serve_reap(struct serve_retired **list, int all);

/*
 * The data directory of @srv: made, locked (*@lock, for the caller to
 * unlock), set aside first with @reinit, the store opened, the artifact
 * folders and node-token secret ready, the nodes synchronised.
 *
 * @ret rc		0 or a negative error, logged
 */
int serve_datadir(struct server *srv, int reinit, int *lock);

/* Machines assigned through the API join the nodes of @cfg: 0 or an
 * error of the store. */
int serve_assignments(struct server *srv, struct config *cfg);

/*
 * For --check: the assignments in the store of @cfg's data directory,
 * read without changing it (a server may be running), join @cfg's nodes
 * as at a start; the number of discovered machines into *@discovered.
 * Returns 0 or the store's error.
 */
int serve_check_assignments(struct config *cfg,
			    unsigned long long *discovered);

/* Every node of @cfg exists in the store (new ones armed): 0 or an error
 * of the store. */
int serve_sync_nodes(struct server *srv, const struct config *cfg);

#endif
