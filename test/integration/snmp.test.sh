# snmp.test.sh: alerts as SNMP traps (monitoring.snmp_traps) to real
# snmptrapd receivers from Debian: SNMPv2c with a community and SNMPv3
# authPriv, each received and decoded with PODBOOT-MIB
# (contrib/snmp/PODBOOT-MIB.txt); one trap per firing and one per
# resolution, never a resend; a receiver that does not know podboot's
# credentials logs nothing; no community or passphrase reaches a log.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
COMMUNITY=pbt-community-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
AUTHPASS=pbt-auth-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
PRIVPASS=pbt-priv-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')
ENGINE=800000000170646274$(od -An -tx1 -N4 /dev/urandom | tr -d ' \n')
export SNMP_PERSISTENT_DIR=$T/snmp-state	# snmptrapd's, not /var/lib

# The SMI roots that PODBOOT-MIB imports, so that snmptrapd can name what
# it receives (Debian ships the IETF modules only in non-free).
mkdir -p "$T/mibs" "$SNMP_PERSISTENT_DIR"
cat >"$T/mibs/SNMPv2-SMI.txt" <<'MIB'
SNMPv2-SMI DEFINITIONS ::= BEGIN
org OBJECT IDENTIFIER ::= { iso 3 }
dod OBJECT IDENTIFIER ::= { org 6 }
internet OBJECT IDENTIFIER ::= { dod 1 }
private OBJECT IDENTIFIER ::= { internet 4 }
enterprises OBJECT IDENTIFIER ::= { private 1 }
END
MIB
printf 'SNMPv2-CONF DEFINITIONS ::= BEGIN\nEND\n' >"$T/mibs/SNMPv2-CONF.txt"
MIBS_ARGS=(-M "$T/mibs:$TOP/contrib/snmp" -m PODBOOT-MIB)
check "PODBOOT-MIB parses: podbootAlertFiring is .1.3.6.1.4.1.32473.1.0.1" [ \
	"$(snmptranslate "${MIBS_ARGS[@]}" -On PODBOOT-MIB::podbootAlertFiring 2>/dev/null)" = \
	.1.3.6.1.4.1.32473.1.0.1 ]

site_init "$T/site"
printf '%s\n' "$COMMUNITY" >"$SITE/snmp-v2c"
printf '# podboot SNMPv3\nauth %s\npriv %s\n' "$AUTHPASS" "$PRIVPASS" >"$SITE/snmp-v3"
printf 'auth %s-wrong\npriv %s-wrong\n' "$AUTHPASS" "$PRIVPASS" >"$SITE/snmp-v3-wrong"
chmod 600 "$SITE"/snmp-*
V2PORT=$(port_pick)
V3PORT=$(port_pick)
cp "$SITE/podboot.conf" "$T/base.conf"
monitoring() { # monitoring SNMP-LIST: podboot.conf with these receivers
	{ cat "$T/base.conf"
	  printf 'monitoring = { eval_interval_s = 1; resend_s = 1; down_after = 3;\n'
	  printf '  snmp_traps = ( %s ); };\n' "$1"
	  cat <<'CONF'
alerts = (
  { name = "HighLoad"; expr = "node_load1 > 4"; for = 1;
    labels = { severity = "warning"; };
    annotations = { summary = "load {{value}} on {{node}}"; }; }
);
CONF
	} >"$SITE/podboot.conf"
}
refusal() { # refusal WHAT SNMP-LIST PATTERN: serve --check names it
	monitoring "$2"
	"$PODBOOT" serve --check --config "$SITE/podboot.conf" >"$T/out" 2>&1
	check "$1: refused" [ $? != 0 ]
	check "$1: the message says why" grep -q -- "$3" "$T/out"
}
refusal "a community readable by others" \
	'{ target = "127.0.0.1"; version = "2c"; secret_file = "snmp-open"; }' \
	'snmp-open" is not a readable file'
printf 'x\n' >"$SITE/snmp-open"; chmod 644 "$SITE/snmp-open"
refusal "a secret file of mode 644" \
	'{ target = "127.0.0.1"; version = "2c"; secret_file = "snmp-open"; }' \
	'may be read by others (mode 644): chmod 600 it'
refusal "SNMPv3 without an engine ID" \
	'{ target = "127.0.0.1"; version = "3"; user = "pb"; secret_file = "snmp-v3"; }' \
	'engine_id is missing'
refusal "a user for version 2c" \
	'{ target = "127.0.0.1"; version = "2c"; user = "pb"; secret_file = "snmp-v2c"; }' \
	'applies to version "3" only'
refusal "a target that is no address" \
	'{ target = "127.0.0.1:99999"; version = "2c"; secret_file = "snmp-v2c"; }' \
	'is not a trap receiver'
refusal "version 1" \
	'{ target = "127.0.0.1"; version = "1"; secret_file = "snmp-v2c"; }' \
	'expected "2c" or "3"'

