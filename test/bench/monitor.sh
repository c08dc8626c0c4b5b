#!/usr/bin/env bash
# Benchmark: metric ingestion of `podboot serve` against the Prometheus Pushgateway, and podboot-agent against node_exporter.
#
#   1. ingest: one realistic node payload of exactly 300 samples (one
#              collection of `podboot-agent --print` on this machine, padded
#              with more node_exporter-style series: CPUs, guest CPU,
#              network devices, filesystems, disks, memory fields; or all
#              synthesized when the agent cannot print), gzip-compressed.
#              wrk, keep-alive over TLS (-t2 -c16), pushes it as
#              BENCH_NODES nodes in turn:
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
#              Pushes/s count only 2xx answers (and, for podboot, not
#              duplicates); samples/s = pushes/s x 300.  Rounds alternate
#              which server goes first; medians.  The Pushgateway checks
#              each push against every group it holds, so it slows as
#              groups grow.  Then, once: podboot's /metrics must show a
#              node's 300 series, podboot_pushes_total must match what wrk
#              saw answered, and the Pushgateway must hold every group with
#              its 300 series.  Last, for reference only, the Pushgateway's
#              best case: all groups but one deleted, every push to it.
#   2. agent:  peak RSS (GNU time) and CPU time (user+system, from the
#              shell's `time`, 1 ms resolution) of `podboot-agent --once`
#              collecting and pushing to the running podboot over TLS,
#              against Debian's prometheus-node-exporter serving one scrape
#              of /metrics: a fresh process per run, its peak RSS (VmHWM)
#              after the scrape, and the CPU time the scrape cost over
#              its start-up baseline: from its threads' schedstat (1 us
#              resolution) when the kernel keeps it, and from
#              /proc/PID/stat utime+stime (10 ms ticks) always.  Medians.
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
#   BENCH_ROUNDS    rounds of benchmark 1, each running wrk against both
#                   servers; runs of benchmark 2 for node_exporter, and for
#                   the agent (at least 5) (default 3)
#   BENCH_NODES     nodes pushing in turn, 16 to 4096 (default 64): podboot
#                   nodes in the configuration, Pushgateway groups
#
# Goals (reported, never enforced): ingest podboot/Pushgateway >= 3,
# agent/node_exporter peak RSS <= 0.2.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
if [[ -z ${PODBOOT_AGENT:-} && -x $repo_dir/build/podboot-agent-static ]]; then
	PODBOOT_AGENT=$repo_dir/build/podboot-agent-static
fi
PODBOOT_AGENT=${PODBOOT_AGENT:-$repo_dir/build/podboot-agent}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
NODES=${BENCH_NODES:-64}
PGW=/usr/bin/prometheus-pushgateway
NODE_EXPORTER=/usr/bin/prometheus-node-exporter
GNU_TIME=/usr/bin/time

SAMPLES=300		# samples in one push
THREADS=2		# wrk -t
CONNS=16		# wrk -c
INTERVAL=15		# X-Podboot-Interval of the pushes
AGENT_RUNS=$((ROUNDS > 5 ? ROUNDS : 5))

BENCH=monitor-bench
. "$script_dir/lib.sh"

# --- Check the environment before creating anything -------------------------

need_whole BENCH_DURATION "$DURATION" 1 9999 "of seconds"
need_whole BENCH_ROUNDS "$ROUNDS" 1 9999
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
	"${ROUNDS} rounds; $PODBOOT"

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
for ((i = 0; ; i++)); do
	curl -s --cacert "$root_crt" -o /dev/null "$PB_BASE/healthz" && break
	if ! alive "$PB_PID" || ((i >= 300)); then
		tail -5 "$PB_LOG" >&2
		die "podboot serve did not start (log above)"
	fi
	sleep 0.1
