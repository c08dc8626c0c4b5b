# monitor.test.sh: pushes in, Prometheus and Alertmanager from Debian out.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
AMPORT=$(port_pick)
PROMPORT=$(port_pick)
PUSH_SECRET=pbt_pushgatewaytestsecret0123456789
RELAY_SECRET=pbt_$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
cat >>"$SITE/podboot.conf" <<CONF
monitoring = { eval_interval_s = 1; resend_s = 2; down_after = 3;
  max_series_per_node = 20;
  alertmanagers = [ "http://127.0.0.1:$AMPORT" ]; };
alerts = (
  { name = "HighLoad"; expr = "node_load1 > 4"; for = 2;
    labels = { severity = "warning"; };
    annotations = { summary = "load {{value}} on {{node}}"; }; }
);
CONF
sed -i "s/^tokens = (/tokens = (\n  { name = \"batch\"; sha256 = \"$(printf %s $PUSH_SECRET | sha256sum | cut -c1-64)\"; scopes = [ \"push\" ]; },/" \
	"$SITE/podboot.conf"
sed -i "s/^tokens = (/tokens = (\n  { name = \"relay\"; sha256 = \"$(printf %s "$RELAY_SECRET" | sha256sum | cut -c1-64)\"; scopes = [ \"relay\" ]; },/" \
	"$SITE/podboot.conf"
ok "configuration with monitoring and an alert rule is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"

# Alertmanager from Debian, no cluster, on loopback.
cat >"$T/am.yml" <<AM
route: { receiver: none, group_wait: 1s, group_interval: 1s }
receivers: [ { name: none } ]
AM
prometheus-alertmanager --config.file="$T/am.yml" --storage.path="$T/am" \
	--web.listen-address=127.0.0.1:$AMPORT --cluster.listen-address= \
	>"$T/am.log" 2>&1 &
AM_PID=$!
ok "server starts" server_start
trap 'server_stop KILL; kill $AM_PID ${PROM_PID:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

