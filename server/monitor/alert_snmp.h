/* alert_snmp.h: alerts as SNMP traps of PODBOOT-MIB (contrib/snmp/) to
 * the receivers of monitoring.snmp_traps, SNMPv2c or SNMPv3 (net-snmp). */
#ifndef PODBOOT_ALERT_SNMP_H
#define PODBOOT_ALERT_SNMP_H

#include <stddef.h>

#include <jansson.h>

#include "config.h"

/* Longest secret file: a community, or two passphrase lines. */
#define ALERT_SNMP_SECRET_MAX 1024

/** What one SNMP receiver's secret file holds (pointers into its text). */
struct alert_snmp_secret {
	const char *community;		/* 2c */
	const char *auth, *priv;	/* 3: passphrases, 8 bytes or more */
};

/**
 * Set net-snmp up once per process, before any trap: no configuration
 * files read, no state written, its log off.  Idempotent.
 *
 * @ret rc		0 or -EIO
 */
int alert_snmp_init(void);

/**
 * net-snmp's transport address for a monitoring.snmp_traps target:
 * "udp:HOST:PORT" or "udp6:[V6]:PORT", port 162 when the target has none.
 *
 * @ret rc		0, -EINVAL (not a target), -PB_ETOOBIG
 */
int alert_snmp_peer(const char *target, char *out, size_t size);

/**
 * Parse a secret file's text in place (pure): for 2c (@v3 0) its first
 * line is the community; for 3, a line "auth PASSPHRASE" and a line
 * "priv PASSPHRASE", each passphrase 8 bytes or more (USM's minimum).
 *
 * @ret rc		0 or -EINVAL (the reason is not the secret: it is
 *			never quoted)
 */
int alert_snmp_secret_parse(char *text, int v3,
			    struct alert_snmp_secret *out);

/**
 * Send one trap to receiver @t: podbootAlertFiring (@firing) or
 * podbootAlertResolved for @alert, an alert in Alertmanager's form
 * (labels alertname, pod, node, severity; annotations summary;
 * startsAt, endsAt, generatorURL) with its value as text @value.  Reads
 * the secret file, and wipes what it read.
 *
 * @ret rc		0, or a negative error (logged without the secret)
 */
int alert_snmp_send(const struct config_snmp *t, int firing,
		    const json_t *alert, const char *value);

#endif
