# storm.test.sh: many machines booting at once, SIGHUP reload, upload limits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
N=300
# A pod of N nodes, added to the init configuration's node list.
{
	sed -n '1,/^nodes = (/p' "$SITE/podboot.conf"
	for i in $(seq 1 $N); do
		printf '  { mac = "52:54:01:00:%02x:%02x"; hostname = "storm-%d"; pod = "demo"; },\n' \
			$((i / 256)) $((i % 256)) "$i"
	done
	sed -n '/^nodes = (/,$p' "$SITE/podboot.conf" | sed 1d
} >"$T/storm.conf"
cp "$T/storm.conf" "$SITE/podboot.conf"
sed -i 's/max_upload_mb = 4096;/max_upload_mb = 1;/' "$SITE/podboot.conf"
ok "configuration with $N more nodes is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts" server_start

seq 1 $N | xargs -P 16 -I{} sh -c '
	i={}; mac=$(printf "52:54:01:00:%02x:%02x" $((i / 256)) $((i % 256)))
	curl -fsS --cacert "$1" -o "$2/s$i" "$3/boot/stage2.ipxe?mac=$mac" &&
	curl -fsS --cacert "$1" -o "$2/s$i.sig" "$3/boot/stage2.ipxe.sig?mac=$mac"' \
	_ "$ROOT" "$T" "$BASE"
check "xargs: every request answered" [ $? = 0 ]
got=$(ls "$T" | grep -c '^s[0-9]*\.sig$')
check "all $N machines got stage2 and signature ($got)" [ "$got" = "$N" ]
bad=0
for i in 1 77 150 299 $N; do
	grep -q "storm-$i " "$T/s$i" || bad=1
	"$PODBOOT" verify "$T/s$i" "$T/s$i.sig" --root "$ROOT" \
		--signer podboot-codesign >/dev/null 2>&1 || bad=1
done
check "samples are each machine's own script, correctly signed" [ "$bad" = 0 ]
# Distinct by content, and each names its own machine: 300 copies of one
# script would pass neither.
distinct=$(for i in $(seq 1 $N); do sha256sum <"$T/s$i"; done | sort -u | wc -l)
check "every script is distinct ($distinct)" [ "$distinct" = "$N" ]
own=0
for i in $(seq 1 $N); do grep -q "^# podboot stage2 for storm-$i " "$T/s$i" && own=$((own + 1)); done
check "every script is its own machine's ($own)" [ "$own" = "$N" ]

