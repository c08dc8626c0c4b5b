/* test_provision_boot.c: stage2 scripts rendered from their inputs: the
 * installer (verified or not, its cmdline), discovery, local boot, and
 * the MACs that are never a machine's own. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "boot_int.h"
#include "error.h"
#include "unit.h"

#define K_SHA "aa" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
#define I_SHA "bb" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"

/* The installer inputs of one node, verified by signer "podboot-sign". */
static struct boot_install_in install_in(const char *cmdline)
{
	struct boot_install_in in = {
		.node = "n1", .hostname = "n1.example", .mac =
		"52:54:00:00:00:01", .address = "192.0.2.10", .pod = "p1",
		.profile = "rocky", .cmdline = cmdline, .generation = 3,
		.base = "https://127.0.0.1:8443", .kernel = "os/vmlinuz",
		.kernel_sha256 = K_SHA, .initrd = "os/initrd.img",
		.initrd_sha256 = I_SHA, .token = "TOKEN123",
		.signer = "podboot-sign",
	};

	return in;
}

/* 1 if @needle is in the rendered script. */
static int has(const struct boot_render *out, const char *needle)
{
	return out->len == strlen(out->script) &&
	       strstr(out->script, needle) != NULL;
}

static void test_install_verified(void)
{
	struct boot_install_in in = install_in("inst.ks={{ks_url}} "
					       "ip={{address}} {{hostname}}");
	static struct boot_render out;
	char err[256] = "";

	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	CU_ASSERT(strncmp(out.script, "#!ipxe\n", 7) == 0);
	CU_ASSERT(has(&out, "install 3)"));
	CU_ASSERT(has(&out, "kernel --name kernel https://127.0.0.1:8443/"
			    "artifacts/os/vmlinuz@sha256:" K_SHA
			    " inst.ks=https://127.0.0.1:8443/ks/TOKEN123 "
			    "ip=192.0.2.10 n1.example || goto failed\n"));
	CU_ASSERT(has(&out, "imgverify --signer podboot-sign kernel "
			    "https://127.0.0.1:8443/artifacts/os/vmlinuz"
			    "@sha256:" K_SHA ".sig || goto failed\n"));
	CU_ASSERT(has(&out, "initrd --name initrd https://127.0.0.1:8443/"
			    "artifacts/os/initrd.img@sha256:" I_SHA));
	CU_ASSERT(has(&out, "imgverify --signer podboot-sign initrd "
			    "https://127.0.0.1:8443/artifacts/os/initrd.img"
			    "@sha256:" I_SHA ".sig || goto failed\n"));
	/* verification comes before boot */
	CU_ASSERT(strstr(out.script, "imgverify") < strstr(out.script,
							    "\nboot "));
}

static void test_install_plain(void)
{
	struct boot_install_in in = install_in("{{node}} {{pod}} {{mac}} "
					       "{{server}}");
	static struct boot_render out;
	char err[256] = "";

	in.signer = NULL;
	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	CU_ASSERT(!has(&out, "imgverify"));
	CU_ASSERT(has(&out, " n1 p1 52:54:00:00:00:01 "
			    "https://127.0.0.1:8443 || goto failed"));
}

static void test_install_unknown(void)
{
	struct boot_install_in in = install_in("ks={{ks_url}} {{secret}}");
	static struct boot_render out;
	char err[256] = "";

	CU_ASSERT_EQUAL(boot_render_install(&in, &out, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "profile rocky"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "{{secret}}"));
}

static void test_install_too_long(void)
{
	static char cmdline[1400];
	struct boot_install_in in;
	static struct boot_render out;
	char err[256] = "";
	int rc;

	/* Each {{ks_url}} is ~40 bytes: 30 of them overflow the cmdline. */
	cmdline[0] = '\0';
	while (strlen(cmdline) + 11 < sizeof(cmdline))
		strcat(cmdline, "{{ks_url}} ");
	in = install_in(cmdline);
	rc = boot_render_install(&in, &out, err, sizeof(err));
	CU_ASSERT(rc < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "n1"));
}

static void test_discover(void)
{
	static struct boot_render out;

	CU_ASSERT_EQUAL_FATAL(boot_render_discover("https://127.0.0.1:8443",
						   "podboot-sign", &out), 0);
	CU_ASSERT(has(&out, "imgfetch --name stage2 https://127.0.0.1:8443/"
			    "boot/stage2.ipxe?${podboot_q} || goto local\n"
			    "imgverify --signer podboot-sign stage2 "
			    "https://127.0.0.1:8443/boot/stage2.ipxe.sig?"
			    "${podboot_q} || goto local\nimgexec"));
	/* it asks again on the interface it booted from, with every field
	 * stage1 sends */
	CU_ASSERT(has(&out, "set podboot_q mac=${netX/mac:hexhyp}&uuid=${uuid}&"
			    "serial=${serial:uristring}&"
			    "manufacturer=${manufacturer:uristring}&"
			    "product=${product:uristring}&"
			    "asset=${asset:uristring}&"
			    "platform=${platform:uristring}&"
			    "buildarch=${buildarch:uristring}\n"));
	CU_ASSERT(!has(&out, "net0"));
	CU_ASSERT_EQUAL_FATAL(boot_render_discover("http://127.0.0.1:8080",
						   NULL, &out), 0);
	CU_ASSERT(!has(&out, "imgverify"));
	CU_ASSERT(has(&out, "http://127.0.0.1:8080/boot/stage2.ipxe?"));
}

