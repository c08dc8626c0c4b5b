/* kea_render.c: podboot.conf's pods as a kea-dhcp4 configuration: one
 * subnet per pod's provisioning network, selected by its relay, with the
 * pod's machines reserved and the boot file chosen by client class. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "num.h"
#include "error.h"
#include "kea_fw.h"
#include "kea_relay.h"
#include "kea_render.h"

/* Write one line into @err; returns @rc. */
static int __attribute__((format(printf, 4, 5)))
kea_fail(int rc, char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;

	if (err && err_size) {
		va_start(ap, fmt);
		vsnprintf(err, err_size, fmt, ap);
		va_end(ap);
	}
	return rc;
}

unsigned int kea_subnet_id(const char *name)
{
	return (unsigned int)(num_fnv1a(NUM_FNV1A_INIT, name) % 0x7fffffffu) + 1;
}

/*
 * The host of an http:// URL into @host when it is an IPv4 literal.
 * 0, or -1.
 */
static int kea_url_ipv4_host(const char *url, char host[64])
{
	struct in_addr a;
	const char *p, *end;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + 7;
	end = p + strcspn(p, ":/");
	if (end - p >= 64)
		return -1;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	return inet_pton(AF_INET, host, &a) == 1 ? 0 : -1;
}

/* Copy the string @from into @to (@size bytes) when @to is empty. */
static void kea_opt_take(char *to, size_t size, const char *from)
{
	if (!to[0])
		snprintf(to, size, "%s", from);
}

/* What @o leaves unset, from @cfg's dhcp group: the options override. */
static void kea_opts_from_config(const struct config *cfg,
				 struct kea_opts *o)
{
	size_t i;

	kea_opt_take(o->socket, sizeof(o->socket), cfg->dhcp_socket);
	kea_opt_take(o->next_server, sizeof(o->next_server),
		     cfg->dhcp_next_server);
	kea_opt_take(o->boot_url, sizeof(o->boot_url), cfg->dhcp_boot_url);
	kea_opt_take(o->lease_file, sizeof(o->lease_file),
		     cfg->dhcp_lease_file);
	kea_opt_take(o->lease_cmds, sizeof(o->lease_cmds),
		     cfg->dhcp_lease_cmds);
	if (!o->lifetime_s)
		o->lifetime_s = cfg->dhcp_lifetime_s;
	if (o->n_ifaces)
		return;
	for (i = 0; i < cfg->n_dhcp_ifaces && i < KEA_IFACES_MAX; i++)
		kea_opt_take(o->ifaces[i], sizeof(o->ifaces[i]),
			     cfg->dhcp_ifaces[i]);
	o->n_ifaces = i;
}

int kea_opts_default(const struct config *cfg, struct kea_opts *o,
		     char *err, size_t err_size)
{
	struct in_addr a;

	kea_opts_from_config(cfg, o);
	if (!o->next_server[0] &&
	    kea_url_ipv4_host(cfg->plain_base_url, o->next_server) != 0)
		return kea_fail(-PB_EUSAGE, err, err_size, "no TFTP server: "
				"server.plain_base_url has no IPv4 host "
				"(pass --next-server ADDRESS)");
	if (inet_pton(AF_INET, o->next_server, &a) != 1)
		return kea_fail(-PB_EUSAGE, err, err_size, "'%s' is not an "
				"IPv4 address (the TFTP server)",
				o->next_server);
	if (!o->boot_url[0] && kea_fw_any(cfg) && cfg->plain_base_url[0])
		o->fw_per_pod = 1;
	if (!o->boot_url[0]) {
		if (!cfg->plain_base_url[0])
			return kea_fail(-PB_EUSAGE, err, err_size, "no HTTP "
					"boot URL: server.plain_base_url is "
					"not set (pass --boot-url URL)");
		snprintf(o->boot_url, sizeof(o->boot_url), "%s/%s",
			 cfg->plain_base_url, KEA_FILE_HTTP);
	}
	if (strncmp(o->boot_url, "http://", 7) != 0)
		return kea_fail(-PB_EUSAGE, err, err_size, "'%s' is not an "
				"http:// URL (UEFI HTTP Boot)", o->boot_url);
	if (!o->socket[0])
		snprintf(o->socket, sizeof(o->socket),
			 "/run/kea/kea4-ctrl-socket");
	if (!o->lifetime_s)
		o->lifetime_s = 3600;
	return 0;
}

