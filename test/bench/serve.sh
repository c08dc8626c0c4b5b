#!/usr/bin/env bash
# Benchmark: `podboot serve` against nginx over HTTPS: large artifact, signed stage2, boot storm.
#
# Both servers run on 127.0.0.1 in the same run, with the same TLS
# settings: the same certificate chain and key (the podboot site's
# keys/server-chain.crt and keys/server.key), TLS 1.2 and 1.3, and nginx
# restricted to the suites podboot's default tls_priorities offers, in the
# same order, server's choice (the script prints what a client negotiates
# with each and warns when they differ).  nginx is Debian's, started by this
# script as the current user with its own configuration, logs and temporary
# files in the scratch directory, configured as an operator would for
# static files: `worker_processes auto` (one per core), `sendfile on`,
# `tcp_nopush on`, `open_file_cache`.  (Over TLS nginx's sendfile is used
# only with kernel TLS, which this configuration does not enable: nginx
# reads and encrypts, like podboot.)
#
# Each benchmark runs BENCH_RUNS times (the storm too, each on a fresh
# database); a run of 1 and 2 measures both servers back to back, in
# alternating order, and its ratio compares those two figures.
#
#   1. artifact:   BENCH_CLIENTS concurrent curl downloads of one
#                  BENCH_ARTIFACT_MB MiB file (podboot: published with
#                  `podboot publish`; nginx: the same bytes as a static file).
#                  Aggregate MB/s = bytes of the run / wall time of the
#                  run.
#   2. stage2-sig: wrk, keep-alive over TLS (-t2 -c32), requesting one armed
#                  node's signed stage2 (/boot/stage2.ipxe.sig?mac=...);
#                  nginx serves the very bytes podboot answered as a static
#                  file under the same path.  Requests/s.
#   3. storm:      BENCH_NODES more nodes in the configuration; once the
#                  server logs "stage2 signatures ready", wrk (-t2 -c64)
#                  walks every node's MAC, fetching stage2.ipxe and
#                  stage2.ipxe.sig once each, and stops when every pair is
#                  answered.  Machines/s = pairs / wall time of the storm.
#                  podboot only (nginx cannot render or sign).
#
# Output: the median and [min-max] range over the runs of each figure and
# of each per-run ratio; the raw figures of every run go to
# build/bench/serve-bench-DATE.tsv with the load average (see lib.sh, and
# test/bench/summary for a day's runs).
#
# MB/s is 10^6 bytes a second.  The server CPU columns are the CPU time the
# server process(es) used during the run divided by its wall time (cores).
# The script only reports: it exits 0 whatever the timings, and non-zero
# only when something broke (a server does not start or dies, a request
# fails or answers anything but 200, a download is short, a stage2 script
# does not verify).
#
# Environment:
#   PODBOOT            podboot binary (default: build/podboot in this repository)
#   BENCH_RUNS         runs of each benchmark (default 5; BENCH_ROUNDS is
#                      its old name)
#   BENCH_RESULTS_DIR  where the per-run results go (default build/bench)
#   BENCH_ARTIFACT_MB  size of the artifact in MiB (default 256)
#   BENCH_CLIENTS      concurrent downloads of the artifact (default 16)
#   BENCH_DURATION     seconds of each wrk run of benchmark 2 (default 10)
#   BENCH_NODES        nodes added for the boot storm (default 10000)
#   BENCH_ALGO         key algorithm for `podboot init`: rsa or ecdsa
#                      (default rsa); sets the TLS and code-signing keys
#
# Goals (reported, never enforced): artifact podboot/nginx >= 0.9,
# stage2-sig podboot/nginx >= 0.5, storm >= 1000 machines/s; the summary
# says whether each median meets its goal.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
ARTIFACT_MB=${BENCH_ARTIFACT_MB:-256}
CLIENTS=${BENCH_CLIENTS:-16}
DURATION=${BENCH_DURATION:-10}
NODES=${BENCH_NODES:-10000}
ALGO=${BENCH_ALGO:-rsa}
NGINX=/usr/sbin/nginx

# The armed node benchmark 2 asks for; only its .sig is fetched, so it
# stays armed.  The storm's nodes are 52:54:01:XX:YY:ZZ, storm-N.
SIG_MAC=52:54:00:00:00:02
ARTIFACT=bench/artifact.bin
# The storm stops by itself when every pair is answered; this only bounds
# a storm that cannot finish (requests lost to timeouts).
STORM_MAX_S=300
# A storm thread gives up on requests that got no answer for this long.
STORM_STALL_S=15
# Longest wait for the start-up signature precomputation of the storm.
PRECOMPUTE_MAX_S=600

BENCH=serve-bench
. "$script_dir/lib.sh"
bench_runs_init
ROUNDS=$RUNS

# --- Check the environment before creating anything -------------------------

