/* test_config.h: what the config suites share: fixtures in test_config.c
 * and the configuration fragments they are built from. */
#ifndef PODBOOT_TEST_CONFIG_H
#define PODBOOT_TEST_CONFIG_H

#include <stddef.h>

#include "config.h"

/* Lines 1-7: a server and a profile; every error case below builds on it,
 * so the line numbers the cases expect count from here. */
#define T_HEAD                                              \
	"server = {\n"                                      \
	"  base_url = \"https://boot.example.net:8443/\";\n" \
	"  tls_cert = \"tls.crt\"; tls_key = \"tls.key\";\n" \
	"  codesign_cert = \"cs.crt\"; codesign_key = \"cs.key\";\n" \
	"  root_cert = \"root.crt\"; data_dir = \"data\";\n" \
	"};\n"                                              \
	"profiles = ( { name = \"p\"; kernel = \"k\"; initrd = \"i\"; " \
	"kickstart = \"p.ks\"; } );\n"

#define T_HEAD_LINES 7

/* Lines 8-10: pod "a". */
#define T_POD                                               \
	"pods = ( { name = \"a\"; profile = \"p\";\n"       \
	"  provisioning = { cidr = \"192.0.2.0/24\"; };\n"  \
	"  management = { cidr = \"198.51.100.0/24\"; }; } );\n"

/* Line 11 on: a node list opened at line 11. */
#define T_NODES "nodes = (\n"

/* One line: a server with every required setting. */
#define T_PATHS                                                    \
	"tls_cert = \"t\"; tls_key = \"k\"; codesign_cert = \"c\"; " \
	"codesign_key = \"ck\"; root_cert = \"r\"; "

#define T_SERVER1 \
	"server = { base_url = \"https://h\"; " T_PATHS "data_dir = \"d\"; };\n"

#define MAC1 "52:54:00:00:00:01"
#define SHA_OK "0ee94816ea4a50a171ceede725b63afcf14b5b0886a1b1078da1eb52fde2e7ec"
#define SHA_OK_UPPER \
	"0EE94816EA4A50A171CEEDE725B63AFCF14B5B0886A1B1078DA1EB52FDE2E7EC"
#define SHA_OK2 "1ee94816ea4a50a171ceede725b63afcf14b5b0886a1b1078da1eb52fde2e7ec"
#define UUID1 "0123abcd-4567-89ab-cdef-0123456789ab"

/* The test secrets whose hashes test/data/make-init-conf writes into the
 * fixture in place of init's fresh ones: constants, not secrets. */
#define CI_SECRET "pbt_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OP_SECRET "pbt_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

void test_config_write(const char *name, const char *text,
		       char *path, size_t size);
void test_config_refused(const char *text, unsigned int line,
			 const char *needle);
struct config *test_config_ok(const char *name, const char *text);

#endif