/*
 * The pool of @net as "FIRST - LAST" into @out: pool_start and pool_end
 * when set, else the upper half of the network without its broadcast
 * address.  0, or -PB_ECONFIG when the network is too small.
 */
static int kea_pool(const struct config_net *net, char *out, size_t size)
{
	char lo[INET_ADDRSTRLEN], hi[INET_ADDRSTRLEN];
	struct in_addr a;
	uint32_t base, span;

	if (net->pool_start[0]) {
		snprintf(out, size, "%s - %s", net->pool_start, net->pool_end);
		return 0;
	}
	if (net->prefix > 29)
		return -PB_ECONFIG;
	span = (uint32_t)1 << (32 - net->prefix);
	snprintf(lo, sizeof(lo), "%.*s", (int)strcspn(net->cidr, "/"),
		 net->cidr);
	if (inet_pton(AF_INET, lo, &a) != 1)
		return -PB_ECONFIG;
	base = ntohl(a.s_addr);
	a.s_addr = htonl(base + span / 2);
	inet_ntop(AF_INET, &a, lo, sizeof(lo));
	a.s_addr = htonl(base + span - 2);
	inet_ntop(AF_INET, &a, hi, sizeof(hi));
	snprintf(out, size, "%s - %s", lo, hi);
	return 0;
}

/* Whether IPv4 @addr lies in @net (an IPv4 cidr). */
static int kea_in_net(const struct config_net *net, const char *addr)
{
	struct in_addr a, n;
	char tmp[64];
	uint32_t mask;

	snprintf(tmp, sizeof(tmp), "%.*s", (int)strcspn(net->cidr, "/"),
		 net->cidr);
	if (inet_pton(AF_INET, addr, &a) != 1 ||
	    inet_pton(AF_INET, tmp, &n) != 1)
		return 0;
	mask = net->prefix ? ~(uint32_t)0 << (32 - net->prefix) : 0;
	return (ntohl(a.s_addr) & mask) == ntohl(n.s_addr);
}

/*
 * Append {"name": @name, "data": "A, B"} to @list for @n addresses; none:
 * nothing.  0 or -ENOMEM.
 */
static int kea_option_list(json_t *list, const char *name,
			   const char (*addrs)[64], size_t n)
{
	char data[CONFIG_DNS_MAX * 66] = "";
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		if (i)
			strcat(data, ", ");
		strcat(data, addrs[i]);
	}
	return json_array_append_new(list, json_pack("{s:s,s:s}", "name", name,
						     "data", data)) ? -ENOMEM
								    : 0;
}

/* The subnet's options: router, DNS, NTP.  NULL if out of memory. */
static json_t *kea_subnet_options(const struct config_net *net)
{
	json_t *list = json_array();
	char gw[1][64];

	if (!list)
		return NULL;
	snprintf(gw[0], sizeof(gw[0]), "%s", net->gateway);
	if (kea_option_list(list, "routers", (const char (*)[64])gw,
			    net->gateway[0] ? 1 : 0) ||
	    kea_option_list(list, "domain-name-servers",
			    (const char (*)[64])net->dns, net->n_dns) ||
	    kea_option_list(list, "ntp-servers",
			    (const char (*)[64])net->ntp, net->n_ntp)) {
		json_decref(list);
		return NULL;
	}
	return list;
}

/*
 * The reservations of pod @p's machines: MAC -> address when the node's
 * address lies in the provisioning network, else MAC -> hostname only.
 * NULL if out of memory.
 */
