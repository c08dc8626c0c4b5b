/* config_int.h: what the files of the configuration loader share, and
 * nothing else includes: the load context, the schema's types, and the
 * functions one file of the loader calls in another. */
#ifndef PODBOOT_CONFIG_INT_H
#define PODBOOT_CONFIG_INT_H

#include <limits.h>
#include <stddef.h>

#include <libconfig.h>

#include "config.h"

/* Largest configuration file: a node takes some 150 bytes. */
#define CONFIG_FILE_MAX (64u << 20)
/* Longest string we quote back in a message or hold before a grammar
 * check rejects it. */
#define CONFIG_TEXT_MAX 256
#define CONFIG_ARTIFACT_MAX 128
#define CONFIG_SERIAL_MAX 64
#define CONFIG_UPLOAD "upload:"
/*
 * TLS 1.3, and TLS 1.2 with forward-secret key exchange only (ECDHE),
 * AEAD or CBC with SHA-256/384: what iPXE speaks (ECDHE-RSA and
 * ECDHE-ECDSA with AES-128/256 in GCM or CBC-SHA256/384).  No static RSA
 * key exchange, no SHA-1 CBC suites.
 */
#define CONFIG_TLS_PRIORITIES \
	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:" \
	"-KX-ALL:+ECDHE-RSA:+ECDHE-ECDSA:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:" \
	"+AES-256-CBC:+AES-128-CBC:" \
	"-MAC-ALL:+AEAD:+SHA256:+SHA384:%SERVER_PRECEDENCE"
#define CONFIG_UPLOAD_LEN (sizeof(CONFIG_UPLOAD) - 1)
/* SHA-256 of the empty string: a token that an empty secret would match. */
#define CONFIG_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* One key of a sorted index over a list: which item, which setting. */
struct config_entry {
	const char *key;
	const config_setting_t *s;	/* the setting holding @key */
	size_t pos;			/* index of the item in its list */
};

/* Items of a list sorted by a string key, for duplicates and lookups. */
struct config_index {
	struct config_entry *e;
	size_t n;
};

/* State of one config_load(). */
struct config_ctx {
	struct config *cfg;
	const char *file;		/* as the caller named it: messages */
	char dir[PATH_MAX];		/* absolute directory of the file */
	char *err;
	size_t err_size;
	struct config_index pods;	/* by name, for nodes' references */
	struct config_index profiles;	/* by name, for pods and nodes */
};

/* The settings a group may hold, and a check across them. */
struct config_group {
	const char *what;		/* "a pod", for messages */
	const struct config_key *keys;
	size_t n_keys;
	int (*check)(struct config_ctx *ctx, const config_setting_t *g,
		     void *base);
};

/* A top-level list of groups (pods, profiles, nodes, tokens). */
struct config_list {
	const struct config_group *elem;
	size_t elem_size;
	size_t max;			/* entries */
	void (*attach)(struct config *cfg, void *items, size_t n);
	int (*check)(struct config_ctx *ctx, const config_setting_t *list);
};

/* One setting of a group: how to parse it and where it goes. */
struct config_key {
	const char *name;
	/* Parse setting @s (NULL when absent: store the default) into
	 * @field; 0, or a negative error with the message written. */
	int (*parse)(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field);
	size_t off;			/* of the field in the group's struct */
	size_t size;			/* of a string field */
	long long min, max, def;	/* of a number */
	const char *def_str;		/* default of a string, if not "" */
	const char *expect;		/* what a valid value looks like */
	int required;
	const struct config_group *group;	/* of a nested group */
	const struct config_list *list;		/* of a list */
};

#define CONFIG_N(keys) (sizeof(keys) / sizeof(keys[0]))

/* config_store.c: server.store, a URL or a group */
extern const struct config_group config_store;
int config_key_store(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field);

/* config_snmp.c: monitoring.snmp_traps */
extern const struct config_list config_snmp_traps;
/* config_remote_write.c: monitoring.remote_write */
extern const struct config_list config_remote_write;

/* config_grammar.c: grammars of hostile input */
int config_is_digit(int c);
int config_is_alpha(int c);
int config_is_alnum(int c);
int config_hex_value(int c);
char config_lower(char c);
int config_is_placeholder(const char *hex, size_t len);
int config_ip_family(const char *s);
int config_cidr_parse(const char *s, unsigned char *addr, int *family,
		      int *prefix);
int config_cidr_mask(unsigned char *addr, int family, int prefix);
int config_cidr_valid(const char *s);
size_t config_url_len(const char *url);
int config_scope_valid(const char *scope);
int config_scope_request_valid(const char *scope);

