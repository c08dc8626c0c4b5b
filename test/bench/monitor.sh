#!/usr/bin/env bash
# Benchmark: metric ingestion of `podboot serve` against the Prometheus Pushgateway, and podboot-agent against node_exporter.
#
# Each benchmark runs BENCH_RUNS times; a run measures both sides back to
# back, in alternating order, and its ratios compare those figures.
#
#   1. ingest: one realistic node payload of exactly 300 samples (one
#              collection of `podboot-agent --print` on this machine, padded
#              with more node_exporter-style series: CPUs, guest CPU,
#              network devices, filesystems, disks, memory fields; or all
#              synthesized when the agent cannot print), gzip-compressed,
#              pushed with wrk, keep-alive over TLS, in two shapes:
#                per client (the headline, like for like): 16 pushing
#                  clients (wrk -t16 -c16: one thread, one connection
#                  each), each pushing its own node to podboot and its
#                  own group to the Pushgateway (one group per pushing
#                  client: the grouping key, job and instance, names the
#                  pusher, as in the Pushgateway's documentation);
#                BENCH_NODES nodes: wrk -t2 -c16 pushing as BENCH_NODES
#                  nodes (podboot) or groups (Pushgateway) in turn.  Every
#                  Pushgateway push is checked for consistency against the
#                  metrics of all its groups (its README, "About metric
#                  inconsistencies": with many metrics and frequent pushes
#                  "the push duration might become prohibitively long"),
#                  so its rate falls as groups grow; a podboot push
#                  touches only its node's series.
#              The pushes:
#                podboot:     POST /api/v1/push with the node's token,
#                             Content-Encoding: gzip, X-Podboot-Seq growing
#                             per node, X-Podboot-Interval: 15.  A node is
#                             pushed again only once its last push has been
#                             answered (as one agent does), so no push is a
#                             duplicate of another;
#                Pushgateway: Debian's prometheus-pushgateway, in memory
#                             (--persistence.file=), PUT of the same gzip
#                             body to /metrics/job/bench/instance/nN (PUT
#                             replaces the group, as a podboot push replaces
#                             the node's series), over TLS with the same
#                             certificate chain and key when its
#                             --web.config.file accepts tls_server_config
#                             (plain HTTP otherwise, and the script says so);
#                             uncompressed if it refuses gzip (likewise).
#                             Its groups are deleted before each run.
#              Pushes/s count only 2xx answers (and, for podboot, not
#              duplicates); samples/s = pushes/s x 300.  Then, once:
#              podboot's /metrics must show a node's 300 series,
#              podboot_pushes_total must match what wrk saw answered, and
#              the Pushgateway must hold every group with its 300 series.
#   2. agent:  peak RSS (GNU time) and CPU time (user+system, from the
#              shell's `time`, 1 ms resolution) of `podboot-agent --once`
#              from exec to exit: start-up, one collection, gzip and the
#              push over TLS to the running podboot; against Debian's
#              prometheus-node-exporter restricted to the agent's
#              collectors (--collector.disable-defaults plus cpu, stat,
#              meminfo, loadavg, time, filesystem, netdev, uname) serving
#              one scrape of /metrics: a fresh process per run, its peak
#              RSS (VmHWM) after the scrape, and its CPU time from launch
#              through the scrape (start-up counted on both sides; the
#              scrape alone, over the start-up baseline, is printed for
#              reference): from its threads' schedstat (1 us resolution)
#              when the kernel keeps it, and from /proc/PID/stat
#              utime+stime (10 ms ticks) always.
#
# Output: the median and [min-max] range over the runs of each figure and
# of each per-run ratio; the raw figures of every run go to
# build/bench/monitor-bench-DATE.tsv with the load average (see lib.sh, and
# test/bench/summary for a day's runs).
#
# Both servers, wrk and curl share this machine's cores: the server CPU
# columns are the CPU time the server process used during the run divided
# by its wall time (cores).  The script only reports: it exits 0 whatever
# the figures, and non-zero only when something broke (a server does not
# start or dies, no push is accepted, the pushed series are not there, the
# server's push count contradicts wrk's).
#
# Environment:
#   PODBOOT         podboot binary (default: build/podboot in this repository)
#   PODBOOT_AGENT   podboot-agent binary (default: build/podboot-agent-static,
#                   the build nodes get, else build/podboot-agent)
#   BENCH_DURATION  seconds of each wrk run (default 10)
#   BENCH_RUNS      runs of each benchmark (default 5; BENCH_ROUNDS is its
#                   old name)
#   BENCH_RESULTS_DIR  where the per-run results go (default build/bench)
#   BENCH_NODES     nodes pushing in turn, 16 to 4096 (default 64): podboot
#                   nodes in the configuration, Pushgateway groups
#
# Goals (reported, never enforced): ingest podboot/Pushgateway >= 3,
# agent/node_exporter peak RSS <= 0.2; the summary says whether each
# median meets its goal.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
if [[ -z ${PODBOOT_AGENT:-} && -x $repo_dir/build/podboot-agent-static ]]; then
	PODBOOT_AGENT=$repo_dir/build/podboot-agent-static
fi
PODBOOT_AGENT=${PODBOOT_AGENT:-$repo_dir/build/podboot-agent}
DURATION=${BENCH_DURATION:-10}
NODES=${BENCH_NODES:-64}
PGW=/usr/bin/prometheus-pushgateway
NODE_EXPORTER=/usr/bin/prometheus-node-exporter
GNU_TIME=/usr/bin/time

SAMPLES=300		# samples in one push
THREADS=2		# wrk -t
CONNS=16		# wrk -c
INTERVAL=15		# X-Podboot-Interval of the pushes

BENCH=monitor-bench
. "$script_dir/lib.sh"
bench_runs_init
ROUNDS=$RUNS

# --- Check the environment before creating anything -------------------------

need_whole BENCH_DURATION "$DURATION" 1 9999 "of seconds"
need_whole BENCH_NODES "$NODES" 16 4096
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_exec "$PODBOOT_AGENT" "run 'make all' or set PODBOOT_AGENT"
need_exec "$PGW" "run 'scripts/deps bench' (prometheus-pushgateway)"
need_exec "$NODE_EXPORTER" "run 'scripts/deps bench' (prometheus-node-exporter)"
need_exec "$GNU_TIME" "install the 'time' package"
need_tools wrk curl openssl gzip ss ps shuf awk

# --- Scratch space and the processes we start ---------------------------------

