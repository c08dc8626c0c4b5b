#!/bin/bash
# bmc-api.test.sh: BMC actions through podboot serve's API, as jobs: two
# BMCs played by tools/redfish-session.py (sessions, tasks, If-Match) and
# a third whose port is closed.  Scope bmc refused without it, every
# action queued (202, Location) and run by the workers, each step an
# event with the token's name, the jobs listed (JSON and text), a pod's
# reinstall with one BMC dead while the others finish, the queue's bound
# (taken from the generation a reload brings), the same pod-wide run from
# the command line, and the BMC password nowhere it should not be.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

# The fixtures' PIDs, one a line: fixture runs in a command substitution,
# whose variables do not reach this shell.
cleanup() {
	local p
	server_stop KILL
	for p in $(cat "$T/fixture.pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
		wait_up 10 "" bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/bmc.key" -out "$T/bmc.crt" -days 2 -subj "/CN=ilo" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
PASS_BMC="api-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PASS_BMC" >"$T/bmc.pass"
chmod 600 "$T/bmc.pass"
# fixture N: BMC number N on its own port, state in $T/stateN.json.
fixture() {
	local port
	port=$(port_pick)
	/usr/bin/python3 "$here/tools/redfish-session.py" "$port" "$T/bmc.crt" \
		"$T/bmc.key" podboot "$PASS_BMC" "$T/state$1.json" \
		>"$T/fixture$1.log" 2>&1 &
	echo "$!" >>"$T/fixture.pids"
	wait_up 20 "$!" grep -q listening "$T/fixture$1.log" || return 1
	echo "$port"
}
P1=$(fixture 1) && P2=$(fixture 2)
check "two Redfish fixtures listen" test -n "$P1" -a -n "$P2"
DEAD=$(port_pick)	# nothing listens there

site_init "$T/site"
# bmc N PORT: a node's bmc group on 127.0.0.1:PORT.
bmc_group() {
	echo "bmc = { url = \"https://127.0.0.1:$1\"; user = \"podboot\"; password_file = \"$T/bmc.pass\"; tls_ca = \"$T/bmc.crt\"; };"
}
python3 - "$SITE/podboot.conf" "$(bmc_group "$P1")" "$(bmc_group "$P2")" "$(bmc_group "$DEAD")" <<'EOF'
import sys
p, b1, b2, b3 = sys.argv[1:5]
s = open(p).read()
s = s.replace('address = "198.51.100.11"; }', 'address = "198.51.100.11"; ' + b1 + ' }')
s = s.replace('address = "198.51.100.12"; }', 'address = "198.51.100.12"; ' + b2 + ' },\n'
              '  { mac = "52:54:00:00:00:03"; hostname = "demo-3"; pod = "demo";\n'
              '    address = "198.51.100.13"; ' + b3 + ' }')
s = s.replace('    keep_versions = 5;\n', '    keep_versions = 5;\n    bmc_queue = 2;\n')
open(p, 'w').write(s)
EOF
# An operator's token of before scope bmc: rearm and status only.
OLD_TOKEN=pbt_$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
printf 'old-operator %s\n' "$OLD_TOKEN" >>"$SITE/tokens"
sed -i "s/^tokens = (/&\n  { name = \"old-operator\"; sha256 = \"$(printf '%s' "$OLD_TOKEN" | sha256sum | cut -c1-64)\";\n    scopes = [ \"rearm\", \"status\" ]; },/" "$SITE/podboot.conf"
ok "the configuration with three BMCs and bmc_queue 2 checks" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "podboot serve starts" server_start

A=(-H "Authorization: Bearer $OP_TOKEN")
NB=$BASE/api/v1/nodes
# state N EXPR: EXPR (Python, over fixture N's state S) printed.
state() {
	/usr/bin/python3 -c 'import json, sys; S = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$T/state$1.json" "$2"
}
# jq_ FILE EXPR: EXPR (Python, over the JSON J in FILE) printed.
jq_() {
	/usr/bin/python3 -c 'import json, sys; J = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
# job ID: the job's JSON into $T/job.json.
job() { C "${A[@]}" -o "$T/job.json" "$BASE/api/v1/bmc/jobs/$1"; }
# job_done ID: the job is in a final state.
job_done() {
	job "$1" && jq_ "$T/job.json" 'J["state"]' | grep -qE '^(succeeded|failed|cancelled)$'
}
# job_step ID TEXT: one of the job's steps holds TEXT.
job_step() {
	job "$1" && jq_ "$T/job.json" '"\n".join(s["text"] for s in J["steps"])' | grep -qF -- "$2"
}
# post PATH [BODY]: POST with the operator's token; status in $CODE,
# headers in $T/h, body in $T/.body.
post() {
	CODE=$(curl -s --cacert "$ROOT" "${A[@]}" -D "$T/h" -o "$T/.body" \
		-w '%{http_code}' -X POST --data-binary "${2:-}" "$BASE$1")
	case $CODE in [45]??) cat "$T/.body" >>"$T/replies-error.log" ;; esac
}
# job_of: the job id of the last 202.
job_of() { jq_ "$T/.body" 'J["job"]'; }

# ---- scope bmc ----
check "no token: 401" test "$(status "$NB/demo-1/bmc/on" -X POST)" = 401
check "a token without scope bmc (ci): 403" \
	test "$(status "$NB/demo-1/bmc/on" -X POST -H "Authorization: Bearer $CI_TOKEN")" = 403
check "an operator's token with rearm and status but not bmc: 403" \
	test "$(status "$NB/demo-1/bmc/on" -X POST -H "Authorization: Bearer $OLD_TOKEN")" = 403
check "  nor may it queue a pod's reinstall" \
	test "$(status "$BASE/api/v1/pods/demo/bmc/reinstall" -X POST -H "Authorization: Bearer $OLD_TOKEN")" = 403
check "  and the job list refuses the ci token too" \
	test "$(status "$BASE/api/v1/bmc/jobs" -H "Authorization: Bearer $CI_TOKEN")" = 403
check "  nothing reached the BMC" test ! -e "$T/state1.json"

# ---- actions as jobs ----
post /api/v1/nodes/demo-1/bmc/on
check "power on: 202 Accepted" test "$CODE" = 202
check "  Location names the job" grep -qiE "^Location: /api/v1/bmc/jobs/$(job_of)"$'\r'"?$" "$T/h"
J1=$(job_of)
ok "  the job ends" wait_for 60 job_done "$J1"
check "  succeeded, by token operator, ResetType On" bash -c "
	grep -q '\"state\": \"succeeded\"' '$T/job.json' &&
	grep -q '\"actor\": \"token operator\"' '$T/job.json' &&
	grep -q 'power on: ResetType On' '$T/job.json'"
check "  its step has a time" test "$(jq_ "$T/job.json" 'J["steps"][0]["at"] >= J["created"]')" = True
check "  the fixture powered on" test "$(state 1 'S["power"]')" = On
post /api/v1/nodes/demo-1/bmc/power
J=$(job_of)
ok "power (status) as a job" wait_for 60 job_done "$J"
check "  its outcome is the state" test "$(jq_ "$T/job.json" 'J["outcome"]')" = On
ISO=https://127.0.0.1:1/artifacts/media/demo.iso
post /api/v1/nodes/demo-1/bmc/media-insert "{\"url\": \"$ISO\"}"
J=$(job_of)
ok "media-insert {url}" wait_for 60 job_done "$J"
check "  the fixture holds the image" test "$(state 1 '(S["image"], S["inserted"])')" = "('$ISO', True)"
post /api/v1/nodes/demo-1/bmc/boot-once '{"target": "UefiHttp", "uri": "http://127.0.0.1:1/boot/fw/demo/ipxe.efi"}'
J=$(job_of)
ok "boot-once {target, uri}" wait_for 60 job_done "$J"
check "  the override: UefiHttp with its URI" \
	test "$(state 1 '(S["boot"]["BootSourceOverrideTarget"], S["boot"]["HttpBootUri"])')" = "('UefiHttp', 'http://127.0.0.1:1/boot/fw/demo/ipxe.efi')"
post /api/v1/nodes/demo-1/bmc/media-eject
J=$(job_of)
ok "media-eject" wait_for 60 job_done "$J"
check "  the CD is empty" test "$(state 1 'S["inserted"]')" = False
post /api/v1/nodes/demo-3/bmc/cycle
J=$(job_of)
check "cycle on a dead BMC: still 202 (the request never waits on it)" test "$CODE" = 202
ok "  the job ends" wait_for 120 job_done "$J"
check "  failed, the error says so" bash -c "
	grep -q '\"state\": \"failed\"' '$T/job.json' &&
	grep -q 'power cycle failed' '$T/job.json'"

# ---- refusals before any job ----
post /api/v1/nodes/demo-1/bmc/media-insert '{"url": "https://u:p@h/a.iso"}'
check "a URL with a password: 400" test "$CODE" = 400
post /api/v1/nodes/demo-1/bmc/on '{"force": true}'
check "a member the action lacks: 400" test "$CODE" = 400
post /api/v1/nodes/demo-1/bmc/trust
check "trust is not offered by the API: 404" test "$CODE" = 404
post /api/v1/nodes/nosuch/bmc/on
check "a node not configured: 404" test "$CODE" = 404
check "a step up in the node's place matches no BMC route" \
	test "$(status "$NB/../bmc/on" -X POST --path-as-is "${A[@]}")" != 202

# ---- listing ----
C "${A[@]}" -o "$T/jobs.json" "$BASE/api/v1/bmc/jobs"
check "the job list holds all six jobs, newest last" \
	test "$(jq_ "$T/jobs.json" '(J["total"], J["jobs"][-1]["action"])')" = "(6, 'cycle')"
C "${A[@]}" -o "$T/jobs.txt" "$BASE/api/v1/bmc/jobs?format=text"
check "  as text: a header and a line per job" bash -c "
	head -1 '$T/jobs.txt' | grep -q '^JOB *ACTION' && [ \$(wc -l <'$T/jobs.txt') = 7 ]"
C "${A[@]}" -o "$T/job.txt" "$BASE/api/v1/bmc/jobs/$J1?format=text"
check "  one job as text: its steps with their times" \
	grep -qE '^  [0-9-]+ [0-9:]+  demo-1: power on: ResetType On' "$T/job.txt"
check "an unknown job: 404" test "$(status "$BASE/api/v1/bmc/jobs/999" "${A[@]}")" = 404
sqlite3 "$SITE/data/podboot.db" "SELECT subject, detail FROM events WHERE kind = 'bmc'" >"$T/events.txt"
check "each step an event with the token's name" bash -c "
	grep -q '^demo-1|power on: ResetType On (by token operator)' '$T/events.txt' &&
	grep -q '^demo-1|job $J1 queued: on (by token operator from 127.0.0.1)' '$T/events.txt' &&
	grep -q '^demo-3|power cycle failed: .*(by token operator)' '$T/events.txt'"

# ---- the queue's bound, from the current generation ----
post /api/v1/pods/demo/bmc/reinstall
check "a pod of three with bmc_queue 2: 503, taken whole or not at all" test "$CODE" = 503
check "  with Retry-After" grep -qi '^Retry-After: 30' "$T/h"
C "${A[@]}" -o "$T/jobs.json" "$BASE/api/v1/bmc/jobs"
check "  no job was queued" test "$(jq_ "$T/jobs.json" 'J["total"]')" = 6
sed -i 's/bmc_queue = 2;/bmc_queue = 16;/' "$SITE/podboot.conf"
kill -HUP "$SERVER_PID"
ok "a reload brings bmc_queue 16" \
	wait_for 30 grep -q "reloaded .*: configuration 2" "$SITE/serve.log"

# ---- a pod's reinstall, one BMC dead ----
# The machines' side is played on the store as podboot serve records it
# (booting, installing, installed): the node's state and a "state" event
# "FROM -> TO: WHY".
NAMES=(discovered armed booting installing installed failed)
# node_state NODE N...: NODE goes through the states N... in turn, all in
# one transaction: back to back, faster than any reader could sample
# them.  The K-th event is dated 100 - K seconds ago, so that a step
# dated by its event shows it.
node_state() {
	local node=$1 from s k=0 sql="BEGIN;"
	shift
	from=$(sqlite3 -cmd ".timeout 5000" "$SITE/data/podboot.db" "SELECT state FROM nodes WHERE id = '$node'")
	for s in "$@"; do
		sql+="UPDATE nodes SET state = $s, updated = strftime('%s') WHERE id = '$node';
INSERT INTO events (ts, kind, subject, detail) VALUES (strftime('%s') - 100 + $k, 'state', '$node', '${NAMES[from]} -> ${NAMES[s]}: the test installer');"
		from=$s
		k=$((k + 1))
	done
	sqlite3 -cmd ".timeout 5000" "$SITE/data/podboot.db" "$sql COMMIT;"
}
# installer JOB NODE: take NODE's job through to installed, each state
# once the job has seen the one before.
installer() {
	wait_for 60 job_step "$1" "power cycle: ResetType" &&
	node_state "$2" 2 && wait_for 30 job_step "$1" "node state booting" &&
	node_state "$2" 3 && wait_for 30 job_step "$1" "node state installing" &&
	node_state "$2" 4
}
# installer_fast JOB NODE: booting, installing, installed back to back.
installer_fast() {
	wait_for 60 job_step "$1" "power cycle: ResetType" && node_state "$2" 2 3 4
}
post /api/v1/pods/demo/bmc/reinstall '{"timeout_s": 120}'
check "after the reload the pod's reinstall is accepted" test "$CODE" = 202
PJ=$(job_of)
check "  Location names the pod job" grep -qi "^Location: /api/v1/bmc/jobs/$PJ" "$T/h"
job "$PJ"
cp "$T/job.json" "$T/pod.json"
K1=$(jq_ "$T/pod.json" '[n["job"] for n in J["nodes"] if n["node"] == "demo-1"][0]')
K2=$(jq_ "$T/pod.json" '[n["job"] for n in J["nodes"] if n["node"] == "demo-2"][0]')
check "  one node job per node" test "$(jq_ "$T/pod.json" 'sorted(n["node"] for n in J["nodes"])')" = "['demo-1', 'demo-2', 'demo-3']"
ok "  demo-1's job runs" wait_for 60 job_step "$K1" "power cycle: ResetType"
post /api/v1/nodes/demo-1/bmc/off
check "  meanwhile power off of demo-1 is refused: 409" test "$CODE" = 409
post /api/v1/pods/demo/bmc/reinstall
check "  and the pod's reinstall again: 409" test "$CODE" = 409
post /api/v1/nodes/demo-1/bmc/power
check "  a status read is queued beside it" test "$CODE" = 202
ok "  demo-1 installs" installer "$K1" demo-1
ok "  demo-2 installs, its states back to back" installer_fast "$K2" demo-2
ok "  the pod job ends" wait_for 120 job_done "$PJ"
check "  failed: demo-3's BMC is dead, the two others reinstalled" bash -c "
	grep -q '\"outcome\": \"2 of 3 nodes reinstalled\"' '$T/job.json' &&
	grep -q '\"error\": \"1 of 3 nodes failed\"' '$T/job.json'"
check "  each node's outcome named" test "$(jq_ "$T/job.json" 'sorted((n["node"], n["state"]) for n in J["nodes"])')" = \
	"[('demo-1', 'succeeded'), ('demo-2', 'succeeded'), ('demo-3', 'failed')]"
check "  demo-3's error: opening the BMC" bash -c "jq_() { /usr/bin/python3 -c 'import json, sys; J = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \"\$@\"; }
	jq_ '$T/job.json' '[n[\"error\"] for n in J[\"nodes\"] if n[\"node\"] == \"demo-3\"][0]' | grep -q 'reinstall failed: opening the BMC'"
job "$K1"
check "  demo-1's job: every step in order, ejected at the end" \
	test "$(jq_ "$T/job.json" 'all(s["text"].startswith("reinstall: " + e) for s, e in zip(J["steps"], ["re-armed", "media insert", "boot-once Cd", "power cycle", "node state booting", "node state installing", "node state installed", "media eject", "done: installed"])) and len(J["steps"]) == 9')" = True
job "$K2"
check "  demo-2's job: each transition a step, once, in order, though written at once" \
	test "$(jq_ "$T/job.json" 'all(s["text"].startswith("reinstall: " + e) for s, e in zip(J["steps"], ["re-armed", "media insert", "boot-once Cd", "power cycle", "node state booting", "node state installing", "node state installed", "media eject", "done: installed"])) and len(J["steps"]) == 9')" = True
sqlite3 "$SITE/data/podboot.db" "SELECT ts FROM events WHERE kind = 'state' AND subject = 'demo-2' ORDER BY id DESC LIMIT 3" | sort -n | paste -sd, >"$T/ts.txt"
check "  each dated by its state event, not by when it was read" \
	test "$(jq_ "$T/job.json" '",".join(str(s["at"]) for s in J["steps"] if s["text"].startswith("reinstall: node state"))')" = "$(cat "$T/ts.txt")"
# demo-1 was on: PowerCycle; demo-2 was off: a cycle powers it on.
check "  the fixtures: both CDs ejected, both machines reset into the CD" \
	test "$(state 1 '(S["inserted"], S["resets"][-1], S["boot"]["BootSourceOverrideTarget"])') $(state 2 '(S["inserted"], S["resets"], S["boot"]["BootSourceOverrideTarget"])')" = \
	"(False, 'PowerCycle', 'Cd') (False, ['On'], 'Cd')"
check "  the nodes are installed" \
	test "$(sqlite3 "$SITE/data/podboot.db" "SELECT group_concat(state) FROM (SELECT state FROM nodes WHERE id IN ('demo-1', 'demo-2') ORDER BY id)")" = "4,4"
server_stop
check "podboot serve stops with the jobs done" test "$SERVER_STATUS" = 0

# ---- the same from the command line: --pod, --nodes, --parallel ----
export PODBOOT_CONFIG=$SITE/podboot.conf
"$PODBOOT" bmc --pod demo reinstall --nodes demo-1,demo-3 --parallel 2 \
	--timeout 120 >"$T/pod.out" 2>"$T/pod-cli.log" &
cli=$!
cli_step() { grep -qF -- "$1" "$T/pod.out"; }
wait_for 60 cli_step "demo-1: reinstall: power cycle" && node_state demo-1 2 &&
	wait_for 30 cli_step "demo-1: reinstall: node state booting" && node_state demo-1 3 &&
	wait_for 30 cli_step "demo-1: reinstall: node state installing" && node_state demo-1 4
wait "$cli"
check "podboot bmc --pod: exit 1, one node failed" test $? = 1
check "  a line per step per node as they happen" bash -c "
	grep -q '^demo-1: reinstall: re-armed' '$T/pod.out' &&
	grep -q '^demo-1: reinstall: done: installed' '$T/pod.out' &&
	grep -q 'demo-3: reinstall failed: opening the BMC' '$T/pod-cli.log'"
check "  then the report naming each node's outcome" bash -c "
	tail -3 '$T/pod.out' | grep -qx 'pod demo: 1 of 2 nodes reinstalled' &&
	tail -2 '$T/pod.out' | grep -qx '  demo-1: succeeded' &&
	tail -2 '$T/pod.out' | grep -q '^  demo-3: failed: reinstall failed: opening the BMC'"
refused "--nodes naming a node of no BMC is refused" "not a node of pod demo" \
	"$PODBOOT" bmc --pod demo reinstall --nodes demo-1,nosuch
"$PODBOOT" bmc --parallel 2 demo-1 power on >"$OUT" 2>"$ERR"
check "--parallel without --pod is a usage error" \
	test $? = 2 -a "$(grep -c 'go with --pod' "$ERR")" = 1

# ---- the BMC password nowhere ----
sqlite3 "$SITE/data/podboot.db" "SELECT * FROM events" >"$T/all-events.txt"
check "the BMC password is in no event, log, reply or output" bash -c "
	! grep -rqF -- '$PASS_BMC' '$T/all-events.txt' '$SITE/serve.log' '$SITE/data' \
		'$T/job.json' '$T/jobs.json' '$T/jobs.txt' '$T/pod.json' '$T/pod.out' '$T/pod-cli.log' \
		'$T/replies-error.log'"
finish
