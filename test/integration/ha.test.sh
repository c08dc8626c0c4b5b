# ha.test.sh: two replicas of podboot serve on one PostgreSQL
# (scripts/pg-scratch) and one data directory, behind Debian's HAProxy
# with the configuration podboot haproxy renders, all on loopback.  A boot
# storm of stage1-like clients (retrying) while the replica that leads
# the alerts is killed with SIGKILL and later restarted; uploads during
# the kill; then PostgreSQL restarted under the replicas while machines
# and the CI keep at them.  Every machine
# ends with a verified stage2, no node is handed its installer twice, no
# acknowledged upload is lost, each alert reaches the receiver once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
PSQL=/usr/lib/postgresql/15/bin/psql
N=60	# machines in the storm
R=30	# machines asked of both replicas at the same moment
PG=$(mktemp -d /tmp/podboot-ha.XXXXXX)
rmdir "$PG"
cleanup() {
	local p
	for p in ${A_PID:-} ${B_PID:-} ${HA_PID:-} ${AM_PID:-} ${PUSHER:-} ${UPLOADER:-} ${AGAIN:-}; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	"$top/scripts/pg-scratch" stop "$PG"
	rm -rf "$T" "$PG"
}
trap cleanup EXIT

if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v haproxy >/dev/null; then
	skip "PostgreSQL 15 or HAProxy is not installed (scripts/deps)"
	finish
	exit
fi
ok "a scratch PostgreSQL starts" sh -c "'$top/scripts/pg-scratch' start '$PG' >'$T/url'"
URL=$(cat "$T/url")
sql() { "$PSQL" -X -A -t -d "$URL" -c "$1" 2>>"$T/psql.err"; }

# ---- one site, two replicas, HAProxy in front ----
site_init "$T/site"
PA=$PORT
PB=$(port_pick)
HPORT=$(port_pick)
AMPORT=$(port_pick)
SPORT=$(port_pick)
MPORT=$(port_pick)
HBASE=https://localhost:$HPORT
MBASE=https://localhost:$MPORT	# monitoring: to the alert leader only
{
	sed -n '1,/^nodes = (/p' "$SITE/podboot.conf"
	for i in $(seq 1 $((N + R))); do
		printf '  { mac = "52:54:02:00:%02x:%02x"; hostname = "ha-%d"; pod = "demo"; },\n' \
			$((i / 256)) $((i % 256)) "$i"
	done
	sed -n '/^nodes = (/,$p' "$SITE/podboot.conf" | sed 1d
} >"$T/ha.conf"
cp "$T/ha.conf" "$SITE/podboot.conf"
sed -i "s#^server = {#server = {\n  store = \"$URL\";\n  replicas = [ \"127.0.0.1:$PA\", \"127.0.0.1:$PB\" ];#;
	s#https://localhost:$PA#$HBASE#" "$SITE/podboot.conf"
cat >>"$SITE/podboot.conf" <<CONF
monitoring = { eval_interval_s = 1; resend_s = 3600; down_after = 60;
  alertmanagers = [ "http://127.0.0.1:$AMPORT" ]; };
alerts = (
  { name = "HaAlarm"; expr = "ha_alarm > 0"; for = 0; }
);
CONF
sed "s/port = $PA;/port = $PB;/" "$SITE/podboot.conf" >"$SITE/podboot-b.conf"
ok "replica A's configuration is valid" "$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "replica B's too (same data directory, port $PB)" \
	"$PODBOOT" serve --check --config "$SITE/podboot-b.conf"
# init published the demo artifacts into SQLite: they go to PostgreSQL.
rm -f "$SITE/data/podboot.db"* "$SITE/data/store.id"
for f in demo-vmlinuz demo-initrd.img; do
	ok "podboot publish $f into PostgreSQL" \
		"$PODBOOT" publish --config "$SITE/podboot.conf" "$f" "$SITE/$f"
done

ok "podboot haproxy renders a configuration" "$PODBOOT" haproxy \
	--config "$SITE/podboot.conf" --listen "127.0.0.1:$HPORT" \
	--monitor-listen "127.0.0.1:$MPORT" --check-interval 1 \
	--stats "127.0.0.1:$SPORT" --out "$T/haproxy.cfg"
