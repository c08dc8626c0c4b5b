/* boot.c: stage2 boot scripts: rendered per machine, signed (boot_cache.c
 * keeps the signatures), served as lifecycle.c's one-shot rule decides. */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "boot_int.h"
#include "clock.h"
#include "digest.h"
#include "error.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "nodetoken.h"
#include "template.h"

#define BOOT_SCRIPT_MAX 8192

/* ---- rendering -------------------------------------------------------- */

/*
 * Where the machine is sent back to: the local disk on BIOS; on UEFI, back
 * to stage1.  Exit status 0 either way: stage1 runs stage2 with imgexec,
 * which would print "Could not boot: Error 0x00000001" for any other; stage1
 * says in one line that stage2 came back and hands back to the firmware.
 */
#define BOOT_LOCAL \
	"iseq ${platform} efi && exit 0 || sanboot --no-describe --drive 0x80 " \
	"|| exit 0\n"

static const char boot_local_script[] =
	"#!ipxe\n"
	"# podboot stage2: no install is pending for this machine\n"
	"echo podboot: no install pending for this machine; booting the "
	"local disk\n" BOOT_LOCAL;

static const char boot_discover_tpl[] =
	"#!ipxe\n"
	"# podboot stage2: machine not assigned to a pod yet\n"
	"echo podboot: ${net0/mac} is not assigned to a pod yet; asking again "
	"in 60 seconds\n"
	"sleep 60 ||\n"
	"set podboot_q mac=${net0/mac:hexhyp}&uuid=${uuid}&"
	"serial=${serial:uristring}&platform=${platform}&"
	"buildarch=${buildarch}\n"
	"imgfetch --name stage2 {{base}}/boot/stage2.ipxe?${podboot_q} || "
	"goto local\n"
	"{{verify}}"
	"imgexec --replace stage2 || goto local\n"
	":local\n" BOOT_LOCAL;

static const char boot_install_tpl[] =
	"#!ipxe\n"
	"# podboot stage2 for {{node}} (pod {{pod}}, profile {{profile}}, "
	"install {{generation}})\n"
	"echo podboot: installing {{node}} in pod {{pod}}\n"
	"kernel --name kernel {{kernel_url}} {{cmdline}} || goto failed\n"
	"{{verify_kernel}}"
	"initrd --name initrd {{initrd_url}} || goto failed\n"
	"{{verify_initrd}}"
	"boot || goto failed\n"
	/* One line naming the node and iPXE's error, then one fallback. */
	":failed\n"
	"echo podboot: could not start the installer of {{node}}: error "
	"0x${errno:hexraw}; booting the "
	"local disk\n" BOOT_LOCAL;

/* The machine's identity, from stage1's query. */
struct boot_ident {
	char mac[18];
	char uuid[37];
	char serial[65];
};

static int boot_parse_ident(struct http_req *r, struct boot_ident *id)
{
	static const char *const allowed[] = {
		"mac",	    "uuid",    "serial", "platform", "buildarch",
		"manufacturer", "product", "asset",  NULL,
	};
	const char *v;

	memset(id, 0, sizeof(*id));
	if (http_args_only(r, allowed) != 0)
		return -1;
	v = http_arg(r, "mac");
	if (!v || config_mac_normalise(v, id->mac) != 0) {
		http_reply_error(r, 400, "mac must be a MAC address "
					 "(aa:bb:cc:dd:ee:ff)");
		return -1;
	}
	v = http_arg(r, "uuid");
	if (v && *v && config_uuid_normalise(v, id->uuid) != 0) {
		http_reply_error(r, 400, "uuid is not a UUID");
		return -1;
	}
	/* Firmware serials are often filler text: match only valid ones. */
	v = http_arg(r, "serial");
	if (v && config_serial_valid(v) == 0)
		snprintf(id->serial, sizeof(id->serial), "%s", v);
	/* platform, buildarch, manufacturer, product and asset are allowed
	 * (stage1 may send them) but nothing uses them: whatever odd text a
	 * machine's SMBIOS holds cannot stop it from booting. */
	return 0;
}

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

/* Placeholders of profile command lines (order used by the renderer). */
static const char *const boot_cmdline_names[] = {
	"ks_url", "hostname", "node", "mac", "pod", "server", "address",
};

