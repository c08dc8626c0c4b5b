# agent.test.sh: podboot-agent: collection, push, spool and replay, failover,
# TLS trust, relay mode, and the real server when it serves the push API.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

AGENT=${AGENT:-$(dirname "$PODBOOT")/podboot-agent}
BG_PIDS=""

# Everything we started in the background is stopped by its PID.
trap 'for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
      server_stop KILL; rm -rf "$T"' EXIT

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds (for
# up to SECONDS times TEST_SLOWDOWN, lib.sh).
wait_for() {
	local n=$(($1 * 10 * SLOWDOWN)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# tls_peer CERT KEY: openssl s_server -www, an independent TLS peer, on a
# fresh loopback port; $PEER_PORT and $PEER_PID once it accepts.
tls_peer() {
	PEER_PORT=$(port_pick)
	openssl s_server -quiet -accept "127.0.0.1:$PEER_PORT" -cert "$1" \
		-key "$2" -www >/dev/null 2>&1 &
	PEER_PID=$!
	BG_PIDS="$BG_PIDS $PEER_PID"
	wait_up 10 "$PEER_PID" port_open "$PEER_PORT"
}

# relay_start NAME PORT CERT KEY UPSTREAM...: a relay with its spool in
# $T/NAME and its log in $T/NAME.log; its PID in $NAME_PID.  It gathers
# pushes for 2 s (times TEST_SLOWDOWN: two pushes sent one after the other
# must fall in one window on a loaded machine too).
relay_start() {
	local name=$1 port=$2 cert=$3 key=$4 u pid args=(); shift 4
	for u in "$@"; do args+=(--server "$u"); done
	local addr=${RELAY_ADDR:-127.0.0.1}
	"$AGENT" --relay -v --listen "$addr:$port" --cert "$cert" --key "$key" \
		--relay-token-file "$T/relay.tok" --ca "$ROOT" --timeout 2 \
		--spool "$T/$name" --batch-interval $((2 * SLOWDOWN)) ${RELAY_EXTRA:-} "${args[@]}" \
		>>"$T/$name.log" 2>&1 &
	pid=$!
	eval "${name}_PID=$pid"
	BG_PIDS="$BG_PIDS $pid"
	# Only a readiness probe (-k: some tests give the relay an untrusted
	# certificate on purpose); and it must be our relay that answers.
	wait_up 10 "$pid" curl -fsk "https://$addr:$port/healthz" &&
		grep -q "relay listening on https://$addr:$port," "$T/$name.log" &&
		kill -0 "$pid" 2>/dev/null
}

# relay_stop NAME: SIGTERM, and wait for its exit status.
relay_stop() {
	local pid
	eval "pid=\$${1}_PID"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
}

# seqs LOG: the push seqs a relay logged, in arrival order.
seqs() {
	sed -n 's/.*push seq=\([0-9]*\) .*/\1/p' "$1"
}

# spooled DIR: how many batches a spool directory holds.
spooled() {
	ls "$1" 2>/dev/null | grep -c '^[0-9]\{20\}\.batch$'
}
export -f spooled

site_init "$T/site"
K=$SITE/keys
printf 'relay-secret-token\n' >"$T/relay.tok"
printf 'pbt_node_token_for_tests\n' >"$T/node.tok"
chmod 600 "$T/relay.tok" "$T/node.tok"
ONCE=("$AGENT" --once --token-file "$T/node.tok" --ca "$ROOT" --timeout 2)

# ---- settings --------------------------------------------------------------

ok "--help" "$AGENT" --help
check "--help lists the relay options" grep -q -- "--relay-token-file" "$OUT"
"$AGENT" --bogus >"$OUT" 2>"$ERR"
check "an unknown option is a usage error (2)" [ $? = 2 ]
"$AGENT" --print --interval 0 >"$OUT" 2>"$ERR"
check "--interval 0 is a usage error" [ $? = 2 ]
for bad in http://127.0.0.1:1 https://user@host https://host/p?q=1 \
	https://-bad.example https://[::1 https://host:99999; do
	"$AGENT" --print --server "$bad" >"$OUT" 2>"$ERR"
	check "--server $bad is refused" [ $? = 2 ]
done
refused "the agent needs an upstream" "needs --server" \
	"$AGENT" --once --token-file "$T/node.tok" --ca "$ROOT"
cp "$T/node.tok" "$T/open.tok"
chmod 644 "$T/open.tok"
refused "a token file others can read is refused" "chmod 600" \
	"$AGENT" --check --server https://127.0.0.1:1 --ca "$ROOT" \
	--token-file "$T/open.tok"
printf 'bad token with spaces\n' >"$T/space.tok"
chmod 600 "$T/space.tok"
refused "a token that is not a b64token is refused" "not a bearer token" \
	"$AGENT" --check --server https://127.0.0.1:1 --ca "$ROOT" \
	--token-file "$T/space.tok"
cat >"$T/agent.conf" <<EOF
# agent.conf as a kickstart writes it
server = https://relay-a.example:8443
server = https://127.0.0.1:1
token = pbt_in_the_config
ca = $ROOT
interval = 30
spool_max_mb = 8
EOF
chmod 644 "$T/agent.conf"
refused "a token in a configuration others can read is refused" \
	"agent.conf:4: token is in a file others can read" \
	"$AGENT" --check --config "$T/agent.conf"
chmod 600 "$T/agent.conf"
ok "--check accepts the configuration" "$AGENT" --check --config "$T/agent.conf"
check "and names the upstreams in order" grep -q \
	"2 upstreams, first https://relay-a.example:8443" "$OUT"
printf 'intervall = 3\n' >>"$T/agent.conf"
refused "an unknown setting is named with its line" \
	"agent.conf:8: intervall is an unknown setting" \
	"$AGENT" --check --config "$T/agent.conf"
sed -i 's/^intervall = 3$/interval = 3/' "$T/agent.conf"
refused "a setting given twice is refused" "agent.conf:8: interval is given twice" \
	"$AGENT" --check --config "$T/agent.conf"

# ---- collection ------------------------------------------------------------

ok "--print collects from /proc" "$AGENT" --print
cp "$OUT" "$T/print.txt"
for m in node_cpu_seconds_total node_memory_MemTotal_bytes \
	node_memory_MemAvailable_bytes node_memory_MemFree_bytes \
	node_memory_Buffers_bytes node_memory_Cached_bytes \
	node_memory_SwapTotal_bytes node_memory_SwapFree_bytes node_load1 \
	node_load5 node_load15 node_time_seconds node_boot_time_seconds \
	node_filesystem_size_bytes node_filesystem_free_bytes \
	node_filesystem_avail_bytes node_filesystem_files \
	node_filesystem_files_free node_network_receive_bytes_total \
	node_network_transmit_bytes_total node_network_receive_packets_total \
	node_network_transmit_packets_total node_network_receive_errs_total \
	node_network_transmit_errs_total node_network_receive_drop_total \
	node_network_transmit_drop_total node_uname_info \
	podboot_agent_collections_total podboot_agent_push_failures_total \
	podboot_agent_spool_bytes podboot_agent_spool_batches \
	podboot_agent_spool_dropped_total \
	podboot_agent_last_push_timestamp_seconds \
	podboot_agent_collect_duration_seconds; do
	grep -q "^# TYPE $m " "$T/print.txt" && grep -q "^# HELP $m " "$T/print.txt" &&
		grep -q "^$m[{ ]" "$T/print.txt"
	check "--print has $m with HELP and TYPE" [ $? = 0 ]
done
check "every collector succeeded" sh -c \
	"! grep -q '^podboot_agent_collector_success{.*} 0' '$T/print.txt'"
check "one TYPE line per family" sh -c "[ \$(grep -c '^# TYPE' '$T/print.txt') = \
	\$(grep '^# TYPE' '$T/print.txt' | sort -u | wc -l) ]"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/print.txt" >"$OUT" 2>&1
	rc=$?
	# node_exporter's names (MemTotal) are camelCase: the only lint allowed.
	check "promtool check metrics parses --print" [ "$rc" != 1 ]
	check "and finds nothing but node_exporter's camelCase names" sh -c \
		"! grep -v 'node_memory_[A-Za-z]*_bytes metric names should be written in .snake_case.' '$OUT' | grep -q ."
else
	echo "skip - promtool not installed (Debian package prometheus)"
fi

# A /proc of known content: exact values, the filesystem skip rules.
P=$T/proc
mkdir -p "$P/net" "$P/self"
cat >"$P/stat" <<'EOF'
cpu  300 10 110 3000 5 1 2 3 4 0
cpu0 100 0 50 1000 5 1 2 3 4 0
cpu1 200 10 60 2000 0 0 0 0 0 0
intr 12345 1 2 3
ctxt 99999
btime 1700000000
processes 4242
procs_running 3
procs_blocked 1
EOF
cat >"$P/meminfo" <<'EOF'
MemTotal:       16318004 kB
MemFree:         1000000 kB
MemAvailable:    8000000 kB
Buffers:          100000 kB
Cached:          2000000 kB
SwapTotal:       1048576 kB
SwapFree:        1048000 kB
HugePages_Total:       0
EOF
echo "0.50 0.25 0.10 1/123 4567" >"$P/loadavg"
cat >"$P/net/dev" <<'EOF'
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:123456789 1000 1 2 0 0 0 0 987654321 2000 3 4 0 0 0 0
EOF
cat >"$P/self/mounts" <<EOF
/dev/old / ext4 rw 0 0
proc /proc proc rw 0 0
sysfs /sys sysfs rw 0 0
tmpfs /dev/shm tmpfs rw 0 0
my\\040disk $T tmpfs rw 0 0
overlay /var/lib/docker/overlay2/x/merged overlay rw 0 0
server:/export /mnt/nfs nfs4 rw 0 0
/dev/root / ext4 rw 0 0
EOF
ok "--print with --procfs" "$AGENT" --print --procfs "$P"
hz=$(getconf CLK_TCK)
for want in \
	"node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} $((2000 / hz))" \
	"node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} $((100 / hz))" \
	'node_boot_time_seconds 1700000000' 'node_forks_total 4242' \
	'node_procs_blocked 1' 'node_memory_MemTotal_bytes 16709636096' \
	'node_memory_SwapFree_bytes 1073152000' 'node_load5 0.25' \
	'node_network_receive_bytes_total{device="eth0"} 123456789' \
	'node_network_transmit_drop_total{device="eth0"} 4' \
	'node_network_receive_packets_total{device="lo"} 10'; do
	check "fixture: $want" grep -qxF "$want" "$OUT"
done
check "no sample for the aggregate cpu line" sh -c "! grep -q 'cpu=\"\"' '$OUT'"
check "filesystem: / once, from the mount that hides the other" sh -c \
	"[ \$(grep -c '^node_filesystem_size_bytes{.*mountpoint=\"/\"}' '$OUT') = 1 ] &&
	 grep -q '^node_filesystem_size_bytes{device=\"/dev/root\",fstype=\"ext4\",mountpoint=\"/\"}' '$OUT'"
check "filesystem: escaped device names are decoded" grep -q \
	"^node_filesystem_avail_bytes{device=\"my disk\",fstype=\"tmpfs\",mountpoint=\"$T\"}" "$OUT"
check "filesystem: proc, sysfs, /dev, docker and nfs are skipped" sh -c \
	"! grep '^node_filesystem' '$OUT' | grep -q -e /proc -e /sys -e /dev/shm -e docker -e nfs"
check "a missing /proc file fails only its collector" sh -c \
	"rm '$P/loadavg'; '$AGENT' --print --procfs '$P' >'$T/p2' &&
	 grep -q '^podboot_agent_collector_success{collector=\"loadavg\"} 0' '$T/p2' &&
	 ! grep -q '^node_load1' '$T/p2' && grep -q '^node_forks_total' '$T/p2'"

# ---- agent -> relay ----------------------------------------------------------

# The relays' own certificate, issued under the site's root as the
# operator does it (agent/README.md, "Deploying relays").
ok "a relay certificate from podboot keys issue-server" "$PODBOOT" keys \
	issue-server --dir "$K" --name relay.rack12.test --ip 127.0.0.1 \
	--ip 127.0.0.3 --alt localhost --out "$T/relay"
RELAY_CRT=$T/relay-chain.crt
RELAY_KEY=$T/relay.key
R1=$(port_pick)
DEAD=$(port_pick)
ok "relay r1 starts (its upstream is down)" relay_start r1 "$R1" \
	"$RELAY_CRT" "$RELAY_KEY" "https://127.0.0.1:$DEAD"
check "openssl: r1 presents the issued certificate, valid for its address" sh -c \
	"openssl s_client -connect 127.0.0.1:$R1 -CAfile '$ROOT' -verify_ip 127.0.0.1 \
	 -verify_return_error </dev/null 2>/dev/null |
	 openssl x509 -noout -subject | grep -qx 'subject=CN = relay.rack12.test'"
ok "--once through the relay: delivered (exit 0)" \
	"${ONCE[@]}" --spool "$T/a1" --server "https://127.0.0.1:$R1"
ok "--once again" "${ONCE[@]}" --spool "$T/a1" --server "https://127.0.0.1:$R1"
wait_for 5 sh -c "[ \$(grep -c 'push seq=' '$T/r1.log') -ge 2 ]"
check "the relay got seq 1 then 2: numbers persist across runs" \
	[ "$(seqs "$T/r1.log" | tr '\n' ' ')" = "1 2 " ]
check "the agent's spool is empty" [ "$(spooled "$T/a1")" = 0 ]
# ---- the catch-up after an outage is paced (--replay-rate-kbps) ------------------
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
	"${ONCE[@]}" --spool "$T/rr" --server "https://127.0.0.1:$DEAD" >/dev/null 2>&1
done
check "an outage left 14 batches in the spool" [ "$(spooled "$T/rr")" = 14 ]
t0=$(date +%s%N)
ok "--once --replay-rate-kbps 8 (1000 bytes/s) delivers the backlog and the new batch" \
	"${ONCE[@]}" --spool "$T/rr" --server "https://127.0.0.1:$R1" --replay-rate-kbps 8
t1=$(date +%s%N)
check "the spool is empty" [ "$(spooled "$T/rr")" = 0 ]
line=$(grep -o 'replay: 15 batches, [0-9]* bytes in [0-9]* ms' "$ERR")
bytes=$(echo "$line" | awk '{print $4}')
ms=$(echo "$line" | awk '{print $7}')
# A cap's promise is a floor on time: past the 16 KiB bucket, 1000 bytes
# take at least a second.  (A lower bound, not a race: no speed decides.)
floor=$(( (bytes - 16384) * 1000 / 1000 ))
check "all 15 went, and the agent logged their bytes ($bytes) and time ($ms ms)" \
	[ -n "$line" ] && [ "$bytes" -gt 16384 ]
check "the replay took at least (bytes - burst) / rate: ${floor} ms" [ "$ms" -ge "$floor" ]
check "so did the whole run, by the clock outside" \
	[ $(( (t1 - t0) / 1000000 )) -ge "$floor" ]
ok "by DNS name (localhost is in the certificate)" \
	"${ONCE[@]}" --spool "$T/a1" --server "https://localhost:$R1"
ok "failover: the first upstream is down, the second takes it" \
	"${ONCE[@]}" -v --spool "$T/a1" --server "https://127.0.0.1:$DEAD" \
	--server "https://127.0.0.1:$R1"
check "the dead one is named" grep -q "127.0.0.1:$DEAD: connect: Connection refused" "$ERR"
check "and the one that took it" grep -q "delivering to https://127.0.0.1:$R1" "$ERR"
wait_for 5 bash -c "[ \$(spooled '$T/r1') -ge 1 ]"
ok "--spool-list shows the relay's batches and their frames" \
	"$AGENT" --spool-list --spool "$T/r1"
check "frames carry the node seqs" grep -q "frame seq=1 interval=15 replay=0 encoding=gzip" "$OUT"
first=$(awk '/batch interval/ {print $1; exit}' "$OUT")
ok "--spool-show decodes a relay batch" "$AGENT" --spool-show "$first" --spool "$T/r1"
check "into the node's metrics text" grep -q "^node_load1 " "$OUT"
check "and never prints the node token" sh -c "! grep -q pbt_node_token '$OUT'"
check "the relay's spool files are private (0600)" sh -c \
	"[ \"\$(stat -c %a '$T/r1/'\$(ls '$T/r1' | grep batch | head -1))\" = 600 ]"

# ---- TLS trust -------------------------------------------------------------

"$PODBOOT" init --dir "$T/other" --server-name localhost --server-ip 127.0.0.1 \
	>/dev/null
R2=$(port_pick)
ok "a relay with a certificate under another root" relay_start r2 "$R2" \
	"$T/other/keys/server-chain.crt" "$T/other/keys/server.key" \
	"https://127.0.0.1:$DEAD"
"${ONCE[@]}" --spool "$T/a2" --server "https://127.0.0.1:$R2" >"$OUT" 2>"$ERR"
check "is refused: the batch is spooled (exit 3)" [ $? = 3 ]
check "naming the certificate problem" grep -q "certificate refused: .*not correctly signed by the trusted CA" "$ERR"
check "and the relay got nothing" sh -c "! grep -q 'push seq' '$T/r2.log'"
refused "a relay will not present a certificate without serverAuth" \
	"not a TLS server certificate" "$AGENT" --relay --check \
	--cert "$K/codesign.crt" --key "$K/codesign.key" \
	--relay-token-file "$T/relay.tok" --ca "$ROOT" --server https://127.0.0.1:1
# openssl, as an independent peer, presents the code-signing certificate.
tls_peer "$K/codesign.crt" "$K/codesign.key"
"${ONCE[@]}" --spool "$T/a2" --server "https://127.0.0.1:$PEER_PORT" >"$OUT" 2>"$ERR"
check "a server with the code-signing certificate is refused (exit 3)" [ $? = 3 ]
check "naming the extendedKeyUsage" grep -q "certificate refused: .*extendedKeyUsage" "$ERR"
kill "$PEER_PID"
# Clocks far off: an upstream whose certificate expired, or is not valid
# yet (as a node with a wrong clock sees a good one), signed by openssl ca.
mkdir -p "$T/ca/new"
: >"$T/ca/index.txt"
echo 01 >"$T/ca/serial"
printf '%s\n' '[ca]' 'default_ca = d' '[d]' "dir = $T/ca" \
	"database = $T/ca/index.txt" "new_certs_dir = $T/ca/new" \
	"serial = $T/ca/serial" 'default_md = sha256' 'policy = p' \
	'unique_subject = no' '[p]' 'commonName = supplied' >"$T/ca.cnf"
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/clock.key" \
	-subj /CN=clock.test -out "$T/clock.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$T/clock.ext"
for dates in "expired 20200101000000Z 20200201000000Z validity has expired" \
	"future 20990101000000Z 20990201000000Z validity starts in the future"; do
	set -- $dates
	name=$1 from=$2 until=$3
	shift 3
	openssl ca -batch -config "$T/ca.cnf" -cert "$K/root.crt" \
		-keyfile "$K/root.key" -in "$T/clock.csr" -startdate "$from" \
		-enddate "$until" -extfile "$T/clock.ext" -out "$T/$name.crt" \
		>/dev/null 2>&1
	tls_peer "$T/$name.crt" "$T/clock.key"
	"${ONCE[@]}" --spool "$T/a-$name" --server "https://127.0.0.1:$PEER_PORT" \
		>"$OUT" 2>"$ERR"
	check "an upstream certificate $name: refused, kept (exit 3)" [ $? = 3 ]
	check "the batch is in the spool" [ "$(spooled "$T/a-$name")" = 1 ]
	check "saying so, and asking about the clock" grep -q \
		"certificate refused: The certificate $*.*is this machine's clock right" "$ERR"
	kill "$PEER_PID"
done
# A hostile upstream (with a certificate the agent trusts): endless
# headers, an endless body, a 2xx that is not a podboot answer, an absurd
# Retry-After.  The agent keeps the batch, never counts it delivered, and
# its memory stays bounded (its peak resident size).
hostile() { # hostile NAME HEAD: serve HEAD then endless junk, once
	local port
	port=$(port_pick)
	{ printf "$2"; yes 'X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; } |
		openssl s_server -quiet -accept "127.0.0.1:$port" \
		-cert "$RELAY_CRT" -key "$RELAY_KEY" >/dev/null 2>&1 &
	HS=$!
	BG_PIDS="$BG_PIDS $HS"
	wait_up 10 "$HS" port_open "$port"
	# Peak memory from the kernel's accounting at exit (GNU time's %M,
	# in kB): no sampling that a short run on a loaded machine could miss.
	/usr/bin/time -o "$T/hwm" -f %M "${ONCE[@]}" --spool "$T/h-$1" \
		--server "https://127.0.0.1:$port" >"$OUT" 2>"$ERR"
	HRC=$?
	HWM=$(tail -1 "$T/hwm")
	kill "$HS" 2>/dev/null
}
for h in "headers|HTTP/1.1 200 OK\r\n" \
	"body|HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n" \
	"unframed|HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" \
	"garbage|HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\": 1}\r\n" \
	"retry|HTTP/1.1 503 Busy\r\nRetry-After: 999999999999999999999\r\nContent-Length: 0\r\n\r\n"; do
	hostile "${h%%|*}" "${h#*|}"
	check "hostile upstream (${h%%|*}): the batch is kept (exit 3)" [ "$HRC" = 3 ]
	check "hostile upstream (${h%%|*}): still in the spool" \
		[ "$(spooled "$T/h-${h%%|*}")" = 1 ]
	check "hostile upstream (${h%%|*}): not logged as delivered" \
		sh -c "! grep -q 'delivered' '$ERR'"
	check "hostile upstream (${h%%|*}): memory bounded (peak ${HWM} kB < 300 MB)" \
		[ "$HWM" -gt 0 ] && [ "$HWM" -lt 307200 ]
done
# A complete, well-framed 2xx that is not this batch's answer (a captive
# portal; another batch's "seq"), on a connection held open: nothing but
# the agent's own check of the answer can keep the batch.
ANSWER=$(dirname "$0")/tools/answer-once.py
for h in "portal|HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n<html>Log in first.</html>\n" \
	"other-seq|HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"seq\": 12}\r\n"; do
	name=${h%%|*}
	port=$(port_pick)
	"$ANSWER" "$port" "$RELAY_CRT" "$RELAY_KEY" "${h#*|}" "$(deadline 30)" \
		>"$T/answer-$name" 2>&1 &
	AP=$!
	BG_PIDS="$BG_PIDS $AP"
	wait_for 10 grep -q listening "$T/answer-$name"
	"${ONCE[@]}" --spool "$T/h-$name" --server "https://127.0.0.1:$port" \
		>"$OUT" 2>"$ERR"
	check "a 2xx that is not a podboot answer ($name): the batch is kept (exit 3)" [ $? = 3 ]
	check "a 2xx that is not a podboot answer ($name): the upstream answered" \
		grep -q answered "$T/answer-$name"
	check "a 2xx that is not a podboot answer ($name): still in the spool" \
		[ "$(spooled "$T/h-$name")" = 1 ]
	check "a 2xx that is not a podboot answer ($name): said so" \
		grep -q "HTTP 200 without this batch's \"seq\"" "$ERR"
	kill "$AP" 2>/dev/null; wait "$AP" 2>/dev/null
done
RX=$(port_pick)
RELAY_ADDR=127.0.0.2 relay_start rx "$RX" "$RELAY_CRT" "$RELAY_KEY" \
	"https://127.0.0.1:$DEAD"
"${ONCE[@]}" --spool "$T/a2" --server "https://127.0.0.2:$RX" >"$OUT" 2>"$ERR"
check "an address not among the IP subjectAltNames is refused" [ $? = 3 ]
check "as such" grep -q "no IP subjectAltName 127.0.0.2" "$ERR"
relay_stop rx
RY=$(port_pick)
RELAY_ADDR=127.0.0.3 relay_start ry "$RY" "$RELAY_CRT" "$RELAY_KEY" \
	"https://127.0.0.1:$DEAD"
check "a relay on another address its certificate names (--ip 127.0.0.3)" [ $? = 0 ]
ok "is accepted there by address" \
	"${ONCE[@]}" --spool "$T/a3" --server "https://127.0.0.3:$RY"
check "and got the push" wait_for 5 grep -q "push seq=1 " "$T/ry.log"
relay_stop ry
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/wrong.key" \
	-subj /CN=wrong.example -out "$T/wrong.csr" 2>/dev/null
printf 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n' >"$T/wrong.ext"
openssl x509 -req -in "$T/wrong.csr" -CA "$K/root.crt" -CAkey "$K/root.key" \
	-CAcreateserial -days 2 -extfile "$T/wrong.ext" -out "$T/wrong.crt" 2>/dev/null
R4=$(port_pick)
ok "a relay with a certificate for another name" relay_start r4 "$R4" \
	"$T/wrong.crt" "$T/wrong.key" "https://127.0.0.1:$DEAD"
"${ONCE[@]}" --spool "$T/a2" --server "https://localhost:$R4" >"$OUT" 2>"$ERR"
check "is refused by name" [ $? = 3 ]
check "as a name mismatch" grep -q "certificate refused: .*CN" "$ERR"
relay_stop r2; relay_stop r4

# ---- the relay's own checks ---------------------------------------------------

RB="https://127.0.0.1:$R1/api/v1/push"
gz=$T/body.gz
"$AGENT" --print --procfs "$P" 2>/dev/null | gzip >"$gz"
push() { status "$RB" -X POST --data-binary "@$gz" -H 'Content-Encoding: gzip' "$@"; }
check "a push without a token: 401" [ "$(push -H 'X-Podboot-Seq: 1')" = 401 ]
check "a push with a malformed token: 401" [ "$(push -H 'Authorization: Bearer a b' -H 'X-Podboot-Seq: 1')" = 401 ]
check "a push without a seq: 400" [ "$(push -H 'Authorization: Bearer t1')" = 400 ]
check "a push with interval 0: 400" [ "$(push -H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 1' -H 'X-Podboot-Interval: 0')" = 400 ]
check "an unknown Content-Encoding: 415" [ "$(status "$RB" -X POST --data-binary "@$gz" -H 'Content-Encoding: br' -H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 1')" = 415 ]
check "gzip that is not gzip: 400" [ "$(status "$RB" -X POST --data-binary 'x 1' -H 'Content-Encoding: gzip' -H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 1')" = 400 ]
check "GET of the push path: 405" [ "$(status "$RB")" = 405 ]
check "another path: 404" [ "$(status "https://127.0.0.1:$R1/api/v1/nodes" -X POST -d x)" = 404 ]
check "a body over the limit: 413 before it is sent" [ "$(status "$RB" -X POST -H 'Content-Length: 99999999' -H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 1' -d '')" = 413 ]
check "a malformed batch: 400" [ "$(status "$RB/batch" -X POST -H 'Authorization: Bearer t1' -H 'Content-Type: application/x-podboot-batch' --data-binary 'PUSH t 1 15 0 gzip 99')" = 400 ]
# Ambiguous framing, as a smuggler sends it (openssl as the raw client).
raw_status() {
	printf "POST /api/v1/push HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer t1\r\nX-Podboot-Seq: 1\r\n%sContent-Encoding: gzip\r\n\r\nabc" "$1" |
		timeout "$(deadline 10)" openssl s_client -quiet -connect "127.0.0.1:$R1" \
		-CAfile "$ROOT" 2>/dev/null | head -1 | cut -d' ' -f2
}
for framing in 'Content-Length: 3\r\nContent-Length: 3\r\n' \
	'Content-Length: 3\r\nContent-Length: 4\r\n' \
	'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n' \
	'Content-Length: 3, 3\r\n' 'Content-Length: +3\r\n'; do
	check "ambiguous framing ($framing): 400" [ "$(raw_status "$framing")" = 400 ]
done
check "a push as curl sends it (Expect: 100-continue): 200" \
	[ "$(push -H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 7' -H 'Expect: 100-continue')" = 200 ]
check "answered as relayed, with its seq" grep -q '"relayed": true, "seq": 7' "$T/.body"

# A relay's spool has the same limit: 5 pushes of 400 KiB into 1 MiB.
R6=$(port_pick)
RELAY_EXTRA="--spool-max-mb 1" relay_start r6 "$R6" "$RELAY_CRT" \
	"$RELAY_KEY" "https://127.0.0.1:$DEAD"
{ printf '\037\213'; head -c 409600 /dev/urandom; } >"$T/big.gz"
for i in 1 2 3 4 5; do
	status "https://127.0.0.1:$R6/api/v1/push" -X POST --data-binary "@$T/big.gz" \
		-H 'Content-Encoding: gzip' -H 'Authorization: Bearer t1' \
		-H "X-Podboot-Seq: $i" >"$T/r6.status"
done
check "a relay's full spool drops its oldest batches" grep -q "dropping the oldest, 1$" "$T/r6.log"
check "and stays within its limit" [ "$(du -sb "$T/r6" | cut -f1)" -le $((1024 * 1024 + 4096)) ]
check "the newest push is kept" sh -c "'$AGENT' --spool-list --spool '$T/r6' | grep -q 'frame seq=5 '"
relay_stop r6
"$AGENT" --spool-list --spool "$T/r6" | sed -n 's/.*frame seq=\([0-9]*\) .*/\1/p' >"$T/r6.kept"
dropped=$(grep -c "dropping the oldest" "$T/r6.log")
check "every push is either dropped (counted in the log) or kept: $dropped + $(wc -l <"$T/r6.kept") = 5" \
	[ $((dropped + $(wc -l <"$T/r6.kept"))) = 5 ]
check "the dropped are the oldest" [ "$(head -1 "$T/r6.kept")" = $((dropped + 1)) ]
R8=$(port_pick)
ok "a relay r8 to receive what r6 kept" relay_start r8 "$R8" "$RELAY_CRT" \
	"$RELAY_KEY" "https://127.0.0.1:$DEAD"
RELAY_EXTRA="--spool-max-mb 1" relay_start r6 "$R6" "$RELAY_CRT" \
	"$RELAY_KEY" "https://127.0.0.1:$R8"
check "r6, its upstream back, replays what it kept" wait_for 30 bash -c \
	"[ \$(spooled '$T/r6') = 0 ]"
check "in order, each once" [ "$(seqs "$T/r8.log" | tr '\n' ' ')" = \
	"$(tr '\n' ' ' <"$T/r6.kept")" ]
relay_stop r6; relay_stop r8

# ---- a relay's own catch-up after an outage is paced -----------------------------
# relay_catchup NAME OPTION LIVE: relay NAME spools six pushes of 12 000
# bytes while its upstream is down, and is restarted on that spool with
# relay rq as its upstream and OPTION 80 (kbit/s: 10 000 bytes/s, a bucket
# of 16 KiB).  The cap's promise is a floor on time, not a race: past the
# bucket, 10 000 bytes take at least a second.  Then a live push of 40 000
# bytes, more than a bucket: paced (LIVE=paced) or not (LIVE=0).
relay_catchup() {
	local name=$1 opt=$2 live=$3 port i line bytes ms paced floor t0 t1
	port=$(port_pick)
	ok "$opt: relay $name, its upstream down" relay_start "$name" "$port" \
		"$RELAY_CRT" "$RELAY_KEY" "https://127.0.0.1:$DEAD"
	for i in 1 2 3 4 5 6; do
		check "$opt: push $i acknowledged by $name" [ "$(status \
			"https://127.0.0.1:$port/api/v1/push" -X POST \
			--data-binary "@$T/rp.gz" -H 'Content-Encoding: gzip' \
			-H 'Authorization: Bearer t1' -H "X-Podboot-Seq: $i")" = 200 ]
	done
	check "$opt: $name holds the six on disk" [ "$("$AGENT" --spool-list \
		--spool "$T/$name" | grep -c 'frame seq=')" = 6 ]
	relay_stop "$name"
	RQ=$(port_pick)
	: >"$T/rq.log"
	ok "$opt: relay rq, $name's upstream" relay_start rq "$RQ" "$RELAY_CRT" \
		"$RELAY_KEY" "https://127.0.0.1:$DEAD"
	t0=$(date +%s%N)
	RELAY_EXTRA="$opt 80" relay_start "$name" "$port" "$RELAY_CRT" \
		"$RELAY_KEY" "https://127.0.0.1:$RQ"
	check "$opt: $name, restarted on its spool, catches up" wait_for 60 \
		grep -q "catch-up done" "$T/$name.log"
	t1=$(date +%s%N)
	check "$opt: rq got the six, in order, each once" wait_for 10 sh -c \
		"[ \"\$(sed -n 's/.*push seq=\([0-9]*\) .*/\1/p' '$T/rq.log' | tr '\n' ' ')\" = '1 2 3 4 5 6 ' ]"
	check "$opt: marked as replays" \
		[ "$(grep -c 'push seq=[1-6] .*replay=1' "$T/rq.log")" = 6 ]
	line=$(grep -o 'catch-up done: 6 batches, [0-9]* bytes in [0-9]* ms, [0-9]* ms paced' \
		"$T/$name.log")
	bytes=$(echo "$line" | awk '{print $5}')
	ms=$(echo "$line" | awk '{print $8}')
	paced=$(echo "$line" | awk '{print $10}')
	floor=$(( (${bytes:-0} - 16384) * 1000 / 10000 ))
	check "$opt: $name logged its catch-up: 6 batches, $bytes bytes, $ms ms, $paced ms paced" \
		[ -n "$line" ] && [ "$bytes" -ge 72000 ]
	check "$opt: the catch-up took at least (bytes - bucket) / rate: $floor ms" \
		[ "${ms:-0}" -ge "$floor" ]
	# The bucket refills while a request is under way: the waits alone
	# may be shorter than the floor, never nothing, never the whole.
	check "$opt: the cap made it wait ($paced ms), within its time" \
		[ "${paced:-0}" -gt 0 ] && [ "$paced" -le "$ms" ]
	check "$opt: so did the restart to the end, by the clock outside" \
		[ $(( (t1 - t0) / 1000000 )) -ge "$floor" ]
	check "$opt: in steps of a bucket's worth, not one burst" [ "$(grep -c \
		'batches [0-9.]* delivered ([0-9]* bytes, catch-up' "$T/$name.log")" -ge 3 ]
	check "$opt: a live push to $name: 200" [ "$(status \
		"https://127.0.0.1:$port/api/v1/push" -X POST \
		--data-binary "@$T/rp-live.gz" -H 'Content-Encoding: gzip' \
		-H 'Authorization: Bearer t1' -H 'X-Podboot-Seq: 7')" = 200 ]
	check "$opt: it goes live" wait_for 20 grep -q \
		'batches [0-9.]* delivered ([0-9]* bytes, live, ' "$T/$name.log"
	line=$(grep -o 'delivered ([0-9]* bytes, live, [0-9]* ms paced' "$T/$name.log")
	paced=$(echo "$line" | awk '{print $5}')
	if [ "$live" = 0 ]; then
		check "$opt: not paced by the catch-up's cap (0 ms)" [ "$paced" = 0 ]
	else
		check "$opt: paced by the link's cap too ($paced ms)" [ "${paced:-0}" -gt 0 ]
	fi
	check "$opt: rq got it, not as a replay" wait_for 10 grep -q \
		"push seq=7 .*replay=0" "$T/rq.log"
	relay_stop "$name"; relay_stop rq
}
{ printf '\037\213'; head -c 11998 /dev/urandom; } >"$T/rp.gz"
{ printf '\037\213'; head -c 39998 /dev/urandom; } >"$T/rp-live.gz"
# The catch-up's own cap: the backlog waits for it, live batches do not.
relay_catchup rp --replay-rate-kbps 0
# The pod link's cap (shared with the cache's fetches) holds for both.
relay_catchup rw --wan-rate-kbps paced

# ---- outage: spool, then replay in order, each seq once --------------------------

R5=$(port_pick)
"$AGENT" -v --interval 1 --token-file "$T/node.tok" --ca "$ROOT" --timeout 2 \
	--spool "$T/a5" --server "https://127.0.0.1:$R5" >"$T/a5.log" 2>&1 &
A5=$!
BG_PIDS="$BG_PIDS $A5"
check "while no upstream answers, batches are spooled" \
	wait_for 20 bash -c "[ \$(spooled '$T/a5') -ge 3 ]"
check "and the outage is logged once" sh -c \
	"[ \$(grep -c 'no upstream answers' '$T/a5.log') = 1 ]"
ok "the upstream comes back" relay_start r5 "$R5" "$RELAY_CRT" \
	"$RELAY_KEY" "https://127.0.0.1:$DEAD"
# A running agent replays some of its spool each round and collects anew
# every second: whether it ever catches up depends on how fast the relay's
# disk is.  So the running agent must start the replay, oldest first; then
# --once (no deadline on the replay) must deliver all that is left.
check "the running agent replays its spool, oldest first" wait_for 90 \
	grep -q "push seq=1 interval=1 replay=1" "$T/r5.log"
kill -TERM "$A5"
wait "$A5"
check "the agent stops cleanly on SIGTERM" [ $? = 0 ]
check "saying what its spool keeps" \
	grep -q "stopping: [0-9]* batches in the spool" "$T/a5.log"
ok "--once on that spool delivers what is left, then its own batch" \
	"${ONCE[@]}" --interval 1 --spool "$T/a5" \
	--server "https://127.0.0.1:$R5"
check "the spool is emptied" [ "$(spooled "$T/a5")" = 0 ]
# The relay may log its last push after answering it.
wait_for 10 sh -c "grep 'push seq=' '$T/r5.log' | tail -1 | grep -q 'replay=0'"
n=$(seqs "$T/r5.log" | wc -l)
check "every seq arrived exactly once, in order (1..$n)" \
	[ "$(seqs "$T/r5.log" | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')" ]
check "the spooled ones as replays" grep -q "push seq=1 interval=1 replay=1" "$T/r5.log"
check "the fresh one not" grep -q "push seq=$n interval=1 replay=0" "$T/r5.log"

# ---- the spool limit drops the oldest, and counts them ------------------------------

# 4096 CPUs make each batch about 100 KiB: 1 MiB holds some, not all.
awk 'BEGIN { srand(7); print "cpu 1 2 3 4 5 6 7 8 9 10";
	for (i = 0; i < 4096; i++) { printf "cpu%d", i;
		for (j = 0; j < 10; j++) printf " %d", int(rand() * 1e12); print "" } }' \
	>"$P/stat"
"$AGENT" -v --interval 1 --token-file "$T/node.tok" --ca "$ROOT" --timeout 2 \
	--spool "$T/a6" --spool-max-mb 1 --procfs "$P" \
	--server "https://127.0.0.1:$DEAD" >"$T/a6.log" 2>&1 &
A6=$!
BG_PIDS="$BG_PIDS $A6"
check "a full spool drops its oldest batch" \
	wait_for 60 grep -q "dropping the oldest, 1$" "$T/a6.log"
wait_for 10 grep -q "dropping the oldest, 2$" "$T/a6.log"
kill -TERM "$A6"
wait "$A6"
check "the spool stays within its limit" [ "$(du -sb "$T/a6" | cut -f1)" -le $((1024 * 1024 + 4096)) ]
"$AGENT" --spool-list --spool "$T/a6" >"$OUT" 2>"$ERR"
check "seq 1 is gone" sh -c "! grep -q '^1 ' '$OUT'"
last=$(awk '/interval=/ {s = $1} END {print s}' "$OUT")
ok "the newest batch" "$AGENT" --spool-show "$last" --spool "$T/a6"
check "counts the dropped batches" grep -q "^podboot_agent_spool_dropped_total [1-9]" "$OUT"
check "and the failed pushes" grep -q "^podboot_agent_push_failures_total [1-9]" "$OUT"

# ---- relay: acks mean on disk, batching, relay chains, replay marks -----------

R7=$(port_pick)
# What r7 holds goes upstream in one request.  r1 is down while both pushes
# are taken, so the two batches are on r7's disk, whatever the load, before
# r1 comes back.
relay_stop r1
check "r1 stops cleanly on SIGTERM" [ $? = 0 ]
ok "relay r7 forwards to relay r1, gathering pushes for 2 s" relay_start r7 \
	"$R7" "$RELAY_CRT" "$RELAY_KEY" "https://127.0.0.1:$R1"
before=$(grep -c 'push seq=' "$T/r1.log")
ok "agent -> r7 (r1 down)" "${ONCE[@]}" --spool "$T/a7" --server "https://127.0.0.1:$R7"
ok "and once more at once" "${ONCE[@]}" --spool "$T/a7" --server "https://127.0.0.1:$R7"
check "r7 holds both, on disk" [ "$(spooled "$T/r7")" = 2 ]
ok "r1 back" relay_start r1 "$R1" "$RELAY_CRT" "$RELAY_KEY" \
	"https://127.0.0.1:$DEAD"
# r1 logs each push before r7 reads r1's answer and logs its delivery: wait
# for r7's word, then count what r1 took.
check "r7 delivers what it held" wait_for 40 grep -q "batches .* delivered" \
	"$T/r7.log"
check "in one upstream request" grep -q "batches 1\.\.2 delivered" "$T/r7.log"
check "r1 got both pushes, once" \
	[ "$(grep -c 'push seq=' "$T/r1.log")" = $((before + 2)) ]
check "r7's spool is empty" wait_for 10 bash -c "[ \$(spooled '$T/r7') = 0 ]"
relay_stop r1
check "r1 stops again cleanly" [ $? = 0 ]
ok "while r1 is down, r7 still takes pushes" \
	"${ONCE[@]}" --spool "$T/a7" --server "https://127.0.0.1:$R7"
check "and has them on disk when it answers" [ "$(spooled "$T/r7")" -ge 1 ]
check "it keeps them while r1 is down" wait_for 5 grep -q "no upstream answers" "$T/r7.log"
ok "r1 back" relay_start r1 "$R1" "$RELAY_CRT" "$RELAY_KEY" \
	"https://127.0.0.1:$DEAD"
check "r7 replays its spool to r1" wait_for 40 bash -c "[ \$(spooled '$T/r7') = 0 ]"
check "marking the late pushes as replays" wait_for 5 grep -q \
	"push seq=3 interval=15 replay=1" "$T/r1.log"
relay_stop r7
check "r7 stops cleanly" [ $? = 0 ]
# ---- with podboot serve: the push API ------------------------------------------

# node_health: the node demo-1 as the server's API shows it.
node_health() {
	curl -sS --cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" \
		"$BASE/api/v1/nodes/demo-1"
}

RS=pbt_$(openssl rand -hex 32)
RH=$(printf %s "$RS" | sha256sum | cut -c1-64)
sed -i "s/scopes = \[ \"rearm\", \"status\", \"bmc\" \]; }/&,\n  { name = \"relay\"; sha256 = \"$RH\"; scopes = [ \"relay\" ]; }/" \
	"$SITE/podboot.conf"
printf '%s\n' "$RS" >"$T/relay.tok"
if ! server_start; then
	echo "FAIL - podboot serve did not start"; FAIL=$((FAIL + 1))
elif [ "$(status "$BASE/api/v1/push" -X POST -d x)" = 404 ]; then
	# The push API is part of the server: its absence is a failure.
	echo "FAIL - podboot serve does not serve POST /api/v1/push"
	FAIL=$((FAIL + 1))
else
	Q="mac=52:54:00:00:00:01&platform=pcbios&buildarch=i386"
	ks=$(C "$BASE/boot/stage2.ipxe?$Q" | grep -o 'ks=[^ ]*' | cut -d= -f2)
	printf '%s\n' "${ks##*/}" >"$T/node.tok"
	ok "--once to the server: delivered" "${ONCE[@]}" -v --spool "$T/s1" --server "$BASE"
	check "the server answered with the node and seq" grep -q '"seq": 1' "$ERR"
	check "the server exposes the node's series" sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' | grep -q '^node_load1{.*node=\"demo-1\"'"
	printf 'pbt_not_a_node_token\n' >"$T/bad.tok"
	chmod 600 "$T/bad.tok"
	"$AGENT" --once --token-file "$T/bad.tok" --ca "$ROOT" --spool "$T/s2" \
		--server "$BASE" >"$OUT" 2>"$ERR"
	check "a bad token: refused (exit 1)" [ $? = 1 ]
	check "the server's 401 is reported" grep -q "refused batch 1 for good: HTTP 401" "$ERR"
	check "and the batch is dropped, not kept to retry" [ "$(spooled "$T/s2")" = 0 ]

	# Agent -> relay -> server, the relay holding its token.
	R9=$(port_pick)
	ok "a relay in front of the server" relay_start r9 "$R9" \
		"$RELAY_CRT" "$RELAY_KEY" "$BASE"
	ok "--once through the relay to the server" \
		"${ONCE[@]}" --spool "$T/s1" --server "https://127.0.0.1:$R9"
	check "the server accepted the relay's batch" wait_for 10 grep -q \
		'batch 1: HTTP 200 .*"frames"' "$T/r9.log"
	check "and the frame" grep -q '"status": 200' "$T/r9.log"
	"$AGENT" --once --token-file "$T/bad.tok" --ca "$ROOT" --spool "$T/s2" \
		--server "https://127.0.0.1:$R9" >"$OUT" 2>"$ERR"
	check "a bad token through the relay: the relay reports the 401" \
		wait_for 10 grep -q "upstream refused push seq [0-9]* .*status 401" "$T/r9.log"

	# Outage of the server: the agent spools, then replays; the server
	# never sees a seq twice.
	"$AGENT" -v --interval 1 --token-file "$T/node.tok" --ca "$ROOT" \
		--timeout 2 --spool "$T/s1" --server "$BASE" >"$T/s1.log" 2>&1 &
	A10=$!
	BG_PIDS="$BG_PIDS $A10"
	wait_for 10 grep -q "HTTP 200" "$T/s1.log"
	server_stop
	check "server down: batches spooled" wait_for 20 bash -c "[ \$(spooled '$T/s1') -ge 3 ]"
	server_start
	wait_for 30 bash -c "[ \$(spooled '$T/s1') = 0 ]"
	replayed=$?
	check "server up: the spool is replayed" [ "$replayed" = 0 ]
	if [ "$replayed" != 0 ]; then
		# What the agent saw, for the log of a failed run.
		ls "$T/s1" | sed 's/^/       | spool: /'
		tail -15 "$T/s1.log" | sed 's/^/       | /'
	fi
	# Replays are history: the agent's own health (its failed pushes)
	# reaches the server with its next live batch, so wait for it while
	# the agent still runs.
	check "the agent's health reached the server" wait_for 20 sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' |
		 grep -q '^podboot_agent_push_failures_total{.*node=\"demo-1\"} [1-9]'"
	kill -TERM "$A10"
	wait "$A10"
	sed -n 's/.*: batch \([0-9]*\): HTTP 200 .*/\1/p' "$T/s1.log" >"$T/s1.seqs"
	check "each batch was accepted once, in order" \
		[ "$(tr '\n' ' ' <"$T/s1.seqs")" = "$(sort -n -u "$T/s1.seqs" | tr '\n' ' ')" ]
	check "none was a duplicate" sh -c "! grep -q '\"duplicate\": true' '$T/s1.log'"
	# A batch the agent lost would be a hole in the server's sequence.
	node_health > "$T/h1.json"
	check "the server saw every seq: no gap" jq -e '.health.gaps == 0' "$T/h1.json"
	check "up to the agent's last" [ "$(jq .health.last_seq "$T/h1.json")" = \
		"$(tail -1 "$T/s1.seqs")" ]
	relay_stop r9

	# A relay killed (-9) while its spool holds acknowledged batches
	# forwards them after its restart: each once, no gap.
	RK=$(port_pick)
	ok "relay rk, its upstream held back" relay_start rk "$RK" \
		"$RELAY_CRT" "$RELAY_KEY" "https://127.0.0.1:$DEAD"
	node_health >"$T/h2.json"
	last=$(jq .health.last_seq "$T/h2.json")
	dups=$(jq .health.duplicates "$T/h2.json")
	for i in 1 2 3; do
		"${ONCE[@]}" --spool "$T/s1" --server "https://127.0.0.1:$RK" \
			>"$OUT" 2>"$ERR"
		check "push $i acknowledged by rk" [ $? = 0 ]
	done
	check "rk holds the three on disk" wait_for 10 bash -c \
		"[ \$('$AGENT' --spool-list --spool '$T/rk' | grep -c 'frame seq=') = 3 ]"
	kill -KILL "$rk_PID"
	wait "$rk_PID" 2>/dev/null
	ok "rk restarts on its spool, upstream the server" relay_start rk "$RK" \
		"$RELAY_CRT" "$RELAY_KEY" "$BASE"
	check "and forwards what it held" wait_for 20 bash -c \
		"[ \$(spooled '$T/rk') = 0 ]"
	check "the server got the three: last seq $((last + 3))" wait_for 10 sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
		 '$BASE/api/v1/nodes/demo-1' | jq -e '.health.last_seq == $((last + 3))'"
	node_health >"$T/h3.json"
	check "each once: no gap, no duplicate" jq -e \
		".health.gaps == 0 and .health.duplicates == $dups" "$T/h3.json"
	relay_stop rk

	# An agent whose sequence file is lost counts from 1 again, in a new
	# epoch: its next push is stored at once; a replay of that push (same
	# epoch, same seq) is still a duplicate.
	check "the agent's sequence file holds its epoch" grep -q \
		'^PODBOOT-SPOOL-SEQ [0-9]* [1-9][0-9]*$' "$T/s1/seq"
	old_epoch=$(cut -d' ' -f3 "$T/s1/seq")
	rm "$T/s1/seq"
	printf 'cpu  300 10 110 3000 5 1 2 3 4 0\ncpu0 300 10 110 3000 5 1 2 3 4 0\nbtime 1700000000\n' >"$P/stat"
	echo "3.25 0.25 0.10 1/123 4567" >"$P/loadavg"
	ok "the agent, its sequence file lost, pushes" "${ONCE[@]}" -v \
		--procfs "$P" --spool "$T/s1" --server "$BASE"
	check "as seq 1, not a duplicate" grep -q '"seq": 1, .*"duplicate": false' "$ERR"
	new_epoch=$(cut -d' ' -f3 "$T/s1/seq")
	check "in a new epoch" test -n "$new_epoch" -a "$new_epoch" != "$old_epoch"
	check "the node's sample is the new one" wait_for 5 sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' |
		 grep -q '^node_load1{.*node=\"demo-1\"} 3.25$'"
	check "and the node is up" sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' |
		 grep -q '^podboot_node_up{.*node=\"demo-1\"} 1$'"
	echo "9.75 0.25 0.10 1/123 4567" >"$P/loadavg"
	"$AGENT" --print --procfs "$P" 2>/dev/null | gzip >"$T/replay.gz"
	check "a replay of seq 1 in that epoch: 200" [ "$(status "$BASE/api/v1/push" \
		-X POST --data-binary "@$T/replay.gz" -H 'Content-Encoding: gzip' \
		-H "Authorization: Bearer $(cat "$T/node.tok")" -H 'X-Podboot-Seq: 1' \
		-H "X-Podboot-Epoch: $new_epoch")" = 200 ]
	check "is a duplicate" grep -q '"duplicate": true' "$T/.body"
	check "and changes nothing" sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/metrics' |
		 grep -q '^node_load1{.*node=\"demo-1\"} 3.25$'"
	check "an epoch that is not a number: 400" [ "$(status "$BASE/api/v1/push" \
		-X POST --data-binary "@$T/replay.gz" -H 'Content-Encoding: gzip' \
		-H "Authorization: Bearer $(cat "$T/node.tok")" -H 'X-Podboot-Seq: 2' \
		-H "X-Podboot-Epoch: -1")" = 400 ]

	# Through a relay, the epoch travels in the frame.
	RE=$(port_pick)
	ok "relay re in front of the server" relay_start re "$RE" \
		"$RELAY_CRT" "$RELAY_KEY" "$BASE"
	rm "$T/s1/seq"
	ok "the agent, its sequence file lost again, pushes through re" \
		"${ONCE[@]}" --spool "$T/s1" --server "https://127.0.0.1:$RE"
	check "the server takes seq 1 of the new epoch as new" wait_for 10 grep -q \
		'batch 1: HTTP 200 .*"seq": 1, .*"duplicate": false' "$T/re.log"
	relay_stop re

	# Relay failover: the active relay is killed under steady pushes;
	# they go on through the standby.  Restarted, the killed relay
	# forwards what it had acknowledged: the server sees no gap.
	RA=$(port_pick)
	RB=$(port_pick)
	ok "active relay" relay_start ra "$RA" "$RELAY_CRT" \
		"$RELAY_KEY" "$BASE"
	ok "standby relay" relay_start rb "$RB" "$RELAY_CRT" \
		"$RELAY_KEY" "$BASE"
	"$AGENT" -v --interval 1 --token-file "$T/node.tok" --ca "$ROOT" \
		--timeout 2 --spool "$T/s3" --server "https://127.0.0.1:$RA" \
		--server "https://127.0.0.1:$RB" >"$T/s3.log" 2>&1 &
	A11=$!
	BG_PIDS="$BG_PIDS $A11"
	check "pushes flow through the active relay" wait_for 15 bash -c \
		"[ \$(grep -c 'push seq=' '$T/ra.log') -ge 2 ]"
	kill -KILL "$ra_PID"
	wait "$ra_PID" 2>/dev/null
	check "the active relay killed, pushes continue through the standby" \
		wait_for 20 bash -c "[ \$(grep -c 'push seq=' '$T/rb.log') -ge 3 ]"
	check "and the standby forwards them to the server" wait_for 15 grep -q \
		'"status": 200' "$T/rb.log"
	kill -TERM "$A11"
	wait "$A11"
	ok "the killed relay restarts on its spool" relay_start ra "$RA" \
		"$RELAY_CRT" "$RELAY_KEY" "$BASE"
	check "and drains it" wait_for 20 bash -c "[ \$(spooled '$T/ra') = 0 ]"
	check "the server saw no gap in the node's sequence" wait_for 10 sh -c \
		"curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
		 '$BASE/api/v1/nodes/demo-1' | jq -e '.health.gaps == 0' >/dev/null"
	relay_stop ra; relay_stop rb
fi
relay_stop r1; relay_stop r5
check "no sanitizer report in any agent or relay log" sh -c \
	"! grep -l -e 'runtime error' -e 'Sanitizer' '$T'/*.log"

finish
