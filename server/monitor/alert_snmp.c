/* alert_snmp.c: alerts as traps of PODBOOT-MIB, SNMPv2c or SNMPv3 with
 * net-snmp's single-session API (one session per trap, from the alert
 * thread only). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "alert_snmp.h"
#include "error.h"
#include "fileio.h"
#include "log.h"

/* PODBOOT-MIB: { enterprises 32473 1 } (contrib/snmp/PODBOOT-MIB.txt). */
#define SNMP_MIB 1, 3, 6, 1, 4, 1, 32473, 1

static const oid snmp_uptime_oid[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
static const oid snmp_trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static const oid snmp_firing_oid[] = { SNMP_MIB, 0, 1 };
static const oid snmp_resolved_oid[] = { SNMP_MIB, 0, 2 };

/* The objects a trap carries, in PODBOOT-MIB's order. */
enum snmp_obj {
	SNMP_NAME = 1, SNMP_POD, SNMP_NODE, SNMP_SEVERITY, SNMP_SUMMARY,
	SNMP_VALUE, SNMP_STARTS, SNMP_ENDS, SNMP_URL
};

static pthread_once_t snmp_once = PTHREAD_ONCE_INIT;
static int snmp_init_rc;

/* net-snmp's one-time set-up (alert_snmp_init). */
static void trap_init_once(void)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	snmp_disable_log();
	init_snmp("podboot");
	snmp_init_rc = 0;
}

int alert_snmp_init(void)
{
	return pthread_once(&snmp_once, trap_init_once) == 0 ? snmp_init_rc :
							      -EIO;
}

int alert_snmp_peer(const char *target, char *out, size_t size)
{
	const char *close, *colon;
	int n;

	if (!target[0])
		return -EINVAL;
	if (target[0] == '[') {
		if (!(close = strchr(target, ']')))
			return -EINVAL;
		n = close[1] ? snprintf(out, size, "udp6:%s", target) :
			       snprintf(out, size, "udp6:%s:162", target);
	} else {
		colon = strchr(target, ':');
		n = colon ? snprintf(out, size, "udp:%s", target) :
			    snprintf(out, size, "udp:%s:162", target);
	}
	return n < 0 || (size_t)n >= size ? -PB_ETOOBIG : 0;
}

/* The line at *@p (ended by \n, \r\n or the end), NUL-terminated in
 * place; *@p moves past it.  NULL at the end of the text. */
static char *trap_line(char **p)
{
	char *line = *p, *end;

	if (!*line)
		return NULL;
	end = line + strcspn(line, "\n");
	*p = *end ? end + 1 : end;
	*end = '\0';
	if (end > line && end[-1] == '\r')
		end[-1] = '\0';
	return line;
}

int alert_snmp_secret_parse(char *text, int v3,
			    struct alert_snmp_secret *out)
{
	char *p = text, *line;

	memset(out, 0, sizeof(*out));
	while ((line = trap_line(&p))) {
		if (!line[0] || line[0] == '#')
			continue;
		if (!v3) {
			out->community = line;
			return 0;
		}
		if (strncmp(line, "auth ", 5) == 0 && !out->auth)
			out->auth = line + 5;
		else if (strncmp(line, "priv ", 5) == 0 && !out->priv)
			out->priv = line + 5;
		else
			return -EINVAL;
	}
	if (!v3 || !out->auth || !out->priv || strlen(out->auth) < 8 ||
	    strlen(out->priv) < 8)
		return -EINVAL;
	return 0;
}

/* USM's authentication protocol of @name ("SHA", "SHA-256", "SHA-512"). */
static const oid *trap_auth_proto(const char *name, size_t *len)
{
	if (strcmp(name, "SHA") == 0) {
		*len = OID_LENGTH(usmHMACSHA1AuthProtocol);
		return usmHMACSHA1AuthProtocol;
	}
	if (strcmp(name, "SHA-512") == 0) {
		*len = OID_LENGTH(usmHMAC384SHA512AuthProtocol);
		return usmHMAC384SHA512AuthProtocol;
	}
	*len = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
	return usmHMAC192SHA256AuthProtocol;
}

