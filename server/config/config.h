/* config.h: podboot serve's configuration: one libconfig file, validated
 * into a read-only model.  A loaded struct config never changes; SIGHUP
 * loads a new one and swaps it in. */
#ifndef PODBOOT_CONFIG_H
#define PODBOOT_CONFIG_H

#include <limits.h>
#include <stddef.h>

#define CONFIG_NAME_MAX 64	/* pod, profile, node and token names */
#define CONFIG_DNS_MAX 4
#define CONFIG_SCOPES_MAX 16
#define CONFIG_ERR_MAX 512
#define CONFIG_IFACES_MAX 16	/* dhcp.interfaces */

/** A network of a pod (provisioning or management). */
struct config_net {
	char cidr[64];		/* "192.0.2.0/24" or IPv6 */
	int prefix;		/* from cidr */
	char gateway[64];	/* "" if none */
	unsigned int vlan;	/* 0 untagged, else 1..4094 */
	char dns[CONFIG_DNS_MAX][64];
	size_t n_dns;
	/* DHCP (podboot dhcp; IPv4 provisioning networks only) */
	char ntp[CONFIG_DNS_MAX][64];	/* NTP servers */
	size_t n_ntp;
	char relay[64];			/* the pod router's relay address
					 * (giaddr); "": the gateway */
	char circuit_id[64];		/* option 82 the router adds: */
	char remote_id[64];		/* "" when not used */
	char pool_start[64];		/* dynamic range, both or neither; */
	char pool_end[64];		/* "": the upper half of cidr */
};

#define CONFIG_BOOT_FROM_MAX 16

/* A network, host bits clear. */
struct config_cidr {
	unsigned char addr[16];
	int family;			/* AF_INET or AF_INET6 */
	int prefix;
};

#define CONFIG_POD_ARTIFACTS_MAX 16	/* a pod's artifacts = [ ... ] */

struct config_pod {
	char name[CONFIG_NAME_MAX];
	char site[128];
	char profile[CONFIG_NAME_MAX];	/* default profile of its nodes */
	struct config_net prov;		/* boot traffic */
	struct config_net mgmt;		/* the installed OS */
	int allow_unverified;		/* may boot over plain HTTP (tests) */
	/* Networks its machines' boot requests may come from; none: any.
	 * As written, and parsed once at load for the per-request check. */
	char boot_from[CONFIG_BOOT_FROM_MAX][64];
	struct config_cidr boot_nets[CONFIG_BOOT_FROM_MAX];
	size_t n_boot_from;
	char firmware_dir[PATH_MAX];	/* its own firmware build, or "" */
	/* the "intent": artifacts its cache holds besides its profiles' */
	char artifacts[CONFIG_POD_ARTIFACTS_MAX][129];
	size_t n_artifacts;
	char cache_url[256];		/* its relay's cache, tried first; "" */
};

struct config_profile {
	char name[CONFIG_NAME_MAX];
	char kernel[129];		/* artifact names */
	char initrd[129];
	char cmdline[1024];		/* template: {{ks_url}} {{hostname}} ... */
	char kickstart[PATH_MAX];	/* template file, absolute after load */
	int secure_boot;		/* boot the kernel's uefi variant */
};

/*
 * A node's BMC (its Redfish service).  The password is never here: only
 * the file that holds it (mode 0600, read when a command needs it).
 */
struct config_bmc {
	char url[256];			/* https://host[:port], no trailing / */
	char user[CONFIG_NAME_MAX];
	char password_file[PATH_MAX];	/* absolute after load */
	char tls_ca[PATH_MAX];		/* CA file, or "" */
	char tls_fingerprint[65];	/* SHA-256 of the certificate's public
					 * key (SPKI), lower hex, or "": the
					 * fingerprint learned on first use */
	char system[CONFIG_NAME_MAX];	/* ComputerSystem Id, "": the first */
	struct config_bmc *next;	/* the load's list (config_free()) */
};

struct config_node {
	char hostname[CONFIG_NAME_MAX];	/* also the node's id */
	char mac[18];			/* normalised aa:bb:cc:dd:ee:ff */
	char uuid[37];			/* normalised lower case, or "" */
	char serial[65];		/* or "" */
	char address[64];		/* static management address, or "" */
	const struct config_pod *pod;
	const struct config_profile *profile;	/* override or pod default */
	int assigned;			/* from the API, not the file */
	const struct config_bmc *bmc;	/* NULL: no BMC configured */
	int secure_boot;		/* or its profile's: the uefi variant */
};

