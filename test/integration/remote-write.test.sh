# remote-write.test.sh: pushed samples and the server's own counters go on
# by Prometheus remote-write to VictoriaMetrics and Prometheus (its
# receiver), both from Debian; a receiver down comes back and gets what
# was queued; the queue bound holds; a 400 is not retried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

for b in victoria-metrics prometheus python3; do
	command -v $b >/dev/null || { skip "$b is not installed (scripts/deps)"; finish; exit; }
done
site_init "$T/site"
VMPORT=$(port_pick)
PROMPORT=$(port_pick)
BADPORT=$(port_pick)
DEADPORT=$(port_pick)
printf 'rw-test-token\n' >"$T/rw.token"
chmod 600 "$T/rw.token"
cat >>"$SITE/podboot.conf" <<CONF
monitoring = { down_after = 3;
  remote_write = (
    { url = "http://127.0.0.1:$VMPORT/api/v1/write"; queue_samples = 5000;
      batch_samples = 500; bearer_token_file = "$T/rw.token"; },
    { url = "http://127.0.0.1:$PROMPORT/api/v1/write"; },
    { url = "http://127.0.0.1:$BADPORT/api/v1/write";
      bearer_token_file = "$T/rw.token"; },
    { url = "http://127.0.0.1:$DEADPORT/api/v1/write"; queue_samples = 100;
      batch_samples = 10; }
  ); };
CONF
ok "configuration with four remote-write targets is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"

# Refusals of the configuration.
cp "$SITE/podboot.conf" "$T/bad.conf"
sed -i "s#http://127.0.0.1:$PROMPORT/api#http://u:secret@127.0.0.1:$PROMPORT/api#" "$T/bad.conf"
refused "a URL with credentials in it is refused" "credentials" \
	"$PODBOOT" serve --check --config "$T/bad.conf"
chmod 644 "$T/rw.token"
refused "a token file others may read is refused" "chmod 600" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
chmod 600 "$T/rw.token"

vm_start() {
	victoria-metrics -httpListenAddr=127.0.0.1:$VMPORT \
		-storageDataPath="$T/vm" -search.latencyOffset=0s \
		-search.disableCache -loggerLevel=ERROR >>"$T/vm.log" 2>&1 &
	VM_PID=$!
	wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$VMPORT/health"
}
ok "VictoriaMetrics starts" vm_start
# Prometheus with its remote-write receiver; it scrapes nothing.
printf 'global: { scrape_interval: 1m }\n' >"$T/prom.yml"
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address=127.0.0.1:$PROMPORT \
	--web.enable-remote-write-receiver >"$T/prom.log" 2>&1 &
PROM_PID=$!
"$(dirname "$0")/tools/rw-refuse.py" "$BADPORT" "$T/bad.log" "$T/rw.token" &
BAD_PID=$!
trap 'server_stop KILL; kill $VM_PID $PROM_PID $BAD_PID 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
ok "Prometheus starts" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$PROMPORT/-/ready"
ok "the refusing receiver starts" wait_for 10 port_open "$BADPORT"
ok "server starts" server_start