done
# The start-up signature precomputation must not run during a benchmark.
for ((i = 0; i < 600; i++)); do
	grep -q 'stage2 signatures ready' "$PB_LOG" && break
	alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died (log above)"; }
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
	for ((i = 0; i < 100; i++)); do
		curl -sf "${curl_tls[@]}" -o /dev/null "$scheme://localhost:$PGW_PORT/-/ready" &&
			{ PGW_BASE=$scheme://localhost:$PGW_PORT; return 0; }
		alive "$PGW_PID" || break
		sleep 0.1
	done
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
	alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died"; }
	alive "$PGW_PID" || { tail -5 "$work/pgw.log" >&2; die "the Pushgateway died"; }
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

# push_round NAME: wrk pushing to NAME; sets r_pps (accepted pushes/s),
# r_p99 (ms), r_cpu (server cores), r_bad (non-2xx) and adds to the totals.
push_round() {
	local name=$1 log=$work/wrk.$1.log c0 c1 pid url args req dur ok dup bad badst reused con rd wr to p99
	case $name in
	podboot)
		pid=$PB_PID url=$PB_BASE/api/v1/push
		args=(podboot "$NODES" "$THREADS" "$pb_seq_base" "$INTERVAL" gzip "$payload.gz" "$work/tokens") ;;
	pushgateway)
		pid=$PGW_PID url=$PGW_BASE/metrics
		args=(pushgateway "$NODES" "$THREADS" 0 "$INTERVAL" "$pgw_enc" "$pgw_body") ;;
	pushgateway-1)	# every push to the one group n1
		pid=$PGW_PID url=$PGW_BASE/metrics
		args=(pushgateway 1 "$THREADS" 0 "$INTERVAL" "$pgw_enc" "$pgw_body") ;;
	esac
	c0=$(cpu_ticks "$pid")
	wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$work/push.lua" \
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
	r_bad=$bad
	sock_errs=$((sock_errs + con + rd + wr + to))
	if [[ $name == podboot ]]; then
		pb_wrk_ok=$((pb_wrk_ok + ok)) pb_dups=$((pb_dups + dup))
		pb_bad=$((pb_bad + bad)) pb_reused=$((pb_reused + reused))
		((bad == 0)) || pb_badst=$badst
		# No node had more pushes than wrk sent in all.
		pb_seq_base=$((pb_seq_base + req + 1000))
	elif [[ $name == pushgateway ]]; then
		pgw_bad=$((pgw_bad + bad))
		((bad == 0)) || pgw_badst=$badst
	fi
	check_alive
}

echo
echo "1. ingest: wrk -t${THREADS} -c${CONNS} -d${DURATION}s keep-alive, ${NODES} nodes in turn," \
	"${SAMPLES} samples a push, ${payload_gz_bytes} bytes gzip" \
	"(pushgateway: $( [[ -n $pgw_enc ]] && echo "gzip" || echo "${payload_bytes} bytes uncompressed"))"
printf '%-6s %9s %8s %7s %6s %9s %8s %7s %6s\n' round pb_push/s pb_p99 pb_cpu \
	pb_bad pgw_push/s pgw_p99 pgw_cpu pgw_bad
pb_pps=() pgw_pps=() pb_p99s=() pgw_p99s=() pb_cpus=() pgw_cpus=()
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then
		push_round podboot; pr=$r_pps pp=$r_p99 pc=$r_cpu pe=$r_bad
		push_round pushgateway; gr=$r_pps gp=$r_p99 gc=$r_cpu ge=$r_bad
	else
		push_round pushgateway; gr=$r_pps gp=$r_p99 gc=$r_cpu ge=$r_bad
		push_round podboot; pr=$r_pps pp=$r_p99 pc=$r_cpu pe=$r_bad
	fi
	pb_pps+=("$pr") pgw_pps+=("$gr") pb_p99s+=("$pp") pgw_p99s+=("$gp")
	pb_cpus+=("$pc") pgw_cpus+=("$gc")
	printf '%-6s %9s %6sms %7s %6s %9s %6sms %7s %6s\n' "$round" "$pr" "$pp" \
		"$pc" "$pe" "$gr" "$gp" "$gc" "$ge"
done
pb_pps_m=$(median "${pb_pps[@]}")
pgw_pps_m=$(median "${pgw_pps[@]}")
pb_p99_m=$(median "${pb_p99s[@]}")
pgw_p99_m=$(median "${pgw_p99s[@]}")
pb_cpu_m=$(median "${pb_cpus[@]}")
pgw_cpu_m=$(median "${pgw_cpus[@]}")

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
((pb_inflight <= CONNS * ROUNDS)) ||
	echo "monitor-bench: warning: podboot counted $pb_inflight more pushes than wrk saw answered" \
		"(at most $((CONNS * ROUNDS)) can be in flight when the wrk runs stop)"
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