# The status API's pages and filters over the storm's nodes (N booting,
# demo-1 and demo-2 armed; none has pushed, none is installed).
api() { C -f -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/$1"; }
api 'nodes?limit=100' >"$T/page1"
check "a page of nodes: 100 of $((N + 2)), with the next cursor" [ "$(jq -r \
	'"\(.nodes | length) \(.total) \(.limit) \(.next == .nodes[-1].id)"' "$T/page1")" = "100 $((N + 2)) 100 true" ]
# every page in turn, by its cursor: each node once, in order
after=; : >"$T/paged"
for _ in $(seq 1 10); do
	api "nodes?limit=100${after:+&after=$after}" >"$T/page"
	jq -r '.nodes[].id' "$T/page" >>"$T/paged"
	after=$(jq -r '.next // empty' "$T/page")
	[ -n "$after" ] || break
done
check "the pages, cursor by cursor, hold every node once ($(wc -l <"$T/paged"))" \
	sh -c "[ \$(wc -l <'$T/paged') = $((N + 2)) ] && sort -c '$T/paged' && [ \$(sort -u '$T/paged' | wc -l) = $((N + 2)) ]"
check "the last page has no next" [ "$(jq -r '.next' "$T/page")" = null ]
check "filtered by state: the total is the filter's" [ "$(api 'nodes?state=booting&limit=7' | jq -r '"\(.total) \(.nodes | length) \([.nodes[].state] | unique)"')" = "$N 7 [\"booting\"]" ]
check "filtered by pod and state" [ "$(api 'nodes?pod=demo&state=armed&limit=10' | jq -r '"\(.total) \(.next)"')" = "2 null" ]
check "filtered by health: none is up" [ "$(api 'nodes?health=up&limit=10' | jq -r '"\(.total) \(.nodes | length)"')" = "0 0" ]
check "filtered by health: all unknown, paged" [ "$(api 'nodes?health=unknown&limit=10' | jq -r '"\(.total) \(.nodes | length) \(.next)"')" = "$((N + 2)) 10 storm-105" ]
check "every node of the whole list carries its health" [ "$(api nodes | jq '[.[] | select(.health == "unknown")] | length')" = $((N + 2)) ]
check "limit 0: 400" [ "$(status "$BASE/api/v1/nodes?limit=0" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "limit above the maximum (1000): 400" [ "$(status "$BASE/api/v1/nodes?limit=1001" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "an unknown health: 400" [ "$(status "$BASE/api/v1/nodes?health=sick" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "with the values" grep -q 'up, down, unknown' "$T/.body"
check "a cursor that is no node id: 400" [ "$(status "$BASE/api/v1/nodes?after=..%2Fx" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
api 'nodes?limit=3&format=text' >"$T/page.txt"
check "a page as text: its head, then the nodes with their health" sh -c \
	"grep -q '^TOTAL  LIMIT  NEXT' '$T/page.txt' && grep -q '^NODE .* STATE  *HEALTH ' '$T/page.txt' && [ \$(grep -c ' unknown ' '$T/page.txt') = 3 ]"
api 'pods?format=text' >"$T/pods.txt"
check "pods as text show up and down" sh -c "head -1 '$T/pods.txt' | grep -q ' UP  *DOWN '"
api 'pods/demo?format=text' >"$T/pod.txt"
check "a pod's nodes as text show their health" grep -q '^NODE .* STATE  *HEALTH ' "$T/pod.txt"
check "pods filtered by state, sorted by nodes down" [ "$(api 'pods?state=booting&sort=down&limit=5' | jq -r '"\(.total) \(.pods[0].name) \(.pods[0].node_counts.booting)"')" = "1 demo $N" ]
check "no pod has a failed node" [ "$(api 'pods?state=failed' | jq -r '"\(.total) \(.pods | length)"')" = "0 0" ]
check "pods paged by offset" [ "$(api 'pods?offset=1' | jq -r '"\(.total) \(.offset) \(.pods | length)"')" = "1 1 0" ]
check "an unknown sort: 400" [ "$(status "$BASE/api/v1/pods?sort=up" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "alerts as text: 200" [ "$(status "$BASE/api/v1/alerts?format=text" -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
check "(a table)" grep -q '^ALERT  STATE  POD  NODE  VALUE' "$T/.body"
distinct=$(for i in $(seq 1 $N); do sha256sum <"$T/s$i.sig"; done | sort -u | wc -l)
check "and so is every signature ($distinct)" [ "$distinct" = "$N" ]

# Rotating the code-signing key while the start-up precompute still signs
# with the old one: after the reload no stage2 carries the retired key.
old_serial=$(openssl x509 -in "$SITE/keys/codesign.crt" -noout -serial |
	cut -d= -f2 | tr 'A-F' 'a-f')
# has_serial FILE: FILE (DER) holds the old certificate's serial.
has_serial() {
	od -An -tx1 -v "$1" | tr -d ' \n' | grep -q "$old_serial"
}
check "control: the old signer's serial is found in a signature it made" \
	has_serial "$T/s1.sig"
# health JQ: a field of /healthz.
health() { C -f "$BASE/healthz" | jq -r "$1"; }
# at_gen N: the server serves configuration N (after a reload).
at_gen() { [ "$(health .configuration)" = "$1" ]; }
# refusals_logged: how many reloads were refused so far.
refusals_logged() { grep -c 'reload refused' "$SITE/serve.log"; }
g0=$(health .configuration)
# The rotated key is made beforehand in a copy (key generation takes
# long), then swapped in by rename while the precompute still runs.
cp -a "$SITE/keys" "$T/keys.next"
ok "rotate-codesign (in a copy of the key directory)" \
	"$PODBOOT_FAST" keys rotate-codesign --dir "$T/keys.next"
kill -HUP "$SERVER_PID"
check "the first reload is done" wait_for 30 \
	sh -c "[ \"\$(curl -fsS --cacert '$ROOT' '$BASE/healthz' | jq .configuration)\" = $((g0 + 1)) ]"
mkdir -p "$SITE/keys/retired"
mv "$T/keys.next/retired/"* "$SITE/keys/retired/"
mv "$T/keys.next/codesign.key" "$SITE/keys/codesign.key"
mv "$T/keys.next/codesign.crt" "$SITE/keys/codesign.crt"
# The race under test must really happen: the precompute of the first
# reload (old key) was still running after the new key was in place.
C -f -o "$T/pre.json" "$BASE/healthz"
check "the precompute was still running at the rotation ($(jq -c .precompute "$T/pre.json"))" \
	jq -e ".precompute.configuration == $((g0 + 1)) and .precompute.running and
		.precompute.ready < $N" "$T/pre.json"
kill -HUP "$SERVER_PID"
check "the second reload is done" wait_for 30 \
	sh -c "[ \"\$(curl -fsS --cacert '$ROOT' '$BASE/healthz' | jq .configuration)\" = $((g0 + 2)) ]"
check "and its precompute finishes, every armed node ready" wait_for 120 \
	sh -c "curl -fsS --cacert '$ROOT' '$BASE/healthz' | jq -e '.precompute.configuration == $((g0 + 2)) and (.precompute.running | not) and .precompute.ready >= $N'"
for i in $(seq 1 $N); do
	printf 'url = "%s/boot/stage2.ipxe.sig?mac=52:54:01:00:%02x:%02x"\noutput = "%s/r%d.sig"\n' \
		"$BASE" $((i / 256)) $((i % 256)) "$T" "$i"
done >"$T/rot.curl"
ok "every signature fetched after the rotation" curl -fsS --cacert "$ROOT" -K "$T/rot.curl"
stale=0
for f in "$T"/r[0-9]*.sig; do has_serial "$f" && stale=$((stale + 1)); done
check "none is by the retired certificate ($stale)" [ "$stale" = 0 ]
ok "and they verify" "$PODBOOT" verify "$T/s1" "$T/r1.sig" --root "$ROOT" --signer podboot-codesign

# Uploads over the 1 MiB limit: refused, server unharmed.
head -c 2000000 /dev/urandom >"$T/big"
check "oversized upload: 413" [ "$(status "$BASE/api/v1/artifacts/big" -T "$T/big" -H "Authorization: Bearer $CI_TOKEN")" = 413 ]
check "chunked oversized upload: 413 too" [ "$(status "$BASE/api/v1/artifacts/big" -T "$T/big" -m 20 -H 'Transfer-Encoding: chunked' -H "Authorization: Bearer $CI_TOKEN")" = 413 ]
check "with the reason" grep -q 'larger than the limit' "$T/.body"
check "nothing published" [ "$(status "$BASE/artifacts/big")" = 404 ]
check "nothing left in tmp" sh -c "[ -z \"\$(ls -A '$SITE/data/tmp')\" ]"
check "still serving" [ "$(status "$BASE/healthz")" = 200 ]

# SIGHUP: a new node appears without a restart; the listener stays.
sed -i 's/^nodes = (/nodes = (\n  { mac = "52:54:02:00:00:01"; hostname = "late-1"; pod = "demo"; },/' \
	"$SITE/podboot.conf"
g=$(health .configuration)
kill -HUP "$SERVER_PID"
check "the reload is done" wait_for 30 at_gen $((g + 1))
C -f -o "$T/late" "$BASE/boot/stage2.ipxe?mac=52:54:02:00:00:01"
check "after SIGHUP the new node installs" grep -q "late-1" "$T/late"
check "same process" kill -0 "$SERVER_PID"
sed -i 's/^server = {/server = { bogus = 1;/' "$SITE/podboot.conf"
g=$(health .configuration); nref=$(refusals_logged)
kill -HUP "$SERVER_PID"
check "the broken reload is refused (logged)" wait_for 30 sh -c "[ \$(grep -c 'reload refused' '$SITE/serve.log') -gt $nref ]"
check "and the configuration is unchanged" at_gen "$g"
check "a broken reload is refused and the old configuration serves" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:02:00:00:01")" = 200 ]
check "the refusal is logged with the line" grep -q "podboot.conf:[0-9]*:" "$SITE/serve.log"
# Unknown machines under policy "discover": recorded, told to wait.
sed -i 's/^server = { bogus = 1;/server = {/; s/unknown = "ignore"/unknown = "discover"/' \
	"$SITE/podboot.conf"
g=$(health .configuration)
kill -HUP "$SERVER_PID"
check "the reload is done" wait_for 30 at_gen $((g + 1))
C -f -o "$T/disc" "$BASE/boot/stage2.ipxe?mac=02:00:00:00:0a:0b"
C -f -o "$T/disc.sig" "$BASE/boot/stage2.ipxe.sig?mac=02:00:00:00:0a:0b"
check "an unknown machine gets the signed wait-and-retry script" grep -q \
	"is not assigned to a pod yet" "$T/disc"
ok "its signature verifies" "$PODBOOT" verify "$T/disc" "$T/disc.sig" \
	--root "$ROOT" --signer podboot-codesign
ok "it passes the iPXE script linter" "$(dirname "$0")/../../firmware/lint-ipxe" "$T/disc"
check "it asks again with a MAC the server accepts, of the interface it booted from" \
	grep -q 'mac=${netX/mac:hexhyp}' "$T/disc"
# The retry sends stage1's query: the same fields in the same encodings
# (stage1's interface variable is the booting interface, netX, here).
sed -n 's/^set podboot_q //p' "$(dirname "$0")/../../firmware/stage1.ipxe" |
	sed 's/\${\${podboot_if}\//${netX\//g' >"$T/q-stage1"
sed -n 's/^set podboot_q //p' "$T/disc" >"$T/q-retry"
check "the retry's query is stage1's (manufacturer, product and asset too)" \
	sh -c "[ -s '$T/q-stage1' ] && grep -q 'asset=' '$T/q-retry' && cmp -s '$T/q-stage1' '$T/q-retry'"
# What iPXE sends with it: the server takes it and records the machine.
q=$(sed 's/\${netX\/mac:hexhyp}/02-00-00-00-0d-01/;
	s/\${uuid}/4c4c4544-0000-1000-8000-000000000d01/;
	s/\${serial:uristring}/SN-0d01/; s/\${manufacturer:uristring}/Acme%20Systems/;
	s/\${product:uristring}/Edge%20Box%202/; s/\${asset:uristring}/pod7-r1%2Fu3/;
	s/\${platform:uristring}/efi/; s/\${buildarch:uristring}/x86_64/' "$T/q-retry")
check "the expanded retry query has no setting left" sh -c "! echo '$q' | grep -q '[$]'"
check "the server answers the retry query" \
	[ "$(status "$BASE/boot/stage2.ipxe?$q")" = 200 ]
check "and records the machine with its UUID and serial" sh -c "curl -sS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes/mac-020000000d01' |
	grep -q '\"serial\": \"SN-0d01\"' && curl -sS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes/mac-020000000d01' |
	grep -q '\"uuid\": \"4c4c4544-0000-1000-8000-000000000d01\"'"
check "the machine is recorded as discovered" sh -c "curl -sS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes?state=discovered' |
	grep -q '\"id\": \"mac-0200000a0b\|mac-020000000a0b'"
check "a hyphenated MAC is accepted" [ "$(status "$BASE/boot/stage2.ipxe?mac=02-00-00-00-0a-0b")" = 200 ]

# Assigning the discovered machine through the API.
# stage2_await OUT PATTERN [MAC]: a late machine's stage2 into $T/OUT, asked
# again (up to 10 s) until it holds PATTERN: the reload that an assign or
# unassign starts is asynchronous.
stage2_await() {
	for _ in $(seq 1 $((20 * SLOWDOWN))); do
		C -f -o "$T/$1" "$BASE/boot/stage2.ipxe?mac=${3:-02:00:00:00:0a:0b}" 2>/dev/null &&
			grep -q "$2" "$T/$1" && return
		sleep 0.5
	done
}
check "assign needs the operator's token" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -d '{"hostname": "late-2", "pod": "demo"}')" = 401 ]
check "assign refuses an unknown pod" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-2", "pod": "nope"}')" = 400 ]
check "naming the pod and why" grep -q 'pod is not valid (no such pod' "$T/.body"
check "assign refuses a bad hostname: 400" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "Late_2", "pod": "demo"}')" = 400 ]
check "naming the hostname" grep -q 'hostname is not valid' "$T/.body"
check "assign refuses an unknown profile: 400" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-2", "pod": "demo", "profile": "nope"}')" = 400 ]
check "naming the profile" grep -q 'profile is not valid' "$T/.body"
check "assign refuses a bad address: 400" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-2", "pod": "demo", "address": "198.51.100.300"}')" = 400 ]
check "naming the address" grep -q 'address is not valid' "$T/.body"
check "assign refuses a taken hostname" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-1", "pod": "demo"}')" = 409 ]
check "assign refuses a machine that was not discovered" [ "$(status "$BASE/api/v1/nodes/storm-1/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "x", "pod": "demo"}')" = 404 ]
check "assign a discovered machine to a pod: 202" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-2", "pod": "demo", "address": "198.51.100.42"}')" = 202 ]
stage2_await assigned "late-2"
check "after the reload it installs as late-2" grep -q "^# podboot stage2 for late-2 " "$T/assigned"
# The nodes after an assign: serve --check and /healthz say the same.
"$PODBOOT" serve --check --config "$SITE/podboot.conf" >"$T/check.out" 2>&1
grep -o '[0-9]* nodes ([0-9]* configured, [0-9]* assigned; [0-9]* discovered)' \
	"$T/check.out" >"$T/check.nodes"
