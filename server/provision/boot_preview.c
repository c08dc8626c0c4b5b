/* boot_preview.c: a node's next stage2 for the console: lifecycle.c
 * decides as for a real fetch, boot_render.c renders with the node token
 * redacted; nothing is recorded or signed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot_int.h"
#include "error.h"
#include "boot_preview.h"
#include "lifecycle.h"

/* The facts lifecycle_boot() would see for a GET of stage2 by node @sn
 * (configured as @cn, or NULL), over TLS from inside its pod. */
static void boot_preview_facts(const struct server_gen *gen,
			       const struct config_node *cn,
			       const struct store_node *sn,
			       struct lifecycle_boot_in *in)
{
	memset(in, 0, sizeof(*in));
	in->configured = cn != NULL;
	in->pod_plain_ok = cn && cn->pod->allow_unverified;
	in->pod_net_ok = 1;
	in->discover = gen->cfg->unknown == CONFIG_UNKNOWN_DISCOVER;
	in->stored = 1;
	in->state = sn->state;
	in->fetch = 1;
}

/* The kernel and initrd of @cn's profile into @out (a name left "" when
 * not published); 0, or -ENOENT when either is missing. */
static int boot_preview_artifacts(struct server *srv,
				  const struct config_node *cn,
				  struct boot_preview *out)
{
	const struct config_profile *p = cn->profile;
	int rc = 0;

	out->has_profile = 1;
	snprintf(out->profile, sizeof(out->profile), "%s", p->name);
	if (boot_artifact(srv, p->kernel, &out->kernel) != 0) {
		memset(&out->kernel, 0, sizeof(out->kernel));
		rc = -ENOENT;
	}
	if (boot_artifact(srv, p->initrd, &out->initrd) != 0) {
		memset(&out->initrd, 0, sizeof(out->initrd));
		rc = -ENOENT;
	}
	snprintf(out->kernel.name, sizeof(out->kernel.name), "%s", p->kernel);
	snprintf(out->initrd.name, sizeof(out->initrd.name), "%s", p->initrd);
	return rc;
}

/* Copy rendered script @r into @out; always 0 (both hold the same). */
static int boot_preview_copy(const struct boot_render *r,
			     struct boot_preview *out)
{
	out->len = r->len < sizeof(out->script) - 1 ? r->len :
						      sizeof(out->script) - 1;
	memcpy(out->script, r->script, out->len);
	out->script[out->len] = '\0';
	return 0;
}

/* The installer @cn (row @sn) would get, token redacted, into @out; 0 (a
 * missing artifact makes the verdict "unpublished") or a render error. */
static int boot_preview_install(struct server *srv, struct server_gen *gen,
				const struct config_node *cn,
				const struct store_node *sn, const char *base,
				struct boot_preview *out)
{
	struct boot_render r;
	int rc;

	if (boot_preview_artifacts(srv, cn, out) != 0) {
		out->verdict = "unpublished";
		snprintf(out->why, sizeof(out->why), "profile %s: artifact %s "
			 "or %s is not published yet", cn->profile->name,
			 cn->profile->kernel, cn->profile->initrd);
		return 0;
	}
	/* Never the node's own token: this view is for status tokens. */
	rc = boot_install_token(srv, gen, cn, sn, base, 1, BOOT_PREVIEW_TOKEN,
				&r, out->why, sizeof(out->why));
	if (rc != 0)
		return rc;
	out->verdict = "install";
	return boot_preview_copy(&r, out);
}

int boot_preview(struct server *srv, struct server_gen *gen,
		 const struct store_node *sn, const char *base,
		 struct boot_preview *out)
{
	const struct config_node *cn = config_node_by_id(gen->cfg, sn->id);
	struct lifecycle_boot_in in;
	struct boot_render r;
	enum lifecycle_boot v;

	memset(out, 0, sizeof(*out));
	boot_preview_facts(gen, cn, sn, &in);
	v = lifecycle_boot(&in);
	out->marks_booting = v == LIFECYCLE_BOOT_INSTALL_MARK;
	if (v == LIFECYCLE_BOOT_INSTALL || v == LIFECYCLE_BOOT_INSTALL_MARK)
		return boot_preview_install(srv, gen, cn, sn, base, out);
	if (cn)
		(void)boot_preview_artifacts(srv, cn, out);
	if (v == LIFECYCLE_BOOT_DISCOVER) {
		out->verdict = "discover";
		if (boot_render_discover(base, signer_cn(gen->signer), &r) != 0)
			return -PB_ETOOBIG;
		return boot_preview_copy(&r, out);
	}
	out->verdict = "local";
	boot_render_local(&r);
	return boot_preview_copy(&r, out);
}
