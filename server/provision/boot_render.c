/* boot_render.c: stage2 scripts rendered from their inputs: local boot,
 * discovery and a node's installer.  Pure: no I/O, no global state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "boot_int.h"
#include "error.h"
#include "template.h"

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

/*
 * The wait-and-retry script of a machine not assigned yet.  It asks again
 * on the interface it booted from (iPXE's netX: the last one opened, the
 * one stage1 fetched this script over) with stage1's query: MAC, UUID,
 * serial, manufacturer, product, asset tag, platform and architecture.
 */
static const char boot_discover_tpl[] =
	"#!ipxe\n"
	"# podboot stage2: machine not assigned to a pod yet\n"
	"echo podboot: ${netX/mac} is not assigned to a pod yet; asking again "
	"in 60 seconds\n"
	"sleep 60 ||\n"
	"set podboot_q mac=${netX/mac:hexhyp}&uuid=${uuid}&"
	"serial=${serial:uristring}&"
	"manufacturer=${manufacturer:uristring}&"
	"product=${product:uristring}&asset=${asset:uristring}&"
	"platform=${platform:uristring}&buildarch=${buildarch:uristring}\n"
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
	"kernel --name kernel {{kernel_cache}}{{kernel_url}} {{cmdline}} || "
	"goto failed\n"
	"{{verify_kernel}}{{kernel_ok}}"
	"initrd --name initrd {{initrd_cache}}{{initrd_url}} || goto failed\n"
	"{{verify_initrd}}{{initrd_ok}}"
	"boot || goto failed\n"
	/* One line naming the node and iPXE's error, then one fallback. */
	":failed\n"
	"echo podboot: could not start the installer of {{node}}: error "
	"0x${errno:hexraw}; booting the "
	"local disk\n" BOOT_LOCAL;

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

void boot_render_local(struct boot_render *out)
{
	out->len = sizeof(boot_local_script) - 1;
	memcpy(out->script, boot_local_script, out->len);
}

int boot_render_discover(const char *base, const char *signer,
			 struct boot_render *out)
{
	char verify[512] = "";
	char unknown[64];
	const struct template_var vars[] = {
		{ "base", base }, { "verify", verify }, { NULL, NULL },
	};

	if (signer)
		snprintf(verify, sizeof(verify),
			 "imgverify --signer %s stage2 "
			 "%s/boot/stage2.ipxe.sig?${podboot_q} || goto local\n",
			 signer, base);
	return template_render(boot_discover_tpl, vars, out->script,
			       sizeof(out->script), &out->len, unknown);
}

/* The profile's kernel command line of @in into @out (@size bytes).
 * Returns 0, -EINVAL naming the unknown placeholder in @err, or another
 * template_render() error. */
static int boot_render_cmdline(const struct boot_install_in *in,
			       const char *ks_url, char *out, size_t size,
			       char *err, size_t err_size)
{
	const struct template_var vars[] = {
		{ boot_cmdline_names[0], ks_url },
		{ boot_cmdline_names[1], in->hostname },
		{ boot_cmdline_names[2], in->node },
		{ boot_cmdline_names[3], in->mac },
		{ boot_cmdline_names[4], in->pod },
		{ boot_cmdline_names[5], in->base },
		{ boot_cmdline_names[6], in->address },
		{ NULL, NULL },
	};
	char unknown[64];
	int rc;

	rc = template_render(in->cmdline, vars, out, size, NULL, unknown);
	if (rc == -EINVAL)
		snprintf(err, err_size, "profile %s: cmdline uses unknown "
					"{{%s}}", in->profile, unknown);
	return rc;
}

/*
 * With a pod cache, the lines before the central try of one image (@what:
 * "kernel" or "initrd", named @name): fetch it from the cache by the same
 * pinned digest (the cache URL names the node, /node/ID/, so that the
 * cache can report which machine it served; the id is no secret), verify
 * it against the central .sig (@verify, "" when unverified), and jump to
 * WHAT_ok.  A failed fetch, or a copy the signature refuses, ends in one
 * line saying so and the central try after it.  A refused copy is freed
 * first: iPXE keeps two images of one name side by side, and imgverify
 * would pick the older one, the cache's, again.  The template closes the
 * block with @ok (":WHAT_ok").  Empty strings without a cache.
 * Returns 0, or -PB_ETOOBIG when the lines do not fit @size.
 */