bench_workdir monitor-bench
site=$work/site
PB_PID= PGW_PID= NE_PID= PB_PORT= PGW_PORT= NE_PORT=
bench_servers PB_PID PGW_PID NE_PID
bench_ports PB_PORT PGW_PORT NE_PORT

# task_cpu_ns PID: CPU time of the threads of PID in ns (the first field of
# /proc/PID/task/*/schedstat), finer than cpu_ticks; empty when the kernel
# does not keep it.  Threads that exit take their time with them.
task_cpu_ns() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ t += $1 } END { if (t > 0) printf "%.0f\n", t }'
}

# settle PID: wait (up to 10 s) until PID has used no CPU for 0.3 s, so
# that work left queued by a wrk run (the Pushgateway holds pushes in
# flight when wrk stops) does not run into the next one.
settle() {
	local a b i
	b=$(cpu_ticks "$1")
	for ((i = 0; i < 33; i++)); do
		sleep 0.3
		a=$b b=$(cpu_ticks "$1")
		((b - a <= 1)) && return 0
	done
}

# --- The payload: one node's collection, exactly SAMPLES samples -------------

payload=$work/payload.prom
agent_base=$work/agent-print.prom
agent_samples=0
if "$PODBOOT_AGENT" --print >"$agent_base" 2>"$work/agent-print.log"; then
	agent_samples=$(grep -cv '^#' "$agent_base" || true)
else
	: >"$agent_base"
fi

# Families keep the order and the HELP and TYPE lines of the agent's output;
# added series join their family (a new one when the agent has none), and a
# series the agent already has is never added twice.  Values are fixed.
awk -v target="$SAMPLES" '
	function ensure(f, h, t) {
		if (!(f in known)) { known[f] = 1; order[++nf] = f; nl[f] = 0 }
		if (h != "" && !(f in help)) help[f] = "# HELP " f " " h
		if (t != "" && !(f in type)) type[f] = "# TYPE " f " " t
	}
	function add(f, line, key) {
		if (key in seen) return
		seen[key] = 1
		lines[f, ++nl[f]] = line
		total++
	}
	# pad FAMILY HELP TYPE LABELS VALUE: one more series, unless full
	function pad(f, h, t, labels, v) {
		if (total >= target || (f labels) in seen) return
		ensure(f, h, t)
		add(f, f labels " " v, f labels)
	}
	/^# HELP / { ensure($3, "", ""); help[$3] = $0; cur = $3; next }
	/^# TYPE / { ensure($3, "", ""); type[$3] = $0; cur = $3; next }
	/^#/ || NF == 0 { next }
	{
		key = $1
		if (index($1, "{") && match($0, /^.*\}/))
			key = substr($0, 1, RLENGTH)
		name = key
		sub(/\{.*/, "", name)
		# A sample belongs to the family of the HELP or TYPE line above
		# it when its name is that family (or one of its series).
		sfx = substr(name, length(cur) + 1)
		f = cur != "" && index(name, cur) == 1 &&
		    (sfx == "" || sfx ~ /^_(bucket|sum|count|created|total)$/) ? cur : name
		ensure(f, "", "")
		if (total < target) add(f, $0, key)
	}
	END {
		base = total
		pad("node_load1", "1m load average.", "gauge", "", "0.52")
		pad("node_load5", "5m load average.", "gauge", "", "0.61")
		pad("node_load15", "15m load average.", "gauge", "", "0.58")
		pad("node_boot_time_seconds", "Node boot time, in unixtime.", "gauge", "", "1795772022")
		pad("node_time_seconds", "System time in seconds since epoch (1970).", "gauge", "", "1795862022.25")
		pad("node_context_switches_total", "Total number of context switches.", "counter", "", "1.7221559e+07")
		pad("node_forks_total", "Total number of forks.", "counter", "", "412876")
		pad("node_intr_total", "Total number of interrupts serviced.", "counter", "", "9.815573e+06")
		pad("node_procs_running", "Number of processes in runnable state.", "gauge", "", "3")
		pad("node_procs_blocked", "Number of processes blocked waiting for I/O to complete.", "gauge", "", "0")
		# A 16-CPU node.
		split("user nice system idle iowait irq softirq steal", mode, " ")
		for (c = 0; c < 16; c++)
			for (m = 1; m <= 8; m++)
				pad("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.", "counter",
				    sprintf("{cpu=\"%d\",mode=\"%s\"}", c, mode[m]),
				    m == 4 ? 86400 + 37.5 * c : (m == 2 || m == 6 ? 0 : sprintf("%.2f", 1500 * m / 3 + 11.3 * c)))
		for (c = 0; c < 16; c++) {
			pad("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", "counter",
			    sprintf("{cpu=\"%d\",mode=\"user\"}", c), sprintf("%.2f", 0.06 * c))
			pad("node_cpu_guest_seconds_total", "Seconds the CPUs spent in guests (VMs) for each mode.", "counter",
			    sprintf("{cpu=\"%d\",mode=\"nice\"}", c), "0")
		}
		# Network devices.
		split("lo eth0 eno1 eno2", dev, " ")
		split("receive_bytes receive_packets receive_errs receive_drop transmit_bytes transmit_packets transmit_errs transmit_drop", nf_, " ")
		for (d = 1; d <= 4; d++)
			for (k = 1; k <= 8; k++)
				pad("node_network_" nf_[k] "_total", "Network device statistic " nf_[k] ".", "counter",
				    sprintf("{device=\"%s\"}", dev[d]),
				    k % 4 == 3 || k % 4 == 0 ? d - 1 : sprintf("%.0f", (k <= 4 ? 3.1e9 : 1.7e9) * d / (k % 4 == 1 ? 1 : 900)))
		# Filesystems.
		split("/boot /boot/efi /var /home", mnt, " ")
		split("/dev/sda1 /dev/sda15 /dev/mapper/vg0-var /dev/mapper/vg0-home", fsdev, " ")
		split("ext4 vfat xfs xfs", fstype, " ")
		split("size_bytes free_bytes avail_bytes files files_free", fsf, " ")
		split("Filesystem size in bytes.|Filesystem free space in bytes.|Filesystem space available to non-root users in bytes.|Filesystem total file nodes.|Filesystem total free file nodes.", fsh, "|")
		for (i = 1; i <= 4; i++)
			for (k = 1; k <= 5; k++)
				pad("node_filesystem_" fsf[k], fsh[k], "gauge",
				    sprintf("{device=\"%s\",fstype=\"%s\",mountpoint=\"%s\"}", fsdev[i], fstype[i], mnt[i]),
				    k <= 3 ? sprintf("%.0f", 2.147483648e10 * i / k) : sprintf("%.0f", 1310720 * i / (k - 3)))
		# Disks.
		split("sda nvme0n1", disk, " ")
		split("read_bytes_total written_bytes_total reads_completed_total writes_completed_total io_time_seconds_total", dkf, " ")
		split("The total number of bytes read successfully.|The total number of bytes written successfully.|The total number of reads completed successfully.|The total number of writes completed successfully.|Total seconds spent doing I/Os.", dkh, "|")
		for (i = 1; i <= 2; i++)
			for (k = 1; k <= 5; k++)
				pad("node_disk_" dkf[k], dkh[k], "counter", sprintf("{device=\"%s\"}", disk[i]),
				    k <= 2 ? sprintf("%.0f", 8.5e9 * i * k) : (k == 5 ? 1834.2 * i : 412345 * i * (k - 2)))
		# Memory fields (/proc/meminfo).
		n = split("MemTotal MemFree MemAvailable Buffers Cached SwapTotal SwapFree Active Inactive Active_anon Inactive_anon Active_file Inactive_file Dirty Writeback AnonPages Mapped Shmem Slab SReclaimable SUnreclaim KernelStack PageTables CommitLimit Committed_AS VmallocTotal VmallocUsed Mlocked Unevictable HardwareCorrupted", mem, " ")
		for (i = 1; i <= n; i++)
			pad("node_memory_" mem[i] "_bytes", "Memory information field " mem[i] "_bytes.", "gauge", "",
			    sprintf("%.0f", 68719476736 / (i + 1)))
		# Whatever is still missing: temperature sensors.
		for (i = 1; total < target; i++)
			pad("node_hwmon_temp_celsius", "Hardware monitor for temperature (input)", "gauge",
			    sprintf("{chip=\"platform_coretemp_0\",sensor=\"temp%d\"}", i), 40 + i % 17)
		for (i = 1; i <= nf; i++) {
			f = order[i]
			if (!nl[f]) continue
			if (f in help) print help[f]
			if (f in type) print type[f]
			for (j = 1; j <= nl[f]; j++) print lines[f, j]
		}
		printf "%d %d\n", base, total >"/dev/stderr"
	}' "$agent_base" >"$payload" 2>"$work/payload.count" ||
	die "could not build the payload"
