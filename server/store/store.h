/* store.h: podboot serve's durable state behind one narrow interface.
 *
 * Two backends: SQLite (WAL mode) under the data directory, the embedded
 * default, and PostgreSQL (store_open_url) for replicas that share one
 * database; the interface names no SQL.  All functions are safe to call from
 * several threads at once (the store serialises access internally) and
 * return 0 or a negative error (-ENOENT when a row is missing,
 * -PB_ESTATE when a transition is not allowed, -PB_ESTORE on a database
 * failure, logged with SQLite's text where it happened).
 */
#ifndef PODBOOT_STORE_H
#define PODBOOT_STORE_H

#include <stddef.h>

/* Lifecycle of a machine. */
enum node_state {
	NODE_DISCOVERED,	/* unknown machine seen (policy "discover") */
	NODE_ARMED,		/* will be served the installer at next boot */
	NODE_BOOTING,		/* installer stage2 served */
	NODE_INSTALLING,	/* kickstart fetched */
	NODE_INSTALLED,		/* installer reported success: local boot */
	NODE_FAILED,		/* installer reported failure */
	NODE_STATE_COUNT
};

#define NODE_BIT(s) (1u << (s))

/** "armed", "installed", ...; never NULL. */
const char *store_state_name(enum node_state state);
/** Parse a state name; 0 or -EINVAL. */
int store_state_parse(const char *name, enum node_state *state);

struct store_node {
	char id[64];		/* hostname, or "mac-" and 12 hex digits */
	char mac[18];		/* aa:bb:cc:dd:ee:ff, lower case */
	char uuid[37];		/* "" if unknown */
	char serial[65];	/* "" if unknown */
	char pod[64];		/* "" for discovered machines */
	enum node_state state;
	unsigned int generation;	/* bumped by every re-arm */
	long long updated;	/* unix seconds of the last state change */
};

struct store_artifact {
	char name[129];		/* "debian12/vmlinuz" */
	char sha256[65];	/* content address, lower-case hex */
	unsigned long long size;
	char signer[256];	/* subject of the signing certificate */
	char signer_serial[80];	/* its serial, hex; "" if not recorded */
	long long signer_not_after;	/* its notAfter; 0 if not recorded */
	long long created;	/* unix seconds */
	int current;		/* 1 for the newest version of the name */
	char uefi_sha256[65];	/* its Authenticode-signed variant, or "" */
};

struct store_event {
	long long id;		/* increasing */
	long long ts;		/* unix seconds */
	char kind[32];		/* upload, state, rearm, refusal, ... */
	char subject[160];	/* node id, artifact name, client address */
	char detail[512];
};

struct store;

/**
 * Open (migrating as needed) the store in @data_dir.  A database is
 * created only in a fresh data directory (no podboot.db, no store.id
 * marker); one that is missing, empty, damaged or not the directory's own
 * is refused with one line saying how to recover (datadir.h).
 *
 * @v st		receives the store; store_close() it
 * @v data_dir		existing directory; the database is podboot.db in it
 * @ret rc		0, -PB_ESTORE, or -PB_ESCHEMA for a database written
 *			by a newer podboot
 */
int store_open(struct store **st, const char *data_dir);

/**
 * Open the store as store_open() does, or, with a @url
 * ("postgresql://host/db", no password in it), the PostgreSQL database it
 * names (migrating it under an advisory lock, so that of several replicas
 * starting at once exactly one migrates).  The password comes from
 * @password_file (readable by its owner only; NULL for none) or libpq's
 * own PGPASSWORD; it is never logged.  Artifact blobs stay in @data_dir.
 *
 * @ret rc		as store_open(); -EPERM for a password_file others
 *			may read
 */
int store_open_url(struct store **st, const char *data_dir, const char *url,
		   const char *password_file);

/** Close @st; NULL is fine. */
void store_close(struct store *st);

/** Schema version the database is at after store_open(). */
int store_schema_version(struct store *st);

/**
 * Make sure a configured node exists.  A new node starts ARMED; an existing
 * one keeps its state and generation while mac, uuid, serial and pod are
 * refreshed from @n.
 */
int store_node_ensure(struct store *st, const struct store_node *n);

/**
 * Record an unknown machine as DISCOVERED, unless @max machines already
 * are (a flood of made-up MACs must not fill the disk).  0 if recorded
 * now; 1 if recorded before; -ENOSPC if not recorded: the bound is
 * reached.
 */