struct config_token {
	char name[CONFIG_NAME_MAX];
	char sha256[65];		/* of the secret; lower-case hex */
	char scopes[CONFIG_SCOPES_MAX][136];	/* "upload:PREFIX*", "rearm",
						   "status", "push", "relay" */
	size_t n_scopes;
};

enum config_unknown { CONFIG_UNKNOWN_IGNORE, CONFIG_UNKNOWN_DISCOVER };

#define CONFIG_AM_MAX 4		/* Alertmanagers */
#define CONFIG_REPLICAS_MAX 16	/* server.replicas */
#define CONFIG_REPLICA_LEN 128	/* one "HOST:PORT" */
#define CONFIG_SNMP_MAX 4	/* SNMP trap receivers */
#define CONFIG_RW_MAX 4		/* remote-write targets */
#define CONFIG_ALERT_MATCH 4	/* label matchers of one rule */
#define CONFIG_ALERT_PAIRS 8	/* labels, annotations of one rule */

enum config_op { CONFIG_GT, CONFIG_GE, CONFIG_LT, CONFIG_LE, CONFIG_EQ,
		 CONFIG_NE };

/* A name = "value" pair of an alert rule (label or annotation). */
struct config_pair {
	char name[64];
	char value[512];
};

/*
 * An alert rule over each node's latest values: "METRIC{l="v",...} OP N"
 * fires for a node when any of its series of METRIC that carry the
 * matching labels satisfies the comparison for @for_s seconds.
 */
struct config_alert {
	char name[CONFIG_NAME_MAX];	/* alertname: [A-Za-z_][A-Za-z0-9_]* */
	char expr[512];			/* as written */
	char metric[201];
	struct config_pair match[CONFIG_ALERT_MATCH];
	size_t n_match;
	enum config_op op;
	double threshold;
	unsigned int for_s;
	struct config_pair labels[CONFIG_ALERT_PAIRS];
	size_t n_labels;
	struct config_pair annotations[CONFIG_ALERT_PAIRS];
	size_t n_annotations;
};

/*
 * An SNMP trap receiver (monitoring.snmp_traps): alerts firing and
 * resolved go to it as traps of PODBOOT-MIB (contrib/snmp/).  The
 * community (2c) or the passphrases (3) stay in @secret_file, read when a
 * trap is sent, never held here.
 */
struct config_snmp {
	char target[300];		/* "HOST", "HOST:PORT", "[V6]:PORT" */
	char version[4];		/* "2c" or "3" */
	char user[33];			/* SNMPv3 user (USM) */
	char auth[8];			/* SNMPv3: "SHA", "SHA-256", "SHA-512" */
	char engine_id[65];		/* SNMPv3: our engine ID, in hex */
	char secret_file[PATH_MAX];	/* mode 0600; absolute after load */
};

/*
 * A remote-write target (monitoring.remote_write): pushed samples and the
 * server's own counters go to it by the Prometheus remote-write protocol
 * (server/monitor/remote_write.c).  The bearer token stays in
 * @bearer_token_file, read when the sender starts a request.
 */
struct config_remote_write {
	char url[256];			/* http(s)://HOST[:PORT]/PATH */
	char bearer_token_file[PATH_MAX];	/* mode 0600, or "" */
	unsigned int queue_samples;	/* held while it is unreachable */
	unsigned int batch_samples;	/* at most in one request */
};

