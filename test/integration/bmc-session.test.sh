#!/bin/bash
# bmc-session.test.sh: podboot bmc against tools/redfish-session.py, our
# own Redfish service for what sushy-tools does not offer: sessions
# (X-Auth-Token, DELETE at the end, basic authentication refused), an
# iLO-shaped service (system and manager "1", the virtual CD under the
# Manager after a floppy, ResetTypes only in @Redfish.ActionInfo), a reset
# that answers 202 with a task monitor, and a PATCH that needs If-Match.
# At the end Debian's python3-sushy, a client podboot did not write,
# drives each mode of the fixture (tools/sushy-check.py) and what it
# reports is compared with the fixture's state: the fixture's own
# conformance.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/bmc.key" -out "$T/bmc.crt" -days 2 -subj "/CN=ilo" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
PASS_BMC="ses-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
PORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-session.py" "$PORT" "$T/bmc.crt" \
	"$T/bmc.key" podboot "$PASS_BMC" "$T/state.json" >"$T/fixture.log" 2>&1 &
PIDS+=("$!")
ok "the Redfish fixture listens" wait_up 20 "${PIDS[0]}" grep -q listening "$T/fixture.log"

mkdir -p "$T/data"
printf '%s\n' "$PASS_BMC" >"$T/bmc.pass"
chmod 600 "$T/bmc.pass"
cat >"$T/podboot.conf" <<EOF
server = { base_url = "https://127.0.0.1:1"; tls_cert = "t"; tls_key = "k";
  codesign_cert = "c"; codesign_key = "ck"; root_cert = "r";
  data_dir = "$T/data"; };
profiles = ( { name = "p"; kernel = "k"; initrd = "i"; kickstart = "p.ks"; } );
pods = ( { name = "a"; profile = "p";
  provisioning = { cidr = "192.0.2.0/24"; };
  management = { cidr = "198.51.100.0/24"; }; } );
nodes = ( { hostname = "n1"; mac = "52:54:00:00:00:01"; pod = "a";
  bmc = { url = "https://127.0.0.1:$PORT"; user = "podboot";
          password_file = "$T/bmc.pass"; tls_ca = "$T/bmc.crt"; }; } );
EOF
export PODBOOT_CONFIG=$T/podboot.conf
# bmc ARGS...: podboot bmc, its stderr appended to bmc.log as well.
bmc() {
	local rc
	"$PODBOOT" bmc "$@" 2>"$T/.bmc-err"
	rc=$?
	cat "$T/.bmc-err" >>"$T/bmc.log"
	cat "$T/.bmc-err" >&2
	return $rc
}
# state EXPR: EXPR (Python, over the fixture's state S) printed.
state() {
	/usr/bin/python3 -c 'import json, sys; S = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/state.json" "$1"
}

ok "power status through a session" bmc n1 power status
check "  Off" grep -qx "n1: Off" "$OUT"
check "  one session opened and deleted, no basic authentication" \
	test "$(state '(S["sessions_opened"], S["sessions_deleted"], S["basic_seen"], S["unauthorized"])')" = "(1, 1, 0, 0)"
ok "power on: the allowed ResetType from ActionInfo, a task followed" bmc n1 power on
check "  sent On, and the task monitor was polled to its end" \
	test "$(state '(S["resets"], S["polls"], S["power"])')" = "(['On'], 2, 'On')"
ok "power cycle: PowerCycle, which this service allows" bmc n1 power cycle
check "  sent PowerCycle" grep -q "ResetType PowerCycle" "$OUT"
check "  the fixture saw it" test "$(state 'S["resets"][-1]')" = PowerCycle
ok "media insert: the CD under the Manager, not the floppy" \
	bmc n1 media insert "https://127.0.0.1:1/artifacts/media/a.iso"
check "  into CD1" grep -q "into /redfish/v1/Managers/1/VirtualMedia/CD1" "$OUT"
check "  the fixture holds the image" \
	test "$(state '(S["image"], S["inserted"])')" = "('https://127.0.0.1:1/artifacts/media/a.iso', True)"