check "TLS is passed through: TCP mode, no certificate of HAProxy's own" \
	sh -c "grep -q 'mode tcp' '$T/haproxy.cfg' && ! grep -q ' crt ' '$T/haproxy.cfg'"
check "each replica checked on /healthz, verified against the root" sh -c \
	"grep -q 'uri /healthz' '$T/haproxy.cfg' && grep -q 'verify required ca-file $ROOT' '$T/haproxy.cfg' &&
	 [ \$(grep -c '^    server replica' '$T/haproxy.cfg') = 4 ]"
check "monitoring traffic goes to the leader: checked on /healthz/leader" \
	grep -q 'uri /healthz/leader' "$T/haproxy.cfg"
ok "haproxy -c accepts it" haproxy -c -f "$T/haproxy.cfg"

python3 "$(dirname "$0")/tools/am-receiver.py" "$AMPORT" "$T/am.log" 600 &
AM_PID=$!
touch "$T/am.log"

# start_replica NAME CONF PORT: podboot serve in the background, its PID
# in NAME_PID, ready when its own /healthz answers.
start_replica() {
	"$PODBOOT" serve --config "$2" >>"$SITE/serve-$1.log" 2>&1 &
	eval "${1}_PID=$!"
	wait_up 20 "$!" curl -sf --cacert "$ROOT" -o /dev/null "https://localhost:$3/healthz"
}
# leader PORT: does the replica on PORT say it leads the alerts?
leader() { curl -sf --cacert "$ROOT" "https://localhost:$1/healthz" | jq -e '.alert_leader == true'; }
# gauge PORT NAME: a metric of the replica on PORT.
gauge() {
	curl -sf --cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" \
		"https://localhost:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}
ok "replica A starts on PostgreSQL" start_replica A "$SITE/podboot.conf" "$PA"
ok "A leads the alerts (it started alone)" wait_for 15 leader "$PA"
ok "replica B starts beside it on the same data directory" \
	start_replica B "$SITE/podboot-b.conf" "$PB"
check "B does not lead while A does" sh -c "! curl -sf --cacert '$ROOT' https://localhost:$PB/healthz | jq -e .alert_leader"
check "the leader gauges say one leader: A 1, B 0" \
	[ "$(gauge "$PA" podboot_alert_leader)/$(gauge "$PB" podboot_alert_leader)" = 1/0 ]
check "/healthz/leader: 200 on A, 503 on B" \
	[ "$(status "https://localhost:$PA/healthz/leader")/$(status "https://localhost:$PB/healthz/leader")" = 200/503 ]
haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
HA_PID=$!
ok "HAProxy answers with podboot's own certificate chain" \
	wait_up 20 "$HA_PID" curl -sf --cacert "$ROOT" -o /dev/null "$HBASE/healthz"
# hastate BACKEND SERVER STATE: HAProxy's stats say SERVER of BACKEND is
# in STATE (UP, DOWN) after its health checks.
hastate() { curl -sf "http://127.0.0.1:$SPORT/;csv" | grep -q "^$1,$2,.*,$3,"; }
up() { hastate podboot_replicas "$1" UP; }
ok "HAProxy's checks: the monitoring backend has B down (not the leader)" \
	wait_for 20 hastate podboot_leader replica2 DOWN
check "and A up" hastate podboot_leader replica1 UP
if [ "$FAIL" != 0 ]; then	# nothing below means anything without these
	tail -n 5 "$T/haproxy.log" "$SITE"/serve-*.log
	finish
	exit 1
fi

# ---- the one-shot rule across replicas: both asked at the same moment ----
mkdir "$T/race"
ok "each asked of A and B at the same moment (connections open first)" \
	python3 "$(dirname "$0")/tools/race-pair.py" "$ROOT" "$PA" "$PB" "$T/race" \
	$(for i in $(seq $((N + 1)) $((N + R))); do
		printf '/boot/stage2.ipxe?mac=52:54:02:00:%02x:%02x ' $((i / 256)) $((i % 256))
	done)
got=$(sql "SELECT count(*) FROM nodes WHERE id LIKE 'ha-%' AND state = 2")
check "all $R raced machines are booting ($got)" [ "$got" = "$R" ]
twice=$(sql "SELECT count(*) FROM (SELECT subject FROM events WHERE kind = 'state'
	AND detail LIKE 'armed -> booting%' GROUP BY subject HAVING count(*) > 1) x")
check "no raced machine was moved armed -> booting twice ($twice)" [ "$twice" = 0 ]
same=0
for i in $(seq $((N + 1)) $((N + R))); do
	k=$((i - N))
	if cmp -s "$T/race/$k-$PA" "$T/race/$k-$PB" && grep -q "stage2 for ha-$i " "$T/race/$k-$PA" &&
	   grep -q 'ks=' "$T/race/$k-$PA"; then
		same=$((same + 1))
	else
		{ echo "ha-$i differs:"; diff "$T/race/$k-$PA" "$T/race/$k-$PB" | head -20; } >>"$T/.notes"
	fi
done
check "both replicas handed each the same installer, one token ($same of $R)" [ "$same" = "$R" ]

# ---- uploads of one name to both replicas at once ----
for k in 1 2 3 4; do head -c 100000 /dev/urandom >"$T/same$k"; done
for k in 1 2 3 4; do
	[ $((k % 2)) = 1 ] && p=$PA || p=$PB
	curl -s --cacert "$ROOT" -o /dev/null -w '%{http_code}\n' -T "$T/same$k" \
		-H "Authorization: Bearer $CI_TOKEN" "https://localhost:$p/api/v1/artifacts/ha/same" >"$T/same$k.code" &
done
wait_for 60 sh -c "[ \$(cat '$T'/same?.code 2>/dev/null | grep -c '^201$') = 4 ]"
check "four uploads of ha/same to two replicas at once: all 201" \
	[ "$(cat "$T"/same?.code | grep -c '^201$')" = 4 ]
C -f -H "Authorization: Bearer $OP_TOKEN" "$HBASE/api/v1/artifacts" >"$T/list.json"
vers=$(jq -r '[.. | objects | select(.name? == "ha/same") | .sha256] | unique | .[]' "$T/list.json" | sort)
want=$(for k in 1 2 3 4; do sha256sum <"$T/same$k" | cut -c1-64; done | sort)
check "the version list holds each of the four, once" [ "$vers" = "$want" ]
check "one of them is current" [ "$(sql "SELECT count(DISTINCT seq) FROM artifacts WHERE name = 'ha/same'")" = 4 ]

# ---- the alert: fired once, by the leader ----
TOKEN=$(C -f "$HBASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" | grep -o 'ks=[^ ]*' | sed 's#.*/##')
check "demo-1's node token from its stage2" [ -n "$TOKEN" ]
printf '# TYPE ha_alarm gauge\nha_alarm 1\n' >"$T/alarm1"
printf '# TYPE ha_alarm gauge\nha_alarm 0\n' >"$T/alarm0"
# push SEQ FILE: one push through HAProxy, as an agent does.
push() {
	curl -s --cacert "$ROOT" -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" -H "X-Podboot-Seq: $1" \
		-H 'X-Podboot-Interval: 1' --data-binary @"$2" "$MBASE/api/v1/push"
}
export -f push
export ROOT TOKEN MBASE
# The agent: a push every 0.3 s through HAProxy's monitoring frontend
# (the leader's), until told to stop.
(seq=1; while [ ! -e "$T/stop-pusher" ]; do push $seq "$T/alarm1" >/dev/null; seq=$((seq + 1)); sleep 0.3; done) &
PUSHER=$!
fired() { grep -c "^HaAlarm demo-1 $1\$" "$T/am.log"; }
ok "the receiver gets HaAlarm firing" wait_for 30 sh -c "grep -q '^HaAlarm demo-1 firing' '$T/am.log'"
# holds PORT: the replica on PORT holds HaAlarm firing.
holds() {
	curl -sf --cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" \
		"https://localhost:$1/api/v1/alerts" | jq -e '.[] | select(.alertname == "HaAlarm" and .state == "firing")'
}
holds "$PB" >"$T/b-alerts" 2>&1 && b_holds=yes || b_holds=no
check "the follower B got no push: it holds no HaAlarm ($b_holds)" [ "$b_holds" = no ]
check "it is recorded as sent in the store" [ "$(sql "SELECT firing FROM alert_sent WHERE rule = 'HaAlarm'")" = 1 ]

# ---- the storm, uploads, and SIGKILL of the leader mid-storm ----
# The CI: an upload after another through HAProxy (a pause after a
# failure), each 2xx noted with its content's hash; at most 300.
# uploader PREFIX ACKED: uploads ha/PREFIX-1, -2, ... until
# $T/stop-uploader exists; acknowledged ones listed in ACKED.
uploader() {
	local i=0 sha code
	while [ ! -e "$T/stop-uploader" ] && [ $i -lt 300 ]; do
		i=$((i + 1)); head -c 65536 /dev/urandom >"$T/up-$1"
		sha=$(sha256sum <"$T/up-$1" | cut -c1-64)
		code=$(curl -s --cacert "$ROOT" -o /dev/null -w '%{http_code}' -T "$T/up-$1" \
			-H "Authorization: Bearer $CI_TOKEN" "$HBASE/api/v1/artifacts/ha/$1-$i")
		case $code in
		2??) echo "ha/$1-$i $sha" >>"$2" ;;
		*) sleep 0.2 ;;
		esac
	done
}
uploader up "$T/acked" &
UPLOADER=$!
mkdir "$T/storm"
# stage1: fetch stage2 and its signature, verify by iPXE's rules, retry
# with a short pause on any failure, give up after 90 s.
seq 1 $N | xargs -P 8 -I{} bash -c '
	i={}; d=$1/storm; mac=$(printf "52:54:02:00:%02x:%02x" $((i / 256)) $((i % 256)))
	end=$((SECONDS + 90)); n=0
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		if curl -fsS --cacert "$2" -o "$d/s$i" "$3/boot/stage2.ipxe?mac=$mac" 2>/dev/null &&
		   curl -fsS --cacert "$2" -o "$d/s$i.sig" "$3/boot/stage2.ipxe.sig?mac=$mac" 2>/dev/null &&
		   openssl cms -verify -binary -inform DER -in "$d/s$i.sig" -content "$d/s$i" \
			-CAfile "$2" -purpose any -out /dev/null 2>/dev/null; then
			echo "$n" >"$d/done$i"; exit 0
		fi
		sleep 0.2
	done; exit 1' _ "$T" "$ROOT" "$HBASE" &