/*
 * Fill @s's SNMPv3 security from receiver @t and passphrases @sec:
 * authPriv as user @t->user, keys derived from the passphrases (RFC 3414
 * key localisation is net-snmp's), AES privacy, our engine ID.
 * 0 or -EINVAL.
 */
static int trap_v3(netsnmp_session *s, const struct config_snmp *t,
		   const struct alert_snmp_secret *sec, u_char *engine,
		   size_t engine_max)
{
	size_t n = strlen(t->engine_id) / 2, i;
	unsigned int byte;

	if (n > engine_max)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (sscanf(t->engine_id + 2 * i, "%2x", &byte) != 1)
			return -EINVAL;
		engine[i] = (u_char)byte;
	}
	s->version = SNMP_VERSION_3;
	s->securityName = (char *)t->user;
	s->securityNameLen = strlen(t->user);
	s->securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
	s->securityEngineID = engine;
	s->securityEngineIDLen = n;
	s->securityAuthProto = (oid *)trap_auth_proto(t->auth,
						      &s->securityAuthProtoLen);
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (generate_Ku(s->securityAuthProto, s->securityAuthProtoLen,
			(const u_char *)sec->auth, strlen(sec->auth),
			s->securityAuthKey,
			&s->securityAuthKeyLen) != SNMPERR_SUCCESS)
		return -EINVAL;
	s->securityPrivProto = (oid *)usmAESPrivProtocol;
	s->securityPrivProtoLen = USM_PRIV_PROTO_AES_LEN;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (generate_Ku(s->securityAuthProto, s->securityAuthProtoLen,
			(const u_char *)sec->priv, strlen(sec->priv),
			s->securityPrivKey,
			&s->securityPrivKeyLen) != SNMPERR_SUCCESS)
		return -EINVAL;
	return 0;
}

/* A string member @key of @obj, or "". */
static const char *trap_str(const json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	return v ? v : "";
}

/* Add object @which of PODBOOT-MIB (instance 0) with text @v to @pdu,
 * cut to @max bytes. */
static void trap_add(netsnmp_pdu *pdu, enum snmp_obj which, const char *v,
		     size_t max)
{
	const oid name[] = { SNMP_MIB, 1, (oid)which, 0 };
	size_t len = strlen(v);

	snmp_pdu_add_variable(pdu, name, OID_LENGTH(name), ASN_OCTET_STR, v,
			      len > max ? max : len);
}

/* The trap PDU for @alert (alert_snmp_send), or NULL. */
static netsnmp_pdu *trap_pdu(int firing, const json_t *alert,
			     const char *value)
{
	const json_t *labels = json_object_get(alert, "labels");
	const json_t *ann = json_object_get(alert, "annotations");
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_TRAP2);
	long ticks = (long)get_uptime();

	if (!pdu)
		return NULL;
	snmp_pdu_add_variable(pdu, snmp_uptime_oid,
			      OID_LENGTH(snmp_uptime_oid), ASN_TIMETICKS,
			      &ticks, sizeof(ticks));
	if (firing)
		snmp_pdu_add_variable(pdu, snmp_trap_oid,
				      OID_LENGTH(snmp_trap_oid),
				      ASN_OBJECT_ID, snmp_firing_oid,
				      sizeof(snmp_firing_oid));
	else
		snmp_pdu_add_variable(pdu, snmp_trap_oid,
				      OID_LENGTH(snmp_trap_oid),
				      ASN_OBJECT_ID, snmp_resolved_oid,
				      sizeof(snmp_resolved_oid));
	trap_add(pdu, SNMP_NAME, trap_str(labels, "alertname"), 64);
	trap_add(pdu, SNMP_POD, trap_str(labels, "pod"), 64);
	trap_add(pdu, SNMP_NODE, trap_str(labels, "node"), 64);
	trap_add(pdu, SNMP_SEVERITY, trap_str(labels, "severity"), 64);
	trap_add(pdu, SNMP_SUMMARY, trap_str(ann, "summary"), 512);
	trap_add(pdu, SNMP_VALUE, value, 32);
	trap_add(pdu, SNMP_STARTS, trap_str(alert, "startsAt"), 20);
	if (!firing)
		trap_add(pdu, SNMP_ENDS, trap_str(alert, "endsAt"), 20);
	trap_add(pdu, SNMP_URL, trap_str(alert, "generatorURL"), 300);
	return pdu;
}