C -f "$BASE/healthz" | jq -r '"\(.nodes) nodes (\(.node_figures.configured) configured, \(.node_figures.assigned) assigned; \(.node_figures.discovered) discovered)"' \
	>"$T/health.nodes"
check "serve --check counts the assigned node: $(cat "$T/check.nodes")" grep -q ' 1 assigned;' "$T/check.nodes"
check "/healthz says the same: $(cat "$T/health.nodes")" cmp -s "$T/check.nodes" "$T/health.nodes"
check "its kickstart carries the assigned address" sh -c \
	"curl -fsS --cacert '$ROOT' \"\$(grep -o 'ks=[^ ]*' '$T/assigned' | cut -d= -f2)\" | grep -q 'ip=198.51.100.42'"
server_stop TERM
ok "the assignment survives a restart" server_start
check "late-2 is still configured" sh -c "curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/api/v1/nodes/late-2' | grep -q '\"configured\": true'"
check "late-2 is assigned, late-1 (of the file) is not, in the node and in the list" sh -c "
	curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes/late-2' |
	jq -e '.assigned == true' &&
	curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes/late-1' |
	jq -e '.assigned == false and .configured == true' &&
	curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes' |
	jq -e '[.[] | select(.assigned) | .id] == [\"late-2\"]'"