STORM=$!
ok "a quarter of the storm is through" wait_for 60 sh -c "[ \$(ls '$T/storm' | grep -c '^done') -ge $((N / 4)) ]"
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
A_PID=
echo "killed A with $(ls "$T/storm" | grep -c '^done') of $N through" >>"$T/.notes"
ok "B takes the alert leadership over" wait_for 20 leader "$PB"
ok "the pushes follow the leader: B holds HaAlarm firing" wait_for 30 holds "$PB"
ev=$(gauge "$PB" podboot_alert_evaluations_total)
ok "B evaluates as leader (three rounds)" wait_for 20 sh -c \
	"[ \$(curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' https://localhost:$PB/metrics |
	   awk '\$1 == \"podboot_alert_evaluations_total\" {print \$2}') -ge $((ev + 3)) ]"
check "the new leader did not send HaAlarm again ($(fired firing) firing)" [ "$(fired firing)" = 1 ]
wait "$STORM"
check "the storm ended" [ $? = 0 ]
done_n=$(ls "$T/storm" | grep -c '^done')
check "every machine ended with a verified stage2 ($done_n of $N)" [ "$done_n" = "$N" ]
retried=$(cat "$T"/storm/done* | awk '$1 > 1' | wc -l)
echo "machines that retried: $retried" >>"$T/.notes"
own=0
for i in $(seq 1 $N); do grep -q "^# podboot stage2 for ha-$i " "$T/storm/s$i" && grep -q 'ks=' "$T/storm/s$i" && own=$((own + 1)); done
check "each its own installer ($own)" [ "$own" = "$N" ]
ok "replica A starts again" start_replica A "$SITE/podboot.conf" "$PA"
ok "HAProxy's health checks see A up again" wait_for 20 up replica1
touch "$T/stop-uploader"
wait "$UPLOADER"
UPLOADER=
# lost FILE: how many uploads FILE lists as acknowledged ("NAME SHA256"
# lines) are not there, whole and verified, through HAProxy.
lost() {
	local name sha n=0
	while read -r name sha; do
		if ! C -f -o "$T/get" "$HBASE/artifacts/$name@sha256:$sha" ||
		   ! C -f -o "$T/get.sig" "$HBASE/artifacts/$name@sha256:$sha.sig" ||
		   [ "$(sha256sum <"$T/get" | cut -c1-64)" != "$sha" ] ||
		   ! openssl cms -verify -binary -inform DER -in "$T/get.sig" -content "$T/get" \
			-CAfile "$ROOT" -purpose any -out /dev/null 2>/dev/null; then
			n=$((n + 1)); echo "lost: $name $sha" >>"$T/.notes"
		fi
	done <"$1"
	echo "$n"
}
acked=$(wc -l <"$T/acked")
lost=$(lost "$T/acked")
check "uploads acknowledged across the kill: $acked, each there and verified (lost $lost)" \
	sh -c "[ $acked -ge 3 ] && [ $lost = 0 ]"
