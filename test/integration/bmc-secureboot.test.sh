#!/bin/bash
# bmc-secureboot.test.sh: podboot bmc NODE secure-boot [status|on|off|
# enrol-db], from the command line and as API jobs.  SecureBootDatabases
# against tools/redfish-sbdb.py (sushy-tools has none): the operator's db
# certificate (the key ceremony's uefi-db.cer, DER) posted as PEM, the
# PATCH with If-Match, a clear error where the BMC lacks SecureBoot or its
# databases; the attacker's side: a private key given as the certificate
# never leaves the host, the API takes no certificate path, no token or
# scope no action, the BMC password nowhere.  Then enable and status
# against OpenStack's sushy-tools over libvirt (a UEFI machine defined,
# never started): libvirt's own domain definition shows the secure
# loader and the snakeoil variables template after "on", the plain ones
# after "off"; and sushy-tools' SecureBoot without databases refuses
# enrol-db with the error naming what it lacks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/test/bmc-lib.sh"

FIX_PID=
cleanup() {
	server_stop KILL
	bmc_lib_cleanup
	[ -n "$FIX_PID" ] && kill "$FIX_PID" 2>/dev/null && wait "$FIX_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/bmc.key" -out "$T/bmc.crt" -days 2 -subj "/CN=sbdb" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
PASS_BMC="sb-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PASS_BMC" >"$T/bmc.pass"
chmod 600 "$T/bmc.pass"
FPORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-sbdb.py" "$FPORT" "$T/bmc.crt" "$T/bmc.key" \
	podboot "$PASS_BMC" "$T/state.json" >"$T/fixture.log" 2>&1 &
FIX_PID=$!
ok "the Redfish fixture with SecureBootDatabases listens" \
	wait_up 20 "$FIX_PID" grep -q listening "$T/fixture.log"

# The operator's UEFI db key, from the key ceremony.
ok "keys issue-uefi: the operator's db certificate" \
	"$PODBOOT" keys issue-uefi --dir "$T/uefi" --cn "podboot test db"

site_init "$T/site"
# bmc_group PORT SYSTEM [CA USER PASSFILE]: a node's bmc group.
bmc_group() {
	echo "bmc = { url = \"https://127.0.0.1:$1\"; user = \"${4:-podboot}\"; password_file = \"${5:-$T/bmc.pass}\"; tls_ca = \"${3:-$T/bmc.crt}\"; system = \"$2\"; };"
}
python3 - "$SITE/podboot.conf" "$(bmc_group "$FPORT" 1)" "$(bmc_group "$FPORT" 2)" \
	"$(bmc_group "$FPORT" 3)" "$T/uefi" "$(bmc_group "$FPORT" 4)" <<'EOF'
import sys
p, b1, b2, b3, u, b4 = sys.argv[1:7]
s = open(p).read()
s = s.replace('address = "198.51.100.11"; }', 'address = "198.51.100.11"; ' + b1 + ' }')
s = s.replace('address = "198.51.100.12"; }', 'address = "198.51.100.12"; ' + b2 + ' },\n'
              '  { mac = "52:54:00:00:00:05"; hostname = "demo-5"; pod = "demo";\n'
              '    address = "198.51.100.15"; ' + b4 + ' },\n'
              '  { mac = "52:54:00:00:00:03"; hostname = "demo-3"; pod = "demo";\n'
              '    address = "198.51.100.13"; ' + b3 + ' }')
s = s.replace('server = {\n', 'server = {\n  uefi_cert = "%s/uefi-db.crt";\n  uefi_key = "%s/uefi-db.key";\n' % (u, u), 1)
open(p, 'w').write(s)
EOF
ok "the configuration (four BMC systems, server.uefi_cert) checks" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
export PODBOOT_CONFIG=$SITE/podboot.conf

# bmc ARGS...: podboot bmc; stdout in $OUT, stderr in $T/err (and both
# appended to $T/all.log).
bmc() {
	local rc
	"$PODBOOT" bmc "$@" >"$OUT" 2>"$T/err"
	rc=$?
	cat "$OUT" "$T/err" >>"$T/all.log"
	return $rc
}
# state EXPR: EXPR (Python, over the fixture's state S) printed.
state() {
	/usr/bin/python3 -c 'import json, sys; S = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/state.json" "$1"
}
# has_event REGEX: an event (KIND|SUBJECT|DETAIL) matches REGEX.
has_event() {
	sqlite3 "$SITE/data/podboot.db" "SELECT kind, subject, detail FROM events;" | grep -q -- "$1"
}

# ---- the command line, against the fixture ----
ok "secure-boot (status)" bmc demo-1 secure-boot
check "  SecureBootEnable false, CurrentBoot Disabled, mode, databases offered" \
	grep -qx "demo-1: SecureBootEnable false, SecureBootCurrentBoot Disabled, SecureBootMode DeployedMode, SecureBootDatabases offered" "$OUT"
check "  a status read is no event" sh -c "! sqlite3 '$SITE/data/podboot.db' 'SELECT detail FROM events' | grep -q secure-boot"
ok "secure-boot on" bmc demo-1 secure-boot on
check "  SecureBootEnable true, effective at the next boot" \
	grep -qx "demo-1: secure-boot on: SecureBootEnable true, SecureBootCurrentBoot Disabled, SecureBootMode DeployedMode, SecureBootDatabases offered (takes effect at the next boot)" "$OUT"
check "  one PATCH of SecureBootEnable true, with If-Match the resource's ETag (no 428, no 412)" \
	test "$(state '(S["patches"], S["if_match"], S["wanted_if_match"], S["stale"])')" = \
	"([{'SecureBootEnable': True}], ['W/\"sb-1\"'], 0, 0)"
check "  an audit event" has_event '^bmc|demo-1|secure-boot on: SecureBootEnable true'
ok "secure-boot status after" bmc demo-1 secure-boot status
check "  reads true" grep -q "SecureBootEnable true" "$OUT"

ok "secure-boot enrol-db --cert uefi-db.cer (DER)" bmc demo-1 secure-boot enrol-db --cert "$T/uefi/uefi-db.cer"
FP=$(openssl x509 -in "$T/uefi/uefi-db.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
check "  says what it added, and where" \
	grep -q "secure-boot enrol-db: db certificate .*podboot test db.* (sha256 $FP) added to /redfish/v1/Systems/1/SecureBoot/SecureBootDatabases/db/Certificates as /redfish/v1/Systems/1/SecureBoot/SecureBootDatabases/db/Certificates/1" "$OUT"
openssl x509 -in "$T/uefi/uefi-db.crt" >"$T/want.pem"
check "  the BMC holds that certificate, as PEM" \
	test "$(state 'S["certs"][0]' )" = "$(cat "$T/want.pem")"
check "  an audit event naming its fingerprint" has_event "^bmc|demo-1|secure-boot enrol-db: db certificate .*$FP"
ok "secure-boot enrol-db --cert uefi-db.crt (PEM): the same certificate again" \
	bmc demo-1 secure-boot enrol-db --cert "$T/uefi/uefi-db.crt"
check "  found in db: nothing posted" sh -c "grep -q 'db certificate .*(sha256 $FP) is in db already, as /redfish/v1/Systems/1/SecureBoot/SecureBootDatabases/db/Certificates/1: nothing added' '$OUT' && \
	[ \"\$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))[\"certs\"]))' '$T/state.json')\" = 1 ]"

# The attacker's side (or a slip): a private key is not a certificate.
if bmc demo-1 secure-boot enrol-db --cert "$T/uefi/uefi-db.key"; then
	bad "a private key given as --cert is refused"
else
	ok "a private key given as --cert is refused"
fi
check "  the error says so" grep -q "holds no single X.509 certificate" "$T/err"
check "  nothing reached the BMC (one certificate, no refused POST)" \
	test "$(state '(len(S["certs"]), S["refused_posts"])')" = "(1, 0)"
check "  no line of the key in any output" \
	sh -c "! grep -qF '$(sed -n 2p "$T/uefi/uefi-db.key")' '$T/all.log'"

if bmc demo-2 secure-boot enrol-db --cert "$T/uefi/uefi-db.cer"; then
	bad "a BMC without SecureBootDatabases: enrol-db fails"
else
	ok "a BMC without SecureBootDatabases: enrol-db fails"
fi
check "  naming what it lacks and where to enrol instead" \
	grep -q "has no SecureBootDatabases (Redfish SecureBoot 1.1): it cannot take a db certificate; enrol it in the machine's setup menu" "$T/err"
check "  the failure is an audit event" has_event '^bmc|demo-2|secure-boot enrol-db failed: .*SecureBootDatabases'
if bmc demo-3 secure-boot; then
	bad "a system without SecureBoot: status fails"
else
	ok "a system without SecureBoot: status fails"
fi
check "  naming the missing resource" \
	grep -q "has no SecureBoot resource (Redfish ComputerSystem.SecureBoot)" "$T/err"
if bmc demo-1 secure-boot on --cert "$T/uefi/uefi-db.cer" || bmc demo-1 secure-boot sideways ||
	bmc demo-1 power on --cert "$T/uefi/uefi-db.cer"; then
	bad "usage: --cert with another verb, an unknown word: refused"
else
	ok "usage: --cert with another verb, an unknown word: refused"
fi

# ---- a BMC whose ETag shows only after its 428 ----
ok "secure-boot on, where the ETag shows only once a 428 asked for it" \
	bmc demo-5 secure-boot on
check "  the 428, the resource read again, the PATCH sent again with its ETag" \
	test "$(state '(S["late_428"], S["if_match4"], S["enable4"])')" = \
	"(1, [None, 'W/\"sb4-1\"'], True)"
check "  the state read back" grep -q "demo-5: secure-boot on: SecureBootEnable true" "$OUT"

# ---- the API: jobs under scope bmc ----
ok "podboot serve starts" server_start
A=(-H "Authorization: Bearer $OP_TOKEN")
NB=$BASE/api/v1/nodes
# post PATH [BODY]: POST with the operator's token; the status in $CODE.
post() {
	CODE=$(curl -s --cacert "$ROOT" "${A[@]}" -o "$T/.body" -w '%{http_code}' \
		-X POST --data-binary "${2:-}" "$BASE$1")
	cat "$T/.body" >>"$T/all.log"
}
jq_() { /usr/bin/python3 -c 'import json, sys; J = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# job_final ID: the job (into $T/job.json) is in a final state.
job_final() {
	C "${A[@]}" -o "$T/job.json" "$BASE/api/v1/bmc/jobs/$1" &&
		jq_ "$T/job.json" 'J["state"]' | grep -qE '^(succeeded|failed|cancelled)$'
}
# api_job ACTION [BODY]: POST the action for demo-1, wait for its job.
api_job() {
	post "/api/v1/nodes/demo-1/bmc/$1" "${2:-}"
	[ "$CODE" = 202 ] || return 1
	JOB=$(jq_ "$T/.body" 'J["job"]')
	wait_up 30 "" job_final "$JOB" && cat "$T/job.json" >>"$T/all.log"
}
check "no token: 401" test "$(status "$NB/demo-1/bmc/secure-boot-off" -X POST)" = 401
check "the ci token (no scope bmc): 403" \
	test "$(status "$NB/demo-1/bmc/secure-boot-off" -X POST -H "Authorization: Bearer $CI_TOKEN")" = 403
check "  nothing changed on the BMC" test "$(state 'len(S["patches"])')" = 1
ok "POST .../bmc/secure-boot-off: a job, run" api_job secure-boot-off
check "  succeeded: SecureBootEnable false" \
	test "$(jq_ "$T/job.json" '(J["state"], "SecureBootEnable false" in J["outcome"])')" = "('succeeded', True)"
check "  the fixture saw false, with If-Match the new ETag" \
	test "$(state '(S["patches"][-1], S["if_match"][-1])')" = "({'SecureBootEnable': False}, 'W/\"sb-2\"')"
check "  an event with the token's name" has_event '^bmc|demo-1|secure-boot off: SecureBootEnable false.*(by token operator)'
ok "POST .../bmc/secure-boot: the status as a job" api_job secure-boot
check "  its outcome" grep -q "SecureBootEnable false, SecureBootCurrentBoot" "$T/job.json"
ok "POST .../bmc/secure-boot-enrol-db: server.uefi_cert, which db holds" api_job secure-boot-enrol-db
check "  succeeded: in db already, nothing posted a second time" sh -c \
	"grep -q 'is in db already' '$T/job.json' && [ '$(state 'len(S["certs"])')' = 1 ]"
post /api/v1/nodes/demo-1/bmc/secure-boot-enrol-db '{"cert": "/etc/shadow"}'
check "the API takes no certificate path: 400" test "$CODE" = 400
check "  nothing posted" test "$(state 'len(S["certs"])')" = 1
post /api/v1/nodes/demo-2/bmc/secure-boot-enrol-db
JOB=$(jq_ "$T/.body" 'J["job"]' 2>/dev/null)
rm -f "$T/job.json"
[ "$CODE" = 202 ] && wait_up 30 "" job_final "$JOB"
check "demo-2's enrol-db job fails, its error naming SecureBootDatabases" \
	test "$(jq_ "$T/job.json" '(J["state"], "no SecureBootDatabases" in J.get("error", ""))' 2>/dev/null)" = "('failed', True)"
server_stop

# ---- sushy-tools over libvirt: SecureBoot enable and status ----
missing=$(bmc_lib_missing "$top")
for f in /usr/share/OVMF/OVMF_CODE_4M.secboot.fd /usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd /usr/share/OVMF/OVMF_VARS_4M.fd; do
	[ -r "$f" ] || missing="${missing:-$f is missing (Debian package ovmf)}"
done
if [ -n "$missing" ]; then
	skip "bmc secure-boot against sushy-tools: $missing"
else
	DOM=podboot-sb-$$
	ok "libvirtd answers, a storage pool named default is active" bmc_libvirt_up "$T"
	cat >"$T/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type>
    <loader readonly='yes' secure='no' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>$T/$DOM.fd</nvram>
    <boot dev='hd'/></os>
  <features><acpi/><smm state='on'/></features>
  <devices><emulator>$(command -v qemu-system-x86_64)</emulator></devices>
</domain>
EOF
	ok "a UEFI machine (q35, SMM, OVMF's Secure Boot code) is defined, not started" \
		bmc_define "$T/dom.xml" "$DOM"
	UUID=$($BMC_VIRSH domuuid "$DOM")
	SPASS="sushy-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
	bmc_sushy_setup "$top" "$T" "$SPASS" "$DOM" "$UUID" -- \
		"SUSHY_EMULATOR_BOOT_LOADER_MAP = {'UEFI': {'x86_64': '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd'}, 'Legacy': {'x86_64': None}}" \
		"SUSHY_EMULATOR_SECURE_BOOT_ENABLED_NVRAM = '/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd'" \
		"SUSHY_EMULATOR_SECURE_BOOT_DISABLED_NVRAM = '/usr/share/OVMF/OVMF_VARS_4M.fd'"
	printf '%s\n' "$SPASS" >"$T/sushy.pass"
	chmod 600 "$T/sushy.pass"
	SPORT=$(port_pick)
	ok "sushy-tools serves Redfish over TLS on 127.0.0.1" bmc_sushy_start "$T" "$SPORT" one
	python3 - "$SITE/podboot.conf" "$(bmc_group "$SPORT" "$UUID" "$T/one.crt" admin "$T/sushy.pass")" <<'EOF'
import sys
p, b = sys.argv[1:3]
s = open(p).read()
s = s.replace('system = "3"; }; }', 'system = "3"; }; },\n'
              '  { mac = "52:54:00:00:00:04"; hostname = "demo-4"; pod = "demo";\n'
              '    address = "198.51.100.14"; ' + b + ' }', 1)
open(p, 'w').write(s)
EOF
	check "  the configuration with demo-4 on sushy-tools checks" \
		"$PODBOOT" serve --check --config "$SITE/podboot.conf"
	# xml: libvirt's own definition of the machine.
	# xml_has REGEX: libvirt's own definition of the machine matches.
	xml_has() { $BMC_VIRSH dumpxml --inactive "$DOM" | grep -q -- "$1"; }
	ok "sushy-tools: secure-boot status" bmc demo-4 secure-boot
	check "  SecureBootEnable false" grep -q "demo-4: SecureBootEnable false, SecureBootCurrentBoot Disabled" "$OUT"
	ok "sushy-tools: secure-boot on" bmc demo-4 secure-boot on
	check "  libvirt's machine: the secure loader, the snakeoil variables template" \
		eval "xml_has \"loader.*secure='yes'\" && xml_has \"template='/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd'\""
	ok "sushy-tools: secure-boot status after" bmc demo-4 secure-boot status
	check "  SecureBootEnable true, CurrentBoot Enabled" \
		grep -q "demo-4: SecureBootEnable true, SecureBootCurrentBoot Enabled" "$OUT"
	ok "sushy-tools: secure-boot off" bmc demo-4 secure-boot off
	check "  libvirt's machine: the plain variables template again" \
		eval "xml_has \"template='/usr/share/OVMF/OVMF_VARS_4M.fd'\" && ! xml_has \"loader.*secure='yes'\""
	if bmc demo-4 secure-boot enrol-db --cert "$T/uefi/uefi-db.cer"; then
		bad "sushy-tools (no SecureBootDatabases): enrol-db fails"
	else
		ok "sushy-tools (no SecureBootDatabases): enrol-db fails"
	fi
	check "  naming SecureBootDatabases" grep -q "no SecureBootDatabases" "$T/err"
	check "the sushy-tools password in no output or event" \
		sh -c "! grep -qF '$SPASS' '$T/all.log' && ! sqlite3 '$SITE/data/podboot.db' 'SELECT detail FROM events' | grep -qF '$SPASS'"
fi

check "the BMC password in no output, log or event" \
	sh -c "! grep -qF '$PASS_BMC' '$T/all.log' '$SITE/serve.log' && ! sqlite3 '$SITE/data/podboot.db' 'SELECT detail FROM events' | grep -qF '$PASS_BMC'"
finish
