#!/usr/bin/env bash
# Benchmark: ingest samples/s through `podboot serve` with remote-write on, against VictoriaMetrics' own import endpoint receiving the same pushes.
#
# One payload of BENCH_SAMPLES node_exporter-style samples, gzip
# compressed, is pushed with wrk (one thread, one connection: one node's
# sequence numbers stay in order) for BENCH_DURATION seconds:
#   podboot:          POST /api/v1/push over TLS as node demo-1, every push
#                     a new sequence; monitoring.remote_write sends every
#                     accepted sample on to a VictoriaMetrics from Debian
#                     (queue 2,000,000 samples, batches of 5,000);
#   VictoriaMetrics:  the same gzip body POSTed to its own
#                     /api/v1/import/prometheus (plain HTTP: what an
#                     operator would otherwise feed directly).
# Each run measures both, in alternating order.  samples/s = accepted
# pushes/s x BENCH_SAMPLES.  After each podboot round the script waits for
# the remote-write queue to drain and checks that podboot's
# podboot_remote_write_samples_total grew by at least the samples
# accepted (the drain time is printed: what the sender adds after ingest).
#
#   BENCH_RUNS      runs (default 3)
#   BENCH_DURATION  seconds of each wrk round (default 5)
#   BENCH_SAMPLES   samples in the payload (default 300)
#
# Both servers, wrk and the sender share this machine's 2 cores: the
# figures compare, they do not measure capacity.  Everything is on
# 127.0.0.1.
set -euo pipefail

BENCH=remote-write-bench
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)
. "$script_dir/lib.sh"
bench_runs_init
DURATION=${BENCH_DURATION:-5}
SAMPLES=${BENCH_SAMPLES:-300}
need_whole BENCH_DURATION "$DURATION" 1 600 seconds
need_whole BENCH_SAMPLES "$SAMPLES" 1 10000
PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
need_exec "$PODBOOT" "run 'make all'"
need_tools wrk curl gzip victoria-metrics awk

bench_workdir remote-write
bench_servers PB_PID VM_PID
VM_PORT=$(free_port); bench_ports VM_PORT
"$PODBOOT" init --dir "$work/site" --server-name localhost \
	--server-ip 127.0.0.1 >/dev/null || die "podboot init failed"
PB_PORT=$(free_port); bench_ports PB_PORT
sed -i "s/port = 8443;/port = $PB_PORT;/; s#https://localhost:8443#https://localhost:$PB_PORT#" \
	"$work/site/podboot.conf"
RW_URL=http://127.0.0.1:$VM_PORT/api/v1/write
cat >>"$work/site/podboot.conf" <<CONF
monitoring = { max_series_per_node = 20000;
  remote_write = ( { url = "$RW_URL"; queue_samples = 2000000;
    batch_samples = 5000; } ); };
CONF
root=$work/site/keys/root.crt
PB_BASE=https://localhost:$PB_PORT
op=$(awk '$1 == "operator" {print $2}' "$work/site/tokens")

victoria-metrics -httpListenAddr=127.0.0.1:$VM_PORT -storageDataPath="$work/vm" \
	-loggerLevel=ERROR >"$work/vm.log" 2>&1 &
VM_PID=$!
wait_up 30 "$VM_PID" curl -sf -o /dev/null "http://127.0.0.1:$VM_PORT/health" ||
	die "VictoriaMetrics did not start: $(tail -3 "$work/vm.log")"
"$PODBOOT" serve --config "$work/site/podboot.conf" >"$work/serve.log" 2>&1 &
PB_PID=$!
wait_up 30 "$PB_PID" curl -sf --cacert "$root" -o /dev/null "$PB_BASE/healthz" ||
	die "podboot did not start: $(tail -3 "$work/serve.log")"
token=$(curl -sf --cacert "$root" "$PB_BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##')
[[ -n $token ]] || die "no node token for demo-1"

# The payload: node_cpu_seconds_total over cpus and modes, then gauges.
awk -v n="$SAMPLES" 'BEGIN {
	print "# TYPE node_cpu_seconds_total counter"
	for (i = 0; i < n - 1; i++)
		printf "node_cpu_seconds_total{cpu=\"%d\",mode=\"m%d\"} %d.5\n", i / 8, i % 8, i * 7
	print "# TYPE node_load1 gauge"; print "node_load1 0.42" }' >"$work/payload"
gzip -c "$work/payload" >"$work/payload.gz"

