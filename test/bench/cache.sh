#!/usr/bin/env bash
# Benchmark: one artifact served to N = 1, 8, 32 machines of a pod across
# an emulated WAN: WAN bytes and wall time, through the pod's cache
# (podboot-agent --relay --cache-dir), straight to the central server, and
# through nginx as a caching reverse proxy (proxy_cache) in the cache's
# place.
#
# The WAN is test/integration/tools/wanlink.py: a userspace TCP link
# between the pod side and `podboot serve` with one shared bandwidth
# (BENCH_WAN_MBIT) and a delay each way (BENCH_WAN_RTT_MS / 2), counting the bytes it carries
# towards the pod (this kernel has no sch_netem; loopback only).  The pod
# side:
#   cache   the relay's cache, on its own HTTPS listener, upstream the WAN;
#           a fresh cache directory and relay for every measurement (cold)
#   direct  curl straight to the central server through the WAN
#   nginx   nginx-light with the relay's certificate and key, proxy_cache
#           to the central server through the WAN, configured as an
#           operator would for large immutable files: proxy_cache_lock on
#           (one upstream fetch for concurrent misses), proxy_cache_valid
#           200 1d, use_temp_path off, the upstream's certificate verified
#           against the podboot root; TLS to the machines with the protocol
#           and cipher suite the relay negotiates, so that both encrypt
#           alike; a fresh cache directory and nginx every measurement
# A measurement starts N curl clients at once, each downloading the whole
# artifact by its pinned URL (/artifacts/NAME@sha256:HEX, as stage2 names
# it), and ends when the last one has it: wall time from the first start
# to the last end; every client's byte count is checked, and the N = 1
# copy's SHA-256.  Each run measures every mode at every N, the modes in
# turn (cache, nginx, direct) at each N.
#
# Figures, per mode and N: WAN bytes / artifact size; wall seconds;
# throughput to the machines, N x size / wall (MB/s).  Ratios: the cache's
# wall at N = 32 over N = 1 (and nginx's beside it); the cache's
# throughput over nginx's at each N.
# Goals (issue 14; reported, never enforced): the cache's WAN bytes 1.0x
# the artifact for any N; its wall at N = 32 within 1.5x of N = 1; its
# throughput at least 0.9x nginx's.
#
# Environment:
#   PODBOOT, AGENT        binaries (default: build/podboot, build/podboot-agent)
#   BENCH_RUNS            runs (default 3)
#   BENCH_RESULTS_DIR     where the per-run figures go (default build/bench)
#   BENCH_CACHE_MB        artifact size in MiB (default 16)
#   BENCH_WAN_MBIT        the WAN's bandwidth, Mbit/s (default 100)
#   BENCH_WAN_RTT_MS      its round-trip delay (default 40)
#   BENCH_CACHE_NS        client counts (default "1 8 32")
#   BENCH_CACHE_DIRECT    0: leave out the direct mode, whose N = 32 takes
#                         32 WAN transfers (default 1)
# Needs nginx (scripts/deps bench), curl, openssl, python3.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
AGENT=${AGENT:-$repo_dir/build/podboot-agent}
MB=${BENCH_CACHE_MB:-16}
WAN_MBIT=${BENCH_WAN_MBIT:-100}
WAN_RTT=${BENCH_WAN_RTT_MS:-40}
NS=${BENCH_CACHE_NS:-"1 8 32"}
DIRECT=${BENCH_CACHE_DIRECT:-1}
NGINX=/usr/sbin/nginx
NAME=bench/cache.bin
# The longest one measurement may take before it counts as failed.
MEASURE_MAX_S=900

BENCH=cache-bench
. "$script_dir/lib.sh"
export BENCH_RUNS=${BENCH_RUNS:-3}
bench_runs_init

need_whole BENCH_CACHE_MB "$MB" 1 65536 "of MiB"
need_whole BENCH_WAN_MBIT "$WAN_MBIT" 1 100000 "of Mbit/s"
need_whole BENCH_WAN_RTT_MS "$WAN_RTT" 0 10000 "of ms"
for n in $NS; do need_whole "a client count in BENCH_CACHE_NS" "$n" 1 256; done
[[ $DIRECT == 0 || $DIRECT == 1 ]] || die "BENCH_CACHE_DIRECT must be 0 or 1"
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_exec "$AGENT" "run 'make all' or set AGENT"
need_exec "$NGINX" "run 'scripts/deps bench' (nginx-light)"
need_tools curl openssl python3 awk sha256sum

