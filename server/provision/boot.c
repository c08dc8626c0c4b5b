/* boot.c: GET /boot/stage2.ipxe and its .sig: the machine is matched,
 * lifecycle.c's one-shot rule decides, boot_render.c renders, the
 * signature comes from boot_cache.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "boot_int.h"
#include "clock.h"
#include "error.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "nodehint.h"
#include "nodetoken.h"
#include "provision.h"

/* How old a replica's own read of a node may be for the .sig of a stage2
 * to take it instead of the shared store's (boot_node()). */
#define BOOT_SIG_HINT_MS 10000

/* The machine's identity, from stage1's query. */
struct boot_ident {
	char mac[18];
	char uuid[37];
	char serial[65];
};

/* Stage1's query into @id: a MAC (required), a UUID, a serial if valid.
 * Returns 0, or the code of the refusal queued (400). */
static int boot_parse_ident(struct http_req *r, struct boot_ident *id)
{
	static const char *const allowed[] = {
		"mac",	    "uuid",    "serial", "platform", "buildarch",
		"manufacturer", "product", "asset",  NULL,
	};
	const char *v;

	memset(id, 0, sizeof(*id));
	if (http_args_only(r, allowed) != 0)
		return http_status_rc(400);
	v = http_arg(r, "mac");
	if (!v || config_mac_normalise(v, id->mac) != 0)
		return http_refuse(r, 400, "mac must be a MAC address "
					   "(aa:bb:cc:dd:ee:ff)");
	v = http_arg(r, "uuid");
	if (v && *v && config_uuid_normalise(v, id->uuid) != 0)
		return http_refuse(r, 400, "uuid is not a UUID");
	/* Firmware serials are often filler text: match only valid ones. */
	v = http_arg(r, "serial");
	if (v && config_serial_valid(v) == 0)
		snprintf(id->serial, sizeof(id->serial), "%s", v);
	/* platform, buildarch, manufacturer, product and asset are allowed
	 * (stage1 may send them) but nothing uses them: whatever odd text a
	 * machine's SMBIOS holds cannot stop it from booting. */
	return 0;
}

/* The configured node machine @id is, by MAC, else UUID, else serial;
 * NULL for an unknown machine. */
static const struct config_node *boot_match(const struct config *cfg,
					    const struct boot_ident *id)
{
	const struct config_node *n = config_node_by_mac(cfg, id->mac);

	if (!n && id->uuid[0])
		n = config_node_by_uuid(cfg, id->uuid);
	if (!n && id->serial[0])
		n = config_node_by_serial(cfg, id->serial);
	return n;
}

const char *boot_kernel_digest(const struct store_artifact *k,
			       int secure_boot)
{
	return secure_boot && k->uefi_sha256[0] ? k->uefi_sha256 : k->sha256;
}

/* Profile @p's kernel (to @k) and initrd (to @i), both published: 0, or
 * nonzero when one is not (yet). */
static int boot_profile_ready(struct server *srv,
			      const struct config_profile *p,
			      struct store_artifact *k, struct store_artifact *i)
{
	return boot_artifact(srv, p->kernel, k) != 0 ||
	       boot_artifact(srv, p->initrd, i) != 0;
}

int boot_install(struct server *srv, struct server_gen *gen,
		 const struct config_node *cn, const struct store_node *sn,
		 const char *base, int verified, struct boot_render *out,
		 char *err, size_t err_size)
{
	char token[NODE_TOKEN_MAX];

	node_token(srv, sn->id, sn->generation, token);
	return boot_install_token(srv, gen, cn, sn, base, verified, token, out,
				  err, err_size);
}

int boot_install_token(struct server *srv, struct server_gen *gen,
		       const struct config_node *cn,
		       const struct store_node *sn, const char *base,
		       int verified, const char *token,
		       struct boot_render *out, char *err, size_t err_size)
{
	const struct config_profile *p = cn->profile;
	struct boot_install_in in;
	struct store_artifact k, i;