read -r payload_base payload_n <"$work/payload.count"
((payload_n == SAMPLES)) && (($(grep -cv '^#' "$payload") == SAMPLES)) ||
	die "the payload has $(grep -cv '^#' "$payload") samples, not $SAMPLES"
gzip -c -6 "$payload" >"$payload.gz"
payload_bytes=$(stat -c %s "$payload")
payload_gz_bytes=$(stat -c %s "$payload.gz")
if ((agent_samples > 0)); then
	payload_from="$payload_base from podboot-agent --print, $((SAMPLES - payload_base)) added"
else
	payload_from="all synthesized: podboot-agent --print failed ($(head -1 "$work/agent-print.log"))"
fi
# Every metric name of the payload, for counting the series a server shows.
grep -v '^#' "$payload" | sed 's/[{ ].*//' | sort -u >"$work/payload.names"

# --- The podboot site, with BENCH_NODES more nodes ---------------------------

echo "monitor-bench: ${SAMPLES}-sample payload (${payload_from}), ${payload_bytes} bytes," \
	"${payload_gz_bytes} gzip; ${NODES} nodes; wrk -t${THREADS} -c${CONNS} -d${DURATION}s;" \
	"${ROUNDS} runs; $PODBOOT; $(nproc) cores, load $(load1)"

"$PODBOOT" init --dir "$site" --server-name localhost --server-ip 127.0.0.1 \
	>"$work/init.log" 2>&1 || {
	cat "$work/init.log" >&2
	die "podboot init failed"
}
root_crt=$site/keys/root.crt
OP_TOKEN=$(awk '$1 == "operator" { print $2 }' "$site/tokens")

# Node N has MAC 52:54:02:00 then N in 16 bits, hostname bench-N, pod demo;
# they go before the two nodes of the init configuration.
{
	sed -n '1,/^nodes = (/p' "$site/podboot.conf"
	awk -v n="$NODES" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "  { mac = \"52:54:02:00:%02x:%02x\"; hostname = \"bench-%d\"; pod = \"demo\"; },\n",
				int(i / 256) % 256, i % 256, i
	}'
	sed -n '/^nodes = (/,$p' "$site/podboot.conf" | sed 1d
} >"$work/bench.conf"
cp -- "$work/bench.conf" "$site/podboot.conf"
PB_PORT=$(free_port)
sed -i -E "s/^  port = [0-9]+;/  port = $PB_PORT;/;
	s#(base_url = \"https://localhost:)[0-9]+#\1$PB_PORT#" "$site/podboot.conf"
PB_BASE=https://localhost:$PB_PORT
"$PODBOOT" serve --check --config "$site/podboot.conf" >"$work/check.log" 2>&1 || {
	cat "$work/check.log" >&2
	die "the configuration with $NODES bench nodes is refused"
}

# --- Starting the servers ----------------------------------------------------

PB_LOG=$work/serve.log
"$PODBOOT" serve --config "$site/podboot.conf" >"$PB_LOG" 2>&1 &
PB_PID=$!
wait_up 30 "$PB_PID" curl -s --cacert "$root_crt" -o /dev/null \
	"$PB_BASE/healthz" || {
	tail -5 "$PB_LOG" >&2
	die "podboot serve did not start (log above)"
}
# The start-up signature precomputation must not run during a benchmark.
for ((i = 0; i < 600; i++)); do
	grep -q 'stage2 signatures ready' "$PB_LOG" && break
	proc_alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died (log above)"; }
	sleep 0.1
done

# Pushgateway over TLS with the site's chain and key, when it accepts that.
PGW_PORT=$(free_port)
cat >"$work/pgw-web.yml" <<-EOF
	tls_server_config:
	  cert_file: $site/keys/server-chain.crt
	  key_file: $site/keys/server.key