# The Pushgateway checks every push against all the series it holds (all
# groups), so its rate falls as groups grow.  For reference only: with the
# other groups deleted, one run where every push goes to the one group n1,
# its best case (podboot cannot be asked the same: one node's pushes in
# parallel would be duplicates).
for ((i = 2; i <= NODES; i++)); do
	printf 'url = "%s/metrics/job/bench/instance/n%d"\n' "$PGW_BASE" "$i"
done >"$work/pgw-delete.curl"
# Pushes wrk left in flight are still queued in the Pushgateway and may
# bring groups back after a DELETE: delete until none comes back.
for ((i = 0; ; i++)); do
	"${PGW_CURL[@]}" -o /dev/null -X DELETE -K "$work/pgw-delete.curl" ||
		die "pushgateway: could not delete the groups"
	sleep 0.5
	"${PGW_CURL[@]}" "$PGW_BASE/metrics" >"$work/pgw-metrics" || die "pushgateway: /metrics failed"
	n=$(grep -c '^push_time_seconds{instance="n[0-9]*",job="bench"}' "$work/pgw-metrics" || true)
	((n == 1)) && break
	((i < 60)) || die "pushgateway: still holds $n groups after deleting all but n1"
done
push_round pushgateway-1
pgw1_pps=$r_pps pgw1_p99=$r_p99 pgw1_cpu=$r_cpu pgw1_bad=$r_bad
echo "reference: pushgateway holding one group, every push to it: ${pgw1_pps} pushes/s" \
	"p99 ${pgw1_p99}ms cpu ${pgw1_cpu} cores, ${pgw1_bad} non-2xx"
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