# Two snmptrapd: one takes the community only, one the SNMPv3 user only.
trapd() { # trapd NAME PORT CONF-LINES: start, wait for it to listen
	printf '%s\n' "$3" >"$T/$1.conf"
	snmptrapd -f -C -c "$T/$1.conf" -Lf "$T/$1.log" "${MIBS_ARGS[@]}" \
		-p "$T/$1.pid" "udp:127.0.0.1:$2" >/dev/null 2>&1 &
	eval "${1}_PID=\$!"
	wait_for "$(deadline 10)" grep -q 'NET-SNMP version' "$T/$1.log"
}
ok "snmptrapd for SNMPv2c starts" trapd v2 "$V2PORT" "authCommunity log $COMMUNITY"
ok "snmptrapd for SNMPv3 starts" trapd v3 "$V3PORT" \
	"createUser -e 0x$ENGINE pbuser SHA-256 $AUTHPASS AES $PRIVPASS
authUser log pbuser"
trap 'server_stop KILL; kill ${v2_PID:-} ${v3_PID:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

monitoring "{ target = \"127.0.0.1:$V2PORT\"; version = \"2c\"; secret_file = \"snmp-v2c\"; },
  { target = \"127.0.0.1:$V3PORT\"; version = \"3\"; user = \"pbuser\"; engine_id = \"$ENGINE\"; secret_file = \"snmp-v3\"; },
  { target = \"127.0.0.1:$V3PORT\"; version = \"3\"; user = \"pbuser\"; auth = \"SHA\"; engine_id = \"$ENGINE\"; secret_file = \"snmp-v3-wrong\"; }"
ok "a configuration with three receivers is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts" server_start

TOKEN=$(C -f "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
SEQ=0
push() { # push FILE: one push of demo-1
	SEQ=$((SEQ + 1))
	gzip -c "$1" >"$T/push.gz"
	curl -s --cacert "$ROOT" -o /dev/null \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' \
		-H "X-Podboot-Seq: $SEQ" -H 'X-Podboot-Interval: 1' \
		--data-binary @"$T/push.gz" "$BASE/api/v1/push"
}
printf '# TYPE node_load1 gauge\nnode_load1 5.5\n' >"$T/high"
printf '# TYPE node_load1 gauge\nnode_load1 0.5\n' >"$T/low"
firing() { grep -c 'podbootAlertFiring' "$T/$1.log"; }
resolved() { grep -c 'podbootAlertResolved' "$T/$1.log"; }
end=$(($(date +%s) + $(deadline 40)))
until [ "$(firing v2)" -ge 1 ] && [ "$(firing v3)" -ge 1 ] ||
	[ "$(date +%s)" -ge "$end" ]; do
	push "$T/high"
	sleep 0.5
done
check "the SNMPv2c receiver got podbootAlertFiring" [ "$(firing v2)" -ge 1 ]
check "the SNMPv3 receiver got podbootAlertFiring" [ "$(firing v3)" -ge 1 ]
for r in v2 v3; do
	check "$r: the trap names the alert" grep -q 'PODBOOT-MIB::podbootAlertName.0 = STRING: "\?HighLoad' "$T/$r.log"
	check "$r: its node and pod" sh -c "grep -q 'podbootAlertNode.0 = STRING: \"\\?demo-1' '$T/$r.log' && grep -q 'podbootAlertPod.0 = STRING: \"\\?demo' '$T/$r.log'"
	check "$r: its severity, summary and value" sh -c "grep -q 'podbootAlertSeverity.0 = STRING: \"\\?warning' '$T/$r.log' && grep -q 'podbootAlertSummary.0 = STRING: \"\\?load 5.5 on demo-1' '$T/$r.log' && grep -q 'podbootAlertValue.0 = STRING: \"\\?5.5' '$T/$r.log'"
	check "$r: the alert list URL" grep -q "podbootAlertURL.0 = STRING: \"\\?$BASE/api/v1/alerts" "$T/$r.log"
done

# Firing for several resend periods: still one firing trap each, while
# Alertmanager-style resends would have gone out every second.
for _ in 1 2 3 4 5 6; do push "$T/high"; sleep 0.5; done
check "one firing trap per receiver, no resends, none with the wrong passphrases (v2c $(firing v2), v3 $(firing v3))" \
	sh -c "[ $(firing v2) = 1 ] && [ $(firing v3) = 1 ]"

end=$(($(date +%s) + $(deadline 40)))
until [ "$(resolved v2)" -ge 1 ] && [ "$(resolved v3)" -ge 1 ] ||
	[ "$(date +%s)" -ge "$end" ]; do
	push "$T/low"
	sleep 0.5
done
check "both receivers got podbootAlertResolved" sh -c "[ $(resolved v2) = 1 ] && [ $(resolved v3) = 1 ]"
check "with when it ended" grep -q 'podbootAlertEndsAt.0 = STRING: "\?20[0-9-]*T[0-9:]*Z' "$T/v2.log"

# The receiver with wrong passphrases: snmptrapd dropped its traps, so
# the v3 log holds exactly the two of the right user.
check "traps with the wrong passphrases were not accepted" \
	[ "$(grep -c 'PODBOOT-MIB::podbootAlertName' "$T/v3.log")" = 2 ]
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics" "$BASE/metrics"
check "podboot_alert_traps_total counts the traps sent" \
	grep -q '^podboot_alert_traps_total [2-9]' "$T/metrics"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/events" "$BASE/api/v1/events"
check "the events were read" [ -s "$T/events" ]
for name in COMMUNITY AUTHPASS PRIVPASS; do
	eval "s=\$$name"
	check "the $name never reaches serve's log, the metrics or the events" \
		sh -c "! grep -qF -- '${s#pbt-}' '$SITE/serve.log' '$T/metrics' '$T/events'"
done
finish
