# cache-fanout.test.sh: the relay's cache serves many machines at once
# (--cache-workers: a fixed pool of streaming threads, each polling its
# connections without blocking).  Machines that stop reading in the middle
# of a download hold up no one: with four of them stalled over two
# workers, a fifth machine gets the whole artifact, the relay still
# answers, and then the stalled four get theirs whole too.  The four were
# spread over both workers (two each, unless the first read's connection
# was still being handed back).  The relay's children, killed meanwhile, are
# forked again from the threaded listener without harm.  No outcome depends on the clock: each wait
# is for an event, with a deadline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

AGENT=${AGENT:-$(dirname "$PODBOOT")/podboot-agent}
TOOLS=$(dirname "$0")/tools
BG_PIDS=""
trap 'for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
      server_stop KILL; rm -rf "$T"' EXIT

# relay NAME WORKERS: a relay caching into $T/NAME.cache with WORKERS
# streaming threads; its port in $NAME_RP, its PID in $NAME_PID.
relay() {
	local port pid
	port=$(port_pick)
	"$AGENT" --relay -v --listen "127.0.0.1:$port" --cert "$T/relay-chain.crt" \
		--key "$T/relay.key" --relay-token-file "$T/relay.tok" --ca "$ROOT" \
		--timeout 5 --spool "$T/$1.spool" --cache-dir "$T/$1.cache" \
		--cache-workers "$2" --server "https://127.0.0.1:$PORT" \
		>>"$T/$1.log" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	eval "${1}_RP=$port ${1}_PID=$pid"
	wait_up 10 "$pid" curl -fs --cacert "$ROOT" "https://127.0.0.1:$port/healthz"
}