int store_node_discover(struct store *st, const struct store_node *n,
			unsigned int max);

/** Fetch one node by id; -ENOENT if absent. */
int store_node_get(struct store *st, const char *id, struct store_node *out);

/**
 * Move node @id to @to if its current state is in @from_mask, and record a
 * "state" event "FROM -> TO" with @why, in one transaction.  With @rearm,
 * the generation is also incremented (and the event kind is "rearm").
 *
 * @v out		receives the node after the change (may be NULL)
 * @ret rc		0; -ENOENT; -PB_ESTATE if the state is not in @from_mask
 *			(then @out, if given, holds the unchanged node)
 */
int store_node_transition(struct store *st, const char *id,
			  unsigned int from_mask, enum node_state to,
			  int rearm, const char *why, struct store_node *out);

/**
 * Call @cb for each node, ordered by id, optionally filtered.
 *
 * @v pod		only this pod, or NULL
 * @v state		only this state, or -1
 * @ret rc		0, a store error, or the first non-zero @cb result
 */
int store_node_list(struct store *st, const char *pod, int state,
		    int (*cb)(void *ctx, const struct store_node *n),
		    void *ctx);

/**
 * Like store_node_list(), but only nodes whose id sorts after @after (NULL
 * or "": from the first), and at most @limit of them (SIZE_MAX: all).
 * Reads STORE_CHUNK rows at a time along an index, never the whole table:
 * a callback that has seen enough returns a positive value, which ends
 * the walk and is returned.
 *
 * @ret rc		0, -EINVAL, a store error, or the first non-zero @cb
 *			result
 */
int store_node_page(struct store *st, const char *pod, int state,
		    const char *after, size_t limit,
		    int (*cb)(void *ctx, const struct store_node *n),
		    void *ctx);

/**
 * How many nodes there are of @pod (NULL: any) in @state (-1: any) into
 * *@count: one count along an index, no rows read.
 *
 * @ret rc		0, -EINVAL or a store error
 */
int store_node_count(struct store *st, const char *pod, int state,
		     unsigned long long *count);

/**
 * Record a published version of an artifact (the blob and its signature
 * are already durable on disk), durably (synchronous commit), and prune
 * versions of the same name beyond the newest @keep.  For each pruned
 * version whose blob no other row references, @gone is called with its
 * sha256 so that the caller can delete the files.
 */
int store_artifact_add(struct store *st, const struct store_artifact *a,
		       unsigned int keep,
		       void (*gone)(void *ctx, const char *sha256),
		       void *ctx);

/** The newest version of @name, or the one with @sha256 if not NULL. */
int store_artifact_get(struct store *st, const char *name,
		       const char *sha256, struct store_artifact *out);

/**
 * Record that blob @sha256 was signed again (a re-sign after a rotation):
 * every version with that content names @signer, @serial, @not_after.
 *
 * @ret rc		0, -EINVAL or a store error
 */
int store_artifact_resigned(struct store *st, const char *sha256,
			    const char *signer, const char *serial,
			    long long not_after);

/** Every kept version of every artifact, by name then newest first. */
int store_artifact_list(struct store *st,
			int (*cb)(void *ctx, const struct store_artifact *a),
			void *ctx);

/* Client addresses whose refusals are coalesced separately; refusals from
 * further addresses at the same time share one more slot. */
#define STORE_REFUSAL_ADDRS 64

/**
 * How many of the newest events other than refusals the audit trail keeps
 * (default 100,000); older ones are deleted as new ones arrive.  Refusals
 * are kept apart (store_set_refusal_limit), so that however many there are,
 * they never push other events out.
 */
void store_set_event_limit(struct store *st, unsigned int keep);

/**
 * How refusals are kept: the newest @keep refusal events (default 20,000),
 * and at most @per_window events recorded one by one per client address in
 * a window of @window_s seconds (default 10 a minute); a zero keeps the
 * current value.  Tests shorten the window.
 */
void store_set_refusal_limit(struct store *st, unsigned int keep,
			     unsigned int per_window, unsigned int window_s);

/**
 * Append an audit event; @detail is printf-style.  Subject and detail are
 * stored as valid UTF-8: control characters and bytes that are not UTF-8
 * become \xNN, and text too long for its field is cut before the first
 * character that does not fit whole.
 */