need_whole BENCH_ARTIFACT_MB "$ARTIFACT_MB" 1 999999 "of MiB"
need_whole BENCH_CLIENTS "$CLIENTS" 1 999
need_whole BENCH_DURATION "$DURATION" 1 9999 "of seconds"
need_whole BENCH_NODES "$NODES" 1 999999
need_algo "$ALGO"
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_exec "$NGINX" "run 'scripts/deps bench' (nginx-light)"
need_tools wrk curl openssl ss ps shuf awk

# --- Scratch space and the processes we start ---------------------------------

bench_workdir serve-bench
site=$work/site
ngx=$work/nginx
PB_PID= NGX_PID= NGX_WORKERS=() PB_PORT= NGX_PORT=
bench_servers PB_PID NGX_PID
bench_ports PB_PORT NGX_PORT

# nginx workers die with their master; only a KILLed master leaves them.
bench_cleanup_hook() {
	local pid
	for pid in "${NGX_WORKERS[@]}"; do
		proc_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
	done
}

# --- The podboot site and the artifact ---------------------------------------

echo "serve-bench: ${ARTIFACT_MB} MiB artifact x ${CLIENTS} clients," \
	"${ROUNDS} runs, wrk ${DURATION}s, storm of ${NODES} nodes," \
	"${ALGO} keys, $PODBOOT; $(nproc) cores, load $(load1)"

"$PODBOOT" init --dir "$site" --server-name localhost --server-ip 127.0.0.1 \
	--algo "$ALGO" >"$work/init.log" 2>&1 || {
	cat "$work/init.log" >&2
	die "podboot init failed"
}
root_crt=$site/keys/root.crt
OP_TOKEN=$(awk '$1 == "operator" { print $2 }' "$site/tokens")

mkdir -p "$ngx/html/artifacts/bench" "$ngx/html/boot" "$ngx/tmp" "$ngx/logs"
data=$ngx/html/artifacts/$ARTIFACT
size_bytes=$((ARTIFACT_MB * 1024 * 1024))
# AES-CTR over zeros gives incompressible bytes far faster than /dev/urandom.
head -c "$size_bytes" /dev/zero |
	openssl enc -aes-128-ctr -nosalt \
		-K 000102030405060708090a0b0c0d0e0f \
		-iv 00000000000000000000000000000000 >"$data" ||
	die "could not create the ${ARTIFACT_MB} MiB artifact"
[[ $(stat -c %s "$data") -eq $size_bytes ]] || die "artifact has the wrong size"
echo ok >"$ngx/html/healthz"