# workers PID: the names of the process's cache-worker threads, sorted.
workers() { cat /proc/"$1"/task/*/comm 2>/dev/null | grep '^cache-worker-' | sort | paste -sd' ' -; }

# streamed_by LOG FROM N: how many answers after line FROM of LOG went to
# worker N.
streamed_by() { tail -n "+$(($2 + 1))" "$1" | grep -c "streamed by worker $3\$"; }

site_init "$T/site"
RS=pbt_$(openssl rand -hex 32)
RH=$(printf %s "$RS" | sha256sum | cut -c1-64)
sed -i "s/scopes = \[ \"rearm\", \"status\", \"bmc\" \]; }/&,\n  { name = \"relay\"; sha256 = \"$RH\"; scopes = [ \"relay\" ]; }/" \
	"$SITE/podboot.conf"
ok "server starts" server_start
ok "a relay certificate" "$PODBOOT" keys issue-server --dir "$SITE/keys" \
	--name relay.pod.test --ip 127.0.0.1 --out "$T/relay"
printf '%s\n' "$RS" >"$T/relay.tok"
chmod 600 "$T/relay.tok"

# 12 MB: more than a stalled reader's socket buffers on both sides hold,
# so the relay cannot finish any of them while they do not read.
head -c 12000000 /dev/urandom >"$T/big"
SUM=$(sha256sum "$T/big" | cut -d' ' -f1)
check "a 12 MB artifact is published" [ "$(status "$BASE/api/v1/artifacts/os/big" \
	-T "$T/big" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
URL=/artifacts/os/big@sha256:$SUM

# usage N: --cache-workers N is refused as a usage error (exit 2), named.
usage() {
	"$AGENT" --relay --cache-workers "$1" --check 2>"$T/usage.err"
	[ $? = 2 ] && grep -q -- "--cache-workers $1" "$T/usage.err"
}
ok "--cache-workers 0 is a usage error" usage 0
ok "--cache-workers 17 is a usage error" usage 17

ok "relay f1 starts with a cache and two streaming threads" relay f1 2
check "it runs two cache-worker threads" [ "$(workers "$f1_PID")" = "cache-worker-1 cache-worker-2" ]
ok "a first read fills the cache" curl -fsS --max-time "$(deadline 60)" \
	--cacert "$ROOT" -o "$T/first" "https://127.0.0.1:$f1_RP$URL"
check "byte-identical" cmp -s "$T/big" "$T/first"

# ---- four machines stop reading; a fifth is served meanwhile ---------------
from=$(wc -l <"$T/f1.log")
python3 "$TOOLS/stall-readers.py" "$f1_RP" "$ROOT" "$URL" 4 "$T/go" \
	"$(deadline 120)" >"$T/stall.out" 2>&1 &
STALL=$!
BG_PIDS="$BG_PIDS $STALL"
ok "four machines start the download and stop reading" \
	wait_for 30 grep -qx "held 4" "$T/stall.out"
ok "the relay handed all four to its workers" wait_for 10 \
	sh -c "[ \$(tail -n +$((from + 1)) '$T/f1.log' | grep -c 'streamed by worker') = 4 ]"
w1=$(streamed_by "$T/f1.log" "$from" 1)
w2=$(streamed_by "$T/f1.log" "$from" 2)
check "spread over both workers ($w1 and $w2: the least loaded takes the next)" \
	sh -c "[ $w1 -ge 1 ] && [ $w2 -ge 1 ] && [ $((w1 + w2)) = 4 ]"
# The children restart by fork() while the workers stream: a child must
# not trip over a connection a worker holds, and the stream goes on.
kids=$(ps -o pid= --ppid "$f1_PID" | tr -d ' ' | paste -sd' ' -)
check "the relay has its two children (forwarder, fetcher)" [ "$(echo $kids | wc -w)" = 2 ]
kill -KILL $kids 2>/dev/null
ok "killed while the four are held, both are forked again" wait_for 20 sh -c \
	"grep -q 'forwarder exited' '$T/f1.log' && grep -q 'cache fetcher exited' '$T/f1.log' &&
	 [ \$(ps -o pid= --ppid $f1_PID | wc -l) = 2 ]"
check "the new children are new processes" sh -c \
	"! ps -o pid= --ppid $f1_PID | tr -d ' ' | grep -qxF -e ${kids// / -e }"
ok "while they hold, a fifth machine gets the whole artifact" curl -fsS \
	--max-time "$(deadline 60)" --cacert "$ROOT" -o "$T/fifth" \
	"https://127.0.0.1:$f1_RP$URL"
check "byte-identical" cmp -s "$T/big" "$T/fifth"
check "the four are still held (nothing more from them)" \
	[ "$(cat "$T/stall.out")" = "held 4" ]
ok "and the relay's listener still answers" curl -fsS --max-time "$(deadline 10)" \
	--cacert "$ROOT" -o /dev/null "https://127.0.0.1:$f1_RP/healthz"
touch "$T/go"
ok "then the four read on: each gets the whole artifact" \
	wait_for 60 grep -qx "whole 4 of 4" "$T/stall.out"
check "all four byte-identical" \
	[ "$(grep -c "^conn [0-3] status 200 bytes 12000000 sha256 $SUM\$" "$T/stall.out")" = 4 ]
wait "$STALL" 2>/dev/null

# ---- one worker: its own poll over every connection -------------------------
ok "relay f2 starts with one streaming thread" relay f2 1
check "it runs one cache-worker thread" [ "$(workers "$f2_PID")" = "cache-worker-1" ]
ok "a first read fills its cache" curl -fsS --max-time "$(deadline 60)" \
	--cacert "$ROOT" -o /dev/null "https://127.0.0.1:$f2_RP$URL"
rm -f "$T/go"
python3 "$TOOLS/stall-readers.py" "$f2_RP" "$ROOT" "$URL" 3 "$T/go" \
	"$(deadline 120)" >"$T/stall2.out" 2>&1 &
STALL=$!
BG_PIDS="$BG_PIDS $STALL"
ok "three machines stop reading" wait_for 30 grep -qx "held 3" "$T/stall2.out"
ok "a fourth, on the same worker, gets the whole artifact" curl -fsS \
	--max-time "$(deadline 60)" --cacert "$ROOT" -o "$T/fourth" \
	"https://127.0.0.1:$f2_RP$URL"
check "byte-identical" cmp -s "$T/big" "$T/fourth"
check "the three are still held" [ "$(cat "$T/stall2.out")" = "held 3" ]
touch "$T/go"
ok "then the three get it whole" wait_for 60 grep -qx "whole 3 of 3" "$T/stall2.out"
wait "$STALL" 2>/dev/null

kill -TERM "$f1_PID" "$f2_PID"
ok "both relays stop on TERM (the workers joined)" wait_for 10 \
	bash -c "$(declare -f proc_alive); ! proc_alive $f1_PID && ! proc_alive $f2_PID"
check "no relay token in the server's log or the relays' logs" sh -c \
	"! grep -qF '$RS' '$SITE/serve.log' $T/f*.log"
check "no sanitizer report in any relay log" sh -c \
	"! grep -l 'ERROR: AddressSanitizer\|runtime error:\|ThreadSanitizer' '$T'/f*.log"

finish