	if (boot_profile_ready(srv, p, &k, &i) != 0) {
		snprintf(err, err_size, "profile %s: artifact %s or %s is not "
					"published yet", p->name, p->kernel,
			 p->initrd);
		return -ENOENT;
	}
	in = (struct boot_install_in){
		.node = sn->id, .hostname = cn->hostname, .mac = cn->mac,
		.address = cn->address, .pod = cn->pod->name,
		.profile = p->name, .cmdline = p->cmdline,
		.generation = sn->generation, .base = base,
		.kernel = p->kernel,
		.kernel_sha256 = boot_kernel_digest(&k, cn->secure_boot ||
							  p->secure_boot),
		.initrd = p->initrd, .initrd_sha256 = i.sha256,
		.token = token,
		.signer = verified ? signer_cn(gen->signer) : NULL,
		.cache = verified && cn->pod->cache_url[0] ?
				 cn->pod->cache_url : NULL,
	};
	return boot_render_install(&in, out, err, err_size);
}

/*
 * The bound on discovered machines is reached: say so in the log and the
 * audit trail, at most once a minute (a flood must not flood them too).
 */
static void boot_discover_full(struct http_req *r, unsigned int max)
{
	static atomic_llong last;
	long long now = clock_now_ms() / 1000, was = atomic_load(&last);

	if (now - was < 60 || !atomic_compare_exchange_strong(&last, &was, now))
		return;
	log_warn("%u machines are discovered already (policy.max_discovered)"
		 "; %s and others are not recorded: assign or forget some",
		 max, r->client);
	store_event_add(r->srv->store, "discover", r->client,
			"not recorded: %u machines are discovered already "
			"(policy.max_discovered)", max);
}

/*
 * Record that armed node @id is booting, before its installer is rendered
 * (boot_may_mark() made sure it can be), and read the node in the same
 * step: 0 with @sn the row as it is now, moved or not (a parallel fetch
 * moved it first, or it is in another state: lifecycle_boot() judges),
 * or 1 when it is not stored.  A move the store could not write (a full
 * disk, a failing database) refuses the installer: handed out while the
 * store still says armed, it would break the one-shot rule.  Otherwise
 * returns the (negative) code of the refusal queued.
 */
static int boot_mark_booting(struct http_req *r, const char *id,
			     struct store_node *sn)
{
	char why[128];
	int rc;

	snprintf(why, sizeof(why), "stage2 served to %s", r->client);
	rc = store_node_transition(r->srv->store, id, NODE_BIT(NODE_ARMED),
				   NODE_BOOTING, 0, why, sn);
	if (rc == 0 || rc == -PB_ESTATE)
		return 0;
	if (rc == -ENOENT)
		return 1;
	log_error("node %s: recording armed -> booting failed (%s); its "
		  "installer is not served", id, pb_strerror(rc));
	return http_refuse(r, 503, "node %s: its state could not be "
				   "recorded; try again later", id);
}

/*
 * Record unknown machine @id as discovered (policy "discover"); a full
 * table is logged, not refused: the machine still gets its script.
 */
static void boot_discover(struct http_req *r, const struct boot_ident *id)
{
	const struct config *cfg = r->gen->cfg;
	struct store_node sn;

	memset(&sn, 0, sizeof(sn));
	snprintf(sn.id, sizeof(sn.id), "mac-%c%c%c%c%c%c%c%c%c%c%c%c",
		 id->mac[0], id->mac[1], id->mac[3], id->mac[4],
		 id->mac[6], id->mac[7], id->mac[9], id->mac[10],
		 id->mac[12], id->mac[13], id->mac[15], id->mac[16]);
	memcpy(sn.mac, id->mac, sizeof(sn.mac));
	memcpy(sn.uuid, id->uuid, sizeof(sn.uuid));
	memcpy(sn.serial, id->serial, sizeof(sn.serial));
	sn.state = NODE_DISCOVERED;
	if (store_node_discover(r->srv->store, &sn, cfg->max_discovered) ==
	    -ENOSPC)
		boot_discover_full(r, cfg->max_discovered);
}

/*
 * Gather what lifecycle_boot() decides on for request @r from machine @id
 * (configured node @cn, or NULL) into @in, all but the store's part
 * (boot_node()).  Reads nothing, changes nothing.
 */