twice=$(sql "SELECT count(*) FROM (SELECT subject FROM events WHERE kind = 'state'
	AND detail LIKE 'armed -> booting%' GROUP BY subject HAVING count(*) > 1) x")
booted=$(sql "SELECT count(DISTINCT subject) FROM events WHERE kind = 'state' AND detail LIKE 'armed -> booting%'")
check "no node was handed its installer twice ($twice), $((N + R + 1)) handed once ($booted)" \
	[ "$twice/$booted" = "0/$((N + R + 1))" ]

# ---- the alert resolves: sent once, by the new leader ----
touch "$T/stop-pusher"
wait "$PUSHER"
PUSHER=
# resolve: one push of ha_alarm 0 (a sequence number above the agent's,
# growing with the clock), then: has the resolution arrived?
resolve() {
	push $((1000000000 + 10#$(date +%s%N | cut -c8-16))) "$T/alarm0" >/dev/null
	grep -q '^HaAlarm demo-1 resolved' "$T/am.log"
}
ok "the receiver gets HaAlarm resolved" wait_for 30 resolve
ev=$(gauge "$PB" podboot_alert_evaluations_total)
ok "three more leader rounds" wait_for 20 sh -c \
	"[ \$(curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' https://localhost:$PB/metrics |
	   awk '\$1 == \"podboot_alert_evaluations_total\" {print \$2}') -ge $((ev + 3)) ]"
