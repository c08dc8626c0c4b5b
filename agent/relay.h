/* relay.h: relay mode: take the pod's pushes, forward them in batches. */
#ifndef PODBOOT_AGENT_RELAY_H
#define PODBOOT_AGENT_RELAY_H

#include <signal.h>
#include <sys/types.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "frame.h"
#include "options.h"
#include "promtext.h"
#include "rng.h"
#include "spool.h"

#define RELAY_PUSH_MAX (1u << 20)	/* one node push */
#define RELAY_BATCH_MAX (4u << 20)	/* one batch, sealed at this size */
#define RELAY_BATCH_FRAMES 1000		/* frames in one batch */
#define RELAY_INFLIGHT_MAX (32u << 20)	/* request bodies held at once */

/**
 * Check a relay's settings: certificate and key load and match, the
 * relay token reads.
 *
 * @ret rc		0 or a negative error (logged)
 */
int relay_check(const struct options *o);

/**
 * Run the relay until *@stop is set: the listener in this process, the
 * forwarder (which alone holds the relay token) in a child.  On stop the
 * open batch is sealed into the spool and answered, and the forwarder
 * finishes the request under way.
 *
 * @ret rc		0 or a negative error (logged)
 */
int relay_run(const struct options *o, volatile sig_atomic_t *stop);

/* ---- between relay.c and relayconn.c --------------------------------- */

struct relayconn;

/* The listener's state. */
struct relay {
	const struct options *o;
	volatile sig_atomic_t *stop;
	mbedtls_net_context listen;
	mbedtls_ssl_config conf;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	struct rng rng;
	int tls_ready;
	struct relayconn *conns;
	unsigned n_conns;
	size_t inflight;		/* request body bytes held */
	struct pbuf batch;		/* frames of the open batch */
	unsigned batch_frames;
	uint64_t batch_id;		/* of the open batch */
	struct spool spool;
	pid_t forwarder;
	int wake[2];			/* a byte tells the forwarder */
	long long forwarder_start;	/* monotonic ms of the last start */
};

/**
 * Queue @n frames into the open batch, sealing it first if they would
 * not fit.  The frames are copied.
 *
 * @v id		receives the batch that holds them
 * @ret rc		0, or -PB_ETOOBIG if they exceed an empty batch
 */
int relay_queue(struct relay *r, const struct frame *f, size_t n,
		uint64_t *id);

/** Monotonic milliseconds. */
long long relay_now_ms(void);

#endif