# An assign body past 64 KiB: refused with the bound, nothing assigned.
{ printf '{"hostname": "huge", "pod": "demo", "x": "'; head -c 70000 /dev/zero | tr '\0' a; printf '"}'; } >"$T/huge.json"
check "an assign body over 64 KiB: 413" [ "$(status "$BASE/api/v1/nodes/52-54-00-77-77-77/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" --data-binary "@$T/huge.json")" = 413 ]
check "with the bound" grep -q 'body larger than 65536 bytes' "$T/.body"
check "nothing assigned" [ "$(status "$BASE/api/v1/nodes/huge" -H "Authorization: Bearer $OP_TOKEN")" = 404 ]

# Undoing it through the API.
check "unassign needs the operator's token" [ "$(status "$BASE/api/v1/nodes/late-2/unassign" -X POST)" = 401 ]
check "unassign refuses a node of the configuration file: 409" [ "$(status "$BASE/api/v1/nodes/late-1/unassign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 409 ]
check "with a reason" grep -q 'late-1 is in the configuration file' "$T/.body"
check "unassign refuses a name never assigned: 404" [ "$(status "$BASE/api/v1/nodes/nobody/unassign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 404 ]
check "with a reason" grep -q 'not assigned through the API' "$T/.body"
check "unassign refuses a node that is installing: 409" [ "$(status "$BASE/api/v1/nodes/late-2/unassign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 409 ]
check "with a reason" grep -q 'late-2 is installing' "$T/.body"
check "re-arm it" [ "$(status "$BASE/api/v1/nodes/late-2/rearm" -X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
# Its token after the re-arm: what the unassigned machine would keep.
KS_OLD=$(C -f "$BASE/boot/stage2.ipxe?mac=02:00:00:00:0a:0b" | grep -o 'ks=[^ ]*' | cut -d= -f2)
printf '# TYPE late_up gauge\nlate_up 1\n' >"$T/late.prom"
# push_with KS_URL: a metric push with the token of that kickstart URL.
push_with() {
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer ${1##*/}" -H 'X-Podboot-Seq: 1' \
		--data-binary @"$T/late.prom" "$BASE/api/v1/push"
}
check "its token is good before" [ "$(push_with "$KS_OLD")" = 200 ]
check "unassign late-2: 202" [ "$(status "$BASE/api/v1/nodes/late-2/unassign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 202 ]
check "the reply names its MAC" grep -q '"mac": "02:00:00:00:0a:0b"' "$T/.body"
check "its token is void at once (401)" [ "$(push_with "$KS_OLD")" = 401 ]
stage2_await unassigned "is not assigned to a pod yet"
check "after the reload the machine waits to be assigned again" \
	grep -q "is not assigned to a pod yet" "$T/unassigned"
check "late-2 is no longer configured" sh -c "curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/api/v1/nodes/late-2' | grep -q '\"configured\": false'"
check "nor assigned" sh -c "curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/api/v1/nodes/late-2' | jq -e '.assigned == false'"
check "a second unassign: 404" [ "$(status "$BASE/api/v1/nodes/late-2/unassign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 404 ]
# events_all: the whole audit trail, page by page, one JSON event a line.
events_all() {
	local after=0 page
	while page=$(C -f -H "Authorization: Bearer $OP_TOKEN" \
		"$BASE/api/v1/events?after=$after&limit=1000") &&
		[ "$(printf '%s' "$page" | jq 'length')" -gt 0 ]; do
		printf '%s' "$page" | jq -c '.[]'
		after=$(printf '%s' "$page" | jq '.[-1].id')
	done
}
events_all >"$T/events"
check "the audit trail records it" grep -q '"kind":"unassign","subject":"late-2"' "$T/events"
check "it can be assigned again, under another name" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0b/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-3", "pod": "demo"}')" = 202 ]
stage2_await reassigned "late-3"
check "and then installs as late-3" grep -q "^# podboot stage2 for late-3 " "$T/reassigned"
# Another machine takes the name late-2: it starts over, armed, and the
# old machine's token stays void.
C -f -o /dev/null "$BASE/boot/stage2.ipxe?mac=02:00:00:00:0a:0c"
check "a second machine takes the name late-2: 202" [ "$(status "$BASE/api/v1/nodes/mac-020000000a0c/assign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN" -d '{"hostname": "late-2", "pod": "demo"}')" = 202 ]
stage2_await late2b "stage2 for late-2 " 02:00:00:00:0a:0c
check "it installs (the old late-2's state does not carry over)" grep -q "^# podboot stage2 for late-2 .*install" "$T/late2b"
check "the old machine's token is still void" [ "$(push_with "$KS_OLD")" = 401 ]
KS_FIRST=$(grep -o 'ks=[^ ]*' "$T/assigned" | cut -d= -f2)
check "and so is its first one (no generation is reused)" [ "$(push_with "$KS_FIRST")" = 401 ]
KS_NEW=$(grep -o 'ks=[^ ]*' "$T/late2b" | cut -d= -f2)
check "the new machine's token works" [ "$(status "$KS_NEW")" = 200 ]
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