"$PODBOOT" publish --config "$site/podboot.conf" "$ARTIFACT" "$data" \
	>"$work/publish.log" 2>&1 || {
	cat "$work/publish.log" >&2
	die "podboot publish failed"
}
# Both copies (nginx's file, podboot's blob) in the page cache.
cat "$data" "$site"/data/blobs/sha256/* >/dev/null

# --- Starting the servers ----------------------------------------------------

# pb_start LOG: podboot serve on a fresh port, up when /healthz answers and
# the log says the stage2 signatures are precomputed.  Sets PB_PID, PB_LOG,
# PB_PORT, PB_BASE, and pb_ready_s (seconds from launch to that log line, or "n/a"
# when it did not come within PRECOMPUTE_MAX_S).
pb_start() {
	local log=$1 t0 i
	PB_LOG=$log
	PB_PORT=$(free_port)
	sed -i -E "s/^  port = [0-9]+;/  port = $PB_PORT;/;
		s#(base_url = \"https://localhost:)[0-9]+#\1$PB_PORT#" \
		"$site/podboot.conf"
	PB_BASE=https://localhost:$PB_PORT
	t0=$(now)
	"$PODBOOT" serve --config "$site/podboot.conf" >"$log" 2>&1 &
	PB_PID=$!
	wait_up 120 "$PB_PID" curl -s --cacert "$root_crt" -o /dev/null \
		"$PB_BASE/healthz" || {
		tail -5 "$log" >&2
		die "podboot serve did not start (log above)"
	}
	pb_ready_s=n/a
	for ((i = 0; i < PRECOMPUTE_MAX_S * 10; i++)); do
		if grep -q 'stage2 signatures ready' "$log"; then
			pb_ready_s=$(awk -v a="$t0" -v b="$(now)" \
				'BEGIN { printf "%.1f", b - a }')
			break
		fi
		proc_alive "$PB_PID" || { tail -5 "$log" >&2; die "podboot serve died (log above)"; }
		sleep 0.1
	done
}

# pb_stop: SIGTERM, which must end podboot serve cleanly within 30 s.
pb_stop() {
	local pid=$PB_PID status=0 i
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		proc_alive "$pid" || break
		sleep 0.1
	done
	proc_alive "$pid" && die "podboot serve still running 30 s after SIGTERM"
	PB_PID=
	wait "$pid" || status=$?
	((status == 0)) || die "podboot serve exited with status $status on SIGTERM"
}

# podboot's default TLS 1.2 suites (ECDHE-RSA and ECDHE-ECDSA; AES-GCM,
# ChaCha20-Poly1305, AES-CBC with SHA-256/384) and TLS 1.3 suites, in
# OpenSSL's names and GnuTLS's order.
NGX_CIPHERS=ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384
NGX_CIPHERS+=:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
NGX_CIPHERS+=:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305
NGX_CIPHERS+=:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384
NGX_CIPHERS+=:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256
NGX_SUITES13=TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256
# GnuTLS's NORMAL key exchange groups, in its order (see tls_same below).
NGX_GROUPS=prime256v1:secp384r1:secp521r1:X25519:X448

ngx_start() {
	local i
	NGX_PORT=$(free_port)
	{
		ngx_conf_head "$ngx" "test/bench/serve.sh: static files over TLS"
		cat <<-EOF
		    default_type application/octet-stream;
		    open_file_cache max=1000 inactive=60s;
		    open_file_cache_valid 60s;
		    open_file_cache_min_uses 1;
		    open_file_cache_errors on;
		    # Not the default 1000: never close a busy keep-alive connection.
		    keepalive_requests 1000000;
		    server {
		        listen 127.0.0.1:$NGX_PORT ssl;
		        server_name localhost;
		        ssl_certificate $site/keys/server-chain.crt;
		        ssl_certificate_key $site/keys/server.key;
		        # What podboot's default tls_priorities offers, in its
		        # order, the server choosing (%SERVER_PRECEDENCE).
		        ssl_protocols TLSv1.2 TLSv1.3;
		        ssl_ciphers $NGX_CIPHERS;
		        ssl_conf_command Ciphersuites $NGX_SUITES13;
		        ssl_ecdh_curve $NGX_GROUPS;
		        ssl_prefer_server_ciphers on;
		        root $ngx/html;
		    }
		}
		EOF
	} >"$ngx/nginx.conf"
	"$NGINX" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" \
		>"$ngx/logs/stdout.log" 2>&1 &
	NGX_PID=$!
	NGX_BASE=https://localhost:$NGX_PORT
	wait_up 10 "$NGX_PID" curl -sf --cacert "$root_crt" -o /dev/null \
		"$NGX_BASE/healthz" || {
		tail -5 "$ngx/logs/error.log" "$ngx/logs/stdout.log" >&2
		die "nginx did not start (log above)"
	}
	mapfile -t NGX_WORKERS < <(ps -o pid= --ppid "$NGX_PID" | awk '{ print $1 }')
	NGX_WORKERS_SEEN=("${NGX_WORKERS[@]}")
}

# server_pids NAME: the PIDs whose CPU time counts for server NAME.
server_pids() {
	case $1 in
	podboot) echo "$PB_PID" ;;
	nginx) echo "$NGX_PID" "${NGX_WORKERS[@]}" ;;
	esac
}

# check_alive: a benchmark of a server that died is meaningless.
check_alive() {
	proc_alive "$PB_PID" || { tail -5 "$PB_LOG" >&2; die "podboot serve died"; }
	[[ -z $NGX_PID ]] || proc_alive "$NGX_PID" || die "nginx died"
}

pb_start "$work/serve.log"
ngx_start
pb_tls=$(tls_line "$PB_BASE")
ng_tls=$(tls_line "$NGX_BASE")
echo "podboot: $PB_BASE (pid $PB_PID), TLS $pb_tls"
echo "nginx:   $NGX_BASE (pid $NGX_PID, workers ${NGX_WORKERS[*]}), TLS $ng_tls"
# Protocol, suite and signature must match.  The key exchange group may
# not: both prefer P-256, but GnuTLS asks a client that sent an X25519 key
# share for P-256 (one more round trip per handshake) where OpenSSL takes
# the share it got.  That costs once a connection, not per request.
read -r p1 c1 _ g1 <<<"$pb_tls"
read -r p2 c2 _ g2 <<<"$ng_tls"
if [[ "$p1 $c1 $g1" == "$p2 $c2 $g2" ]]; then
	tls_same=yes
else
	tls_same=no
	echo "serve-bench: warning: the two servers negotiate different TLS parameters"
fi

# --- 1. The artifact ---------------------------------------------------------

art_url() {	# art_url NAME
	case $1 in
	podboot) echo "$PB_BASE/artifacts/$ARTIFACT" ;;
	nginx) echo "$NGX_BASE/artifacts/$ARTIFACT" ;;
	esac
}

# Both servers must serve the right bytes, and podboot a signature that
# verifies, before any of it is timed.
for name in podboot nginx; do
	curl -sf --cacert "$root_crt" -o "$work/sample.bin" "$(art_url $name)" ||
		die "$name: artifact download failed"
	cmp -s "$work/sample.bin" "$data" || die "$name: artifact differs from the file"
done
curl -sf --cacert "$root_crt" -o "$work/sample.sig" "$PB_BASE/artifacts/$ARTIFACT.sig" ||
	die "podboot: artifact signature download failed"
"$PODBOOT" verify "$work/sample.bin" "$work/sample.sig" --root "$root_crt" \
	--signer podboot-codesign >"$work/verify.log" 2>&1 || {
	cat "$work/verify.log" >&2
	die "podboot: artifact signature does not verify"
}
rm -f -- "$work/sample.bin" "$work/sample.sig"

# artifact_round NAME: CLIENTS concurrent downloads from NAME; sets r_mbs
# (aggregate MB/s), r_wall (s) and r_cpu (server cores used).
artifact_round() {
	local name=$1 url pids=() i t0 t1 c0 c1 code got
	url=$(art_url "$name")
	c0=$(cpu_ticks $(server_pids "$name"))
	t0=$(now)
	for ((i = 1; i <= CLIENTS; i++)); do
		curl -s --cacert "$root_crt" -o /dev/null \
			-w '%{http_code} %{size_download} %{time_total}\n' \
			"$url" >"$work/dl.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" ||
			die "$name: download $((i + 1)) failed: $(cat "$work/dl.$((i + 1))")"
	done
	t1=$(now)
	c1=$(cpu_ticks $(server_pids "$name"))
	for ((i = 1; i <= CLIENTS; i++)); do
		read -r code got _ <"$work/dl.$i"
		[[ $code == 200 && $got == "$size_bytes" ]] ||
			die "$name: download $i answered $code with $got bytes of $size_bytes"
	done
	read -r r_wall r_mbs r_cpu < <(awk -v a="$t0" -v b="$t1" -v n="$CLIENTS" \
		-v bytes="$size_bytes" -v c="$((c1 - c0))" -v hz="$HZ" \
		'BEGIN { w = b - a; printf "%.2f %.0f %.2f\n", w,
			 n * bytes / 1e6 / w, c / hz / w }')
	check_alive
}

echo
echo "1. artifact: ${CLIENTS} x ${ARTIFACT_MB} MiB over HTTPS, aggregate MB/s"
printf '%-6s %9s %9s %7s %9s %9s %7s %6s %6s\n' run pb_MB/s pb_wall pb_cpu \
	ngx_MB/s ngx_wall ngx_cpu ratio load1
pb_art=() ng_art=() art_ratios=()
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then
		artifact_round podboot; pm=$r_mbs pw=$r_wall pc=$r_cpu
		artifact_round nginx; nm=$r_mbs nw=$r_wall nc=$r_cpu
	else
		artifact_round nginx; nm=$r_mbs nw=$r_wall nc=$r_cpu
		artifact_round podboot; pm=$r_mbs pw=$r_wall pc=$r_cpu
	fi
	r=$(ratio "$pm" "$nm")
	pb_art+=("$pm") ng_art+=("$nm") art_ratios+=("$r")
	record "$round" artifact_ratio "$r" artifact_podboot_mbs "$pm" \
		artifact_nginx_mbs "$nm" artifact_podboot_cpu "$pc" artifact_nginx_cpu "$nc"
	printf '%-6s %9s %8ss %7s %9s %8ss %7s %6s %6s\n' "$round" "$pm" "$pw" "$pc" \
		"$nm" "$nw" "$nc" "$r" "$(load1)"
done

# --- 2. Signed stage2, keep-alive --------------------------------------------

sig_path="/boot/stage2.ipxe.sig?mac=$SIG_MAC"
# What podboot answers, and as a static file at the same path for nginx.
curl -sf --cacert "$root_crt" -o "$ngx/html/boot/stage2.ipxe.sig" \
	"$PB_BASE$sig_path" || die "podboot: $sig_path failed"
sig_bytes=$(stat -c %s "$ngx/html/boot/stage2.ipxe.sig")
cmp -s <(curl -sf --cacert "$root_crt" "$NGX_BASE$sig_path") \
	"$ngx/html/boot/stage2.ipxe.sig" || die "nginx: $sig_path differs"

# Does each server keep the connection for a second request?  curl reports
# how many new connections each of two requests needed.
keepalive() {	# keepalive BASE: yes or no
	local n
	n=$(curl -s --cacert "$root_crt" -o /dev/null -o /dev/null \
		-w '%{num_connects}\n' "$1$sig_path" "$1$sig_path" | tail -1)
	[[ $n == 0 ]] && echo yes || echo no
}
pb_keepalive=$(keepalive "$PB_BASE")
ng_keepalive=$(keepalive "$NGX_BASE")

# Both the script and its signature for the other demo node must verify
# (fetching the script moves demo-1 from armed to booting; demo-2, which
# wrk asks for, stays armed).
curl -sf --cacert "$root_crt" -o "$work/s2" "$PB_BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01" &&
	curl -sf --cacert "$root_crt" -o "$work/s2.sig" "$PB_BASE/boot/stage2.ipxe.sig?mac=52:54:00:00:00:01" ||
	die "podboot: stage2 of demo-1 failed"
grep -q '^# podboot stage2 for demo-1 ' "$work/s2" ||
	die "podboot: stage2 of demo-1 is not an install script"
"$PODBOOT" verify "$work/s2" "$work/s2.sig" --root "$root_crt" \
	--signer podboot-codesign >"$work/verify.log" 2>&1 || {
	cat "$work/verify.log" >&2
	die "podboot: stage2 of demo-1 does not verify"
}

# wrk reports through done(): one line of exact figures, no text to parse.
cat >"$work/report.lua" <<-'EOF'
	-- report.lua: wrk's summary as one line of numbers for serve.sh.
	function done(summary, latency, requests)
	   local e = summary.errors
	   io.write(string.format("wrk-result %d %d %d %d %d %d %d %d %d\n",
	      summary.requests, summary.duration, e.status, e.connect, e.read,
	      e.write, e.timeout, latency:percentile(50), latency:percentile(99)))
	end
EOF

# sig_round NAME: wrk against NAME's stage2 signature; sets r_rps, r_p99
# (ms), r_err (socket errors) and r_cpu.
sig_round() {
	local name=$1 base log=$work/wrk.$1.log c0 c1 req dur st con rd wr to p99
	case $name in podboot) base=$PB_BASE ;; nginx) base=$NGX_BASE ;; esac
	c0=$(cpu_ticks $(server_pids "$name"))
	wrk -t2 -c32 -d"${DURATION}s" --latency -s "$work/report.lua" \
		"$base$sig_path" >"$log" 2>&1 || {
		cat "$log" >&2
		die "$name: wrk failed"
	}
	c1=$(cpu_ticks $(server_pids "$name"))
	read -r _ req dur st con rd wr to _ p99 < <(grep '^wrk-result ' "$log") ||
		die "$name: no result from wrk: $(cat "$log")"
	((st == 0)) || die "$name: $st of $req stage2 signature requests did not answer 2xx/3xx"
	((req > 0)) || die "$name: wrk completed no request: $(cat "$log")"
	r_err=$((con + rd + wr + to))
	read -r r_rps r_p99 r_cpu < <(awk -v n="$req" -v d="$dur" -v p="$p99" \
		-v c="$((c1 - c0))" -v hz="$HZ" \
		'BEGIN { printf "%.0f %.2f %.2f\n", n / (d / 1e6), p / 1000,
			 c / hz / (d / 1e6) }')
	check_alive
}

echo
echo "2. stage2-sig: wrk -t2 -c32 -d${DURATION}s keep-alive, $sig_path ($sig_bytes bytes)"
echo "connection reused for a second request: podboot $pb_keepalive, nginx $ng_keepalive"
printf '%-6s %9s %8s %7s %5s %9s %8s %7s %5s %6s %6s\n' run pb_req/s pb_p99 pb_cpu \
	pb_er ngx_req/s ngx_p99 ngx_cpu ng_er ratio load1
pb_rps=() ng_rps=() pb_p99s=() ng_p99s=() sig_ratios=() sig_errs=0
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then
		sig_round podboot; pr=$r_rps pp=$r_p99 pc=$r_cpu pe=$r_err
		sig_round nginx; nr=$r_rps np=$r_p99 nc=$r_cpu ne=$r_err
	else
		sig_round nginx; nr=$r_rps np=$r_p99 nc=$r_cpu ne=$r_err
		sig_round podboot; pr=$r_rps pp=$r_p99 pc=$r_cpu pe=$r_err
	fi
	r=$(ratio "$pr" "$nr")
	pb_rps+=("$pr") ng_rps+=("$nr") pb_p99s+=("$pp") ng_p99s+=("$np") sig_ratios+=("$r")
	sig_errs=$((sig_errs + pe + ne))
	record "$round" sig_ratio "$r" sig_podboot_rps "$pr" sig_nginx_rps "$nr" \
		sig_podboot_p99_ms "$pp" sig_nginx_p99_ms "$np"
	printf '%-6s %9s %6sms %7s %5s %9s %6sms %7s %5s %6s %6s\n' "$round" "$pr" "$pp" \
		"$pc" "$pe" "$nr" "$np" "$nc" "$ne" "$r" "$(load1)"
done

# demo-2 must still be armed: wrk only asked for its signature.
curl -sf --cacert "$root_crt" -H "Authorization: Bearer $OP_TOKEN" \
	"$PB_BASE/api/v1/nodes/demo-2" | grep -q '"state": "armed"' ||
	die "podboot: demo-2 is no longer armed after benchmark 2"

stop_pid "$NGX_PID"
NGX_PID= NGX_WORKERS=()
pb_stop

# --- 3. Boot storm -----------------------------------------------------------

# The storm's nodes, before the two of the init configuration: node N has
# MAC 52:54:01 then N in 24 bits (storm.lua computes the same), hostname
# storm-N, pod demo.
{
	sed -n '1,/^nodes = (/p' "$site/podboot.conf"
	awk -v n="$NODES" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "  { mac = \"52:54:01:%02x:%02x:%02x\"; hostname = \"storm-%d\"; pod = \"demo\"; },\n",
				int(i / 65536) % 256, int(i / 256) % 256, i % 256, i
	}'
	sed -n '/^nodes = (/,$p' "$site/podboot.conf" | sed 1d
} >"$work/storm.conf"
cp -- "$work/storm.conf" "$site/podboot.conf"
"$PODBOOT" serve --check --config "$site/podboot.conf" >"$work/check.log" 2>&1 || {
	cat "$work/check.log" >&2
	die "the configuration with $NODES storm nodes is refused"
}

# Each storm starts from the database as it is now (no storm node seen
# yet): podboot is stopped, so the files are at rest.
mkdir -p "$work/db0"
cp -a -- "$site"/data/podboot.db* "$work/db0/"

# Each wrk thread walks its share of the nodes (every nthreads-th), asking
# for stage2.ipxe then stage2.ipxe.sig of each, and stops once all its
# requests are answered.  wrk never gives up on a request that gets no
# answer (and counts no error for it), so a thread also stops when no
# answer came for STORM_STALL_S; the requests lost that way are reported.
# A connection that finds its thread's share all handed out waits in
# delay() instead of sending more (/healthz, should it ever send).  Times
# come from CLOCK_MONOTONIC through LuaJIT's FFI: the storm lasts from the
# first request to the last answer.
cat >"$work/storm.lua" <<-'EOF'
	-- storm.lua: every node fetches its stage2 and signature once.
	local ffi = require("ffi")
	ffi.cdef[[
	typedef struct { long tv_sec; long tv_nsec; } storm_timespec;
	int clock_gettime(int clk, storm_timespec *ts);
	]]
	local ts = ffi.new("storm_timespec")
	local function now()
	   ffi.C.clock_gettime(1, ts)	-- CLOCK_MONOTONIC
	   return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
	end

	local threads = {}

	function setup(thread)
	   table.insert(threads, thread)
	   thread:set("tid", #threads)
	end

	function init(args)
	   nodes, nthreads = tonumber(args[1]), tonumber(args[2])
	   stall, donefile = tonumber(args[3]), args[4]
	   quota = 0
	   for n = tid, nodes, nthreads do quota = quota + 2 end
	   nextn, sig, issued = tid, false, 0
	   scripts, sigs, bad, other, badstatus = 0, 0, 0, 0, 0
	   t_first, t_last = 0, 0
	   -- wrk calls the first thread's request() once before the run, to
	   -- check what it returns, and never sends that request.
	   probe = tid == 1
	end

	local function mac(n)
	   return string.format("52:54:01:%02x:%02x:%02x",
	      math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
	end

	local function answered()
	   return scripts + sigs + bad + other
	end

	-- A stopped thread says so in donefile: wrk itself runs for its whole
	-- -d unless interrupted, and serve.sh interrupts it once all are done.
	local function finish()
	   if not finished then
	      finished = true
	      local f = io.open(donefile, "a")
	      if f then
	         f:write(tid, "\n")
	         f:close()
	      end
	      wrk.thread:stop()
	   end
	end

	function delay()
	   if issued < quota then
	      return 0
	   end
	   if answered() >= quota or now() - t_last > stall then
	      finish()
	   end
	   return 250
	end

	function request()
	   if probe or issued >= quota then	-- harmless if ever sent
	      probe = false
	      return wrk.format("GET", "/healthz")
	   end
	   if issued == 0 then
	      t_first = now()
	      t_last = t_first
	   end
	   issued = issued + 1
	   local path
	   if not sig then
	      path = "/boot/stage2.ipxe?mac=" .. mac(nextn)
	   else
	      path = "/boot/stage2.ipxe.sig?mac=" .. mac(nextn)
	      nextn = nextn + nthreads
	   end
	   sig = not sig
	   return wrk.format("GET", path)
	end

	function response(status, headers, body)
	   if status ~= 200 then
	      bad = bad + 1
	      badstatus = status
	   elseif body:sub(1, 6) == "#!ipxe" then
	      if body:find("# podboot stage2 for storm-", 1, true) then
	         scripts = scripts + 1
	      else
	         other = other + 1
	      end
	   elseif body:byte(1) == 0x30 then
	      sigs = sigs + 1
	   elseif body:find('"status"', 1, true) then
	      return	-- /healthz after a stall
	   else
	      other = other + 1
	   end
	   t_last = now()
	   if answered() >= quota then
	      finish()
	   end
	end

	function done(summary, latency, requests)
	   local t = { scripts = 0, sigs = 0, bad = 0, other = 0, quota = 0 }
	   local first, last, badstatus = nil, nil, 0
	   for _, thread in ipairs(threads) do
	      for k, _ in pairs(t) do
	         t[k] = t[k] + thread:get(k)
	      end
	      if thread:get("badstatus") ~= 0 then
	         badstatus = thread:get("badstatus")
	      end
	      local f, l = thread:get("t_first"), thread:get("t_last")
	      if f > 0 then
	         if not first or f < first then first = f end
	         if not last or l > last then last = l end
	      end
	   end
	   local e = summary.errors
	   io.write(string.format("storm-result %.6f %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
	      first and last - first or 0, summary.requests, t.quota, t.scripts,
	      t.sigs, t.bad, t.other, badstatus, e.connect, e.read, e.write,
	      e.timeout, latency:percentile(50), latency:percentile(99),
	      latency.max))
	end
EOF

echo
echo "3. storm: ${NODES} nodes, wrk -t2 -c64, stage2.ipxe + stage2.ipxe.sig per node," \
	"${ROUNDS} runs, each on the pre-storm database"
st_mps=() st_p99=() st_pre=() st_rss=() st_lost=0 st_short=0
for ((run = 1; run <= ROUNDS; run++)); do
	echo "storm run $run, load $(load1):"
	rm -f -- "$site"/data/podboot.db* "$work/storm.done"
	cp -a -- "$work"/db0/podboot.db* "$site/data/"
	pb_start "$work/serve-storm.log"
	ready_line=$(grep -o 'stage2 signatures ready.*' "$work/serve-storm.log" || echo "not ready after ${PRECOMPUTE_MAX_S}s")
	boot_cache=$(curl -s --cacert "$root_crt" "$PB_BASE/healthz" |
		awk -F': *' '/"boot_cache"/ { gsub(/[^0-9]/, "", $2); print $2 }')
	c0=$(cpu_ticks "$PB_PID")
	t0=$(now)
	wrk -t2 -c64 -d"${STORM_MAX_S}s" --timeout 10s --latency -s "$work/storm.lua" \
		"$PB_BASE/healthz" -- "$NODES" 2 "$STORM_STALL_S" "$work/storm.done" \
		>"$work/wrk.storm.log" 2>&1 &
	wrk_pid=$!
	# wrk ends early only on SIGINT, after which it reports as usual.
	while proc_alive "$wrk_pid"; do
		if [[ -f $work/storm.done ]] && (($(wc -l <"$work/storm.done") >= 2)); then
			kill -INT "$wrk_pid"
			break
		fi
		sleep 0.1
	done
	wait "$wrk_pid" || {
		cat "$work/wrk.storm.log" >&2
		die "storm: wrk failed"
	}
	t1=$(now)
	c1=$(cpu_ticks "$PB_PID")
	read -r _ s_secs s_req s_quota s_scripts s_sigs s_bad s_other s_badst \
		s_con s_rd s_wr s_to s_p50 s_p99 s_max < <(grep '^storm-result ' "$work/wrk.storm.log") ||
		die "storm: no result from wrk: $(cat "$work/wrk.storm.log")"
	check_alive
	((s_bad == 0)) || die "storm: $s_bad requests answered $s_badst (or another error status)"
	((s_other == 0)) || die "storm: $s_other answers were neither a storm node's install script nor a signature"

	# The server's own account: every node whose stage2 was served is booting.
	booting=$(curl -sf --cacert "$root_crt" -H "Authorization: Bearer $OP_TOKEN" \
		"$PB_BASE/api/v1/nodes?pod=demo&state=booting" | grep -c '"hostname": "storm-' || true)

	# Samples: each its own node's script, correctly signed.
	for i in 1 $(((NODES + 1) / 2)) "$NODES"; do
		m=$(printf '52:54:01:%02x:%02x:%02x' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)))
		curl -sf --cacert "$root_crt" -o "$work/s2" "$PB_BASE/boot/stage2.ipxe?mac=$m" &&
			curl -sf --cacert "$root_crt" -o "$work/s2.sig" "$PB_BASE/boot/stage2.ipxe.sig?mac=$m" ||
			die "storm: sample storm-$i ($m) failed"
		grep -q "^# podboot stage2 for storm-$i " "$work/s2" ||
			die "storm: sample storm-$i got another script: $(head -2 "$work/s2")"
		"$PODBOOT" verify "$work/s2" "$work/s2.sig" --root "$root_crt" \
			--signer podboot-codesign >"$work/verify.log" 2>&1 || {
			cat "$work/verify.log" >&2
			die "storm: sample storm-$i does not verify"
		}
	done
	pb_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$PB_PID/status")
	pb_stop

	pairs=$((s_scripts < s_sigs ? s_scripts : s_sigs))
	lost=$((s_quota - s_scripts - s_sigs - s_bad - s_other))
	read -r s_mps s_p50ms s_p99ms s_maxms s_cpu < <(awk -v s="$s_secs" -v p="$pairs" \
		-v a="$s_p50" -v b="$s_p99" -v m="$s_max" -v c="$((c1 - c0))" -v hz="$HZ" \
		-v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		'BEGIN { printf "%s %.2f %.2f %.2f %.2f\n",
			 (s > 0 ? sprintf("%.0f", p / s) : "n/a"), a / 1000, b / 1000,
			 m / 1000, c / hz / w }')
	s_err=$((s_con + s_rd + s_wr + s_to))

	echo "precompute: ${pb_ready_s}s from launch to '${ready_line}'; boot cache ${boot_cache:-?} signatures"
	printf 'storm: %.2fs, %d requests, scripts=%d sigs=%d lost=%d, p50=%sms p99=%sms max=%sms,\n' \
		"$s_secs" "$s_req" "$s_scripts" "$s_sigs" "$lost" "$s_p50ms" "$s_p99ms" "$s_maxms"
	echo "       server cpu ${s_cpu} cores, socket errors ${s_err}" \
		"(connect ${s_con} read ${s_rd} write ${s_wr} timeout ${s_to})"
	echo "storm: server reports ${booting}/${NODES} storm nodes booting; podboot peak RSS $((pb_rss_kib / 1024))MiB"
	((lost == 0)) ||
		echo "storm: warning: $lost requests got no answer within ${STORM_STALL_S}s (wrk counts no error for them)"
	record "$run" storm_mps "$s_mps" storm_p99_ms "$s_p99ms" storm_precompute_s "$pb_ready_s" \
		storm_lost "$lost" storm_podboot_rss_kib "$pb_rss_kib"
	st_mps+=("$s_mps") st_p99+=("$s_p99ms") st_pre+=("$pb_ready_s") st_lost=$((st_lost + lost))
	st_short=$((st_short + NODES - booting)) st_rss+=("$pb_rss_kib")
	cat "$work/serve-storm.log" >>"$work/serve-storms.log"
done

# --- Summary -----------------------------------------------------------------

pb_errs=$(cat "$work/serve.log" "$work/serve-storms.log" | grep -ciE 'error|warn|fail' || true)
read -r art_m _ < <(stats "${art_ratios[@]}")
read -r sig_m _ < <(stats "${sig_ratios[@]}")
read -r mps_m _ < <(stats "${st_mps[@]}")
echo
echo "median [min-max] over ${ROUNDS} runs; socket errors ${sig_errs};" \
	"podboot log error/warning lines ${pb_errs}; $(nproc) cores, $(load_span)"
echo "serve-bench: artifact ratio=$(span %.2f "${art_ratios[@]}") (goal >=0.9: $(goal "$art_m" '>=' 0.9))" \
	"podboot=$(span %.0f "${pb_art[@]}")MB/s nginx=$(span %.0f "${ng_art[@]}")MB/s" \
	"size=${ARTIFACT_MB}MiB clients=${CLIENTS} runs=${ROUNDS} tls_same=${tls_same}"
echo "serve-bench: stage2-sig ratio=$(span %.2f "${sig_ratios[@]}") (goal >=0.5: $(goal "$sig_m" '>=' 0.5))" \
	"podboot=$(span %.0f "${pb_rps[@]}")req/s nginx=$(span %.0f "${ng_rps[@]}")req/s" \
	"podboot_p99=$(span %.2f "${pb_p99s[@]}")ms nginx_p99=$(span %.2f "${ng_p99s[@]}")ms" \
	"podboot_keepalive=${pb_keepalive} bytes=${sig_bytes} conns=32 duration=${DURATION}s runs=${ROUNDS}"
echo "serve-bench: storm podboot=$(span %.0f "${st_mps[@]}")machines/s (goal >=1000: $(goal "$mps_m" '>=' 1000))" \
	"p99=$(span %.2f "${st_p99[@]}")ms nodes=${NODES} lost=${st_lost} not_booting=${st_short}" \
	"precompute=$(span %.1f "${st_pre[@]}")s algo=${ALGO} runs=${ROUNDS}"
echo "serve-bench: nginx worker_processes=auto (${#NGX_WORKERS_SEEN[@]} workers) sendfile=on tcp_nopush=on" \
	"open_file_cache=on; TLS podboot '${pb_tls}' nginx '${ng_tls}'; results=${bench_results#"$repo_dir"/}"