static json_t *kea_reservations(const struct config *cfg,
				const struct config_pod *p)
{
	json_t *list = json_array(), *r;
	const struct config_node *n;
	size_t i;

	for (i = 0; list && i < cfg->n_nodes; i++) {
		n = &cfg->nodes[i];
		if (n->pod != p)
			continue;
		r = json_pack("{s:s,s:s}", "hw-address", n->mac, "hostname",
			      n->hostname);
		if (r && n->address[0] && kea_in_net(&p->prov, n->address) &&
		    json_object_set_new(r, "ip-address",
					json_string(n->address)))
			json_decref(r), r = NULL;
		if (!r || json_array_append_new(list, r)) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/*
 * The subnet of pod @p into *@out, guarded by the pod's option 82 class
 * when it names one.  0, -ENOMEM, or -PB_ECONFIG with the reason in @err.
 */
static int kea_subnet(const struct config *cfg, const struct config_pod *p,
		      json_t **out, char *err, size_t err_size)
{
	const char *relay = p->prov.relay[0] ? p->prov.relay : p->prov.gateway;
	char pool[160];

	if (!relay[0])
		return kea_fail(-PB_ECONFIG, err, err_size, "pod %s: "
				"provisioning network %s names no relay or "
				"gateway (the pod router's relay address)",
				p->name, p->prov.cidr);
	if (kea_pool(&p->prov, pool, sizeof(pool)) != 0)
		return kea_fail(-PB_ECONFIG, err, err_size, "pod %s: "
				"provisioning network %s is too small for a "
				"default pool (set pool_start and pool_end)",
				p->name, p->prov.cidr);
	*out = json_pack("{s:I,s:s,s:{s:[s]},s:[{s:s}],s:o,s:o,s:{s:s}}",
			 "id", (json_int_t)kea_subnet_id(p->name),
			 "subnet", p->prov.cidr,
			 "relay", "ip-addresses", relay,
			 "pools", "pool", pool,
			 "option-data", kea_subnet_options(&p->prov),
			 "reservations", kea_reservations(cfg, p),
			 "user-context", "podboot-pod", p->name);
	if (*out && kea_relay_guard(p, *out) != 0)
		json_decref(*out), *out = NULL;
	return *out ? 0 : kea_fail(-ENOMEM, err, err_size, "out of memory");
}

/*
 * Whether pod @i's subnet id is also an earlier pod's; the message goes
 * to @err.
 */
static int kea_id_taken(const struct config *cfg, size_t i, char *err,
			size_t err_size)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (kea_subnet_id(cfg->pods[j].name) ==
		    kea_subnet_id(cfg->pods[i].name))
			return kea_fail(1, err, err_size, "pods %s and %s have "
					"the same subnet id (rename one)",
					cfg->pods[j].name, cfg->pods[i].name);
	return 0;
}

/*
 * Every IPv4 pod's subnet into a new array *@out; two pods whose ids
 * collide are refused (rename one).  0, -ENOMEM or -PB_ECONFIG.
 */
static int kea_subnets(const struct config *cfg, json_t **out, char *err,
		       size_t err_size)
{
	json_t *list = json_array(), *s = NULL;
	size_t i;
	int rc = list ? 0 : -ENOMEM;

	for (i = 0; rc == 0 && i < cfg->n_pods; i++) {
		if (strchr(cfg->pods[i].prov.cidr, ':'))
			continue;	/* DHCPv6 is not ours yet */
		if (kea_id_taken(cfg, i, err, err_size))
			rc = -PB_ECONFIG;
		else if ((rc = kea_subnet(cfg, &cfg->pods[i], &s, err,
					  err_size)) == 0 &&
			 json_array_append_new(list, s))
			rc = -ENOMEM;
	}
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* Kea's test of a class that podboot's own iPXE does not fall into. */
#define KEA_NOT_IPXE " and not member('" KEA_CLASS_IPXE "')"

/*
 * The client classes: podboot's iPXE (user class "podboot", which stage1
 * sets before DHCP) gets an address and nothing to boot; BIOS PXE, UEFI
 * PXE and UEFI HTTP Boot get podboot's firmware, also when they are a
 * stock iPXE (a NIC's or QEMU's boot ROM sends user class "iPXE" and
 * option 175 too).  NULL if out of memory.
 */
static json_t *kea_classes(const struct kea_opts *o)
{
	return json_pack(
		"[{s:s,s:s},"
		"{s:s,s:s,s:s,s:s},"
		"{s:s,s:s,s:s,s:s},"
		"{s:s,s:s,s:s,s:o}]",
		"name", KEA_CLASS_IPXE,
		"test", "option[77].hex == 'podboot'",
		"name", KEA_CLASS_BIOS,
		"test", "option[93].hex == 0x0000" KEA_NOT_IPXE,
		"next-server", o->next_server,
		"boot-file-name", KEA_FILE_BIOS,
		"name", KEA_CLASS_UEFI,
		"test", "(option[93].hex == 0x0007 or option[93].hex == 0x0009)"
			KEA_NOT_IPXE,
		"next-server", o->next_server,
		"boot-file-name", KEA_FILE_UEFI,
		"name", KEA_CLASS_HTTP,
		"test", "substring(option[60].hex,0,10) == '" KEA_VENDOR_HTTP
			"' and option[93].hex == 0x0010" KEA_NOT_IPXE,
		"boot-file-name", o->boot_url,
		"option-data", kea_fw_http_echo());
}

/* interfaces-config: the listed interfaces, or all. */
static json_t *kea_interfaces(const struct kea_opts *o)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; list && i < o->n_ifaces; i++)
		if (json_array_append_new(list, json_string(o->ifaces[i])))
			json_decref(list), list = NULL;
	if (list && !o->n_ifaces &&
	    json_array_append_new(list, json_string("*")))
		json_decref(list), list = NULL;
	/* Relayed traffic only: plain UDP sockets, no raw ones. */
	return json_pack("{s:o,s:s}", "interfaces", list,
			 "dhcp-socket-type", "udp");
}