check "HaAlarm reached the receiver exactly once firing, once resolved ($(fired firing)/$(fired resolved))" \
	[ "$(fired firing)/$(fired resolved)" = 1/1 ]
check "one leader: B 1, A 0" [ "$(gauge "$PB" podboot_alert_leader)/$(gauge "$PA" podboot_alert_leader)" = 1/0 ]

# ---- PostgreSQL restarted under load ----
# Across the restart the storm's machines keep asking (a retrying stage1
# each: stage2, its signature, verified, its own installer) and the CI
# keeps uploading, all through HAProxy.
rm -f "$T/stop-uploader"
: >"$T/acked2"
uploader pg "$T/acked2" &
UPLOADER=$!
: >"$T/again"
(while [ ! -e "$T/stop-again" ]; do
	i=$((RANDOM % N + 1)); mac=$(printf "52:54:02:00:%02x:%02x" $((i / 256)) $((i % 256)))
	if curl -fsS --cacert "$ROOT" -o "$T/again.s" "$HBASE/boot/stage2.ipxe?mac=$mac" 2>/dev/null &&
	   curl -fsS --cacert "$ROOT" -o "$T/again.sig" "$HBASE/boot/stage2.ipxe.sig?mac=$mac" 2>/dev/null &&
	   openssl cms -verify -binary -inform DER -in "$T/again.sig" -content "$T/again.s" \
		-CAfile "$ROOT" -purpose any -out /dev/null 2>/dev/null &&
	   grep -q "^# podboot stage2 for ha-$i " "$T/again.s"; then
		echo ok >>"$T/again"
	else
		echo fail >>"$T/again"; sleep 0.2
	fi
done) &
AGAIN=$!
ok "machines and the CI are at work before the restart" wait_for 30 sh -c \
	"[ \$(grep -c ok '$T/again') -ge 5 ] && [ -s '$T/acked2' ]"