/* config.c: the engine: messages, paths, indexes, groups and lists */
int config_path_resolve(char *out, size_t size, const char *dir,
			const char *rel);
int __attribute__((format(printf, 4, 5)))
config_fail(struct config_ctx *ctx, const config_setting_t *s,
	    const char *member, const char *fmt, ...);
void config_index_free(struct config_index *idx);
int config_index_build(struct config_ctx *ctx, struct config_index *idx,
		       const config_setting_t *list, const void *items,
		       size_t size, size_t n, size_t key_off,
		       const char *member);
size_t config_index_find(const struct config_index *idx,
			 const char *key);
int config_key_group(struct config_ctx *ctx, const config_setting_t *s,
		     const struct config_key *key, void *field);
int config_key_list(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
/* server.replicas: each "HOST:PORT"; @field is the configuration. */
int config_key_replicas(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, void *field);

/* config_value.c: parsers of values */
int config_string(struct config_ctx *ctx, const config_setting_t *s,
		  const struct config_key *key, size_t size,
		  const char **out);
int config_key_string(struct config_ctx *ctx,
		      const config_setting_t *s,
		      const struct config_key *key, void *field);
int config_key_ifaces(struct config_ctx *ctx, const config_setting_t *s,
		      const struct config_key *key, void *field);
int config_key_priorities(struct config_ctx *ctx,
			  const config_setting_t *s,
			  const struct config_key *key, void *field);
int config_key_grammar(struct config_ctx *ctx,
		       const config_setting_t *s,
		       const struct config_key *key, void *field,
		       int (*valid)(const char *), const char *what);
int config_key_name(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_hostname_valid(const char *name);
int config_relay_id_valid(const char *id);
int config_key_relay_id(struct config_ctx *ctx, const config_setting_t *s,
			const struct config_key *key, void *field);
int config_key_hostname(struct config_ctx *ctx,
			const config_setting_t *s,
			const struct config_key *key, void *field);
int config_key_artifact(struct config_ctx *ctx,
			const config_setting_t *s,
			const struct config_key *key, void *field);
int config_key_serial(struct config_ctx *ctx,
		      const config_setting_t *s,
		      const struct config_key *key, void *field);
int config_key_path(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_key_ip(struct config_ctx *ctx, const config_setting_t *s,
		  const struct config_key *key, void *field);
int config_key_url(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field);
int config_key_mac(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field);
int config_key_uuid(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_key_sha256(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field);
int config_key_boot_from(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field);
int config_key_pod_artifacts(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field);
int config_key_scopes(struct config_ctx *ctx,
		      const config_setting_t *s,
		      const struct config_key *key, void *field);
int config_key_uint(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_key_megabytes(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field);
int config_key_bool(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_key_policy(struct config_ctx *ctx,
		      const config_setting_t *s,
		      const struct config_key *key, void *field);
int config_key_cidr(struct config_ctx *ctx, const config_setting_t *s,
		    const struct config_key *key, void *field);
int config_key_dns(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field);
int config_key_ntp(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field);
int config_key_pod_ref(struct config_ctx *ctx,
		       const config_setting_t *s,
		       const struct config_key *key, void *field);
int config_key_profile_ref(struct config_ctx *ctx,
			   const config_setting_t *s,
			   const struct config_key *key, void *field);
int config_key_profile_name(struct config_ctx *ctx,
			    const config_setting_t *s,
			    const struct config_key *key, void *field);
int config_key_kilobytes(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field);
int config_key_alertmanagers(struct config_ctx *ctx,
			     const config_setting_t *s,
			     const struct config_key *key, void *field);

/* config_tables.c: the schema tables and checks across settings */
int config_node_mac_cmp(const void *a, const void *b);
int config_node_ptr_id_cmp(const void *a, const void *b);
int config_index_ids(struct config *cfg);
extern const struct config_group config_root;

/* config_bmc.c: a node's bmc group */
extern const struct config_group config_bmc_group;
int config_key_bmc(struct config_ctx *ctx, const config_setting_t *s,
		   const struct config_key *key, void *field);
void config_bmc_free(struct config_bmc *list);

/* config_alertexpr.c: alert rules */
int config_key_alertname(struct config_ctx *ctx,
			 const config_setting_t *s,
			 const struct config_key *key, void *field);
int config_key_alert_expr(struct config_ctx *ctx,
			  const config_setting_t *s,
			  const struct config_key *key, void *field);
int config_key_alert_labels(struct config_ctx *ctx,
			    const config_setting_t *s,
			    const struct config_key *key, void *field);
int config_key_alert_annotations(struct config_ctx *ctx,
				 const config_setting_t *s,
				 const struct config_key *key,
				 void *field);

#endif