cat >"$work/push.lua" <<-'EOF'
	-- push.lua: the payload, as a podboot node (growing sequence) or to
	-- VictoriaMetrics' import endpoint; counts 2xx answers.
	local threads = {}
	function setup(thread)
	   table.insert(threads, thread)
	end
	function init(args)
	   mode, token, seq = args[1], args[2], tonumber(args[3])
	   local f = assert(io.open(args[4], "rb"))
	   body = f:read("*a")
	   f:close()
	   ok = 0
	end
	function request()
	   local h = { ["Content-Encoding"] = "gzip",
	               ["Content-Type"] = "text/plain; version=0.0.4" }
	   if mode == "podboot" then
	      seq = seq + 1
	      h["Authorization"] = "Bearer " .. token
	      h["X-Podboot-Seq"] = string.format("%d", seq)
	      h["X-Podboot-Interval"] = "15"
	      return wrk.format("POST", "/api/v1/push", h, body)
	   end
	   return wrk.format("POST", "/api/v1/import/prometheus", h, body)
	end
	function response(status, headers, b)
	   if status >= 200 and status < 300 and not b:find('"duplicate": *true') then
	      ok = ok + 1
	   end
	end
	function done(summary, latency, requests)
	   local n = 0
	   for _, t in ipairs(threads) do
	      n = n + t:get("ok")
	   end
	   io.write(string.format("push-result %d %d\n", n, summary.duration))
	end
EOF

rw_metric() { # rw_metric NAME: podboot's value of NAME for the target
	curl -sf --cacert "$root" -H "Authorization: Bearer $op" "$PB_BASE/metrics" |
		awk -v m="$1{url=\"$RW_URL\"}" '$1 == m { print $2 }'
}
seq_base=1
LAST_OK=0
# round NAME: wrk against NAME; sets R (accepted samples/s) and LAST_OK.
round() {
	local url ok dur
	if [[ $1 == podboot ]]; then url=$PB_BASE/api/v1/push; else url=http://127.0.0.1:$VM_PORT/; fi
	wrk -t1 -c1 -d"${DURATION}s" -s "$work/push.lua" "$url" -- \
		"$1" "$token" "$seq_base" "$work/payload.gz" >"$work/wrk.log" 2>&1 ||
		die "$1: wrk failed: $(cat "$work/wrk.log")"
	read -r _ ok dur < <(grep '^push-result ' "$work/wrk.log") || die "$1: no result"
	((ok > 0)) || die "$1: no push accepted: $(cat "$work/wrk.log")"
	seq_base=$((seq_base + ok + 100000))
	LAST_OK=$ok
	R=$(awk -v n="$ok" -v d="$dur" -v s="$SAMPLES" 'BEGIN { printf "%.0f\n", n * s / (d / 1e6) }')
}
drained() { [[ $(rw_metric podboot_remote_write_queue_length) == 0 ]]; }

pb_all=() vm_all=() r_all=() drain_all=()
for ((run = 1; run <= RUNS; run++)); do
	if ((run % 2)); then order="podboot vm"; else order="vm podboot"; fi
	for side in $order; do
		if [[ $side == podboot ]]; then
			before=$(rw_metric podboot_remote_write_samples_total)
			round podboot
			pb=$R
			t0=$(now)
			wait_up 120 "$PB_PID" drained || die "the remote-write queue did not drain"
			drain=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f\n", b - a }')
			after=$(rw_metric podboot_remote_write_samples_total)
			(((after - before) >= LAST_OK * SAMPLES)) ||
				die "VictoriaMetrics took $((after - before)) samples of $((LAST_OK * SAMPLES)) accepted"
		else
			round vm
			vm=$R
		fi
	done
	r=$(ratio "$pb" "$vm")
	pb_all+=("$pb") vm_all+=("$vm") r_all+=("$r") drain_all+=("$drain")
	record "$run" podboot_samples_s "$pb" vm_import_samples_s "$vm" ratio "$r" drain_s "$drain"
	echo "run $run: podboot+remote-write $pb samples/s, VictoriaMetrics import $vm samples/s, ratio $r, queue drained ${drain}s after the round"
done
dropped=$(curl -sf --cacert "$root" -H "Authorization: Bearer $op" "$PB_BASE/metrics" |
	awk '/^podboot_remote_write_dropped_total/ { s += $2 } END { print s + 0 }')
echo "remote-write: ${SAMPLES} samples a push, wrk -t1 -c1 -d${DURATION}s, ${RUNS} runs, $(load_span)"
echo "  podboot (TLS, remote-write on): $(span %.0f "${pb_all[@]}") samples/s"
echo "  VictoriaMetrics import (plain): $(span %.0f "${vm_all[@]}") samples/s"
echo "  ratio podboot/VictoriaMetrics:  $(span %.2f "${r_all[@]}")"
echo "  queue drain after a round:      $(span %.2f "${drain_all[@]}") s; samples dropped: $dropped"