ok "PostgreSQL stops" "$top/scripts/pg-scratch" stop "$PG"
# The outage is under load: machines ask while the database is away.
tries=$(wc -l <"$T/again")
ok "machines keep asking while it is away" wait_for 30 sh -c \
	"[ \$(wc -l <'$T/again') -ge $((tries + 3)) ]"
ok "and starts again" sh -c "'$top/scripts/pg-scratch' start '$PG' >/dev/null"
mark=$(grep -c ok "$T/again")
up_mark=$(wc -l <"$T/acked2")
ok "machines get verified stage2s again after the restart" wait_for 60 sh -c \
	"[ \$(grep -c ok '$T/again') -ge $((mark + 5)) ]"
ok "and uploads are acknowledged again" wait_for 60 sh -c \
	"[ \$(wc -l <'$T/acked2') -gt $up_mark ]"
touch "$T/stop-again" "$T/stop-uploader"
wait "$AGAIN"
AGAIN=
wait "$UPLOADER"
UPLOADER=
echo "across the PostgreSQL restart: $(grep -c ok "$T/again") stage2s verified, $(grep -c fail "$T/again") tries refused and retried, $(wc -l <"$T/acked2") uploads acknowledged" >>"$T/.notes"
acked=$(wc -l <"$T/acked2")
lost=$(lost "$T/acked2")
check "uploads acknowledged across the PostgreSQL restart: $acked, each there and verified (lost $lost)" \
	[ "$lost" = 0 ]
twice=$(sql "SELECT count(*) FROM (SELECT subject FROM events WHERE kind = 'state'
	AND detail LIKE 'armed -> booting%' GROUP BY subject HAVING count(*) > 1) x")
check "still no node handed its installer twice ($twice)" [ "$twice" = 0 ]
Q="mac=52:54:02:00:00:01"
ok "replica A serves stage2 again, without a restart" \
	wait_for 30 curl -sf --cacert "$ROOT" -o "$T/after-a" "https://localhost:$PA/boot/stage2.ipxe?$Q"
ok "so does B" wait_for 30 curl -sf --cacert "$ROOT" -o "$T/after-b" "https://localhost:$PB/boot/stage2.ipxe?$Q"
check "neither restarted" sh -c "kill -0 $A_PID && kill -0 $B_PID"
check "the store answered them: the same installer as before" \
	sh -c "cmp -s '$T/after-a' '$T/storm/s1' && cmp -s '$T/after-b' '$T/storm/s1'"
head -c 50000 /dev/urandom >"$T/late"
check "an upload through HAProxy after the restart: 201" \
	[ "$(status "$HBASE/api/v1/artifacts/ha/late" -T "$T/late" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
# one_leader: exactly one of the two replicas says it leads.
one_leader() {
	local a b
	a=$(curl -sf --cacert "$ROOT" "https://localhost:$PA/healthz" | jq .alert_leader)
	b=$(curl -sf --cacert "$ROOT" "https://localhost:$PB/healthz" | jq .alert_leader)
	[ "$a$b" = truefalse ] || [ "$a$b" = falsetrue ]
}
ok "after it, again exactly one leader" wait_for 30 one_leader
check "and no alert sent again ($(fired firing)/$(fired resolved))" [ "$(fired firing)/$(fired resolved)" = 1/1 ]
check "no password or token in the replicas' logs" sh -c \
	"! grep -q -e '$CI_TOKEN' -e '$OP_TOKEN' -e '$TOKEN' '$SITE'/serve-*.log"
cat "$T/.notes" 2>/dev/null
finish