struct config {
	char path[PATH_MAX];		/* the file loaded */
	/* server: paths are absolute after load (relative to the file) */
	char listen[64];
	unsigned int port;
	char base_url[256];		/* https://host:port, no trailing / */
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	char tls_priorities[512];	/* GnuTLS priority string, checked */
	char codesign_cert[PATH_MAX];
	char codesign_key[PATH_MAX];
	char root_cert[PATH_MAX];
	/* UEFI db signing pair for EFI kernels: both, or neither ("") */
	char uefi_cert[PATH_MAX];
	char uefi_key[PATH_MAX];
	char data_dir[PATH_MAX];
	/* store: a PostgreSQL URL (no password in it), "" for SQLite in
	 * data_dir; the password from store_password_file or PGPASSWORD */
	char store_url[1024];
	char store_password_file[PATH_MAX];
	/* replicas of this service behind HAProxy (podboot haproxy) */
	char replicas[CONFIG_REPLICAS_MAX][CONFIG_REPLICA_LEN];
	size_t n_replicas;
	/* plain-HTTP boot listener for firmware without TLS: off if 0 */
	unsigned int plain_port;
	char plain_base_url[256];	/* http://host:port: the plain URLs */
	int plain_allow_nonlocal;
	/* limits */
	unsigned long long max_upload;	/* bytes */
	unsigned int max_connections;
	unsigned int timeout_s;
	unsigned int keep_versions;
	unsigned int threads;		/* 0: two per CPU */
	unsigned int max_per_client;	/* connections from one address */
	unsigned int max_transfers;	/* bodies in flight; the rest is the
					 * reserve (set: 3/4 of max_connections
					 * when not given) */
	unsigned int min_rate;		/* bytes/s a body keeps; 0: off */
	unsigned int min_rate_grace_s;	/* before min_rate applies */
	unsigned int bmc_queue;		/* BMC jobs waiting for a worker */
	enum config_unknown unknown;
	unsigned int max_discovered;	/* rows of discovered machines kept */
	/* monitoring */
	unsigned int down_after;	/* intervals without a push: down */
	unsigned int max_series_node;
	unsigned int max_series_total;
	unsigned long long max_push;	/* bytes of one push, decompressed */
	unsigned int eval_s;		/* alert evaluation period */
	unsigned int resend_s;		/* firing alerts re-sent this often */
	char alertmanagers[CONFIG_AM_MAX][256];	/* base URLs */
	size_t n_alertmanagers;
	struct config_snmp *snmp;	/* trap receivers */
	size_t n_snmp;
	struct config_remote_write *rw;	/* remote-write targets */
	size_t n_rw;
	/* dhcp: Kea's settings, podboot dhcp's defaults (its options
	 * override them); serve keeps the Kea at dhcp_socket in step */
	char dhcp_socket[108];		/* Kea's control socket, or "" */
	char dhcp_next_server[64];	/* TFTP server (IPv4), or "" */
	char dhcp_boot_url[512];	/* ipxe.efi for UEFI HTTP Boot, or "" */
	char dhcp_ifaces[CONFIG_IFACES_MAX][64];	/* Kea listens on */
	size_t n_dhcp_ifaces;		/* 0: all */
	char dhcp_lease_file[PATH_MAX];	/* "": Kea's default */
	unsigned int dhcp_lifetime_s;	/* lease valid-lifetime */
	char dhcp_lease_cmds[PATH_MAX];	/* Kea's lease commands hook, or "" */
	char dhcp_firmware_dir[PATH_MAX];	/* `make firmware` output, or "" */
	char dhcp_tftp_root[PATH_MAX];	/* serve copies TFTP files here */
	unsigned int dhcp_leases_s;	/* serve reads Kea's leases this
					 * often (discovery); 0: never */
	struct config_alert *alerts;
	size_t n_alerts;
	struct config_pod *pods;
	size_t n_pods;
	struct config_profile *profiles;
	size_t n_profiles;
	struct config_node *nodes;	/* sorted by mac after load */
	size_t n_nodes;
	const struct config_node **nodes_by_id;	/* sorted by hostname */
	struct config_token *tokens;
	size_t n_tokens;
	struct config_bmc *bmcs;	/* every node's bmc group, owned */
};

/**
 * Load and validate a configuration file.
 *
 * @v path		libconfig file
 * @v out		receives the model; config_free() it
 * @v err		on failure, one line "FILE:LINE: what is wrong"
 * @v err_size		size of @err
 * @ret rc		0, -PB_ECONFIG, or -errno if the file cannot be read
 */
int config_load(const char *path, struct config **out, char *err,
		size_t err_size);

/* The field of an assignment that is not valid (config_assign_check). */
enum config_assign_field {
	CONFIG_ASSIGN_OK,
	CONFIG_ASSIGN_HOSTNAME,
	CONFIG_ASSIGN_MAC,
	CONFIG_ASSIGN_POD,
	CONFIG_ASSIGN_PROFILE,
	CONFIG_ASSIGN_ADDRESS,
};