int store_event_add(struct store *st, const char *kind, const char *subject,
		    const char *detail_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/**
 * Record that a request from @client was refused (a "refusal" event), at
 * most @per_window of them per address and window (store_set_refusal_limit).
 * Beyond that they are only counted, and one event "N more refusals from
 * ADDR suppressed (...)" sums them up when the window has ended and the
 * store is next used, or when it closes.  The table of addresses has a
 * fixed size: while STORE_REFUSAL_ADDRS addresses have open windows, all
 * further addresses share one, summed up with subject "*".
 */
int store_refusal_add(struct store *st, const char *client,
		      const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * Events with id > @after, oldest first, at most @limit of them.  Their
 * text is cleaned as store_event_add() cleans it (rows an older podboot
 * wrote included), and refusal windows that have ended are summed up
 * first.
 */
int store_event_list(struct store *st, long long after, unsigned int limit,
		     int (*cb)(void *ctx, const struct store_event *e),
		     void *ctx);

/**
 * The id of the newest event (0: none yet) in *@id: a cursor from which
 * store_event_list() or store_event_list_by() return only what comes after.
 *
 * @ret rc		0 or a store error
 */
int store_event_last_id(struct store *st, long long *id);

/**
 * store_event_list() of the events of kind @kind and/or subject @subject
 * (NULL: any; not both NULL), filtered in SQL; a kind reads through the
 * index of its class (refusals or the others).
 *
 * @ret rc		0, -EINVAL (no filter), a store error, or @cb's
 */
int store_event_list_by(struct store *st, const char *kind,
			const char *subject, long long after,
			unsigned int limit,
			int (*cb)(void *ctx, const struct store_event *e),
			void *ctx);

/* Where a node's metric pushes stand: kept across restarts so that a
 * batch replayed after a restart is still recognised as a duplicate. */
struct store_push_state {
	char id[64];
	unsigned long long last_seq;
	unsigned long long pushes;
	unsigned long long duplicates;
	unsigned long long gaps;
	unsigned long long replays;
	unsigned long long generation;	/* of the tokens last_seq came with */
	unsigned long long epoch;	/* the agent's epoch of last_seq; 0: none */
};

/* A discovered machine assigned to a pod through the API: it joins the
 * configuration's nodes at every load. */
struct store_assignment {
	char mac[18];
	char hostname[64];
	char pod[64];
	char profile[64];	/* "" for the pod's default */
	char address[64];	/* "" for none */
};

/**
 * Record an assignment; -EEXIST if the MAC or hostname is taken.  A node
 * row the hostname had before (unassigned, or removed from the file)
 * starts over: armed, in a new generation (its old tokens are void).
 */
int store_assign_add(struct store *st, const struct store_assignment *a);

/**
 * Undo the assignment of @hostname in one transaction: the assignment
 * goes and the node's generation is raised, which revokes its tokens at
 * once (the row stays, with its history).  Fills @out with the removed
 * assignment.  -ENOENT if @hostname was not assigned through the API;
 * -PB_ESTATE (nothing changed) if the node is installing.
 */
int store_assign_remove(struct store *st, const char *hostname,
			struct store_assignment *out);

/** Call @cb for every assignment, oldest first. */
int store_assign_list(struct store *st,
		      int (*cb)(void *ctx, const struct store_assignment *a),
		      void *ctx);

/**
 * Look into the store of @data_dir without changing it (read-only; a
 * running server may hold it): each assignment, oldest first, to @cb, and
 * how many machines are discovered into *@discovered.  A data directory
 * without a database has neither.
 *
 * @ret rc		0; -PB_ESTORE (logged); the first non-zero @cb result
 */
int store_peek(const char *data_dir,
	       int (*cb)(void *ctx, const struct store_assignment *a),
	       void *ctx, unsigned long long *discovered);

/** Save @n push states in one transaction (insert or replace). */
int store_push_save(struct store *st, const struct store_push_state *p,
		    size_t n);

/** Call @cb for every saved push state. */
int store_push_load(struct store *st,
		    int (*cb)(void *ctx, const struct store_push_state *p),
		    void *ctx);

/* ---- high availability: what replicas share (store_replica.c) --------- */

/**
 * Whether other processes may share @st (PostgreSQL: replicas), so that
 * what a process holds in memory is not the whole truth.
 */
int store_shared(const struct store *st);

/**
 * The configuration generation into *@gen: bumped by every replica's
 * successful reload, so that the others reload too (0: never bumped).
 *
 * @ret rc		0 or a store error
 */
int store_config_gen(struct store *st, long long *gen);

/**
 * Raise the configuration generation by one, atomically across replicas;
 * the new value into *@gen.
 *
 * @ret rc		0 or a store error
 */
int store_config_gen_bump(struct store *st, long long *gen);

/* One push as the replicas tell it apart. */
struct store_push_key {
	const char *id;			/* node id */
	unsigned long long generation;	/* of the node token */
	unsigned long long epoch;	/* the agent's; 0: none */
	unsigned long long seq;		/* not 0 */
};

/**
 * Take push @k for this replica: first come, first served across every
 * process sharing @st, in one statement.  A push of a generation older
 * than one taken, or a seq a window below its epoch's newest, counts as
 * taken.
 *
 * @ret rc		0 (taken now), 1 (taken before, here or by another
 *			replica: a duplicate), -EINVAL or a store error
 */
int store_push_claim(struct store *st, const struct store_push_key *k);

/**
 * store_push_claim() for a node whose token was checked against a
 * generation and pod remembered from an earlier request (@k->generation,
 * @pod): the same statement claims only while the node's row still has
 * them, so a push costs one round trip.
 *
 * @ret rc		0 (taken now, and the node unchanged), 1 (not taken:
 *			taken before, or the node changed; read the node
 *			and store_push_claim()), -EINVAL or a store error
 */
int store_push_claim_node(struct store *st, const struct store_push_key *k,
			  const char *pod);

/* One push of a batch for store_push_claims(). */
struct store_push_claim {
	struct store_push_key k;
	const char *pod;	/* not NULL: as store_push_claim_node() */
	int rc;			/* out: as store_push_claim(_node)() */
};

/**
 * Claim the @n pushes of @c together: on PostgreSQL in one statement and
 * one commit (the cost of a claim is mostly its transaction), each
 * @c[i].rc what store_push_claim_node() (with a pod) or
 * store_push_claim() would have returned for it alone.  Of two claims of
 * one key, the first is taken.  An error of the statement is every
 * claim's rc.
 */
void store_push_claims(struct store *st, struct store_push_claim *c,
		       size_t n);

/**
 * Give back push @k taken by store_push_claim() that this replica then
 * refused (so that the agent's retry is not a duplicate).
 *
 * @ret rc		0, -EINVAL or a store error
 */
int store_push_unclaim(struct store *st, const struct store_push_key *k);

/**
 * Drop the pushes seen that no claim needs: below the window of their
 * epoch, of replaced generations, of epochs followed a day ago.
 *
 * @ret rc		0 or a store error
 */
int store_push_seen_trim(struct store *st);

/* ---- high availability: the alert leader (store_leader.c, store_alert.c) */

/* What the alert leader last sent of one alert (rule, node). */
struct store_alert_sent {
	int firing;		/* 1: "firing" was sent, 0: "resolved" */
	long long sent_at;	/* unix seconds */
};

/**
 * What was last sent of alert @rule for @node, by whichever replica led
 * then, into @out.
 *
 * @ret rc		0, -ENOENT (never sent), -EINVAL or a store error
 */
int store_alert_sent_get(struct store *st, const char *rule,
			 const char *node, struct store_alert_sent *out);

/**
 * Record that alert @rule for @node was sent as @firing (1) or resolved
 * (0) at @sent_at (insert or replace).
 *
 * @ret rc		0, -EINVAL or a store error
 */
int store_alert_sent_set(struct store *st, const char *rule,
			 const char *node, int firing, long long sent_at);

struct store_leader;

/**
 * Prepare to compete for the alert leadership of the replicas that share
 * @st: on PostgreSQL a session-level advisory lock on a connection of its
 * own (a replica that dies drops the connection, and with it the lock);
 * on SQLite, which one process holds at a time, this process always
 * leads.  Connects lazily, in store_leader_poll().
 *
 * @v out		receives the leader; store_leader_close() it
 * @ret rc		0 or -ENOMEM
 */
int store_leader_open(struct store *st, struct store_leader **out);

/**
 * Whether this process leads now: keeps the lock it holds (checking that
 * its connection still stands) or tries to take it if it is free.  Never
 * waits for the lock; a connection attempt waits at most a few seconds.
 *
 * @ret lead		1 if this process holds the leadership, 0 if not
 *			(another replica holds it, or the database cannot
 *			be reached)
 */
int store_leader_poll(struct store_leader *l);

/** Release the leadership (if held) and free; NULL is fine. */
void store_leader_close(struct store_leader *l);

#endif
