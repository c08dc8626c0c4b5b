# ha-replicas.test.sh: what two replicas of podboot serve on one
# PostgreSQL (scripts/pg-scratch) must agree on beyond the nodes, each
# asked of one replica and checked on the other: a reload on one reaches
# the other (and a reload the other refuses is an event naming it); a
# token revoked through one is refused by the other at once; a push taken
# by one is a duplicate when replayed to the other (and one refused there
# is not); each replica's remote_write series carry its own "replica"
# label, so that both feed one VictoriaMetrics without colliding.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
PG=$(mktemp -d /tmp/podboot-har.XXXXXX)
rmdir "$PG"
cleanup() {
	local p
	for p in ${A_PID:-} ${B_PID:-} ${VM_PID:-} ${CURL_PID:-}; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	"$top/scripts/pg-scratch" stop "$PG"
	rm -rf "$T" "$PG"
}
trap cleanup EXIT

for b in /usr/lib/postgresql/15/bin/initdb victoria-metrics; do
	command -v "$b" >/dev/null || { skip "$b is not installed (scripts/deps)"; finish; exit; }
done
ok "a scratch PostgreSQL starts" sh -c "'$top/scripts/pg-scratch' start '$PG' >'$T/url'"
URL=$(cat "$T/url")

site_init "$T/site"
PA=$PORT
PB=$(port_pick)
VMPORT=$(port_pick)
BB=https://localhost:$PB
sed -i "s#^server = {#server = {\n  store = \"$URL\";#" "$SITE/podboot.conf"
cat >>"$SITE/podboot.conf" <<CONF
monitoring = { down_after = 60;
  remote_write = ( { url = "http://127.0.0.1:$VMPORT/api/v1/write"; } ); };
CONF
# conf_b: B's configuration is A's on port PB.
conf_b() { sed "s/port = $PA;/port = $PB;/" "$SITE/podboot.conf" >"$SITE/podboot-b.conf"; }
conf_b
rm -f "$SITE/data/podboot.db"* "$SITE/data/store.id"
for f in demo-vmlinuz demo-initrd.img; do
	ok "podboot publish $f into PostgreSQL" \
		"$PODBOOT" publish --config "$SITE/podboot.conf" "$f" "$SITE/$f"
done
victoria-metrics -httpListenAddr=127.0.0.1:$VMPORT -storageDataPath="$T/vm" \
	-search.latencyOffset=0s -search.disableCache -loggerLevel=ERROR >>"$T/vm.log" 2>&1 &
VM_PID=$!
ok "VictoriaMetrics starts" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$VMPORT/health"

# start_replica NAME CONF PORT: podboot serve in the background, its PID
# in NAME_PID, ready when its own /healthz answers.
start_replica() {
	"$PODBOOT" serve --config "$2" >>"$SITE/serve-$1.log" 2>&1 &
	eval "${1}_PID=$!"
	wait_up 20 "$!" curl -sf --cacert "$ROOT" -o /dev/null "https://localhost:$3/healthz"
}
ok "replica A starts on PostgreSQL" start_replica A "$SITE/podboot.conf" "$PA"
ok "replica B beside it" start_replica B "$SITE/podboot-b.conf" "$PB"
if [ "$FAIL" != 0 ]; then
	tail -n 5 "$SITE"/serve-*.log
	finish
	exit 1
fi
NAME_B="$(hostname):$PB"

# events PORT KIND: the events of KIND as the replica on PORT lists them.
events() {
	curl -sf --cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" \
		"https://localhost:$1/api/v1/events?kind=$2&limit=1000"
}
# reloaded_b: B logged a reload of its own file (an event in the store).
reloaded_b() { events "$PA" reload | jq -e --arg f "$SITE/podboot-b.conf" '[.[] | select(.subject == $f)] | length >= 1'; }
# add_node HOST MAC: a node of pod demo in A's file (B's follows).
add_node() {
	sed -i "/^nodes = (/a\\  { mac = \"$2\"; hostname = \"$1\"; pod = \"demo\"; }," "$SITE/podboot.conf"
	conf_b
}

# ---- a reload reaches every replica ----
add_node late-1 52:54:00:00:09:01
ok "both files name late-1; A's reload is valid" "$PODBOOT" serve --check --config "$SITE/podboot.conf"
not() { ! "$@"; }
check "B has not reloaded yet" not reloaded_b
kill -HUP "$A_PID"
ok "SIGHUP to A only: B reloads its own file too (its reload event)" wait_for 20 reloaded_b
check "B serves late-1 its installer (late-1 is in B's configuration now)" \
	sh -c "curl -sf --cacert '$ROOT' '$BB/boot/stage2.ipxe?mac=52:54:00:00:09:01' | grep -q 'stage2 for late-1 '"