# demo-1's node token travels in its stage2 (kickstart URL).
TOKEN=$(C -f "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
push() { # push SEQ FILE [extra curl args]: gzip push as the agent does
	local seq=$1 file=$2; shift 2
	gzip -c "$file" >"$T/push.gz"
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' \
		-H "X-Podboot-Seq: $seq" -H 'X-Podboot-Interval: 1' "$@" \
		--data-binary @"$T/push.gz" "$BASE/api/v1/push"
}
cat >"$T/high" <<'P'
# TYPE node_load1 gauge
node_load1 5.5
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 1234.5
node_cpu_seconds_total{cpu="0",mode="user"} 42
P
check "a push is accepted" [ "$(push 1 "$T/high")" = 200 ]
check "the same sequence again is a duplicate" [ "$(push 1 "$T/high")" = 200 ]
check "reported as such" grep -q '"duplicate": true' "$T/.body"
# A series given twice in one push: refused whole (400), as Prometheus
# refuses a scrape with duplicate series; labels in another order are
# the same series.
cat >"$T/dup" <<'P'
# TYPE node_load1 gauge
node_load1 7.5
# TYPE dup_total counter
dup_total{a="1",b="2"} 1
dup_total{b="2",a="1"} 2
P
check "a push with a duplicate series: 400" [ "$(push 2 "$T/dup")" = 400 ]
check "naming the series" grep -q 'series dup_total{a=\\"1\\",b=\\"2\\"} is given twice' "$T/.body"

C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics" "$BASE/metrics"
ok "promtool check metrics passes on /metrics" sh -c "promtool check metrics <'$T/metrics'"
check "nothing of the refused push was stored" sh -c \
	"! grep -q -e dup_total -e 'node_load1{.*} 7.5' '$T/metrics'"
check "series carry pod and node labels" grep -q \
	'node_load1{pod="demo",node="demo-1"} 5.5' "$T/metrics"
check "podboot_node_up is 1" grep -q 'podboot_node_up{pod="demo",node="demo-1"} 1' "$T/metrics"
check "no claim counts on a store of one process" sh -c "! grep -q podboot_push_claim '$T/metrics'"
check "/metrics needs a token" [ "$(status "$BASE/metrics")" = 401 ]

# Prometheus from Debian scrapes /metrics over TLS with the token.
printf %s "$OP_TOKEN" >"$T/op.token"
cat >"$T/prom.yml" <<PROM
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: podboot
    scheme: https
    tls_config: { ca_file: $ROOT }
    authorization: { credentials_file: $T/op.token }
    static_configs: [ { targets: [ "localhost:$PORT" ] } ]
  - job_name: fleet
    scheme: https
    http_sd_configs:
      - url: $BASE/api/v1/sd
        tls_config: { ca_file: $ROOT }
        authorization: { type: Bearer, credentials_file: $T/op.token }
    relabel_configs: [ { action: drop, regex: ".*", source_labels: [__address__] } ]
PROM
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address=127.0.0.1:$PROMPORT >"$T/prom.log" 2>&1 &
PROM_PID=$!
q() { curl -s "http://127.0.0.1:$PROMPORT/api/v1/query" --data-urlencode "query=$1"; }
for i in $(seq 1 $((60 * SLOWDOWN))); do
	push $((1000 + i)) "$T/high" >/dev/null	# keep the node up
	q 'node_load1{pod="demo",node="demo-1"}' | grep -q '"5.5"' && break
	sleep 0.5
done
check "Prometheus's query API returns the pushed series with its labels" sh -c \
	"curl -s 'http://127.0.0.1:$PROMPORT/api/v1/query' --data-urlencode 'query=node_load1{pod=\"demo\",node=\"demo-1\"}' | grep -q '\"5.5\"'"
for _ in $(seq 1 $((20 * SLOWDOWN))); do
	curl -s "http://127.0.0.1:$PROMPORT/api/v1/targets?state=dropped" >"$T/targets"
	grep -q '198.51.100.11' "$T/targets" && break
	sleep 0.5
done
check "service discovery lists the pod's nodes (dropped, never scraped)" \
	grep -q '"__address__":"198.51.100.11"' "$T/targets"
check "with the pod label" grep -q '"pod":"demo"' "$T/targets"
# Prometheus is done with: stopped now, its keep-alive scrapes would
# otherwise hold the server's stop below until their idle timeout.
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null
PROM_PID=

# Alertmanager receives the alert, then its resolution.
am_has() { curl -s "http://127.0.0.1:$AMPORT/api/v2/alerts" | grep -q "\"alertname\":\"$1\""; }
seq=$((1000 + 60 * SLOWDOWN))	# past the pushes above
for _ in $(seq 1 $((40 * SLOWDOWN))); do
	seq=$((seq + 1)); push $seq "$T/high" >/dev/null
	am_has HighLoad && break
	sleep 0.5
done
check "Alertmanager received HighLoad firing" am_has HighLoad
check "with the rule's labels and annotation" sh -c \
	"curl -s http://127.0.0.1:$AMPORT/api/v2/alerts | grep -q '\"summary\":\"load 5.5 on demo-1\"'"
sed 's/^node_load1 5.5/node_load1 0.5/' "$T/high" >"$T/low"
seq=2000
for _ in $(seq 1 $((40 * SLOWDOWN))); do
	seq=$((seq + 1)); push $seq "$T/low" >/dev/null
	am_has HighLoad || break
	sleep 0.5
done
check "the resolution reached Alertmanager (alert no longer active)" sh -c "! curl -s http://127.0.0.1:$AMPORT/api/v2/alerts | grep -q HighLoad"

# Hostile pushes: refused with a reason; nothing else is affected.
printf 'node_load1{cpu="0" 1\n' >"$T/bad1"
check "malformed line: 400" [ "$(push 5000 "$T/bad1")" = 400 ]
check "the reason names the line" grep -q 'line 1' "$T/.body"
{ printf 'x{l="'; head -c 5000 /dev/zero | tr '\0' a; printf '"} 1\n'; } >"$T/bad2"
check "huge label value: 400" [ "$(push 5001 "$T/bad2")" = 400 ]
for i in $(seq 1 30); do echo "many_series{i=\"$i\"} $i"; done >"$T/bad3"
check "too many series: 429" [ "$(push 5002 "$T/bad3")" = 429 ]
check "with the limit named" grep -q 'more than 20 series' "$T/.body"
check "bad token: 401" [ "$(curl -s --cacert "$ROOT" -o /dev/null -w '%{http_code}' \
	-H 'Authorization: Bearer demo-1.0000' --data-binary @"$T/low" "$BASE/api/v1/push")" = 401 ]
printf 'not gzip at all' >"$T/bad.gz"
check "bad gzip: 400" [ "$(curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' -H 'X-Podboot-Seq: 5003' \
	--data-binary @"$T/bad.gz" "$BASE/api/v1/push")" = 400 ]
# Sequence bookkeeping: a late batch (say, from a relay's spool) is not a
# duplicate; a batch seen twice is.
push 6000 "$T/low" >/dev/null
push 6002 "$T/low" >/dev/null
check "a late, never-seen sequence is accepted" [ "$(push 6001 "$T/low")" = 200 ]
check "and reported late, not duplicate" sh -c "grep -q '\"late\": true' '$T/.body' && grep -q '\"duplicate\": false' '$T/.body'"
check "the same sequence again is a duplicate" [ "$(push 6001 "$T/low")" = 200 ]
check "reported as such" grep -q '"duplicate": true' "$T/.body"

# Relay batches: every number in a frame's head is plain digits within the
# limits of a single push.  A bad seq, interval or replay refuses that frame
# (400 in its place) and the frames around it still count; a bad length
# cannot be skipped, so it refuses the whole batch.
frame() { # frame TOKEN SEQ INTERVAL REPLAY ENCODING FILE [LEN]
	printf 'PUSH %s %s %s %s %s %s\n' "$1" "$2" "$3" "$4" "$5" \
		"${7:-$(wc -c <"$6")}"
	cat "$6"
}
batch() { # batch FILE: POST it as the relay does; prints the HTTP status
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $RELAY_SECRET" \
		-H 'Content-Type: application/x-podboot-batch' \
		--data-binary @"$1" "$BASE/api/v1/push/batch"
}
frames() { # the per-frame statuses of the last batch reply
	grep -o '"status": [0-9]*' "$T/.body" | cut -d' ' -f2 | tr '\n' ' '
}
{ frame "$TOKEN" 6100 1 0 identity "$T/low"
  frame "$TOKEN" -1 1 0 identity "$T/low"
  frame "$TOKEN" 6101 1 0 identity "$T/low"; } >"$T/b1"
check "a batch with a frame of seq -1 is answered" [ "$(batch "$T/b1")" = 200 ]
check "that frame alone is refused (400), the others count" [ "$(frames)" = "200 400 200 " ]
check "with the reason" grep -qF '"error": "seq must be a number from 0 to 2^62, interval 1 to 3600 and replay 0 or 1"' "$T/.body"
check "the node's next push is not taken for a duplicate" [ "$(push 6102 "$T/low")" = 200 ]
check "(reported new)" grep -q '"duplicate": false' "$T/.body"
{ frame "$TOKEN" +6103 1 0 identity "$T/low"
  frame "$TOKEN" 4611686018427387905 1 0 identity "$T/low"
  frame "$TOKEN" 18446744073709551615 1 0 identity "$T/low"
  frame "$TOKEN" 18446744073709551616 1 0 identity "$T/low"
  frame "$TOKEN" 6103 1 0 identity "$T/low"; } >"$T/b2"
check "signed, over 2^62 and overflowing seqs" [ "$(batch "$T/b2")" = 200 ]
check "are refused frame by frame" [ "$(frames)" = "400 400 400 400 200 " ]
{ frame "$TOKEN" 6104 -1 0 identity "$T/low"
  frame "$TOKEN" 6104 +1 0 identity "$T/low"
  frame "$TOKEN" 6104 0 0 identity "$T/low"
  frame "$TOKEN" 6104 3601 0 identity "$T/low"
  frame "$TOKEN" 6104 1 -0 identity "$T/low"
  frame "$TOKEN" 6104 1 +1 identity "$T/low"
  frame "$TOKEN" 6104 1 2 identity "$T/low"
  frame "$TOKEN" 6104 1 0 identity "$T/low"; } >"$T/b3"
check "bad intervals and replay marks" [ "$(batch "$T/b3")" = 200 ]
check "are refused frame by frame" [ "$(frames)" = "400 400 400 400 400 400 400 200 " ]
len=$(wc -c <"$T/low")
# (One field after the length is the agent's epoch, docs/push-protocol.md;
# two are malformed.)
for bad in "+$len" "${len}x" "$len 1 2" "-$len"; do
	check "a frame length of '$bad' refuses the batch (400)" [ "$(batch <(frame "$TOKEN" 6105 1 0 identity "$T/low" "$bad"))" = 400 ]
	check "as malformed" grep -q 'malformed frame at byte 0' "$T/.body"
done
check "so does a head with a doubled blank" [ "$(batch <(frame " $TOKEN" 6105 1 0 identity "$T/low"))" = 400 ]
check "after all that the server still takes batches" [ "$(batch <(frame "$TOKEN" 6105 1 0 identity "$T/low"))" = 200 ]
check "(frame accepted as new)" sh -c "grep -q '\"status\": 200' '$T/.body' && grep -q '\"duplicate\": false' '$T/.body'"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics2" "$BASE/metrics"
check "after all that the node's last good push still stands" grep -q \
	'node_load1{pod="demo",node="demo-1"} 0.5' "$T/metrics2"
check "and nothing of the refused pushes got in" sh -c "! grep -q many_series '$T/metrics2'"

# Pushgateway API for client libraries.
printf '# TYPE job_done gauge\njob_done 1\n' >"$T/pg"
check "Pushgateway PUT with a push token" [ "$(status "$BASE/metrics/job/backup/instance/db1" -X PUT \
	-H "Authorization: Bearer $PUSH_SECRET" --data-binary @"$T/pg")" = 200 ]
check "Pushgateway PUT without a token: 401" [ "$(status "$BASE/metrics/job/backup" -X PUT --data-binary @"$T/pg")" = 401 ]
printf '# TYPE pg_job gauge\npg_job{job="inner",instance="i",exported_x="1"} 2\n' >"$T/pg2"
check "a pushed job label does not clash with the group's" [ "$(status "$BASE/metrics/job/backup/instance/db2" -X PUT \
	-H "Authorization: Bearer $PUSH_SECRET" --data-binary @"$T/pg2")" = 200 ]
printf 'x{exported_instance="a"} 1\n' >"$T/pg3"
check "but exported_ of a grouping label is refused" [ "$(status "$BASE/metrics/job/backup/instance/db3" -X PUT \
	-H "Authorization: Bearer $PUSH_SECRET" --data-binary @"$T/pg3")" = 400 ]
long=$(head -c 150 /dev/zero | tr '\0' j)
check "an over-long grouping key is refused, not overflowed" [ "$(status "$BASE/metrics/job/$long/a/b" -X PUT --data-binary @"$T/pg")" = 400 ]
# Grouping values reach /metrics as they are: they must be valid UTF-8
# without control characters, or Prometheus refuses the whole scrape.  A
# refused path stores nothing.
pgw() { # pgw PATH: PUT $T/pg there with the push token; prints the status
	status "$BASE/metrics/job/$1" -X PUT -H "Authorization: Bearer $PUSH_SECRET" \
		--data-binary @"$T/pg"
}
check "a job that is not UTF-8 (a%ffb): 400" [ "$(pgw 'a%ffb')" = 400 ]
check "with the reason" grep -q '"error": "the value of job is not valid UTF-8"' "$T/.body"
check "a grouping value that is not UTF-8: 400" [ "$(pgw 'utf/instance/x%ffy')" = 400 ]
check "naming its label" grep -q '"error": "the value of instance is not valid UTF-8"' "$T/.body"
for bad in '%c0%af' '%ed%a0%80' '%f4%90%80%80' '%e2%82' '%80' '%fe'; do
	check "grouping value '$bad' (overlong, surrogate, too large, cut, stray): 400" \
		[ "$(pgw "utf/instance/$bad")" = 400 ]
done
for bad in '%01' '%09' '%0d' '%0a' '%1b' '%7f' '%c2%85' '%c2%9b'; do
	check "a control character ($bad) in a grouping value: 400" [ "$(pgw "ctl/instance/a${bad}b")" = 400 ]
	check "with the reason" grep -q '"error": "the value of instance contains a control character"' "$T/.body"
done
check "a label name that is not ASCII: 400" [ "$(pgw 'utf/l%c3%a9/v')" = 400 ]
check "valid UTF-8 is taken as it is" [ "$(pgw 'caf%c3%a9/instance/%e2%9c%93%f0%9f%93%a6')" = 200 ]
check "the server still serves" [ "$(status "$BASE/healthz")" = 200 ]
# A node token attaches a group to its node.
printf '# TYPE raid_degraded gauge\nraid_degraded 0\n' >"$T/raid"
check "Pushgateway PUT with a node token" [ "$(status "$BASE/metrics/job/raidcheck/array/md0" -X PUT \
	-H "Authorization: Bearer $TOKEN" --data-binary @"$T/raid")" = 200 ]
printf 'podboot_series 1\n' >"$T/own"
check "a node may not push the server's own metric names" [ "$(push 5100 "$T/own")" = 400 ]
check "with the reason" grep -q 'name reserved' "$T/.body"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics3" "$BASE/metrics"
check "the clashing label was renamed" grep -q 'pg_job{job="backup",instance="db2",exported_x="1",exported_instance="i",exported_job="inner"} 2' "$T/metrics3"
check "the group's series carry job and grouping labels" grep -q \
	'job_done{job="backup",instance="db1"} 1' "$T/metrics3"
check "the node's group carries pod and node first" grep -q \
	'raid_degraded{pod="demo",node="demo-1",job="raidcheck",array="md0"} 0' "$T/metrics3"
check "UTF-8 grouping values are served as pushed" grep -q \
	"job_done{job=\"caf$(printf '\303\251')\",instance=\"$(printf '\342\234\223\360\237\223\246')\"} 1" "$T/metrics3"
check "none of the refused groups was stored" sh -c "! grep -Eq 'job=\"(a|utf|ctl)' '$T/metrics3'"
check "/metrics is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/metrics3"
check "with no control character but newlines" sh -c \
	"! LC_ALL=C grep -q \"\$(printf '[\\001-\\011\\013-\\037\\177]')\" '$T/metrics3'"
ok "promtool still passes" sh -c "promtool check metrics <'$T/metrics3'"

# Staleness: pushes stop, the node goes down, its series leave /metrics.
for _ in $(seq 1 $((30 * SLOWDOWN))); do
	C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics4" "$BASE/metrics"
	grep -q 'podboot_node_up{pod="demo",node="demo-1"} 0' "$T/metrics4" && break
	sleep 0.5
done
check "a silent node is marked down" grep -q 'podboot_node_up{pod="demo",node="demo-1"} 0' "$T/metrics4"
check "and its series go stale (no longer served)" sh -c "! grep -q '^node_load1{' '$T/metrics4'"
for _ in $(seq 1 $((40 * SLOWDOWN))); do am_has NodeDown && break; sleep 0.5; done
check "NodeDown reached Alertmanager" am_has NodeDown
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/alerts" "$BASE/api/v1/alerts"
check "/api/v1/alerts lists it for curl" grep -q '"alertname": "NodeDown"' "$T/alerts"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/alerts.txt" "$BASE/api/v1/alerts?format=text"
check "and as a text table, with its value" grep -Eq '^NodeDown +firing +demo +demo-1 +1 ' "$T/alerts.txt"
# A node removed from the configuration can no longer push.
TOKEN2=$(C -f "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:02" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
sed -i '/hostname = "demo-2"/d; /address = "198.51.100.12"; }/d' "$SITE/podboot.conf"
sed -i 's/address = "198.51.100.11"; },/address = "198.51.100.11"; }/' "$SITE/podboot.conf"
# generation: the configuration generation /healthz reports.
generation() {
	curl -sS --cacert "$ROOT" -H 'Accept: application/json' "$BASE/healthz" |
		jq -e .configuration
}
gen0=$(generation)
kill -HUP "$SERVER_PID"
deadline=$((SECONDS + $(deadline 20)))
while [ "$(generation)" = "$gen0" ] && [ "$SECONDS" -lt "$deadline" ]; do
	sleep 0.1
done
check "the reload took (configuration $gen0 -> $(generation))" \
	[ "$(generation)" -gt "$gen0" ]
check "after a reload without demo-2 its pushes get 403" [ "$(curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
	-H "Authorization: Bearer $TOKEN2" -H 'X-Podboot-Seq: 1' --data-binary @"$T/low" "$BASE/api/v1/push")" = 403 ]
check "with the reason" grep -q '"error": "node demo-2 is not configured"' "$T/.body"
check "and its Pushgateway pushes get 403 too" [ "$(status "$BASE/metrics/job/raidcheck/array/md1" -X PUT \
	-H "Authorization: Bearer $TOKEN2" --data-binary @"$T/raid")" = 403 ]
check "with the same reason" grep -q '"error": "node demo-2 is not configured"' "$T/.body"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics5" "$BASE/metrics"
check "nothing of it was stored" sh -c "! grep -q 'node=\"demo-2\"' '$T/metrics5'"
# The largest seq a frame may carry (the X-Podboot-Seq limit) is taken;
# demo-1's window then ends there, until the re-arm below.
check "a frame's seq at the limit (2^62) is accepted" [ "$(batch <(frame "$TOKEN" 4611686018427387904 1 0 identity "$T/low"))" = 200 ]
check "(as new)" sh -c "grep -q '\"status\": 200' '$T/.body' && grep -q '\"duplicate\": false' '$T/.body'"
# A body with a label value that is not UTF-8 would break every scrape.
printf '# TYPE bad_utf8 gauge\nbad_utf8{v="a\377b"} 1\n' >"$T/badutf8"
check "a push with a label value that is not UTF-8: 400" [ "$(push 9999 "$T/badutf8")" = 400 ]
check "with a reason" grep -q 'label value is not valid UTF-8' "$T/.body"
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/metrics5" "$BASE/metrics"
check "/metrics holds none of it" sh -c "! grep -q bad_utf8 '$T/metrics5'"

# A reinstall: the re-armed node's new agent counts from 1 again under
# its new token, and is heard (not taken for replays of the old one).
check "re-arm demo-1 for a reinstall" [ "$(status "$BASE/api/v1/nodes/demo-1/rearm" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
OLD_TOKEN=$TOKEN
TOKEN=$(C -f "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
check "the reinstalled node has a new token" [ -n "$TOKEN" -a "$TOKEN" != "$OLD_TOKEN" ]
check "its first push (seq 1) is accepted" [ "$(push 1 "$T/high")" = 200 ]
check "as new, not a duplicate" grep -q '"duplicate": false' "$T/.body"
check "seq 1 again" [ "$(push 1 "$T/high")" = 200 ]
check "is a duplicate" grep -q '"duplicate": true' "$T/.body"
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
ok "server restarts" server_start
check "after a restart seq 1 of the new token is still a duplicate" [ "$(push 1 "$T/high")" = 200 ]
ok "reported as such" grep -q '"duplicate": true' "$T/.body"
check "seq 2 is new" [ "$(push 2 "$T/high")" = 200 ]
ok "not a duplicate" grep -q '"duplicate": false' "$T/.body"
NEW_TOKEN=$TOKEN
TOKEN=$OLD_TOKEN
check "the old token is refused" [ "$(push 99 "$T/high")" = 401 ]

# An unreachable Alertmanager: one line when it stops answering, attempts
# that back off (not one a second), one line when it answers again, and
# the alerts held meanwhile are delivered then.
# am_metric NAME: a counter of /metrics.
am_metric() {
	C -f -H "Authorization: Bearer $OP_TOKEN" "$BASE/metrics" |
		awk -v n="$1" '$1 == n { print $2 }'
}
am_lines() { grep -c "alertmanager http://127.0.0.1:$AMPORT/api/v2/alerts: .*unreachable" "$SITE/serve.log"; }
kill "$AM_PID"; wait "$AM_PID" 2>/dev/null
TOKEN=$NEW_TOKEN
check "a high load is pushed while Alertmanager is away" [ "$(push 3 "$T/high")" = 200 ]
ev0=$(am_metric podboot_alert_evaluations_total)
err0=$(am_metric podboot_alert_notify_errors_total)
# 14 evaluations (one a second): the alerts are due all along (HighLoad,
# then NodeDown once the pushes stop).
check "14 evaluations pass" wait_for 60 sh -c \
	"[ \$(curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' |
		awk '\$1 == \"podboot_alert_evaluations_total\" { print \$2 }') -ge $((ev0 + 14)) ]"
err1=$(am_metric podboot_alert_notify_errors_total)
check "one warning for them, not one per evaluation ($(am_lines))" [ "$(am_lines)" = 1 ]
check "attempts back off: $((err1 - err0)) in 14 evaluations (1, 2, 4, 8 s apart)" \
	[ $((err1 - err0)) -ge 2 -a $((err1 - err0)) -le 5 ]
check "no summary line before five minutes" sh -c "! grep -q 'still unreachable' '$SITE/serve.log'"
prometheus-alertmanager --config.file="$T/am.yml" --storage.path="$T/am2" \
	--web.listen-address=127.0.0.1:$AMPORT --cluster.listen-address= \
	>"$T/am2.log" 2>&1 &
AM_PID=$!
check "back: the alerts held meanwhile reach Alertmanager" wait_for 60 am_has NodeDown
check "with one line saying so" wait_for 10 grep -q "alertmanager http://127.0.0.1:$AMPORT: reachable again" "$SITE/serve.log"
check "(only one)" [ "$(grep -c 'reachable again' "$SITE/serve.log")" = 1 ]
check "and no further warning" [ "$(am_lines)" = 1 ]
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