ok "boot-once UefiHttp with its URI, If-Match the system's ETag" \
	bmc n1 boot-once UefiHttp --uri "http://127.0.0.1:1/boot/fw/a/ipxe.efi"
check "  If-Match was the ETag of the GET before" \
	test "$(state 'S["if_match"]')" = "['W/\"gen-1\"']"
check "  the override: once, UefiHttp, the URI" \
	test "$(state '(S["boot"]["BootSourceOverrideEnabled"], S["boot"]["BootSourceOverrideTarget"], S["boot"]["HttpBootUri"])')" = "('Once', 'UefiHttp', 'http://127.0.0.1:1/boot/fw/a/ipxe.efi')"
ok "boot-once again: the new ETag" bmc n1 boot-once Cd
check "  If-Match followed the change" test "$(state 'S["if_match"][-1]')" = 'W/"gen-2"'
ok "media eject" bmc n1 media eject
check "  the fixture's CD is empty" test "$(state 'S["inserted"]')" = False
check "every session was deleted, none reused, no request without one" \
	test "$(state '(S["sessions_opened"] == S["sessions_deleted"], S["unauthorized"], S["basic_seen"])')" = "(True, 0, 0)"

# ---- reinstall: re-arm, CD, boot once, cycle, follow, eject ----
# The machine's side is played on the store as podboot serve records it
# (stage2 served: booting; kickstart: installing; the report: installed):
# the node's state and a "state" event "FROM -> TO: WHY".
resets_grew() { [ "$(state 'len(S["resets"])')" -gt "$1" ]; }
NAMES=(discovered armed booting installing installed failed)
# node_state N...: n1 goes through the states N... in turn, all in one
# transaction: back to back, faster than any reader could sample them.
node_state() {
	local from s sql="BEGIN;"
	from=$(sqlite3 -cmd ".timeout 5000" "$T/data/podboot.db" "SELECT state FROM nodes WHERE id = 'n1'")
	for s in "$@"; do
		sql+="UPDATE nodes SET state = $s, updated = strftime('%s') WHERE id = 'n1';
INSERT INTO events (ts, kind, subject, detail) VALUES (strftime('%s'), 'state', 'n1', '${NAMES[from]} -> ${NAMES[s]}: the test installer');"
		from=$s
	done
	sqlite3 -cmd ".timeout 5000" "$T/data/podboot.db" "$sql COMMIT;"
}
# installer BEFORE OUT FINAL: booting, installing, then FINAL (4 installed,
# 5 failed), each state only once podboot bmc has printed the one before.
installer() {
	local before=$1 out=$2 final=$3
	wait_up 30 "" resets_grew "$before" || return 1
	node_state 2 && wait_up 30 "" grep -q "node state booting" "$out" &&
	node_state 3 && wait_up 30 "" grep -q "node state installing" "$out" &&
	node_state "$final"
}
# installer_fast BEFORE FINAL: booting, installing and FINAL back to back.
installer_fast() {
	wait_up 30 "" resets_grew "$1" && node_state 2 3 "$2"
}
# in_order FILE PREFIX...: FILE has lines starting with each PREFIX, in
# this order (other lines between them allowed).
in_order() {
	local f=$1 line
	shift
	while IFS= read -r line; do
		[ $# -gt 0 ] && [[ $line == "$1"* ]] && shift
	done <"$f"
	[ $# = 0 ]
}
ISO=https://127.0.0.1:1/artifacts/media/a.iso
STEPS=("re-armed (generation 1)" "media insert $ISO into /redfish/v1/Managers/1/VirtualMedia/CD1"
	"boot-once Cd" "power cycle: ResetType PowerCycle" "node state booting"
	"node state installing" "node state installed"
	"media eject: /redfish/v1/Managers/1/VirtualMedia/CD1" "done: installed")
before=$(state 'len(S["resets"])')
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err" &
re=$!
installer "$before" "$T/re.out" 4
wait "$re"
check "reinstall: exit 0 once the node is installed" test $? = 0
cat "$T/re.err" >>"$T/bmc.log"
check "  each step in order on the terminal" in_order "$T/re.out" "${STEPS[@]/#/n1: reinstall: }"
check "  the node is installed, re-armed once more" \
	test "$(sqlite3 "$T/data/podboot.db" "SELECT state, generation FROM nodes WHERE id = 'n1'")" = "4|1"
check "  the fixture: booted once from the CD, cycled, the CD empty again" \
	test "$(state '(S["boot"]["BootSourceOverrideTarget"], S["resets"][-1], S["inserted"])')" = "('Cd', 'PowerCycle', False)"
sqlite3 "$T/data/podboot.db" "SELECT detail FROM events WHERE kind = 'bmc'" >"$T/events.txt"
check "  every step is an event" in_order "$T/events.txt" "${STEPS[@]/#/reinstall: }"
check "  and the store's own re-arm event" bash -c \
	"sqlite3 '$T/data/podboot.db' \"SELECT kind, detail FROM events WHERE subject = 'n1'\" | grep -q '^rearm|.*bmc reinstall'"
# Back to back: the node passes booting and installing to installed in
# one transaction; the follower reads the events, so each is a step.
before=$(state 'len(S["resets"])')
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err" &
re=$!
installer_fast "$before" 4
wait "$re"
check "reinstall of a node that installs between two reads: exit 0" test $? = 0
cat "$T/re.err" >>"$T/bmc.log"
STEPS[0]="re-armed (generation 2)"
check "  every transition a step, once, in order" in_order "$T/re.out" "${STEPS[@]/#/n1: reinstall: }"
check "  no transition twice, none from before the re-arm" \
	test "$(grep -c 'node state' "$T/re.out")" = 3
sqlite3 "$T/data/podboot.db" "SELECT detail FROM events WHERE kind = 'bmc' AND id > (SELECT max(id) FROM events WHERE kind = 'rearm')" >"$T/events.txt"
check "  every step is an event" in_order "$T/events.txt" "${STEPS[@]/#/reinstall: }"
before=$(state 'len(S["resets"])')
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err" &
re=$!
installer_fast "$before" 5
wait "$re"
check "reinstall of a node whose install fails: exit 1" test $? = 1
check "  each state on the way, then failed" in_order "$T/re.out" \
	"n1: reinstall: node state booting" "n1: reinstall: node state installing" \
	"n1: reinstall: node state failed"
check "  said so, and ejected all the same" bash -c "
	grep -q 'reinstall failed: the install: the node reported failure' '$T/re.err' &&
	grep -q 'reinstall: media eject' '$T/re.out'"
check "  the fixture's CD is empty" test "$(state 'S["inserted"]')" = False
cat "$T/re.err" >>"$T/bmc.log"

# A wrong password: the session is refused, nothing else is tried.
printf 'wrong\n' >"$T/bmc.pass"
refused "a wrong password: the session is refused" "HTTP 401" bmc n1 power on
check "  and no request went out without a session" test "$(state 'S["unauthorized"]')" = 0
check "the password is in no event, log or output" bash -c "
	sqlite3 '$T/data/podboot.db' 'SELECT * FROM events' >'$T/events.txt' &&
	grep -q 'power on failed: POST /redfish/v1/SessionService/Sessions: HTTP 401' '$T/events.txt' &&
	! grep -rqF -- '$PASS_BMC' '$T/events.txt' '$T/bmc.log' '$T/data' '$OUT' '$ERR'"

# Supermicro's InsertMedia refuses Inserted and WriteProtected, and its
# eject leaves Image set: the image alone, and an eject that takes.
SM_PORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-session.py" "$SM_PORT" "$T/bmc.crt" \
	"$T/bmc.key" podboot "$PASS_BMC" "$T/state.json" supermicro >"$T/sm.log" 2>&1 &
PIDS+=("$!")
ok "a Supermicro-shaped fixture listens" wait_up 20 "$!" grep -q listening "$T/sm.log"
printf '%s\n' "$PASS_BMC" >"$T/bmc.pass"
sed -i "s/127.0.0.1:$PORT/127.0.0.1:$SM_PORT/" "$T/podboot.conf"
ok "media insert on a BMC that refuses Inserted and WriteProtected" \
	bmc n1 media insert "https://127.0.0.1:1/artifacts/media/a.iso"
check "  refused once, then taken with the Image alone" \
	test "$(state '(S["refused_inserts"], S["image"], S["inserted"])')" = "(1, 'https://127.0.0.1:1/artifacts/media/a.iso', True)"
ok "media eject" bmc n1 media eject
check "  Inserted goes false though Image stays" \
	test "$(state '(S["inserted"], S["image"] != "")')" = "(False, True)"
ok "media eject again: nothing inserted, nothing sent" bmc n1 media eject
check "  said so" grep -q "holds no image" "$ERR"
ok "media insert again" bmc n1 media insert "https://127.0.0.1:1/artifacts/media/b.iso"
check "  the new image" test "$(state 'S["image"]')" = "https://127.0.0.1:1/artifacts/media/b.iso"

# HPE iLO's boot quirks: a BootSourceOverrideMode it will not change and a
# listed target it refuses, each a 400 that names the property by the
# Base registry's MessageId and MessageArgs alone; and a one-time Cd that
# boots a physical drive, where the medium's own BootOnNextServerReset
# boots the virtual one.
ILO_PORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-session.py" "$ILO_PORT" "$T/bmc.crt" \
	"$T/bmc.key" podboot "$PASS_BMC" "$T/state.json" ilo >"$T/ilo.log" 2>&1 &
PIDS+=("$!")
ok "an iLO-shaped fixture listens" wait_up 20 "$!" grep -q listening "$T/ilo.log"
sed -i "s/127.0.0.1:$SM_PORT/127.0.0.1:$ILO_PORT/" "$T/podboot.conf"
ok "boot-once UefiHttp on a BMC that will not change BootSourceOverrideMode" \
	bmc n1 boot-once UefiHttp --uri "http://127.0.0.1:1/boot/fw/a/ipxe.efi"
check "  asked for UEFI, refused, then sent without the mode" \
	test "$(state '[p.get("BootSourceOverrideMode") for p in S["patches"]]')" = "['UEFI', None]"
check "  the override is set: once, UefiHttp, the URI; the mode as it was" \
	test "$(state '(S["boot"]["BootSourceOverrideEnabled"], S["boot"]["BootSourceOverrideTarget"], S["boot"]["HttpBootUri"], S["boot_mode"])')" = "('Once', 'UefiHttp', 'http://127.0.0.1:1/boot/fw/a/ipxe.efi', 'Legacy')"
check "  the output says the mode was left as it is" \
	grep -q "boot-once: UefiHttp .* (the BMC refused BootSourceOverrideMode UEFI: left as it is)" "$OUT"
refused "boot-once Pxe, which the BMC lists but refuses: a clear refusal" \
	"HTTP 400: Base.1.4.PropertyValueNotInList (Pxe, BootSourceOverrideTarget)" bmc n1 boot-once Pxe
check "  the target is not dropped: one PATCH, not retried" \
	test "$(state '[p.get("BootSourceOverrideTarget") for p in S["patches"]]')" = "['UefiHttp', 'UefiHttp', 'Pxe']"
check "  and the override is unchanged" test "$(state 'S["boot"]["BootSourceOverrideTarget"]')" = UefiHttp
# The quirk itself: a one-time Cd and a cycle boot the physical drive.
bmc n1 media insert "$ISO" >/dev/null && bmc n1 boot-once Cd >/dev/null &&
	bmc n1 power cycle >/dev/null
check "the fixture reproduces the quirk: boot-once Cd boots a physical drive" \
	test "$(state 'S["booted"]')" = "['physical drive']"
before=$(state 'len(S["resets"])')
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err" &
re=$!
installer_fast "$before" 4
wait "$re"
check "reinstall on the iLO: exit 0" test $? = 0
cat "$T/re.err" >>"$T/bmc.log"
check "  the medium's own boot at the next reset instead of a Cd override" \
	in_order "$T/re.out" "n1: reinstall: media insert $ISO into /redfish/v1/Managers/1/VirtualMedia/CD1" \
	"n1: reinstall: boot-once: /redfish/v1/Managers/1/VirtualMedia/CD1 at the next reset (Oem.Hpe.BootOnNextServerReset)" \
	"n1: reinstall: power cycle: ResetType PowerCycle" "n1: reinstall: node state booting" \
	"n1: reinstall: node state installing" "n1: reinstall: node state installed" \
	"n1: reinstall: media eject" "n1: reinstall: done: installed"
check "  the machine booted the virtual CD, the flag is spent, the CD empty" \
	test "$(state '(S["booted"], S["boot_next"], S["inserted"], S["patches"][-1])')" = \
	"(['physical drive', 'virtual CD'], False, False, {'Oem': {'Hpe': {'BootOnNextServerReset': True}}})"
check "  no boot override was sent" bash -c "! grep -q 'reinstall: boot-once Cd' '$T/re.out'"

# An iLO that refuses the medium's flag: the reinstall stops there, before
# any reset, and says why.
LOCK_PORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-session.py" "$LOCK_PORT" "$T/bmc.crt" \
	"$T/bmc.key" podboot "$PASS_BMC" "$T/state.json" ilo-locked >"$T/lock.log" 2>&1 &
PIDS+=("$!")
ok "an iLO-shaped fixture that refuses the medium's flag listens" wait_up 20 "$!" grep -q listening "$T/lock.log"
sed -i "s/127.0.0.1:$ILO_PORT/127.0.0.1:$LOCK_PORT/" "$T/podboot.conf"
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err"
check "reinstall when the BMC refuses BootOnNextServerReset: exit 1" test $? = 1
cat "$T/re.err" >>"$T/bmc.log"
check "  said which step and why" grep -q "reinstall failed: boot-once from the virtual media (Oem.Hpe.BootOnNextServerReset): PATCH /redfish/v1/Managers/1/VirtualMedia/CD1: HTTP 400: iLO.2.15.UnsupportedOperation" "$T/re.err"
check "  and no reset was sent, no Cd override" \
	test "$(state '(S["resets"], S["boot"])')" = "([], {})"
check "  and the medium it had inserted was ejected (no installer at the next reset)" \
	test "$(state '(S["inserted"], S["image"])')" = "(False, '')"
check "  which it said" grep -q "reinstall: media eject: " "$T/re.out"

# A UEFI target the iLO shape does not list is refused, by PATCH of the
# fixture itself (podboot never sends one: its boot body names only the
# target, Once, and the mode or URI UefiHttp needs).
refuse_uefi_target() {
	local tok etag code
	tok=$(curl -sS --cacert "$T/bmc.crt" -D - -o /dev/null -H 'Content-Type: application/json' \
		-d "{\"UserName\": \"podboot\", \"Password\": \"$PASS_BMC\"}" \
		"https://127.0.0.1:$1/redfish/v1/SessionService/Sessions" |
		tr -d '\r' | sed -n 's/^X-Auth-Token: //Ip')
	etag=$(curl -sS --cacert "$T/bmc.crt" -D - -o /dev/null -H "X-Auth-Token: $tok" \
		"https://127.0.0.1:$1/redfish/v1/Systems/1" | tr -d '\r' | sed -n 's/^ETag: //Ip')
	code=$(curl -sS --cacert "$T/bmc.crt" -o "$T/uefi.json" -w '%{http_code}' -X PATCH \
		-H "X-Auth-Token: $tok" -H "If-Match: $etag" -H 'Content-Type: application/json' \
		-d '{"Boot": {"BootSourceOverrideTarget": "Cd", "UefiTargetBootSourceOverride": "HD(9)"}}' \
		"https://127.0.0.1:$1/redfish/v1/Systems/1")
	[ "$code" = 400 ] && grep -q PropertyValueNotInList "$T/uefi.json"
}
check "the iLO fixture refuses a UefiTargetBootSourceOverride outside its list" refuse_uefi_target "$ILO_PORT"
check "  counted it" test "$(state 'S["refused_uefi_targets"]')" = 1

# Dell iDRAC, firmware 6 and later: System.Embedded.1 and
# iDRAC.Embedded.1, the virtual media under the System while the Manager
# still lists its former ones (which refuse), the ResetTypes in the
# action itself (no PowerCycle), a reset answered 204 with no task, no
# ETag (a PATCH without If-Match is taken).  No system id is configured:
# the first of the collection.
DELL_PORT=$(port_pick)
/usr/bin/python3 "$here/tools/redfish-session.py" "$DELL_PORT" "$T/bmc.crt" \
	"$T/bmc.key" podboot "$PASS_BMC" "$T/state.json" dell >"$T/dell.log" 2>&1 &
PIDS+=("$!")
ok "a Dell-shaped fixture listens" wait_up 20 "$!" grep -q listening "$T/dell.log"
sed -i "s/127.0.0.1:$LOCK_PORT/127.0.0.1:$DELL_PORT/" "$T/podboot.conf"
ok "power on: On from the action's own AllowableValues" bmc n1 power on
check "  sent On, answered 204: no task polled" \
	test "$(state '(S["resets"], S["polls"], S["power"])')" = "(['On'], 0, 'On')"
ok "power cycle of a running machine: no PowerCycle listed" bmc n1 power cycle
check "  ForceRestart instead" grep -q "ResetType ForceRestart" "$OUT"
DVM=/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1
ok "media insert: the System's virtual media, not the Manager's former ones" bmc n1 media insert "$ISO"
check "  into $DVM" grep -q "into $DVM\$" "$OUT"
check "  no action on the Manager's media nor on medium 2; the image in" \
	test "$(state '(S["manager_media"], S["other_media"], S["image"], S["inserted"])')" = "(0, 0, '$ISO', True)"
ok "boot-once Cd with no ETag to send" bmc n1 boot-once Cd
check "  the PATCH went without If-Match and was taken" \
	test "$(state '(S["if_match"], S["boot"]["BootSourceOverrideTarget"])')" = "([''], 'Cd')"
before=$(state 'len(S["resets"])')
"$PODBOOT" bmc n1 reinstall --iso "$ISO" --timeout 120 >"$T/re.out" 2>"$T/re.err" &
re=$!
installer_fast "$before" 4
wait "$re"
check "reinstall on the iDRAC: exit 0" test $? = 0
cat "$T/re.err" >>"$T/bmc.log"
check "  each step in order, the System's medium, ForceRestart" \
	in_order "$T/re.out" "n1: reinstall: media insert $ISO into $DVM" \
	"n1: reinstall: boot-once Cd" "n1: reinstall: power cycle: ResetType ForceRestart" \
	"n1: reinstall: node state installed" "n1: reinstall: media eject: $DVM" \
	"n1: reinstall: done: installed"
check "  the image was ejected first and inserted again, all on medium 1; the CD empty at the end" \
	test "$(state '(S["manager_media"], S["other_media"], S["inserted"])')" = "(0, 0, False)"
check "  every session deleted, none outside one" \
	test "$(state '(S["sessions_opened"] == S["sessions_deleted"], S["unauthorized"], S["basic_seen"])')" = "(True, 0, 0)"

# ---- an independent client: Debian's python3-sushy, each mode ----
# tools/sushy-check.py opens a session as sushy does for Ironic, carries
# out its steps through sushy's own methods, reads the service and notes
# any resource whose schema shape is wrong (@odata.type, Id, Name,
# Members@odata.count).  Each mode gets a fixture of its own, so that
# what sushy does leaves the counts checked above alone.
printf '%s\n' "$PASS_BMC" >"$T/sushy.pass"
chmod 600 "$T/sushy.pass"
# sushy_run STEP...: sushy-check.py on the fixture at $SU_PORT; what sushy
# saw in sushy.json.
sushy_run() {
	/usr/bin/python3 "$here/tools/sushy-check.py" "https://127.0.0.1:$SU_PORT/redfish/v1" \
		"$T/bmc.crt" podboot "$T/sushy.pass" "$T/sushy.json" "$@"
}
# seen EXPR: EXPR (Python, over sushy's view U and the fixture's state S)
# printed; CD is sushy's view of the CD it found.
seen() {
	/usr/bin/python3 -c 'import json, sys
U = json.load(open(sys.argv[1])); S = json.load(open(sys.argv[2]))
CD = U["media"][U["cd"]]
print(eval(sys.argv[3]))' "$T/sushy.json" "$T/sushy-state.json" "$1"
}
# sushy_mode MODE: sushy against a fresh fixture started with MODE
# ("" plain), the fixture's quirks asserted as sushy sees them.
sushy_mode() {
	local mode=$1 name=${1:-plain} pid image booted bootmode
	# The shape's paths and what it allows, as sushy must see them.
	local sys=/redfish/v1/Systems/1 mgr=1 cdp=/redfish/v1/Managers/1/VirtualMedia/CD1
	local media="['/redfish/v1/Managers/1/VirtualMedia/CD1', '/redfish/v1/Managers/1/VirtualMedia/Floppy1']"
	local cdtypes="['CD', 'DVD']" resets='{"On", "ForceOff", "PowerCycle"} <= set(U["system"]["resets"])'
	local ifm="['W/\"gen-1\"']" tasks="(['On'], 2, [{'monitor': '/redfish/v1/TaskService/TaskMonitors/1', 'state': 'Completed', 'status': 200}])"
	if [ "$mode" = dell ]; then
		sys=/redfish/v1/Systems/System.Embedded.1 mgr=iDRAC.Embedded.1
		cdp=$sys/VirtualMedia/1 cdtypes="['CD', 'DVD', 'USBStick']"
		media="['/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/CD', '/redfish/v1/Managers/iDRAC.Embedded.1/VirtualMedia/RemovableDisk', '$sys/VirtualMedia/1', '$sys/VirtualMedia/2']"
		# The action's own list, which sushy reads: exactly it.
		resets='set(U["system"]["resets"]) == {"On", "ForceOff", "ForceRestart", "GracefulShutdown", "PushPowerButton", "Nmi"}'
		ifm="['']" tasks="(['On'], 0, [])"
	fi
	rm -f "$T/sushy-state.json"
	SU_PORT=$(port_pick)
	/usr/bin/python3 "$here/tools/redfish-session.py" "$SU_PORT" "$T/bmc.crt" \
		"$T/bmc.key" podboot "$PASS_BMC" "$T/sushy-state.json" $mode >"$T/su.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	ok "sushy [$name]: a fixture listens" wait_up 20 "$pid" grep -q listening "$T/su.log"
	ok "sushy [$name]: reads the service in a session" sushy_run
	check "  every resource has its schema's shape" test "$(seen 'U["faults"]')" = "[]"
	check "  the service root" test "$(seen '(U["root"]["id"], U["root"]["version"], U["root"]["sessions"])')" = \
		"('RootService', '1.15.0', '/redfish/v1/SessionService/Sessions')"
	check "  the system, its power state the fixture's" \
		test "$(seen '(U["system"]["path"], U["system"]["power"], U["system"]["power"] == S["power"])')" = \
		"('$sys', 'Off', True)"
	case $mode in ilo*) bootmode="'Legacy', True" ;; *) bootmode="None, False" ;; esac
	check "  no boot override yet; the mode as the fixture shows it" \
		test "$(seen '(U["system"]["enabled"], U["system"]["target"], U["system"]["mode"], U["system"]["mode"] == S["boot_mode"])')" = \
		"('Disabled', 'None', $bootmode)"
	check "  the allowable boot targets" test "$(seen 'U["system"]["targets"]')" = \
		"['Cd', 'Hdd', 'None', 'Pxe', 'UefiHttp']"
	# sushy 4.3 reads ResetType@Redfish.AllowableValues only, not an
	# ActionInfo: it takes every type as allowed, the fixture's among them.
	check "  the reset types the service allows, sushy allows" \
		test "$(seen "$resets")" = True
	check "  the manager, the virtual media, the CD among them" \
		test "$(seen '(U["managers"], sorted(U["media"]), U["cd"], CD["types"])')" = \
		"(['$mgr'], $media, '$cdp', $cdtypes)"
	check "  the CD empty, as the fixture holds it" \
		test "$(seen '(CD["inserted"], CD["image"], (CD["inserted"], CD["image"]) == (S["inserted"], S["image"]))')" = \
		"(False, '', True)"
	check "  its session opened and deleted, no basic authentication" \
		test "$(seen '(S["sessions_opened"], S["sessions_deleted"], S["basic_seen"], S["unauthorized"])')" = "(1, 1, 0, 0)"
	ok "sushy [$name]: InsertMedia" sushy_run insert "$ISO"
	# sushy leaves out Inserted and WriteProtected at their defaults, so
	# even the Supermicro-shaped service takes its first request.
	check "  the fixture holds the image, no request refused; sushy sees it" \
		test "$(seen '(S["image"], S["inserted"], S.get("refused_inserts", 0), (CD["image"], CD["inserted"]) == (S["image"], S["inserted"]))')" = \
		"('$ISO', True, 0, True)"
	ok "sushy [$name]: EjectMedia" sushy_run eject
	# Supermicro keeps the Image on eject: sushy sees the quirk.
	image=''
	[ "$mode" = supermicro ] && image=$ISO
	check "  the CD empty (the Image as the mode keeps it); sushy sees it" \
		test "$(seen '(S["inserted"], S["image"], (CD["image"], CD["inserted"]) == (S["image"], S["inserted"]))')" = \
		"(False, '$image', True)"
	ok "sushy [$name]: a one-time boot to Cd, then ComputerSystem.Reset On" sushy_run boot Cd reset On
	check "  the PATCH carried the system's ETag as If-Match (none where it has none)" \
		test "$(seen 'S["if_match"]')" = "$ifm"
	check "  the override as sushy set it and sees it" \
		test "$(seen '(S["boot"]["BootSourceOverrideEnabled"], S["boot"]["BootSourceOverrideTarget"], U["system"]["enabled"], U["system"]["target"])')" = \
		"('Once', 'Cd', 'Once', 'Cd')"
	check "  On sent, its task monitor followed to the end by sushy (no task on a 204)" \
		test "$(seen '(S["resets"], S["polls"], U["tasks"])')" = "$tasks"
	check "  the machine on, and sushy sees it" \
		test "$(seen '(S["power"], U["system"]["power"])')" = "('On', 'On')"
	# The iLO shapes: a one-time Cd boots the physical drive, as on iLO.
	booted='[]'
	case $mode in ilo*) booted="['physical drive']" ;; esac
	check "  what the reset booted" test "$(seen 'S["booted"]')" = "$booted"
	check "  every one of sushy's sessions deleted, no request outside one" \
		test "$(seen '(S["sessions_opened"], S["sessions_deleted"], S["basic_seen"], S["unauthorized"])')" = "(4, 4, 0, 0)"
	check "  and no schema fault on the way" test "$(seen 'U["faults"]')" = "[]"
	kill "$pid"
	wait "$pid" 2>/dev/null
}
# Not ilo-locked: it differs from ilo only in the medium's PATCH, which
# sushy never sends.
for m in "" supermicro ilo dell; do
	sushy_mode "$m"
done
finish