static void boot_facts(struct http_req *r, const struct boot_ident *id,
		       const struct config_node *cn, int is_sig,
		       struct lifecycle_boot_in *in)
{
	memset(in, 0, sizeof(*in));
	in->configured = cn != NULL;
	in->plain = r->plain;
	in->discover = r->gen->cfg->unknown == CONFIG_UNKNOWN_DISCOVER;
	in->mac_placeholder = boot_mac_placeholder(id->mac);
	in->fetch = !is_sig && strcmp(r->method, "GET") == 0;
	if (!cn)
		return;
	in->pod_plain_ok = cn->pod->allow_unverified;
	in->pod_net_ok = config_pod_boot_allowed(cn->pod, r->client);
}

/*
 * Whether request @r (facts @in, the store's part not known yet) may
 * record configured node @cn as booting before reading it: a fetch that
 * lifecycle_boot() would let move an armed node on, whose installer has
 * what it needs (its profile's artifacts are published), so that a move
 * made is an installer handed out.
 */
static int boot_may_mark(struct http_req *r, const struct config_node *cn,
			 const struct lifecycle_boot_in *in)
{
	struct lifecycle_boot_in armed = *in;
	struct store_artifact k, i;

	armed.stored = 1;
	armed.state = NODE_ARMED;
	return lifecycle_boot(&armed) == LIFECYCLE_BOOT_INSTALL_MARK &&
	       boot_profile_ready(r->srv, cn->profile, &k, &i) == 0;
}

/*
 * The store's part of @in for request @r from configured node @cn: its
 * row into @sn.  A fetch that may move an armed node moves it in the same
 * round trip (boot_mark_booting()).  On a shared store, the .sig of a
 * stage2 this replica rendered a moment ago takes the row it read then
 * (srv->hints, BOOT_SIG_HINT_MS): iPXE asks for it right after the
 * script, and a signature over the script it holds is the answer either
 * way.  Returns 0, or the code of the refusal queued.
 */
static int boot_node(struct http_req *r, const struct config_node *cn,
		     int is_sig, struct lifecycle_boot_in *in,
		     struct store_node *sn)
{
	int shared = store_shared(r->srv->store), rc;

	memset(sn, 0, sizeof(*sn));
	if (boot_may_mark(r, cn, in)) {
		rc = boot_mark_booting(r, cn->hostname, sn);
		if (rc < 0)
			return rc;
	} else if (is_sig && shared &&
		   node_hint_get(r->srv->hints, cn->hostname, BOOT_SIG_HINT_MS,
				 sn) == 0) {
		in->stored = 1;
		in->state = sn->state;
		return 0;
	} else {
		rc = store_node_get(r->srv->store, cn->hostname, sn);
	}
	in->stored = rc == 0;
	in->state = sn->state;
	if (rc == 0 && shared)
		node_hint_put(r->srv->hints, sn);
	return 0;
}

/*
 * Queue the refusal that verdict @v of lifecycle_boot() stands for, about
 * machine @id (configured node @cn, or NULL), and return its code.
 */
static int boot_refuse(struct http_req *r, enum lifecycle_boot v,
		       const struct boot_ident *id,
		       const struct config_node *cn)
{
	switch (v) {
	case LIFECYCLE_BOOT_NO_PLAIN:
		return http_refuse(r, 403, "pod %s does not allow unverified "
					   "boot over plain HTTP",
				   cn->pod->name);
	case LIFECYCLE_BOOT_NO_NET:
		return http_refuse(r, 403, "stage2 of pod %s is served only "
					   "to its boot_from networks",
				   cn->pod->name);
	case LIFECYCLE_BOOT_PLACEHOLDER:
		return http_refuse(r, 400, "mac %s is a placeholder firmware "
					   "reports, not a machine's own: not "
					   "recorded", id->mac);
	case LIFECYCLE_BOOT_UNSTORED:
		return http_refuse(r, 503, "node %s is not in the store yet",
				   cn->hostname);
	default:
		return http_refuse(r, 500, "stage2: no script for verdict %d",
				   (int)v);
	}
}