#define BOOT_CMDLINE_VARS \
	(sizeof(boot_cmdline_names) / sizeof(boot_cmdline_names[0]))

int boot_check_cmdlines(const struct config *cfg, char *err, size_t size)
{
	struct template_var vars[BOOT_CMDLINE_VARS + 1];
	char out[1536], unknown[64];
	size_t i;
	int rc;

	for (i = 0; i < BOOT_CMDLINE_VARS; i++) {
		vars[i].name = boot_cmdline_names[i];
		vars[i].value = "";
	}
	vars[i].name = vars[i].value = NULL;
	for (i = 0; i < cfg->n_profiles; i++) {
		rc = template_render(cfg->profiles[i].cmdline, vars, out,
				     sizeof(out), NULL, unknown);
		if (rc == -EINVAL) {
			snprintf(err, size, "%s: profile %s: cmdline uses "
					    "unknown placeholder {{%s}}",
				 cfg->path, cfg->profiles[i].name, unknown);
			return -PB_ECONFIG;
		}
	}
	return 0;
}

struct boot_render {
	char script[BOOT_SCRIPT_MAX];
	size_t len;
};

static int boot_render_install(struct server *srv, struct server_gen *gen,
			       const struct config_node *cn,
			       const struct store_node *sn, const char *base,
			       int verified, struct boot_render *out,
			       char *err, size_t err_size)
{
	const struct config_profile *p = cn->profile;
	struct store_artifact k, i;
	char kernel_url[512], initrd_url[512], ks_url[512], vk[700], vi[700];
	char cmdline[1536], gen_s[16], token[NODE_TOKEN_MAX], unknown[64];
	int rc;

	if (boot_artifact(srv, p->kernel, &k) != 0 ||
	    boot_artifact(srv, p->initrd, &i) != 0) {
		snprintf(err, err_size, "profile %s: artifact %s or %s is not "
					"published yet", p->name, p->kernel,
			 p->initrd);
		return -ENOENT;
	}
	node_token(srv, sn->id, sn->generation, token);
	snprintf(kernel_url, sizeof(kernel_url), "%s/artifacts/%s@sha256:%s",
		 base, p->kernel, k.sha256);
	snprintf(initrd_url, sizeof(initrd_url), "%s/artifacts/%s@sha256:%s",
		 base, p->initrd, i.sha256);
	snprintf(ks_url, sizeof(ks_url), "%s/ks/%s", base, token);
	snprintf(gen_s, sizeof(gen_s), "%u", sn->generation);
	vk[0] = vi[0] = '\0';
	if (verified) {
		/* iPXE reads options only before the first argument. */
		snprintf(vk, sizeof(vk), "imgverify --signer %s kernel %s.sig "
					 "|| goto failed\n",
			 signer_cn(gen->signer), kernel_url);
		snprintf(vi, sizeof(vi), "imgverify --signer %s initrd %s.sig "
					 "|| goto failed\n",
			 signer_cn(gen->signer), initrd_url);
	}
	{
		const struct template_var cmd_vars[] = {
			{ boot_cmdline_names[0], ks_url },
			{ boot_cmdline_names[1], cn->hostname },
			{ boot_cmdline_names[2], sn->id },
			{ boot_cmdline_names[3], cn->mac },
			{ boot_cmdline_names[4], cn->pod->name },
			{ boot_cmdline_names[5], base },
			{ boot_cmdline_names[6], cn->address },
			{ NULL, NULL },
		};
		const struct template_var vars[] = {
			{ "node", sn->id },
			{ "pod", cn->pod->name },
			{ "profile", p->name },
			{ "generation", gen_s },
			{ "kernel_url", kernel_url },
			{ "initrd_url", initrd_url },
			{ "cmdline", cmdline },
			{ "verify_kernel", vk },
			{ "verify_initrd", vi },
			{ NULL, NULL },
		};

		rc = template_render(p->cmdline, cmd_vars, cmdline,
				     sizeof(cmdline), NULL, unknown);
		if (rc == -EINVAL) {
			snprintf(err, err_size, "profile %s: cmdline uses "
						"unknown {{%s}}", p->name,
				 unknown);
			return rc;
		}
		if (rc == 0)
			rc = template_render(boot_install_tpl, vars,
					     out->script, sizeof(out->script),
					     &out->len, unknown);
	}
	if (rc != 0)
		snprintf(err, err_size, "stage2 of %s: %s", sn->id,
			 pb_strerror(rc));
	return rc;
}