static void test_local(void)
{
	static struct boot_render out;

	boot_render_local(&out);
	CU_ASSERT(strncmp(out.script, "#!ipxe\n", 7) == 0);
	CU_ASSERT_EQUAL(out.len, strlen("#!ipxe\n") +
					 strlen(out.script + 7));
	CU_ASSERT(has(&out, "sanboot"));
	CU_ASSERT(!has(&out, "kernel"));
}

static void test_placeholder_mac(void)
{
	CU_ASSERT_TRUE(boot_mac_placeholder("00:00:00:00:00:00"));
	CU_ASSERT_TRUE(boot_mac_placeholder("ff:ff:ff:ff:ff:ff"));
	CU_ASSERT_FALSE(boot_mac_placeholder("52:54:00:00:00:01"));
	CU_ASSERT_FALSE(boot_mac_placeholder("00:00:00:00:00:01"));
}

#define V_SHA "cc" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"

/* The central URL of the test's kernel and initrd, and their .sig checks. */
#define B "https://127.0.0.1:8443"
#define K_URL B "/artifacts/os/vmlinuz@sha256:" K_SHA
#define I_URL B "/artifacts/os/initrd.img@sha256:" I_SHA
#define K_VERIFY "imgverify --signer podboot-sign kernel " K_URL ".sig"
#define I_VERIFY "imgverify --signer podboot-sign initrd " I_URL ".sig"
#define CACHE "https://10.0.2.2:8444"

/* Without a pod cache the installer is exactly what it always was: the
 * cache's fallback adds nothing to pods that have none. */
static void test_install_no_cache_bytes(void)
{
	struct boot_install_in in = install_in("ks={{ks_url}}");
	static struct boot_render out;
	char err[256] = "";
	static const char want[] =
		"#!ipxe\n"
		"# podboot stage2 for n1 (pod p1, profile rocky, install 3)\n"
		"echo podboot: installing n1 in pod p1\n"
		"kernel --name kernel " K_URL " ks=" B "/ks/TOKEN123 || "
		"goto failed\n"
		K_VERIFY " || goto failed\n"
		"initrd --name initrd " I_URL " || goto failed\n"
		I_VERIFY " || goto failed\n"
		"boot || goto failed\n"
		":failed\n"
		"echo podboot: could not start the installer of n1: error "
		"0x${errno:hexraw}; booting the local disk\n"
		"iseq ${platform} efi && exit 0 || sanboot --no-describe "
		"--drive 0x80 || exit 0\n";

	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	CU_ASSERT_EQUAL(out.len, strlen(want));
	CU_ASSERT_STRING_EQUAL(out.script, want);
}

/*
 * With a pod cache: each image from the cache first, verified against the
 * central .sig; a failed fetch or a refused copy says so in one line and
 * falls back to the central URL (the refused copy freed first, since iPXE
 * would verify the older image of the name again); a central failure ends
 * in :failed as before.
 */
static void test_install_cache_fallback(void)
{
	struct boot_install_in in = install_in("ks={{ks_url}}");
	static struct boot_render out;
	char err[256] = "";
	static const char want_kernel[] =
		"kernel --name kernel " CACHE "/node/n1/artifacts/os/vmlinuz"
		"@sha256:" K_SHA " ks=" B "/ks/TOKEN123 || goto kernel_central\n"
		K_VERIFY " || goto kernel_refused\n"
		"goto kernel_ok\n"
		":kernel_refused\n"
		"imgfree kernel || goto failed\n"
		":kernel_central\n"
		"echo podboot: the pod cache copy of kernel os/vmlinuz was "
		"refused (error 0x${errno:hexraw}); fetching it from the "
		"central server\n"
		"kernel --name kernel " K_URL " ks=" B "/ks/TOKEN123 || "
		"goto failed\n"
		K_VERIFY " || goto failed\n"
		":kernel_ok\n";
	static const char want_initrd[] =
		"initrd --name initrd " CACHE "/node/n1/artifacts/os/initrd.img"
		"@sha256:" I_SHA " || goto initrd_central\n"
		I_VERIFY " || goto initrd_refused\n"
		"goto initrd_ok\n"
		":initrd_refused\n"
		"imgfree initrd || goto failed\n"
		":initrd_central\n"
		"echo podboot: the pod cache copy of initrd os/initrd.img was "
		"refused (error 0x${errno:hexraw}); fetching it from the "
		"central server\n"
		"initrd --name initrd " I_URL " || goto failed\n"
		I_VERIFY " || goto failed\n"
		":initrd_ok\n"
		"boot || goto failed\n";
	const char *k, *i;

	in.cache = CACHE;
	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	k = strstr(out.script, want_kernel);
	i = strstr(out.script, want_initrd);
	CU_ASSERT_PTR_NOT_NULL(k);
	CU_ASSERT_PTR_NOT_NULL(i);
	CU_ASSERT(k && i && k < i);
	/* Every jump has its label, once; the script ends as before. */
	CU_ASSERT(has(&out, "\n:failed\necho podboot: could not start the "
			    "installer of n1: error 0x${errno:hexraw}"));
	CU_ASSERT_PTR_NULL(strstr(out.script, "|| kernel --name"));
	CU_ASSERT_PTR_NULL(strstr(out.script, "|| initrd --name"));
}