/**
 * Check the fields of an assignment against @cfg, in this order: the
 * hostname's grammar, the MAC's, the pod exists, the profile (NULL or ""
 * for the pod's default) exists, the address (NULL or "" for none) is an
 * IP address.  Pure; whether the names are taken is not its question.
 *
 * @v why		receives the first failing field and why (one line)
 * @ret field		CONFIG_ASSIGN_OK, or the first field not valid
 */
enum config_assign_field config_assign_check(const struct config *cfg,
					     const char *hostname,
					     const char *mac, const char *pod,
					     const char *profile,
					     const char *address, char *why,
					     size_t why_size);

/**
 * Add a node that is not in the file (a discovered machine assigned
 * through the API) to a loaded configuration, validated like the file's
 * own: grammar, pod and profile exist, hostname and MAC unused.  Node
 * pointers taken before the call become invalid.
 *
 * @v profile		"" or NULL for the pod's default
 * @v address		"" or NULL for none
 * @ret rc		0, -PB_EBAD_NAME or -EEXIST (reason in @err), -ENOMEM
 */
int config_add_node(struct config *cfg, const char *hostname,
		    const char *mac, const char *pod, const char *profile,
		    const char *address, char *err, size_t err_size);

/**
 * Whether @client (an address as text) may fetch boot material (stage2,
 * kickstart) of pod @p's machines: always when the pod names no
 * boot_from networks.
 */
int config_pod_boot_allowed(const struct config_pod *p, const char *client);

/**
 * Whether @client may push metrics with a node token of pod @p: from the
 * pod's boot_from networks or its management network (where the installed
 * OS speaks from); always when the pod names no boot_from networks.
 * Pushes that come through a relay (batches, under a relay token) are not
 * asked about: the relay token is their credential.
 */
int config_pod_push_allowed(const struct config_pod *p, const char *client);

/** Free a configuration; NULL is fine. */
void config_free(struct config *cfg);

/* Machine lookups: NULL when not configured.  @mac etc. normalised. */
const struct config_node *config_node_by_mac(const struct config *cfg,
					     const char *mac);
const struct config_node *config_node_by_uuid(const struct config *cfg,
					      const char *uuid);
const struct config_node *config_node_by_serial(const struct config *cfg,
						const char *serial);
const struct config_node *config_node_by_id(const struct config *cfg,
					    const char *id);
const struct config_pod *config_pod_by_name(const struct config *cfg,
					    const char *name);

/**
 * The token whose hash matches @secret (compared in constant time against
 * every configured token), or NULL.
 */
const struct config_token *config_token_find(const struct config *cfg,
					     const char *secret);

/**
 * 1 if @tok grants @scope.  Scopes: "rearm", "status", "push" (the
 * Pushgateway API), "relay" (batches from pod relays), and
 * "upload:NAME", granted by a scope "upload:PREFIX*" when NAME starts with
 * PREFIX, or by "upload:NAME" exactly.
 */
int config_token_allows(const struct config_token *tok, const char *scope);

/** A BMC user name: printable ASCII, no space or ':'; 0 or -PB_EBAD_NAME. */
int config_bmc_user_valid(const char *user);

/**
 * A SHA-256 fingerprint as 64 hex digits, colons allowed, into lower-case
 * @out; 0 or -PB_EBAD_NAME.
 */
int config_bmc_fingerprint_normalise(const char *in, char out[65]);

/* Grammars for hostile input; each returns 0 or -PB_EBAD_NAME. */
/** MAC as aa:bb:cc:dd:ee:ff, aa-bb-..., or 12 hex digits -> @out. */
int config_mac_normalise(const char *in, char out[18]);
/** UUID 8-4-4-4-12 hex -> lower case @out. */
int config_uuid_normalise(const char *in, char out[37]);
/** Serial: 1..64 of [A-Za-z0-9._-]. */
int config_serial_valid(const char *serial);
/** Names: [a-z0-9][a-z0-9._-]*, at most CONFIG_NAME_MAX - 1. */
int config_name_valid(const char *name);
/** Artifact names: segments of [A-Za-z0-9][A-Za-z0-9._+-]* joined by
 *  "/", at most 128 bytes, no "." or ".." segment, no "@", not ending
 *  in ".sig" (that names the signature of an artifact). */
int config_artifact_name_valid(const char *name);

#endif