echo 'this is not libconfig' >>"$SITE/podboot-b.conf"
add_node late-2 52:54:00:00:09:02
echo 'this is not libconfig' >>"$SITE/podboot-b.conf"
kill -HUP "$A_PID"
refused_b() { events "$PA" reload-refused | jq -e --arg n "$NAME_B" '[.[] | select(.subject == $n)] | length >= 1'; }
ok "B's file broken, A reloads: B's refusal is an event naming B ($NAME_B)" wait_for 20 refused_b
check "B is still serving" curl -sf --cacert "$ROOT" -o /dev/null "$BB/healthz"
conf_b

# ---- tokens: revoked through A, refused by B at once ----
ks_of() { C -f "https://localhost:$1/boot/stage2.ipxe?mac=$2" | grep -o 'ks=[^ ]*' | sed 's#^ks=##'; }
KS=$(ks_of "$PA" 52:54:00:00:00:02)
TOKEN2=${KS##*/}
check "demo-2's installer and token from A" [ -n "$TOKEN2" ]
printf '# TYPE ha_rw gauge\nha_rw 1\n' >"$T/doc"
# push PORT TOKEN SEQ FILE: one push to the replica on PORT, as an agent does.
push() {
	status "https://localhost:$1/api/v1/push" -H "Authorization: Bearer $2" \
		-H "X-Podboot-Seq: $3" -H 'X-Podboot-Interval: 1' --data-binary @"$4"
}
check "B takes demo-2's push under that token" [ "$(push "$PB" "$TOKEN2" 1 "$T/doc")" = 200 ]
check "and its kickstart" [ "$(status "$KS")" = 200 ]
check "re-arm demo-2 through A" [ "$(status "https://localhost:$PA/api/v1/nodes/demo-2/rearm" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
code=$(push "$PB" "$TOKEN2" 2 "$T/doc")
check "B refuses the old token's push at once ($code)" [ "$code" = 401 -o "$code" = 403 ]
code=$(status "$(echo "$KS" | sed "s#localhost:$PA#localhost:$PB#")")
check "and its kickstart ($code)" [ "$code" = 401 -o "$code" = 403 -o "$code" = 404 ]

# ---- push sequence windows: shared ----
KS1=$(ks_of "$PA" 52:54:00:00:00:01)
TOKEN=${KS1##*/}
check "demo-1's token from A" [ -n "$TOKEN" ]
check "seq 5 to A: taken" [ "$(push "$PA" "$TOKEN" 5 "$T/doc")" = 200 ]
check "as new" grep -q '"duplicate": false' "$T/.body"
check "the same seq 5 replayed to B: 200" [ "$(push "$PB" "$TOKEN" 5 "$T/doc")" = 200 ]
check "B says it is a duplicate" grep -q '"duplicate": true' "$T/.body"
check "seq 6 to B: taken" [ "$(push "$PB" "$TOKEN" 6 "$T/doc")" = 200 ]
check "as new" grep -q '"duplicate": false' "$T/.body"
check "seq 6 replayed to A: a duplicate there" sh -c \
	"[ \"\$(curl -s --cacert '$ROOT' -H 'Authorization: Bearer $TOKEN' -H 'X-Podboot-Seq: 6' --data-binary @'$T/doc' https://localhost:$PA/api/v1/push | jq .duplicate)\" = true ]"
printf '# TYPE bad gauge\nbad{v="a\377b"} 1\n' >"$T/bad"
check "seq 7 refused by A (400: not UTF-8)" [ "$(push "$PA" "$TOKEN" 7 "$T/bad")" = 400 ]
check "seq 7 (now valid) to B: taken, not a duplicate of the refused one" \
	[ "$(push "$PB" "$TOKEN" 7 "$T/doc")" = 200 ]
check "(as new)" grep -q '"duplicate": false' "$T/.body"
# A push whose claim the claimer took before its body was read (a gzip
# that is not) gives the claim back as well.
printf 'not gzip at all' >"$T/notgz"
code=$(status "https://localhost:$PA/api/v1/push" -H "Authorization: Bearer $TOKEN" \
	-H 'X-Podboot-Seq: 8' -H 'X-Podboot-Interval: 1' -H 'Content-Encoding: gzip' --data-binary @"$T/notgz")
check "seq 8 refused by A (400: not gzip) ($code)" [ "$code" = 400 ]
check "seq 8 (now valid) to B: taken, not a duplicate of the refused one" \
	[ "$(push "$PB" "$TOKEN" 8 "$T/doc")" = 200 ]
check "(as new)" grep -q '"duplicate": false' "$T/.body"
seen=$("/usr/lib/postgresql/15/bin/psql" -X -A -t -d "$URL" -c "SELECT sum(length(replace(seen::text, '0', ''))) FROM push_window WHERE id = 'demo-1'" 2>>"$T/psql.err")
check "the store holds the seqs taken of demo-1: 5, 6, 7, 8 ($seen)" [ "$seen" = 4 ]

# ---- remote_write: each replica's series carry its own label ----
# replicas_of NAME: the replica labels VictoriaMetrics holds for NAME.
replicas_of() {
	curl -sf "http://127.0.0.1:$VMPORT/api/v1/series" --data-urlencode "match[]=$1" |
		jq -r '[.data[].replica // "none"] | unique | join(" ")'
}
want="$(printf '%s\n' "$(hostname):$PA" "$(hostname):$PB" | sort | tr '\n' ' ' | sed 's/ $//')"
ok "ha_rw from both replicas in VictoriaMetrics, one series each ($want)" \
	wait_for 30 sh -c "[ \"\$(curl -sf 'http://127.0.0.1:$VMPORT/api/v1/series' --data-urlencode 'match[]=ha_rw' |
		jq -r '[.data[].replica // \"none\"] | unique | join(\" \")')\" = '$want' ]"
echo "ha_rw replicas: $(replicas_of ha_rw)" >>"$T/.notes"
ok "each replica's own counters too, apart" wait_for 40 sh -c \
	"[ \"\$(curl -sf 'http://127.0.0.1:$VMPORT/api/v1/series' --data-urlencode 'match[]=podboot_http_requests_total' |
		jq -r '[.data[].replica // \"none\"] | unique | join(\" \")')\" = '$want' ]"
# ---- reloads and SIGTERM while pushes wait for their claims (parked) ----
# A stream of 30000 pushes of demo-1 to B, 16 at a time.  B reloads twice
# under it: each retired daemon must stop while pushes go on (it waits
# only for its own parked requests); then SIGTERM ends B cleanly.
mhd_threads() { grep -lx 'MHD-worker' /proc/"$B_PID"/task/*/comm 2>/dev/null | wc -l; }
reloads_b() { grep -c 'reloaded /' "$SITE/serve-B.log"; }
base_threads=$(mhd_threads)
awk -v b="$BB" -v c="$ROOT" -v t="$TOKEN" -v d="$T/doc" 'BEGIN {
	for (i = 100; i < 30100; i++) {
		printf "url = \"%s/api/v1/push\"\ncacert = \"%s\"\nsilent\noutput = \"/dev/null\"\n", b, c
		printf "write-out = \"%%{http_code}\\n\"\ndata-binary = \"@%s\"\n", d
		printf "header = \"Authorization: Bearer %s\"\nheader = \"X-Podboot-Seq: %d\"\n", t, i
		if (i < 30099) print "next" } }' >"$T/many.k"
curl -s --parallel --parallel-max 16 -K "$T/many.k" >"$T/many.codes" 2>/dev/null &
CURL_PID=$!
ok "B answers the stream's first 200 pushes" wait_for 30 sh -c "[ \$(grep -c '^200' '$T/many.codes') -ge 200 ]"
for n in 1 2; do
	r=$(reloads_b)
	kill -HUP "$B_PID"
	ok "B reloads under the pushes ($n)" wait_for 30 sh -c "[ \$(grep -c 'reloaded /' '$SITE/serve-B.log') -gt $r ]"
done
ok "its retired daemons stop while the pushes go on ($base_threads workers)" \
	wait_for 30 sh -c "[ \$(grep -lx 'MHD-worker' /proc/$B_PID/task/*/comm 2>/dev/null | wc -l) -le $base_threads ]"
check "the stream was still running then" kill -0 "$CURL_PID"
cp "$T/many.codes" "$T/before-term.codes"
check "no push failed across the reloads ($(sort "$T/before-term.codes" | uniq -c | tr '\n' ' '))" \
	sh -c "! grep -qv '^200\$' '$T/before-term.codes'"
kill -TERM "$B_PID"
ok "B exits after SIGTERM with pushes in flight" wait_for 30 sh -c "! kill -0 $B_PID 2>/dev/null"
wait "$B_PID"
st=$?
B_PID=
check "with status 0 (no request left parked, nothing lost) ($st)" [ "$st" = 0 ]
kill "$CURL_PID" 2>/dev/null
wait "$CURL_PID"
check "every answer B gave was 200 ($(sort "$T/many.codes" | uniq -c | tr '\n' ' '))" \
	sh -c "! grep -v -e '^200\$' -e '^000\$' -e '^\$' '$T/many.codes'"

check "no password or token in the replicas' logs" sh -c \
	"! grep -q -e '$CI_TOKEN' -e '$OP_TOKEN' -e '$TOKEN' '$SITE'/serve-*.log"
cat "$T/.notes" 2>/dev/null
finish