/*
 * Drop the SNMPv3 user that opening @s put in net-snmp's process-wide
 * USM table: the next trap derives its keys from its own secret file
 * again (two receivers may share a user name with other passphrases),
 * and no key stays in memory between traps.
 */
static void trap_forget_user(const netsnmp_session *s)
{
	struct usmUser *u;

	if (s->version != SNMP_VERSION_3)
		return;
	u = usm_get_user(s->securityEngineID, s->securityEngineIDLen,
			 s->securityName);
	if (!u)
		return;
	usm_remove_user(u);	/* returns the list's head, not a status */
	usm_free_user(u);
}

/* Open a session to @t with secret @sec and send @pdu (taken either
 * way).  0, -EIO or -EINVAL. */
static int trap_send_pdu(const struct config_snmp *t,
			 const struct alert_snmp_secret *sec,
			 netsnmp_pdu *pdu)
{
	netsnmp_session s;
	u_char engine[32];
	char peer[320];
	void *sess;
	int rc;

	snmp_sess_init(&s);
	if ((rc = alert_snmp_peer(t->target, peer, sizeof(peer))) != 0)
		goto out;
	s.peername = peer;
	if (strcmp(t->version, "3") == 0) {
		if ((rc = trap_v3(&s, t, sec, engine, sizeof(engine))) != 0)
			goto out;
	} else {
		s.version = SNMP_VERSION_2c;
		s.community = (u_char *)sec->community;
		s.community_len = strlen(sec->community);
	}
	rc = -EIO;
	if (!(sess = snmp_sess_open(&s)))
		goto out;
	if (snmp_sess_send(sess, pdu)) {
		pdu = NULL;	/* net-snmp frees what it sent */
		rc = 0;
	}
	snmp_sess_close(sess);
	trap_forget_user(&s);
out:
	if (pdu)
		snmp_free_pdu(pdu);
	explicit_bzero(&s, sizeof(s));
	return rc;
}

int alert_snmp_send(const struct config_snmp *t, int firing,
		    const json_t *alert, const char *value)
{
	struct alert_snmp_secret sec;
	unsigned char *text = NULL;
	netsnmp_pdu *pdu;
	size_t len = 0;
	int rc;

	if ((rc = alert_snmp_init()) != 0)
		return rc;
	if ((rc = fileio_read(t->secret_file, ALERT_SNMP_SECRET_MAX, &text,
			      &len)) != 0) {
		log_warn("snmp %s: cannot read secret_file %s: %s", t->target,
			 t->secret_file, pb_strerror(rc));
		return rc;
	}
	if ((rc = alert_snmp_secret_parse((char *)text,
					  strcmp(t->version, "3") == 0,
					  &sec)) != 0) {
		log_warn("snmp %s: secret_file %s is not in the form of "
			 "version %s (docs/operations.md, SNMP traps)",
			 t->target, t->secret_file, t->version);
		goto out;
	}
	rc = -ENOMEM;
	if (!(pdu = trap_pdu(firing, alert, value)))
		goto out;
	if ((rc = trap_send_pdu(t, &sec, pdu)) != 0)
		log_warn("snmp %s: the %s trap was not sent (%s)", t->target,
			 firing ? "firing" : "resolved", pb_strerror(rc));
out:
	explicit_bzero(text, len);
	free(text);
	return rc;
}