EOF
pgw_start() {	# pgw_start [WEB-CONFIG]: sets PGW_PID; 0 once it answers
	local i scheme=http curl_tls=() web=()
	[[ -z ${1:-} ]] || {
		scheme=https curl_tls=(--cacert "$root_crt") web=(--web.config.file="$1")
	}
	"$PGW" --web.listen-address="127.0.0.1:$PGW_PORT" --persistence.file= \
		"${web[@]}" >"$work/pgw.log" 2>&1 &
	PGW_PID=$!
	wait_up 10 "$PGW_PID" curl -sf "${curl_tls[@]}" -o /dev/null \
		"$scheme://localhost:$PGW_PORT/-/ready" &&
		{ PGW_BASE=$scheme://localhost:$PGW_PORT; return 0; }
	stop_pid "$PGW_PID"
	PGW_PID=
	return 1
}
if pgw_start "$work/pgw-web.yml"; then
	pgw_tls="TLS ($(tls_line "$PGW_BASE"), same chain and key as podboot)"
	pgw_tls_short=yes
elif pgw_start; then
	pgw_tls="plain HTTP: --web.config.file with tls_server_config did not work ($(tail -1 "$work/pgw.log"))"
	pgw_tls_short=no
else
	tail -5 "$work/pgw.log" >&2
	die "the Pushgateway did not start (log above)"
fi
pgw_version=$("$PGW" --version 2>&1 | awk 'NR == 1 { print $3 }')
PGW_CURL=(curl -s)
[[ $PGW_BASE != https:* ]] || PGW_CURL+=(--cacert "$root_crt")

# check_alive: a benchmark of a server that died is meaningless.
check_alive() {
	proc_alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died"; }
	proc_alive "$PGW_PID" || { tail -5 "$work/pgw.log" >&2; die "the Pushgateway died"; }
}

echo "podboot:     $PB_BASE (pid $PB_PID), TLS $(tls_line "$PB_BASE")"
echo "pushgateway: $PGW_BASE (pid $PGW_PID, version $pgw_version), $pgw_tls"

# --- Node tokens, and one push to each server checked by hand ----------------

# Each bench node's token travels in its stage2 (the kickstart URL); one
# curl fetches them all, in order.
for ((i = 1; i <= NODES; i++)); do
	printf 'url = "%s/boot/stage2.ipxe?mac=52:54:02:00:%02x:%02x"\n' \
		"$PB_BASE" $((i >> 8 & 255)) $((i & 255))
done >"$work/stage2.curl"
curl -s --cacert "$root_crt" -K "$work/stage2.curl" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##' >"$work/tokens" ||
	die "could not fetch the bench nodes' stage2 scripts"
awk -v n="$NODES" 'index($0, "bench-" NR ".") != 1 { bad = 1 }
	END { exit bad || NR != n }' "$work/tokens" ||
	die "did not get a token for each of the $NODES bench nodes ($(wc -l <"$work/tokens") tokens)"

# One push of bench-1 (sequence 1), which wrk then continues.
code=$(curl -s --cacert "$root_crt" -o "$work/push1.json" -w '%{http_code}' \
	-H "Authorization: Bearer $(head -1 "$work/tokens")" \
	-H 'Content-Type: text/plain; version=0.0.4' -H 'Content-Encoding: gzip' \
	-H 'X-Podboot-Seq: 1' -H "X-Podboot-Interval: $INTERVAL" \
	--data-binary @"$payload.gz" "$PB_BASE/api/v1/push")
[[ $code == 200 ]] && grep -q "\"accepted\": $SAMPLES\b" "$work/push1.json" ||
	die "podboot: the payload was answered $code: $(cat "$work/push1.json")"

# The Pushgateway (1.5.0 and later) takes gzip bodies; otherwise it gets
# the uncompressed text.
pgw_push() {	# pgw_push BODY ENCODING GROUP: print the HTTP status
	"${PGW_CURL[@]}" -o "$work/pgw-push.out" -w '%{http_code}' -X PUT \
		-H 'Content-Type: text/plain; version=0.0.4' \
		${2:+-H "Content-Encoding: $2"} --data-binary @"$1" \
		"$PGW_BASE/metrics/job/bench/instance/$3"
}
# pgw_series GROUP: how many of the payload's series the Pushgateway shows
# for the group.
pgw_series() {
	"${PGW_CURL[@]}" "$PGW_BASE/metrics" |
		awk -v inst="instance=\"$1\"" 'NR == FNR { name[$1] = 1; next }
			/^#/ { next }
			{ n = $0; sub(/[{ ].*/, "", n) }
			(n in name) && index($0, inst) && index($0, "job=\"bench\"") { c++ }
			END { print c + 0 }' "$work/payload.names" -
}
pgw_body=$payload.gz pgw_enc=gzip
code=$(pgw_push "$payload.gz" gzip n1)
if [[ $code != 2?? || $(pgw_series n1) != "$SAMPLES" ]]; then
	pgw_gzip_note="refused gzip ($code: $(head -c 200 "$work/pgw-push.out")), sent uncompressed"
	pgw_body=$payload pgw_enc=
	code=$(pgw_push "$payload" "" n1)
	[[ $code == 2?? ]] ||
		die "pushgateway: the payload was answered $code: $(cat "$work/pgw-push.out")"
else
	pgw_gzip_note="takes the gzip body (answered $code)"
fi
n=$(pgw_series n1)
((n == SAMPLES)) || die "pushgateway: shows $n of the $SAMPLES series pushed"
echo "pushgateway $pgw_gzip_note; a hand push shows all $SAMPLES series on each server"

# --- 1. Ingestion ------------------------------------------------------------

# push.lua: each wrk thread pushes as its share of the nodes (every
# nthreads-th).  podboot: a node goes back in the thread's queue when the
# answer to its push names it, so no node has two pushes in flight and its
# sequence numbers arrive in order; should the queue ever run dry (answers
# that name no node), the oldest nodes are reused and any duplicate is
# counted.  Pushgateway: plain round robin (it has no sequence numbers).
# wrk calls the first thread's request() once before the run to check what
# it returns, and never sends that request: it gets a health check.
cat >"$work/push.lua" <<-'EOF'
	-- push.lua: one payload pushed by many nodes in turn, for monitor.sh.
	local threads = {}

	function setup(thread)
	   table.insert(threads, thread)
	   thread:set("tid", #threads)
	end

	function init(args)
	   mode, nodes, nthreads = args[1], tonumber(args[2]), tonumber(args[3])
	   base, interval, enc = tonumber(args[4]), args[5], args[6]
	   local f = assert(io.open(args[7], "rb"))
	   body = f:read("*a")
	   f:close()
	   token = {}
	   if mode == "podboot" then
	      local n = 0
	      for line in io.lines(args[8]) do
	         n = n + 1
	         token[n] = line
	      end
	   end
	   queue, head, tail, mine, seq = {}, 1, 0, {}, {}
	   for n = tid, nodes, nthreads do
	      tail = tail + 1
	      queue[tail] = n
	      mine[#mine + 1] = n
	      seq[n] = base
	   end
	   if #mine == 0 then	-- fewer nodes than threads: share them
	      local n = (tid - 1) % nodes + 1
	      tail, queue[1], mine[1], seq[n] = 1, n, n, base
	   end
	   rr = 0
	   ok, dup, bad, badstatus, reused = 0, 0, 0, 0, 0
	   probe = tid == 1
	end

	local function next_node()
	   if head <= tail then
	      local n = queue[head]
	      queue[head] = nil
	      head = head + 1
	      return n
	   end
	   reused = reused + 1
	   rr = rr % #mine + 1
	   return mine[rr]
	end

	function request()
	   if probe then
	      probe = false
	      return wrk.format("GET", mode == "podboot" and "/healthz" or "/-/healthy")
	   end
	   local n = next_node()
	   if mode == "podboot" then
	      seq[n] = seq[n] + 1
	      return wrk.format("POST", "/api/v1/push", {
	         ["Authorization"] = "Bearer " .. token[n],
	         ["Content-Type"] = "text/plain; version=0.0.4",
	         ["Content-Encoding"] = "gzip",
	         ["X-Podboot-Seq"] = string.format("%d", seq[n]),
	         ["X-Podboot-Interval"] = interval,
	      }, body)
	   end
	   tail = tail + 1
	   queue[tail] = n
	   local h = { ["Content-Type"] = "text/plain; version=0.0.4" }
	   if enc ~= "" then
	      h["Content-Encoding"] = enc
	   end
	   return wrk.format("PUT", "/metrics/job/bench/instance/n" .. n, h, body)
	end

	function response(status, headers, body)
	   if mode == "podboot" then
	      local n = tonumber(body:match('"node": *"bench%-(%d+)"'))
	      if n and seq[n] then
	         tail = tail + 1
	         queue[tail] = n
	      end
	   end
	   if status < 200 or status > 299 then
	      bad = bad + 1
	      badstatus = status
	   elseif mode == "podboot" and body:find('"duplicate": *true') then
	      dup = dup + 1
	   else
	      ok = ok + 1
	   end
	end

	function done(summary, latency, requests)
	   local t = { ok = 0, dup = 0, bad = 0, reused = 0 }
	   local badstatus = 0
	   for _, thread in ipairs(threads) do
	      for k, _ in pairs(t) do
	         t[k] = t[k] + thread:get(k)
	      end
	      if thread:get("badstatus") ~= 0 then
	         badstatus = thread:get("badstatus")
	      end
	   end
	   local e = summary.errors
	   io.write(string.format("push-result %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
	      summary.requests, summary.duration, t.ok, t.dup, t.bad, badstatus,
	      t.reused, e.connect, e.read, e.write, e.timeout,
	      latency:percentile(50), latency:percentile(99)))
	end
EOF

# Sequence numbers of each round start above any of the round before.
pb_seq_base=1
pb_wrk_ok=0 pb_dups=0 pb_bad=0 pgw_bad=0 pb_badst=0 pgw_badst=0 pb_reused=0 sock_errs=0

# push_round NAME NODES THREADS: wrk (THREADS threads, CONNS connections)
# pushing to NAME as NODES nodes (podboot) or groups (pushgateway); sets
# r_pps (accepted pushes/s), r_p99 (ms), r_cpu (server cores)
# and adds to the totals.
push_round() {
	local name=$1 nodes=$2 threads=$3 log=$work/wrk.$1.log c0 c1 pid url args req dur ok dup bad badst reused con rd wr to p99
	case $name in
	podboot)
		pid=$PB_PID url=$PB_BASE/api/v1/push
		args=(podboot "$nodes" "$threads" "$pb_seq_base" "$INTERVAL" gzip "$payload.gz" "$work/tokens") ;;
	pushgateway)
		pid=$PGW_PID url=$PGW_BASE/metrics
		args=(pushgateway "$nodes" "$threads" 0 "$INTERVAL" "$pgw_enc" "$pgw_body") ;;
	esac
	c0=$(cpu_ticks "$pid")
	wrk -t"$threads" -c"$CONNS" -d"${DURATION}s" --latency -s "$work/push.lua" \
		"$url" -- "${args[@]}" >"$log" 2>&1 || {
		cat "$log" >&2
		die "$name: wrk failed"
	}
	c1=$(cpu_ticks "$pid")
	settle "$pid"
	read -r _ req dur ok dup bad badst reused con rd wr to _ p99 < <(grep '^push-result ' "$log") ||
		die "$name: no result from wrk: $(cat "$log")"
	((ok > 0)) || die "$name: no push accepted ($bad answered non-2xx, last $badst): $(cat "$log")"
	read -r r_pps r_p99 r_cpu < <(awk -v n="$ok" -v d="$dur" -v p="$p99" \
		-v c="$((c1 - c0))" -v hz="$HZ" \
		'BEGIN { printf "%.0f %.2f %.2f\n", n / (d / 1e6), p / 1000,
			 c / hz / (d / 1e6) }')
	sock_errs=$((sock_errs + con + rd + wr + to))
	if [[ $name == podboot ]]; then
		pb_wrk_ok=$((pb_wrk_ok + ok)) pb_dups=$((pb_dups + dup))
		pb_bad=$((pb_bad + bad)) pb_reused=$((pb_reused + reused))
		((bad == 0)) || pb_badst=$badst
		# No node had more pushes than wrk sent in all.
		pb_seq_base=$((pb_seq_base + req + 1000))
	else
		pgw_bad=$((pgw_bad + bad))
		((bad == 0)) || pgw_badst=$badst
	fi
	check_alive
}

# pgw_groups_held: how many bench groups the Pushgateway holds now.
pgw_groups_held() {
	"${PGW_CURL[@]}" "$PGW_BASE/metrics" >"$work/pgw-metrics" || die "pushgateway: /metrics failed"
	grep -c '^push_time_seconds{instance="n[0-9]*",job="bench"}' "$work/pgw-metrics" || true
}

# pgw_clear: delete every bench group.  Pushes wrk left in flight may still
# be queued in the Pushgateway and bring groups back after a DELETE:
# delete until none comes back (bounded).
for ((i = 1; i <= NODES; i++)); do
	printf 'url = "%s/metrics/job/bench/instance/n%d"\n' "$PGW_BASE" "$i"
done >"$work/pgw-delete.curl"
pgw_clear() {
	local i n
	for ((i = 0; ; i++)); do
		"${PGW_CURL[@]}" -o /dev/null -X DELETE -K "$work/pgw-delete.curl" ||
			die "pushgateway: could not delete the groups"
		settle "$PGW_PID"
		n=$(pgw_groups_held)
		((n == 0)) && return 0
		((i < 60)) || die "pushgateway: still holds $n groups after deleting them all"
	done
}

# Two shapes, both servers measured in each run:
#   per client (the headline): CONNS pushing clients, each one wrk thread
#     with one connection, pushing its own node (podboot) or its own group
#     (Pushgateway: one group per pushing client, as its documentation
#     recommends), CONNS nodes or groups held;
#   ${NODES} nodes: CONNS connections (THREADS threads) pushing for NODES
#     nodes in turn, NODES nodes or groups held.  Every Pushgateway push is
#     checked for consistency against all the metrics of all its groups
#     (its README: "About metric inconsistencies"), so each push there costs
#     in proportion to NODES x SAMPLES series, where a podboot push costs
#     the same whatever the number of nodes.
echo
echo "1. ingest: keep-alive, ${SAMPLES} samples a push, ${payload_gz_bytes} bytes gzip" \
	"(pushgateway: $( [[ -n $pgw_enc ]] && echo "gzip" || echo "${payload_bytes} bytes uncompressed")), ${DURATION}s a measure"
echo "   per client: wrk -t${CONNS} -c${CONNS}, one node or group per client (${CONNS} held);" \
	"${NODES} nodes: wrk -t${THREADS} -c${CONNS}, ${NODES} nodes or groups in turn"
printf '%-4s %9s %9s %7s %7s %9s %9s %7s %7s %6s\n' run pb_pc/s pgw_pc/s ratio_pc \
	pb_cpu "pb_${NODES}/s" "pgw_${NODES}/s" "ratio_${NODES}" pgw_cpu load1
pb_pps=() pgw_pps=() pc_ratios=() pbn_pps=() pgwn_pps=() n_ratios=()
pb_p99s=() pgw_p99s=() pbn_p99s=() pgwn_p99s=() pb_cpus=() pgw_cpus=()
for ((round = 1; round <= ROUNDS; round++)); do
	pgw_clear
	if ((round % 2)); then
		push_round podboot "$CONNS" "$CONNS"; pr=$r_pps pp=$r_p99 pc=$r_cpu
		push_round pushgateway "$CONNS" "$CONNS"; gr=$r_pps gp=$r_p99 gc=$r_cpu
		push_round pushgateway "$NODES" "$THREADS"; gn=$r_pps gnp=$r_p99
		push_round podboot "$NODES" "$THREADS"; pn=$r_pps pnp=$r_p99
	else
		push_round pushgateway "$CONNS" "$CONNS"; gr=$r_pps gp=$r_p99 gc=$r_cpu
		push_round podboot "$CONNS" "$CONNS"; pr=$r_pps pp=$r_p99 pc=$r_cpu
		push_round podboot "$NODES" "$THREADS"; pn=$r_pps pnp=$r_p99
		push_round pushgateway "$NODES" "$THREADS"; gn=$r_pps gnp=$r_p99
	fi
	rp=$(ratio "$pr" "$gr") rn=$(ratio "$pn" "$gn")
	pb_pps+=("$pr") pgw_pps+=("$gr") pc_ratios+=("$rp") pbn_pps+=("$pn") pgwn_pps+=("$gn")
	n_ratios+=("$rn") pb_p99s+=("$pp") pgw_p99s+=("$gp") pbn_p99s+=("$pnp") pgwn_p99s+=("$gnp")
	pb_cpus+=("$pc") pgw_cpus+=("$gc")
	record "$round" ingest_ratio "$rp" ingest_podboot_pps "$pr" ingest_pushgateway_pps "$gr" \
		"ingest_ratio_${NODES}nodes" "$rn" "ingest_podboot_${NODES}nodes_pps" "$pn" \
		"ingest_pushgateway_${NODES}groups_pps" "$gn" ingest_podboot_p99_ms "$pp" \
		ingest_pushgateway_p99_ms "$gp"
	printf '%-4s %9s %9s %7s %7s %9s %9s %7s %7s %6s\n' "$round" "$pr" "$gr" "$rp" \
		"$pc" "$pn" "$gn" "$rn" "$gc" "$(load1)"
done

# --- Correctness, once --------------------------------------------------------

# podboot: bench-1's series on /metrics, and the server's own counters
# against what wrk saw answered (plus the hand push).  wrk stops with up to
# CONNS pushes in flight a run: the server may have counted those.
curl -sf --cacert "$root_crt" -H "Authorization: Bearer $OP_TOKEN" \
	-o "$work/metrics" "$PB_BASE/metrics" || die "podboot: /metrics failed"
pb_series=$(awk 'NR == FNR { name[$1] = 1; next }
	/^#/ { next }
	{ n = $0; sub(/[{ ].*/, "", n) }
	(n in name) && index($0, "node=\"bench-1\"") { c++ }
	END { print c + 0 }' "$work/payload.names" "$work/metrics")
counter() {	# counter NAME: its value on podboot's /metrics
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print "n/a" }' "$work/metrics"
}
pb_pushes=$(counter podboot_pushes_total)
pb_srv_dups=$(counter podboot_push_duplicates_total)
pb_srv_refused=$(counter podboot_push_refusals_total)
pb_srv_samples=$(counter podboot_push_samples_total)
((pb_series == SAMPLES)) ||
	die "podboot: /metrics shows $pb_series of bench-1's $SAMPLES series"
[[ $pb_pushes =~ ^[0-9]+$ ]] || die "podboot: no podboot_pushes_total on /metrics"
pb_inflight=$((pb_pushes - 1 - pb_wrk_ok))
((pb_inflight >= 0)) ||
	die "podboot: podboot_pushes_total is $pb_pushes, but wrk saw $pb_wrk_ok pushes accepted (+1 by hand)"
((pb_inflight <= CONNS * ROUNDS * 2)) ||
	echo "monitor-bench: warning: podboot counted $pb_inflight more pushes than wrk saw answered" \
		"(at most $((CONNS * ROUNDS * 2)) can be in flight when the wrk runs stop)"
echo
echo "check: podboot /metrics shows ${pb_series}/${SAMPLES} series of bench-1;" \
	"podboot_pushes_total=${pb_pushes} = 1 by hand + ${pb_wrk_ok} answered to wrk" \
	"+ ${pb_inflight} in flight when wrk stopped; samples_total=${pb_srv_samples}"
echo "check: podboot duplicates ${pb_srv_dups} (wrk saw ${pb_dups}), refusals ${pb_srv_refused};" \
	"non-2xx answers: podboot ${pb_bad}${pb_badst:+ (last $pb_badst)}," \
	"pushgateway ${pgw_bad}${pgw_badst:+ (last $pgw_badst)}; socket errors ${sock_errs}"
((pb_reused == 0)) ||
	echo "monitor-bench: warning: $pb_reused podboot pushes reused a node with a push in flight (answers naming no node)"
((pb_bad == 0 && pgw_bad == 0)) ||
	echo "monitor-bench: warning: pushes refused (non-2xx); pushes/s counts only 2xx"

# Pushgateway: every group there, each with all the series.
"${PGW_CURL[@]}" "$PGW_BASE/metrics" >"$work/pgw-metrics" || die "pushgateway: /metrics failed"
pgw_groups=$(grep -c '^push_time_seconds{instance="n[0-9]*",job="bench"}' "$work/pgw-metrics" || true)
pgw_series_n=$(pgw_series "n$NODES")
((pgw_groups == NODES && pgw_series_n == SAMPLES)) ||
	die "pushgateway: holds $pgw_groups of $NODES groups, n$NODES with $pgw_series_n of $SAMPLES series"
echo "check: pushgateway holds ${pgw_groups}/${NODES} groups, n${NODES} with ${pgw_series_n}/${SAMPLES} series"
pgw_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PGW_PID/status")

pb_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PB_PID/status")
stop_pid "$PGW_PID"
PGW_PID=

# --- 2. Agent footprint --------------------------------------------------------

# The agent pushes as demo-2, with its own spool and token file.
curl -sf --cacert "$root_crt" "$PB_BASE/boot/stage2.ipxe?mac=52:54:00:00:00:02" |
	grep -o 'ks=[^ ]*' | sed 's#.*/##' >"$work/agent.token" ||
	die "could not fetch demo-2's stage2"
chmod 600 "$work/agent.token"
mkdir -p "$work/spool"
agent_once=("$PODBOOT_AGENT" --once --server "$PB_BASE" --ca "$root_crt"
	--token-file "$work/agent.token" --spool "$work/spool" --interval "$INTERVAL")
agent_cmd=("${agent_once[@]}")
agent_mode="--once (collect, gzip, push over TLS to podboot)"
agent_short=once
# A first run, not measured, warms the page cache; should --once not
# deliver to the server, --print (collection only) is measured instead.
if ! "${agent_cmd[@]}" --verbose >"$work/agent.log" 2>&1; then
	echo "monitor-bench: warning: podboot-agent --once did not deliver:" \
		"$(tail -1 "$work/agent.log"); measuring --print instead"
	agent_cmd=("$PODBOOT_AGENT" --print)
	agent_mode="--print (collection only: --once failed)"
	agent_short=print
	"${agent_cmd[@]}" >/dev/null 2>"$work/agent.log" || {
		cat "$work/agent.log" >&2
		die "podboot-agent --print failed"
	}
fi

# agent_run: one measured run; sets a_kib (peak RSS) and a_ms (user+system
# CPU in ms, from the shell's `time`, finer than GNU time's 10 ms).  GNU time
# runs the agent directly so the peak RSS is the agent's own; its own CPU
# (well under 1 ms) is part of a_ms.
agent_run() {
	local TIMEFORMAT='%3U %3S' u s rc=0
	{ time "$GNU_TIME" -f '%M %U %S' -o "$work/agent.time" "${agent_cmd[@]}" \
		>"$work/agent.out" 2>"$work/agent.log"; } 2>"$work/agent.cpu" || rc=$?
	((rc == 0)) || { cat "$work/agent.log" >&2; die "podboot-agent ${agent_cmd[1]} failed (status $rc)"; }
	read -r a_kib _ <"$work/agent.time"
	read -r u s <"$work/agent.cpu"
	a_ms=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", (u + s) * 1000 }')
}

# node_exporter restricted to the collectors matching the agent's (agent/
# collect.c: cpu, stat, meminfo, loadavg, time, filesystem, netdev, uname;
# the agent's own podboot_agent_* series have no collector there).
NE_ARGS=(--collector.disable-defaults --collector.cpu --collector.stat
	--collector.meminfo --collector.loadavg --collector.time
	--collector.filesystem --collector.netdev --collector.uname)

# ne_run: one node_exporter process serving one scrape; sets n_kib (peak
# RSS after the scrape), n_total_ms (CPU from its launch through the
# scrape: start-up, one collection and serving it, the work an agent
# --once does from exec to exit), n_ms (the scrape alone, over the
# start-up baseline, for reference), n_tick_ms (n_total_ms from
# /proc/PID/stat in 10 ms ticks) and n_samples.  CPU comes from the
# threads' schedstat (ns) when the kernel keeps it, else from the ticks.
ne_run() {
	local i c0 c1 s0 s1
	NE_PORT=$(free_port)
	"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_PORT" "${NE_ARGS[@]}" \
		>"$work/ne.log" 2>&1 &
	NE_PID=$!
	wait_up 10 "$NE_PID" port_open "$NE_PORT" || {
		tail -5 "$work/ne.log" >&2
		die "node_exporter did not start (log above)"
	}
	sleep 1	# the end of its start-up (Go runtime, collectors' set-up)
	c0=$(cpu_ticks "$NE_PID")
	s0=$(task_cpu_ns "$NE_PID")
	curl -sf -o "$work/ne.metrics" "http://127.0.0.1:$NE_PORT/metrics" ||
		die "node_exporter: scrape failed"
	s1=$(task_cpu_ns "$NE_PID")
	c1=$(cpu_ticks "$NE_PID")
	n_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$NE_PID/status")
	n_tick_ms=$((c1 * 1000 / HZ))
	if [[ -n $s0 && -n $s1 ]]; then
		n_ms=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
		n_total_ms=$(awk -v b="$s1" 'BEGIN { printf "%.1f", b / 1e6 }')
		ne_cpu_src=schedstat
	else
		n_ms=$(((c1 - c0) * 1000 / HZ))
		n_total_ms=$n_tick_ms
		ne_cpu_src=stat
	fi
	n_samples=$(grep -cv '^#' "$work/ne.metrics" || true)
	stop_pid "$NE_PID"
	NE_PID= NE_PORT=
}

if [[ $agent_short == once ]]; then
	# What the agent pushes: its batch, as the server took it (the verbose
	# warm-up run logs the answer).
	agent_samples_pushed=$(grep -o '"accepted": [0-9]*' "$work/agent.log" |
		awk '{ n = $2 } END { print n }')
	[[ -n $agent_samples_pushed ]] ||
		agent_samples_pushed=$("$PODBOOT_AGENT" --print 2>/dev/null | grep -cv '^#' || true)
else
	agent_samples_pushed=$("$PODBOOT_AGENT" --print 2>/dev/null | grep -cv '^#' || true)
fi

echo
echo "2. agent: podboot-agent $agent_mode against node_exporter with the agent's" \
	"collectors only (${NE_ARGS[*]:1}) serving one scrape, a fresh process each," \
	"${ROUNDS} runs; CPU counts start-up on both sides (exec to exit for the agent," \
	"launch through one scrape for node_exporter)"
printf '%-4s %10s %9s %10s %11s %9s %9s %9s %6s\n' run agent_KiB agent_ms ne_KiB \
	ne_total_ms ne_scrape rss_ratio cpu_ratio load1
a_kibs=() a_mss=() n_kibs=() n_mss=() n_totals=() n_ticks=() rss_ratios=() cpu_ratios=()
for ((run = 1; run <= ROUNDS; run++)); do
	if ((run % 2)); then
		agent_run
		ne_run
	else
		ne_run
		agent_run
	fi
	rr=$(ratio "$a_kib" "$n_kib") cr=$(ratio "$a_ms" "$n_total_ms")
	a_kibs+=("$a_kib") a_mss+=("$a_ms") n_kibs+=("$n_kib") n_mss+=("$n_ms")
	n_totals+=("$n_total_ms") n_ticks+=("$n_tick_ms") rss_ratios+=("$rr") cpu_ratios+=("$cr")
	record "$run" agent_rss_ratio "$rr" agent_cpu_ratio "$cr" agent_rss_kib "$a_kib" \
		agent_cpu_ms "$a_ms" node_exporter_rss_kib "$n_kib" \
		node_exporter_cpu_ms "$n_total_ms" node_exporter_scrape_cpu_ms "$n_ms"
	printf '%-4s %10s %9s %10s %11s %9s %9s %9s %6s\n' "$run" "$a_kib" "$a_ms" "$n_kib" \
		"$n_total_ms" "$n_ms" "$rr" "$cr" "$(load1)"
done
check_pb() { proc_alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died"; }; }
check_pb
echo "agent pushes ${agent_samples_pushed:-?} samples a collection; node_exporter" \
	"serves ${n_samples} samples a scrape (the agent's collectors, and its own go_*/process_* series);" \
	"node_exporter CPU from ${ne_cpu_src} (from /proc/PID/stat, in 10 ms ticks: $(span %.0f "${n_ticks[@]}")ms)"

# --- Summary -----------------------------------------------------------------

pb_errs=$(grep -ciE 'error|warn|fail' "$PB_LOG" || true)
read -r pc_m _ < <(stats "${pc_ratios[@]}")
read -r n_m _ < <(stats "${n_ratios[@]}")
read -r rss_m _ < <(stats "${rss_ratios[@]}")
echo
echo "median [min-max] over ${ROUNDS} runs; podboot peak RSS $((pb_rss_kib / 1024))MiB," \
	"pushgateway peak RSS $((pgw_rss_kib / 1024))MiB; podboot log error/warning lines ${pb_errs}; $(nproc) cores, $(load_span)"
echo "monitor-bench: ingest ratio=$(span %.2f "${pc_ratios[@]}") (goal >=3: $(goal "$pc_m" '>=' 3))" \
	"one group per pushing client: podboot=$(span %.0f "${pb_pps[@]}") pushes/s" \
	"pushgateway=$(span %.0f "${pgw_pps[@]}") pushes/s clients=${CONNS} groups=${CONNS}" \
	"podboot_p99=$(span %.2f "${pb_p99s[@]}")ms pushgateway_p99=$(span %.2f "${pgw_p99s[@]}")ms" \
	"samples=${SAMPLES} duration=${DURATION}s runs=${ROUNDS} refused podboot=${pb_bad} pushgateway=${pgw_bad}" \
	"pushgateway_tls=${pgw_tls_short} pushgateway_body=${pgw_enc:-identity}"
echo "monitor-bench: ingest ${NODES} nodes ratio_${NODES}groups=$(span %.2f "${n_ratios[@]}")" \
	"(goal >=3: $(goal "$n_m" '>=' 3)) podboot=$(span %.0f "${pbn_pps[@]}") pushes/s" \
	"pushgateway=$(span %.0f "${pgwn_pps[@]}") pushes/s conns=${CONNS}:" \
	"the Pushgateway checks every push against all the series of all its groups" \
	"(${NODES}x${SAMPLES} here, ${CONNS}x${SAMPLES} above), a podboot push only its node's"
echo "monitor-bench: agent rss_ratio=$(span %.2f "${rss_ratios[@]}") (goal <=0.2: $(goal "$rss_m" '<=' 0.2))" \
	"cpu_ratio=$(span %.2f "${cpu_ratios[@]}") agent rss=$(span %.0f "${a_kibs[@]}")KiB" \
	"cpu=$(span %.1f "${a_mss[@]}")ms node_exporter rss=$(span %.0f "${n_kibs[@]}")KiB" \
	"cpu=$(span %.1f "${n_totals[@]}")ms (scrape alone $(span %.1f "${n_mss[@]}")ms)" \
	"cpu_counts=startup+one_collection agent_mode=${agent_short}" \
	"agent_samples=${agent_samples_pushed:-0} node_exporter_samples=${n_samples}" \
	"node_exporter_collectors=cpu,stat,meminfo,loadavg,time,filesystem,netdev,uname runs=${ROUNDS}"
echo "monitor-bench: results=${bench_results#"$repo_dir"/}"