TOKEN=$(C -f "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
echo 0 >"$T/seq"
push() { # push FILE: a gzip push as the agent does, the next sequence
	local SEQ
	SEQ=$(($(cat "$T/seq") + 1)); echo $SEQ >"$T/seq"
	gzip -c "$1" >"$T/push.gz"
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' \
		-H "X-Podboot-Seq: $SEQ" -H 'X-Podboot-Interval: 1' \
		--data-binary @"$T/push.gz" "$BASE/api/v1/push"
}
cat >"$T/doc" <<'P'
# TYPE node_load1 gauge
node_load1 5.5
# TYPE node_cpu_seconds_total counter
node_cpu_seconds_total{cpu="0",mode="idle"} 1234.5
P
check "a push is accepted" [ "$(push "$T/doc")" = 200 ]

vmq() { curl -s "http://127.0.0.1:$VMPORT/api/v1/query" --data-urlencode "query=$1"; }
promq() { curl -s "http://127.0.0.1:$PROMPORT/api/v1/query" --data-urlencode "query=$1"; }
has() { local r; r=$("$1" "$2"); echo "$r"; echo "$r" | grep -q "$3"; }
ok "VictoriaMetrics has node_load1 with pod and node labels" wait_for 30 \
	has vmq 'node_load1{pod="demo",node="demo-1"}' '"5.5"'
ok "and the counter with its own labels" wait_for 10 has vmq \
	'node_cpu_seconds_total{pod="demo",node="demo-1",cpu="0",mode="idle"}' '"1234.5"'
ok "and the server's own counters" wait_for 30 has vmq \
	'podboot_pushes_total' '"podboot_pushes_total"'
ok "Prometheus's receiver has node_load1 with pod and node labels" wait_for 30 \
	has promq 'node_load1{pod="demo",node="demo-1"}' '"5.5"'
ok "and the server's own counters" wait_for 30 has promq \
	'podboot_remote_write_samples_total' 'podboot_remote_write_samples_total'

metric() { # metric NAME URLPORT [REASON]: its value on /metrics
	C -H "Authorization: Bearer $OP_TOKEN" "$BASE/metrics" |
		grep "^$1{url=\"http://127.0.0.1:$2/api/v1/write\"${3:+,reason=\"$3\"}}" |
		awk '{print $2}'
}
positive() { [ "$(metric "$@")" -gt 0 ] 2>/dev/null; }

# A 400 is final: the batch is dropped and counted, never sent again.
ok "the refusing receiver was sent to" wait_for 10 test -s "$T/bad.log"
check "with the remote-write headers" grep -q \
	' snappy application/x-protobuf 0.1.0 ' "$T/bad.log"
check "and the bearer token of bearer_token_file" sh -c \
	"grep -q ' token-ok\$' '$T/bad.log' && ! grep -q token-wrong '$T/bad.log'"
ok "refused samples are counted as dropped (rejected)" wait_for 10 \
	positive podboot_remote_write_dropped_total "$BADPORT" rejected
check "and the failed request" positive podboot_remote_write_failed_requests_total "$BADPORT"
push "$T/doc" >/dev/null
ok "a later push is sent again" wait_for 10 \
	sh -c "[ \$(wc -l <'$T/bad.log') -ge 2 ]"
check "no body was sent twice (no retry after 400)" sh -c \
	"[ -z \"\$(cut -d' ' -f1 '$T/bad.log' | sort | uniq -d)\" ]"
check "no retry counted for it" [ "$(metric podboot_remote_write_retries_total "$BADPORT")" = 0 ]

# A target that never answers: its queue holds queue_samples, the oldest
# dropped and counted, ingest unharmed.
awk 'BEGIN { print "# TYPE wide gauge"; for (i = 0; i < 150; i++) printf "wide{i=\"%d\"} %d\n", i, i }' >"$T/wide"
check "a push of 150 series (more than that queue holds) is accepted" [ "$(push "$T/wide")" = 200 ]
ok "the unreachable target drops its oldest (queue_full)" wait_for 20 \
	positive podboot_remote_write_dropped_total "$DEADPORT" queue_full
check "it holds at most queue_samples plus one batch in flight" \
	[ "$(metric podboot_remote_write_queue_length "$DEADPORT")" -le 110 ]
check "and is retried with back-off" positive podboot_remote_write_retries_total "$DEADPORT"
check "pushes are still accepted" [ "$(push "$T/doc")" = 200 ]

# VictoriaMetrics down for a while, then back: what was queued arrives.
kill "$VM_PID"; wait "$VM_PID" 2>/dev/null
for i in $(seq 1 10); do
	printf '# TYPE outage_marker gauge\noutage_marker{i="%s"} %s\n' "$i" "$i" >"$T/out"
	check "push $i while VictoriaMetrics is down" [ "$(push "$T/out")" = 200 ]
done
ok "the sender notices (retries)" wait_for 20 \
	positive podboot_remote_write_retries_total "$VMPORT"
check "samples wait in its queue" positive podboot_remote_write_queue_length "$VMPORT"
ok "VictoriaMetrics starts again" vm_start
drained() { [ "$(metric podboot_remote_write_queue_length "$VMPORT")" = 0 ]; }
ok "its queue drains" wait_for 60 drained
ok "every sample pushed during the outage arrived" wait_for 30 \
	has vmq 'count(outage_marker{pod="demo",node="demo-1"})' '"10"'
check "none of it was dropped" [ "$(metric podboot_remote_write_dropped_total "$VMPORT" queue_full)" = 0 ]
ok "sum of their values is right" has vmq 'sum(outage_marker)' '"55"'

finish