bench_workdir cache-bench
site=$work/site
PB_PID= WAN_PID= RELAY_PID= NGX_PID= PB_PORT= WAN_PORT= RELAY_PORT= NGX_PORT=
bench_servers RELAY_PID NGX_PID WAN_PID PB_PID
bench_ports PB_PORT WAN_PORT RELAY_PORT NGX_PORT

echo "cache-bench: ${MB} MiB artifact to N = $NS machines, WAN ${WAN_MBIT} Mbit/s" \
	"${WAN_RTT} ms RTT (userspace), ${RUNS} runs; $(nproc) cores, load $(load1)"

# --- The central server, the artifact, the relay's credentials ---------------

"$PODBOOT" init --dir "$site" --server-name localhost --server-ip 127.0.0.1 \
	>"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; die "podboot init failed"; }
root_crt=$site/keys/root.crt
relay_secret=pbt_$(openssl rand -hex 32)
relay_hash=$(printf %s "$relay_secret" | sha256sum | cut -c1-64)
sed -i "s/scopes = \[ \"rearm\", \"status\", \"bmc\" \]; }/&,\n  { name = \"relay\"; sha256 = \"$relay_hash\"; scopes = [ \"relay\" ]; }/" \
	"$site/podboot.conf"
grep -q "$relay_hash" "$site/podboot.conf" || die "could not add the relay token"
printf '%s\n' "$relay_secret" >"$work/relay.tok"
chmod 600 "$work/relay.tok"
"$PODBOOT" keys issue-server --dir "$site/keys" --name relay.bench --ip 127.0.0.1 \
	--out "$work/relay" >"$work/issue.log" 2>&1 || { cat "$work/issue.log" >&2; die "issue-server failed"; }

size=$((MB * 1024 * 1024))
# AES-CTR over zeros: incompressible bytes, fast.
head -c "$size" /dev/zero | openssl enc -aes-128-ctr -nosalt \
	-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	>"$work/artifact" || die "could not make the artifact"
sha=$(sha256sum "$work/artifact" | cut -d' ' -f1)
"$PODBOOT" publish --config "$site/podboot.conf" "$NAME" "$work/artifact" \
	>"$work/publish.log" 2>&1 || { cat "$work/publish.log" >&2; die "podboot publish failed"; }
path=/artifacts/$NAME@sha256:$sha

PB_PORT=$(free_port)
sed -i -E "s/^  port = [0-9]+;/  port = $PB_PORT;/;
	s#(base_url = \"https://localhost:)[0-9]+#\1$PB_PORT#" "$site/podboot.conf"
"$PODBOOT" serve --config "$site/podboot.conf" >"$work/serve.log" 2>&1 &
PB_PID=$!
wait_up 60 "$PB_PID" curl -s --cacert "$root_crt" -o /dev/null \
	"https://localhost:$PB_PORT/healthz" || { tail -5 "$work/serve.log" >&2; die "podboot serve did not start"; }