/*
 * Which script machine @id gets: lifecycle_boot() decides on the facts
 * (the one-shot rule), and this carries the verdict out: the script goes
 * to @out, or a refusal is queued.  An armed node's first fetch is
 * recorded as booting before its installer is rendered (boot_node()).
 * Returns 0, or the code of the refusal queued.
 */
static int boot_choose(struct http_req *r, const struct boot_ident *id,
		       int is_sig, struct boot_render *out)
{
	const struct config_node *cn = boot_match(r->gen->cfg, id);
	struct lifecycle_boot_in in;
	enum lifecycle_boot v;
	struct store_node sn;
	char base[256], err[512];
	int rc;

	if (http_base_url(r, base, sizeof(base)) != 0)
		return http_status_rc(421);
	boot_facts(r, id, cn, is_sig, &in);
	if (cn && (rc = boot_node(r, cn, is_sig, &in, &sn)) != 0)
		return rc;
	v = lifecycle_boot(&in);
	switch (v) {
	case LIFECYCLE_BOOT_LOCAL:
		boot_render_local(out);
		return 0;
	case LIFECYCLE_BOOT_DISCOVER:
		boot_discover(r, id);
		return boot_render_discover(base, r->plain ? NULL :
						signer_cn(r->gen->signer), out);
	case LIFECYCLE_BOOT_INSTALL:
	case LIFECYCLE_BOOT_INSTALL_MARK:
		break;
	default:
		return boot_refuse(r, v, id, cn);
	}
	if (boot_install(r->srv, r->gen, cn, &sn, base, !r->plain, out, err,
			 sizeof(err)) != 0)
		return http_refuse(r, 503, "%s", err);
	/* Still armed: boot_node() could not move it (its installer was
	 * not ready then, or the node was armed again meanwhile). */
	if (v == LIFECYCLE_BOOT_INSTALL_MARK)
		return http_refuse(r, 503, "node %s changed while its stage2 "
					   "was made; try again", sn.id);
	return 0;
}

/* Queue script @out, or with @is_sig its signature (a failed one: 503
 * when the signer is gone, else 500). */
static int boot_send(struct http_req *r, const struct boot_render *out,
		     int is_sig)
{
	struct MHD_Response *resp;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	if (!is_sig) {
		atomic_fetch_add(&r->srv->stats.stage2_served, 1);
		resp = http_response_data(out->script, out->len,
					  "text/plain; charset=utf-8");
	} else {
		rc = boot_sign(r->srv, r->gen, out->script, out->len, &der,
			       &der_len);
		if (rc != 0)
			return http_refuse(r, provision_sign_status(rc),
					   "signing stage2: %s",
					   pb_strerror(rc));
		resp = http_response_data(der, der_len,
					  "application/pkcs7-signature");
		free(der);
	}
	if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-store");
	http_queue(r, 200, resp);
	return 0;
}

/* The stage2 script of the asking machine, or with @is_sig its
 * signature: 0, or the code of the refusal queued. */
static int boot_stage2(struct http_req *r, int is_sig)
{
	struct boot_render *out;
	struct boot_ident id;
	int rc;

	if ((rc = boot_parse_ident(r, &id)) != 0)
		return rc;
	out = malloc(sizeof(*out));
	if (!out)
		return http_refuse(r, 503, "out of memory");
	rc = boot_choose(r, &id, is_sig, out);
	if (rc == 0)
		rc = boot_send(r, out, is_sig);
	free(out);
	return rc;
}

/* GET /boot/stage2.ipxe */
static int boot_stage2_script(struct http_req *r)
{
	return boot_stage2(r, 0);
}

/* GET /boot/stage2.ipxe.sig */
static int boot_stage2_sig(struct http_req *r)
{
	return boot_stage2(r, 1);
}

const struct http_route routes_boot[] = {
	{ "GET", "/boot/stage2.ipxe", 1, boot_stage2_script, NULL, NULL, NULL,
	  1 },
	{ "GET", "/boot/stage2.ipxe.sig", 1, boot_stage2_sig, NULL, NULL,
	  NULL, 1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