static int boot_render_discover(struct server_gen *gen, const char *base,
				int verified, struct boot_render *out)
{
	char verify[512] = "";
	char unknown[64];
	const struct template_var vars[] = {
		{ "base", base }, { "verify", verify }, { NULL, NULL },
	};

	if (verified)
		snprintf(verify, sizeof(verify),
			 "imgverify --signer %s stage2 "
			 "%s/boot/stage2.ipxe.sig?${podboot_q} || goto local\n",
			 signer_cn(gen->signer), base);
	return template_render(boot_discover_tpl, vars, out->script,
			       sizeof(out->script), &out->len, unknown);
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
 * Record that armed node @sn is booting, before its installer goes out.
 * A transition the store could not write (a full disk, a failing
 * database) refuses the installer: handed out while the store still says
 * armed, it would break the one-shot rule.  A parallel fetch that moved
 * the node first is fine: the node is booting either way.
 */
static int boot_mark_booting(struct http_req *r, const struct store_node *sn)
{
	struct store_node now;
	char why[128];
	int rc;

	snprintf(why, sizeof(why), "stage2 served to %s", r->client);
	rc = store_node_transition(r->srv->store, sn->id, NODE_BIT(NODE_ARMED),
				   NODE_BOOTING, 0, why, &now);
	if (rc == 0 || (rc == -PB_ESTATE && (now.state == NODE_BOOTING ||
					     now.state == NODE_INSTALLING)))
		return 0;
	log_error("node %s: recording armed -> booting failed (%s); its "
		  "installer is not served", sn->id, pb_strerror(rc));
	http_reply_error(r, 503, "node %s: its state could not be recorded; "
				 "try again later", sn->id);
	return -1;
}

/* A MAC that firmware reports when it has none: never a machine's own. */
static int boot_mac_placeholder(const char *mac)
{
	return strcmp(mac, "00:00:00:00:00:00") == 0 ||
	       strcmp(mac, "ff:ff:ff:ff:ff:ff") == 0;
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
 * (configured node @cn, or NULL) into @in; a configured node's row goes
 * to @sn.  Reads the store, changes nothing.
 */
static void boot_facts(struct http_req *r, const struct boot_ident *id,
		       const struct config_node *cn, int is_sig,
		       struct store_node *sn, struct lifecycle_boot_in *in)
{
	memset(in, 0, sizeof(*in));
	memset(sn, 0, sizeof(*sn));
	in->configured = cn != NULL;
	in->plain = r->plain;
	in->discover = r->gen->cfg->unknown == CONFIG_UNKNOWN_DISCOVER;
	in->mac_placeholder = boot_mac_placeholder(id->mac);
	in->fetch = !is_sig && strcmp(r->method, "GET") == 0;
	if (!cn)
		return;
	in->pod_plain_ok = cn->pod->allow_unverified;
	in->pod_net_ok = config_pod_boot_allowed(cn->pod, r->client);
	in->stored = store_node_get(r->srv->store, cn->hostname, sn) == 0;
	in->state = sn->state;
}

/*
 * Queue the refusal that verdict @v of lifecycle_boot() stands for, about
 * machine @id (configured node @cn, or NULL).  Returns -1: refused.
 */
static int boot_refuse(struct http_req *r, enum lifecycle_boot v,
		       const struct boot_ident *id,
		       const struct config_node *cn)
{
	switch (v) {
	case LIFECYCLE_BOOT_NO_PLAIN:
		http_reply_error(r, 403, "pod %s does not allow unverified "
					 "boot over plain HTTP", cn->pod->name);
		break;
	case LIFECYCLE_BOOT_NO_NET:
		http_reply_error(r, 403, "stage2 of pod %s is served only to "
					 "its boot_from networks", cn->pod->name);
		break;
	case LIFECYCLE_BOOT_PLACEHOLDER:
		http_reply_error(r, 400, "mac %s is a placeholder firmware "
					 "reports, not a machine's own: not "
					 "recorded", id->mac);
		break;
	case LIFECYCLE_BOOT_UNSTORED:
		http_reply_error(r, 503, "node %s is not in the store yet",
				 cn->hostname);
		break;
	default:
		http_reply_error(r, 500, "stage2: no script for verdict %d",
				 (int)v);
		break;
	}
	return -1;
}

/*
 * Which script machine @id gets: lifecycle_boot() decides on the facts
 * (the one-shot rule), and this carries the verdict out: the script goes
 * to @out, or a refusal is queued.  An armed node's first fetch is
 * recorded as booting before its installer goes out.
 * Returns 0, or -1 with a reply queued.
 */
static int boot_choose(struct http_req *r, const struct boot_ident *id,
		       int is_sig, struct boot_render *out)
{
	const struct config_node *cn = boot_match(r->gen->cfg, id);
	struct lifecycle_boot_in in;
	enum lifecycle_boot v;
	struct store_node sn;
	char base[256], err[512];

	if (http_base_url(r, base, sizeof(base)) != 0)
		return -1;
	boot_facts(r, id, cn, is_sig, &sn, &in);
	v = lifecycle_boot(&in);
	switch (v) {
	case LIFECYCLE_BOOT_LOCAL:
		out->len = sizeof(boot_local_script) - 1;
		memcpy(out->script, boot_local_script, out->len);
		return 0;
	case LIFECYCLE_BOOT_DISCOVER:
		boot_discover(r, id);
		return boot_render_discover(r->gen, base, !r->plain, out);
	case LIFECYCLE_BOOT_INSTALL:
	case LIFECYCLE_BOOT_INSTALL_MARK:
		break;
	default:
		return boot_refuse(r, v, id, cn);
	}
	if (boot_render_install(r->srv, r->gen, cn, &sn, base, !r->plain,
				out, err, sizeof(err)) != 0) {
		http_reply_error(r, 503, "%s", err);
		return -1;
	}
	if (v == LIFECYCLE_BOOT_INSTALL_MARK)
		return boot_mark_booting(r, &sn);
	return 0;
}

static void boot_stage2(struct http_req *r, int is_sig)
{
	struct boot_ident id;
	struct boot_render *out;
	struct MHD_Response *resp;
	unsigned char *der = NULL;
	size_t der_len = 0;
	int rc;

	if (boot_parse_ident(r, &id) != 0)
		return;
	out = malloc(sizeof(*out));
	if (!out) {
		http_reply_error(r, 503, "out of memory");
		return;
	}
	if (boot_choose(r, &id, is_sig, out) != 0) {
		if (!r->replied)
			http_reply_error(r, 500, "stage2 rendering failed");
		goto out;
	}
	if (!is_sig) {
		atomic_fetch_add(&r->srv->stats.stage2_served, 1);
		resp = http_response_data(out->script, out->len,
					  "text/plain; charset=utf-8");
	} else {
		rc = boot_sign(r->srv, r->gen, out->script, out->len, &der,
			       &der_len);
		if (rc != 0) {
			http_reply_error(r, 500, "signing stage2: %s",
					 pb_strerror(rc));
			goto out;
		}
		resp = http_response_data(der, der_len,
					  "application/pkcs7-signature");
	}
	if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
					"no-store");
	http_queue(r, 200, resp);
out:
	free(der);
	free(out);
}

static int boot_stage2_script(struct http_req *r)
{
	boot_stage2(r, 0);
	return 0;
}

static int boot_stage2_sig(struct http_req *r)
{
	boot_stage2(r, 1);
	return 0;
}

/* ---- precomputation --------------------------------------------------- */

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
		if (boot_render_install(p->srv, p->gen, &cfg->nodes[i], &sn,
					cfg->base_url, 1, out, err,
					sizeof(err)) != 0)
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

	if (boot_sign(p->srv, p->gen, boot_local_script,
		      sizeof(boot_local_script) - 1, &der, &der_len) == 0)
		free(der);
	if (out && boot_render_discover(p->gen, cfg->base_url, 1, out) == 0 &&
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

const struct http_route routes_boot[] = {
	{ "GET", "/boot/stage2.ipxe", 1, boot_stage2_script, NULL, NULL, NULL,
	  1 },
	{ "GET", "/boot/stage2.ipxe.sig", 1, boot_stage2_sig, NULL, NULL,
	  NULL, 1 },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0 },
};