# ne_run: one node_exporter process serving one scrape; sets n_kib (peak
# RSS after the scrape), n_tick_ms (CPU of the scrape over the start-up
# baseline, from /proc/PID/stat, in 10 ms ticks), n_ms (the same from the
# threads' schedstat, to the microsecond; n_tick_ms when there is none),
# n_base_ms (CPU of the start-up) and n_samples.
ne_run() {
	local i c0 c1 s0 s1
	NE_PORT=$(free_port)
	"$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_PORT" >"$work/ne.log" 2>&1 &
	NE_PID=$!
	for ((i = 0; ; i++)); do
		listening "$NE_PORT" && break
		if ! alive "$NE_PID" || ((i >= 100)); then
			tail -5 "$work/ne.log" >&2
			die "node_exporter did not start (log above)"
		fi
		sleep 0.1
	done
	sleep 1	# the end of its start-up (Go runtime, collectors' set-up)
	c0=$(cpu_ticks "$NE_PID")
	s0=$(task_cpu_ns "$NE_PID")
	curl -sf -o "$work/ne.metrics" "http://127.0.0.1:$NE_PORT/metrics" ||
		die "node_exporter: scrape failed"
	s1=$(task_cpu_ns "$NE_PID")
	c1=$(cpu_ticks "$NE_PID")
	n_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$NE_PID/status")
	n_tick_ms=$(((c1 - c0) * 1000 / HZ))
	if [[ -n $s0 && -n $s1 ]]; then
		n_ms=$(awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
		n_base_ms=$(awk -v a="$s0" 'BEGIN { printf "%.1f", a / 1e6 }')
		ne_cpu_src=schedstat
	else
		n_ms=$n_tick_ms
		n_base_ms=$((c0 * 1000 / HZ))
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
echo "2. agent: podboot-agent $agent_mode x${AGENT_RUNS} against node_exporter" \
	"serving one scrape x${ROUNDS} (fresh process each)"
printf '%-6s %10s %9s %10s %9s %12s %11s\n' run agent_KiB agent_ms ne_KiB ne_ms \
	ne_tick_ms ne_start_ms
a_kibs=() a_mss=() n_kibs=() n_mss=() n_ticks=() n_bases=()
for ((run = 1; run <= AGENT_RUNS || run <= ROUNDS; run++)); do
	ak=- am=- nk=- nm=- nt=- nb=-
	if ((run <= AGENT_RUNS)); then
		agent_run
		ak=$a_kib am=$a_ms
		a_kibs+=("$a_kib") a_mss+=("$a_ms")
	fi
	if ((run <= ROUNDS)); then
		ne_run
		nk=$n_kib nm=$n_ms nt=$n_tick_ms nb=$n_base_ms
		n_kibs+=("$n_kib") n_mss+=("$n_ms") n_ticks+=("$n_tick_ms") n_bases+=("$n_base_ms")
	fi
	printf '%-6s %10s %9s %10s %9s %12s %11s\n' "$run" "$ak" "$am" "$nk" "$nm" "$nt" "$nb"
done
a_kib_m=$(median "${a_kibs[@]}")
a_ms_m=$(median "${a_mss[@]}")
n_kib_m=$(median "${n_kibs[@]}")
n_ms_m=$(median "${n_mss[@]}")
n_tick_m=$(median "${n_ticks[@]}")
check_pb() { alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died"; }; }
check_pb
echo "agent pushes ${agent_samples_pushed:-?} samples a collection; node_exporter" \
	"serves ${n_samples} samples a scrape (its default collectors);" \
	"node_exporter CPU from ${ne_cpu_src} (the /proc/PID/stat figure, in 10 ms ticks: median ${n_tick_m}ms)"

# --- Summary -----------------------------------------------------------------

pb_errs=$(grep -ciE 'error|warn|fail' "$PB_LOG" || true)
echo
echo "median: ingest podboot ${pb_pps_m} pushes/s p99 ${pb_p99_m}ms cpu ${pb_cpu_m} cores" \
	"peak RSS $((pb_rss_kib / 1024))MiB; pushgateway ${pgw_pps_m} pushes/s p99 ${pgw_p99_m}ms" \
	"cpu ${pgw_cpu_m} cores peak RSS $((pgw_rss_kib / 1024))MiB; podboot log error/warning lines ${pb_errs}"
awk -v pp="$pb_pps_m" -v gp="$pgw_pps_m" -v s="$SAMPLES" -v nodes="$NODES" \
	-v dur="$DURATION" -v rounds="$ROUNDS" -v conns="$CONNS" \
	-v pbad="$pb_bad" -v gbad="$pgw_bad" -v tls="$pgw_tls_short" \
	-v genc="${pgw_enc:-identity}" -v g1="$pgw1_pps" -v ak="$a_kib_m" -v am="$a_ms_m" \
	-v nk="$n_kib_m" -v nm="$n_ms_m" -v nt="$n_tick_m" -v mode="$agent_short" \
	-v asamp="${agent_samples_pushed:-0}" -v nsamp="$n_samples" -v runs="$AGENT_RUNS" '
	function ratio(a, b) {	# 2 decimals, more when tiny
		if (b <= 0) return "n/a"
		return sprintf(a / b < 0.1 ? "%.4f" : "%.2f", a / b)
	}
	BEGIN {
		printf "monitor-bench: ingest podboot=%.0f pushes/s (%.0f samples/s)" \
			" pushgateway=%.0f pushes/s (%.0f samples/s) ratio=%s (goal >=3)" \
			" samples=%d nodes=%d conns=%d duration=%ds rounds=%d" \
			" refused podboot=%d pushgateway=%d pushgateway_tls=%s" \
			" pushgateway_body=%s pushgateway_1group=%.0f pushes/s ratio_1group=%s\n",
			pp, pp * s, gp, gp * s, ratio(pp, gp), s, nodes, conns, dur,
			rounds, pbad, gbad, tls, genc, g1, ratio(pp, g1)
		printf "monitor-bench: agent rss=%dKiB cpu=%.1fms node_exporter rss=%dKiB" \
			" cpu=%.1fms ratio=%s (goal <=0.2) cpu_ratio=%s agent_mode=%s" \
			" agent_samples=%d node_exporter_samples=%d node_exporter_cpu_ticks=%dms" \
			" runs=%d/%d\n",
			ak, am, nk, nm, ratio(ak, nk), ratio(am, nm), mode, asamp,
			nsamp, nt, runs, rounds
	}'