static int boot_render_cache_one(const struct boot_install_in *in,
				  const char *what, const char *name,
				  const char *sha256, const char *args,
				  const char *verify, char *out, size_t size,
				  char *ok, size_t ok_size)
{
	char check[768] = "";
	int n;

	out[0] = ok[0] = '\0';
	if (!in->cache)
		return 0;
	if (verify[0])
		snprintf(check, sizeof(check), "%s || goto %s_refused\n"
			 "goto %s_ok\n:%s_refused\nimgfree %s || goto failed\n",
			 verify, what, what, what, what);
	else
		snprintf(check, sizeof(check), "goto %s_ok\n", what);
	n = snprintf(out, size, "%s/node/%s/artifacts/%s@sha256:%s%s || goto "
		 "%s_central\n%s:%s_central\n"
		 "echo podboot: the pod cache copy of %s %s was refused (error "
		 "0x${errno:hexraw}); fetching it from the central server\n"
		 "%s --name %s ", in->cache, in->node, name, sha256, args, what,
		 check, what, what, name, what, what);
	snprintf(ok, ok_size, ":%s_ok\n", what);
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

int boot_render_install(const struct boot_install_in *in,
			struct boot_render *out, char *err, size_t err_size)
{
	char kernel_url[512], initrd_url[512], ks_url[512], vk[700], vi[700];
	char cmdline[1536], gen_s[16], unknown[64], kc[3600], ic[1800];
	char ck[600] = "", ci[600] = "", k_ok[16] = "", i_ok[16] = "";
	char sp_cmdline[1540];
	const struct template_var vars[] = {
		{ "node", in->node },
		{ "pod", in->pod },
		{ "profile", in->profile },
		{ "generation", gen_s },
		{ "kernel_url", kernel_url },
		{ "initrd_url", initrd_url },
		{ "kernel_cache", kc },
		{ "initrd_cache", ic },
		{ "cmdline", cmdline },
		{ "verify_kernel", vk },
		{ "verify_initrd", vi },
		{ "kernel_ok", k_ok },
		{ "initrd_ok", i_ok },
		{ NULL, NULL },
	};
	int rc;

	snprintf(kernel_url, sizeof(kernel_url), "%s/artifacts/%s@sha256:%s",
		 in->base, in->kernel, in->kernel_sha256);
	snprintf(initrd_url, sizeof(initrd_url), "%s/artifacts/%s@sha256:%s",
		 in->base, in->initrd, in->initrd_sha256);
	snprintf(ks_url, sizeof(ks_url), "%s/ks/%s", in->base, in->token);
	snprintf(gen_s, sizeof(gen_s), "%u", in->generation);
	vk[0] = vi[0] = '\0';
	if (in->signer) {
		/* iPXE reads options only before the first argument. */
		snprintf(ck, sizeof(ck), "imgverify --signer %s kernel %s.sig",
			 in->signer, kernel_url);
		snprintf(ci, sizeof(ci), "imgverify --signer %s initrd %s.sig",
			 in->signer, initrd_url);
		snprintf(vk, sizeof(vk), "%s || goto failed\n", ck);
		snprintf(vi, sizeof(vi), "%s || goto failed\n", ci);
	}
	rc = boot_render_cmdline(in, ks_url, cmdline, sizeof(cmdline), err,
				 err_size);
	if (rc == -EINVAL)
		return rc;
	if (rc == 0) {
		snprintf(sp_cmdline, sizeof(sp_cmdline), "%s%s",
			 cmdline[0] ? " " : "", cmdline);
		rc = boot_render_cache_one(in, "kernel", in->kernel,
					   in->kernel_sha256, sp_cmdline, ck,
					   kc, sizeof(kc), k_ok, sizeof(k_ok));
	}
	if (rc == 0)
		rc = boot_render_cache_one(in, "initrd", in->initrd,
					   in->initrd_sha256, "", ci, ic,
					   sizeof(ic), i_ok, sizeof(i_ok));
	if (rc == 0)
		rc = template_render(boot_install_tpl, vars, out->script,
				     sizeof(out->script), &out->len, unknown);
	if (rc != 0)
		snprintf(err, err_size, "stage2 of %s: %s", in->node,
			 pb_strerror(rc));
	return rc;
}

int boot_mac_placeholder(const char *mac)
{
	return strcmp(mac, "00:00:00:00:00:00") == 0 ||
	       strcmp(mac, "ff:ff:ff:ff:ff:ff") == 0;
}