/* Unverified pods with a cache: the fetch's failure alone falls back;
 * nothing to verify, so nothing to free. */
static void test_install_cache_plain(void)
{
	struct boot_install_in in = install_in("{{node}}");
	static struct boot_render out;
	char err[256] = "";

	in.cache = CACHE;
	in.signer = NULL;
	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	CU_ASSERT(has(&out, "kernel --name kernel " CACHE "/node/n1/artifacts/"
			    "os/vmlinuz@sha256:" K_SHA " n1 || goto "
			    "kernel_central\ngoto kernel_ok\n:kernel_central\n"
			    "echo podboot: the pod cache copy of kernel "));
	CU_ASSERT(has(&out, "kernel --name kernel " K_URL " n1 || goto failed\n"
			    ":kernel_ok\n"));
	CU_ASSERT(has(&out, "initrd --name initrd " I_URL " || goto failed\n"
			    ":initrd_ok\nboot || goto failed\n"));
	CU_ASSERT(!has(&out, "imgverify"));
	CU_ASSERT(!has(&out, "imgfree"));
}

/* Secure Boot nodes get the kernel's uefi variant, when it has one;
 * stage2 then pins it and imgverify checks the variant's own .sig. */
static void test_kernel_variant(void)
{
	struct store_artifact k;
	struct boot_install_in in = install_in("");
	static struct boot_render out;
	char err[256] = "";

	memset(&k, 0, sizeof(k));
	snprintf(k.sha256, sizeof(k.sha256), "%s", K_SHA);
	CU_ASSERT_STRING_EQUAL(boot_kernel_digest(&k, 0), K_SHA);
	CU_ASSERT_STRING_EQUAL(boot_kernel_digest(&k, 1), K_SHA);
	snprintf(k.uefi_sha256, sizeof(k.uefi_sha256), "%s", V_SHA);
	CU_ASSERT_STRING_EQUAL(boot_kernel_digest(&k, 0), K_SHA);
	CU_ASSERT_STRING_EQUAL(boot_kernel_digest(&k, 1), V_SHA);
	in.kernel_sha256 = boot_kernel_digest(&k, 1);
	CU_ASSERT_EQUAL_FATAL(boot_render_install(&in, &out, err,
						  sizeof(err)), 0);
	CU_ASSERT(has(&out, "kernel --name kernel https://127.0.0.1:8443/"
			    "artifacts/os/vmlinuz@sha256:" V_SHA " "));
	CU_ASSERT(has(&out, "imgverify --signer podboot-sign kernel "
			    "https://127.0.0.1:8443/artifacts/os/vmlinuz"
			    "@sha256:" V_SHA ".sig || goto failed\n"));
	CU_ASSERT(!has(&out, K_SHA));
}

static const CU_TestInfo tests[] = {
	{ "installer: Secure Boot nodes boot the uefi variant",
	  test_kernel_variant },
	{ "installer: verified kernel and initrd", test_install_verified },
	{ "installer: no cache, the script as before",
	  test_install_no_cache_bytes },
	{ "installer: pod cache first, refused copy falls back",
	  test_install_cache_fallback },
	{ "installer: pod cache, unverified pod", test_install_cache_plain },
	{ "installer: plain HTTP, cmdline placeholders", test_install_plain },
	{ "installer: unknown cmdline placeholder", test_install_unknown },
	{ "installer: a script that does not fit", test_install_too_long },
	{ "discovery script", test_discover },
	{ "local-boot script", test_local },
	{ "placeholder MACs", test_placeholder_mac },
	CU_TEST_INFO_NULL,
};

static int suite_provision_boot_register(void)
{
	return unit_add_suite("provision_boot", NULL, NULL, tests);
}

UNIT_SUITE(suite_provision_boot_register)