/* The lease database: a memfile, at @o's path if given. */
static json_t *kea_leases(const struct kea_opts *o)
{
	json_t *db = json_pack("{s:s,s:b,s:i}", "type", "memfile",
			       "persist", 1, "lfc-interval", 3600);

	if (db && o->lease_file[0] &&
	    json_object_set_new(db, "name", json_string(o->lease_file)))
		json_decref(db), db = NULL;
	return db;
}

/*
 * Kea's loggers: its class evaluation (kea-dhcp4.options) at WARN.  Kea
 * 2.2 logs EVAL_RESULT at INFO for every class a packet matches, one line
 * for nearly every request a firmware sends; that line cost Kea more CPU
 * than the classes themselves.  Every other logger keeps Kea's default.
 * NULL if out of memory.
 */
static json_t *kea_loggers(void)
{
	return json_pack("[{s:s,s:s}]", "name", "kea-dhcp4.options",
			 "severity", "WARN");
}

/*
 * The client classes: the boot classes (per pod when podboot places the
 * firmware), then the pods' option 82 classes.  NULL if out of memory.
 */
static json_t *kea_all_classes(const struct config *cfg,
			       const struct kea_opts *o)
{
	json_t *classes = o->fw_per_pod ? kea_fw_classes(cfg, o->next_server)
					: kea_classes(o);

	if (classes && kea_relay_classes(cfg, classes) != 0)
		json_decref(classes), classes = NULL;
	return classes;
}

int kea_render(const struct config *cfg, const struct kea_opts *o,
	       json_t **out, char *err, size_t err_size)
{
	json_t *subnets = NULL;
	int rc;

	if ((rc = kea_subnets(cfg, &subnets, err, err_size)) != 0)
		return rc;
	if (o->fw_per_pod && kea_fw_require(subnets) != 0) {
		json_decref(subnets);
		return kea_fail(-ENOMEM, err, err_size, "out of memory");
	}
	/* podboot reserves by MAC only: Kea need not look hosts up by
	 * DUID, circuit id and client id too (its default) */
	*out = json_pack("{s:{s:o,s:{s:s,s:s},s:o,s:I,s:I,s:I,s:[s],s:o,s:o,"
			 "s:o}}",
			 "Dhcp4",
			 "interfaces-config", kea_interfaces(o),
			 "control-socket", "socket-type", "unix",
			 "socket-name", o->socket,
			 "lease-database", kea_leases(o),
			 "valid-lifetime", (json_int_t)o->lifetime_s,
			 "renew-timer", (json_int_t)o->lifetime_s / 2,
			 "rebind-timer", (json_int_t)o->lifetime_s * 7 / 8,
			 "host-reservation-identifiers", "hw-address",
			 "client-classes", kea_all_classes(cfg, o),
			 "subnet4", subnets,
			 "loggers", kea_loggers());
	if (*out && o->lease_cmds[0] &&
	    json_object_set_new(json_object_get(*out, "Dhcp4"),
				"hooks-libraries",
				json_pack("[{s:s}]", "library",
					  o->lease_cmds))) {
		json_decref(*out);
		*out = NULL;
	}
	if (!*out)
		return kea_fail(-ENOMEM, err, err_size, "out of memory");
	return 0;
}