cat "$site"/data/blobs/sha256/* >/dev/null	# in the page cache

WAN_PORT=$(free_port)
python3 "$repo_dir/test/integration/tools/wanlink.py" "$WAN_PORT" "$PB_PORT" "$work/wan.count" \
	"$WAN_MBIT" "$WAN_RTT" >"$work/wan.log" 2>&1 &
WAN_PID=$!
wait_up 10 "$WAN_PID" grep -q listening "$work/wan.log" || die "wanlink did not start"

# wan_bytes: bytes the WAN carried towards the pod so far.
wan_bytes() { awk '{ print $2 }' "$work/wan.count"; }

# --- The pod side: the relay's cache, nginx --------------------------------------

# relay_start: a relay with a fresh, empty cache; RELAY_PORT.
relay_start() {
	rm -rf "$work/rcache" "$work/rspool"
	RELAY_PORT=$(free_port)
	"$AGENT" --relay --listen "127.0.0.1:$RELAY_PORT" --cert "$work/relay-chain.crt" \
		--key "$work/relay.key" --relay-token-file "$work/relay.tok" --ca "$root_crt" \
		--spool "$work/rspool" --cache-dir "$work/rcache" --max-conns 256 \
		--server "https://localhost:$WAN_PORT" >>"$work/relay.log" 2>&1 &
	RELAY_PID=$!
	wait_up 10 "$RELAY_PID" curl -fs --cacert "$root_crt" -o /dev/null \
		"https://127.0.0.1:$RELAY_PORT/healthz" || { tail -5 "$work/relay.log" >&2; die "the relay did not start"; }
}

relay_stop() { stop_pid "$RELAY_PID"; RELAY_PID=; }

# The protocol and suite a client gets from the relay: nginx gets the same.
relay_start
read -r relay_proto relay_suite < <(openssl s_client -connect "127.0.0.1:$RELAY_PORT" \
	-CAfile "$root_crt" </dev/null 2>/dev/null |
	awk -F': *' '/^ *Protocol *:/ { p = $2 } /^ *Cipher *:/ { c = $2 } END { print p, c }')
relay_stop
[[ $relay_proto == TLSv1.2 || $relay_proto == TLSv1.3 ]] ||
	die "could not learn the relay's TLS protocol ($relay_proto)"
if [[ $relay_proto == TLSv1.2 ]]; then
	ngx_tls="ssl_protocols TLSv1.2; ssl_ciphers $relay_suite;"
else
	ngx_tls="ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites $relay_suite;"
fi
echo "cache-bench: the relay negotiates $relay_proto $relay_suite with curl; nginx is given the same"

# ngx_start: nginx as the pod's caching proxy, empty cache; NGX_PORT.
ngx_start() {
	local ngx=$work/nginx
	rm -rf "$ngx"
	mkdir -p "$ngx/logs" "$ngx/tmp" "$ngx/cache"
	NGX_PORT=$(free_port)
	{
		ngx_conf_head "$ngx" "test/bench/cache.sh: a pod's caching reverse proxy"
		cat <<-EOF
		    proxy_cache_path $ngx/cache levels=1:2 keys_zone=pod:10m
		        max_size=64g inactive=7d use_temp_path=off;
		    server {
		        listen 127.0.0.1:$NGX_PORT ssl;
		        server_name relay.bench;
		        ssl_certificate $work/relay-chain.crt;
		        ssl_certificate_key $work/relay.key;
		        $ngx_tls
		        location /artifacts/ {
		            proxy_pass https://127.0.0.1:$WAN_PORT;
		            proxy_http_version 1.1;
		            proxy_ssl_server_name on;
		            proxy_ssl_name localhost;
		            proxy_ssl_verify on;
		            proxy_ssl_trusted_certificate $root_crt;
		            proxy_cache pod;
		            proxy_cache_key \$uri;
		            proxy_cache_valid 200 1d;
		            proxy_cache_lock on;
		            proxy_cache_lock_timeout 1h;
		            proxy_cache_lock_age 1h;
		            proxy_max_temp_file_size 0;
		            proxy_read_timeout 1h;
		        }
		    }
		}
		EOF
	} >"$ngx/nginx.conf"
	"$NGINX" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log" \
		>"$ngx/logs/stdout.log" 2>&1 &
	NGX_PID=$!
	wait_up 10 "$NGX_PID" sh -c "ss -ltn | grep -q '127.0.0.1:$NGX_PORT '" || {
		tail -5 "$ngx/logs/error.log" >&2
		die "nginx did not start"
	}
}

ngx_stop() { stop_pid "$NGX_PID"; NGX_PID=; }

# --- One measurement ------------------------------------------------------------

# measure MODE N: N clients at once through MODE; sets m_wall (s),
# m_wan (WAN bytes / size), m_mbs (N x size / wall, MB/s).
measure() {
	local mode=$1 n=$2 url i t0 t1 w0 w1 bad=0 pids=()
	case $mode in
	cache) relay_start; url=https://127.0.0.1:$RELAY_PORT$path ;;
	nginx) ngx_start; url=https://127.0.0.1:$NGX_PORT$path ;;
	direct) url=https://localhost:$WAN_PORT$path ;;
	esac
	rm -f "$work"/got.*
	w0=$(wan_bytes)
	t0=$(now)
	for ((i = 0; i < n; i++)); do
		if ((i == 0 && n == 1)); then
			curl -sS --max-time "$MEASURE_MAX_S" --cacert "$root_crt" "$url" |
				tee >(wc -c >"$work/got.$i") | sha256sum | cut -d' ' -f1 \
				>"$work/got.sum" &
		else
			curl -sS --max-time "$MEASURE_MAX_S" --cacert "$root_crt" -o /dev/null \
				-w '%{size_download}\n' "$url" >"$work/got.$i" &
		fi
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
	t1=$(now)
	# The WAN's last bytes are counted as they pass: let the count settle.
	for ((i = 0; i < 50; i++)); do
		w1=$(wan_bytes); sleep 0.1
		[[ $w1 == "$(wan_bytes)" ]] && break
	done
	case $mode in cache) relay_stop ;; nginx) ngx_stop ;; esac
	sleep 0.1	# the tee's byte count is written
	for ((i = 0; i < n; i++)); do
		[[ $(tr -d ' \n' <"$work/got.$i" 2>/dev/null) == "$size" ]] || bad=$((bad + 1))
	done
	((n != 1)) || [[ $(cat "$work/got.sum") == "$sha" ]] || bad=$((bad + 1))
	((bad == 0)) || die "$mode N=$n: $bad clients did not get the artifact whole"
	m_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	m_wan=$(awk -v a="$w0" -v b="$w1" -v s="$size" 'BEGIN { printf "%.3f", (b - a) / s }')
	m_mbs=$(awk -v w="$m_wall" -v n="$n" -v s="$size" 'BEGIN { printf "%.1f", n * s / w / 1e6 }')
}

# --- The runs -----------------------------------------------------------------------

declare -A wall wan mbs
modes="cache nginx"
((DIRECT)) && modes="$modes direct"
for ((run = 1; run <= RUNS; run++)); do
	for n in $NS; do
		for mode in $modes; do
			measure "$mode" "$n"
			wall[$mode,$n]+="$m_wall "
			wan[$mode,$n]+="$m_wan "
			mbs[$mode,$n]+="$m_mbs "
			record "$run" "${mode}_n${n}_wall_s" "$m_wall" "${mode}_n${n}_wan_x" "$m_wan" \
				"${mode}_n${n}_mbs" "$m_mbs"
			printf 'run %d  %-6s N=%-3d wall %7.3f s  WAN %6.3fx  %7.1f MB/s\n' \
				"$run" "$mode" "$n" "$m_wall" "$m_wan" "$m_mbs"
		done
	done
done

# --- Ratios, per run, and the goals ---------------------------------------------------

# nth LIST K: the K-th (1-based) word of LIST.
nth() { awk -v k="$2" '{ print $k }' <<<"$1"; }

echo
echo "cache-bench: medians [min-max] over $RUNS runs ($(load_span))"
for n in $NS; do
	for mode in $modes; do
		printf '  %-6s N=%-3d WAN %s x   wall %s s   %s MB/s\n' "$mode" "$n" \
			"$(span %.3f ${wan[$mode,$n]})" "$(span %.3f ${wall[$mode,$n]})" \
			"$(span %.1f ${mbs[$mode,$n]})"
	done
done

first=$(nth "$NS" 1)
last=$(awk '{ print $NF }' <<<"$NS")
worst_wan=()
fan=()
ngx_fan=()
for ((run = 1; run <= RUNS; run++)); do
	w=0
	for n in $NS; do
		v=$(nth "${wan[cache,$n]}" "$run")
		w=$(awk -v a="$w" -v b="$v" 'BEGIN { print (b > a ? b : a) }')
	done
	worst_wan+=("$w")
	fan+=("$(ratio "$(nth "${wall[cache,$last]}" "$run")" "$(nth "${wall[cache,$first]}" "$run")")")
	ngx_fan+=("$(ratio "$(nth "${wall[nginx,$last]}" "$run")" "$(nth "${wall[nginx,$first]}" "$run")")")
	record "$run" cache_wan_worst_ratio "$w" cache_fanout_ratio "${fan[-1]}" \
		nginx_fanout_ratio "${ngx_fan[-1]}"
done
read -r wan_med _ <<<"$(stats "${worst_wan[@]}")"
read -r fan_med _ <<<"$(stats "${fan[@]}")"
echo
wan_ok=$(awk -v v="$wan_med" 'BEGIN { print (v <= 1.02 ? "met" : "MISSED") }')
echo "  goal: cache WAN bytes 1.0x the artifact for any N (worst N per run): $(span %.3f "${worst_wan[@]}")x  $wan_ok"
echo "  goal: cache wall N=$last within 1.5x of N=$first: $(span %.2f "${fan[@]}")x  $(goal "$fan_med" '<=' 1.5)"
# The same ratio for nginx: what this machine's cores allow N clients
# decrypting beside the proxy, whoever serves them.
echo "  beside: nginx wall N=$last over N=$first: $(span %.2f "${ngx_fan[@]}")x"
for n in $NS; do
	r=()
	for ((run = 1; run <= RUNS; run++)); do
		r+=("$(ratio "$(nth "${mbs[cache,$n]}" "$run")" "$(nth "${mbs[nginx,$n]}" "$run")")")
		record "$run" "cache_over_nginx_ratio_n$n" "${r[-1]}"
	done
	read -r r_med _ <<<"$(stats "${r[@]}")"
	echo "  goal: cache throughput >= 0.9x nginx's, N=$n: $(span %.2f "${r[@]}")x  $(goal "$r_med" '>=' 0.9)"
done
if ((DIRECT)); then
	for n in $NS; do
		echo "  beside: direct WAN bytes N=$n: $(span %.2f ${wan[direct,$n]})x (every machine over the WAN)"
	done
fi
echo "  results: $bench_results"
