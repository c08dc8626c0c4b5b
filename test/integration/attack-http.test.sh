# attack-http.test.sh: a scanner that never finishes its TLS handshake
# (issue 9.1), the per-client connection limit, ambiguous framing and %00
# (issue 9.10), refused from the attacker's side while the server serves.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

HOLD=$(dirname "$0")/tools/hold-conns.py
site_init "$T/site"
sed -i 's/max_connections = 1024;/max_connections = 64;/; s/timeout_s = 30;/timeout_s = 2;/' \
	"$SITE/podboot.conf"
sed -i 's/^\(\s*\)timeout_s = 2;/&\n\1max_per_client = 24;/' "$SITE/podboot.conf"
ok "server starts (max_connections 64, max_per_client 24, timeout_s 2)" server_start
grep -q 'max_per_client = 24' "$SITE/podboot.conf"
check "the test configuration sets max_per_client" [ $? = 0 ]

# cpu_ticks: user + system clock ticks the server has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

# 80 silent or half-ClientHello connections from 127.0.0.2 (above
# max_connections), while 127.0.0.1 asks /healthz.
"$HOLD" 127.0.0.1 "$PORT" 127.0.0.2 80 "$(deadline 20)" 2 >"$T/hold.out" 2>&1 &
hold=$!
healthy=0
while kill -0 "$hold" 2>/dev/null; do
	if [ "$(status "$BASE/healthz" --max-time 5)" = 200 ]; then
		healthy=$((healthy + 1))
	else
		healthy=-1000
	fi
done
wait "$hold"
hold_rc=$?
check "every silent connection was closed by the server ($(cat "$T/hold.out"))" \
	[ "$hold_rc" = 0 ]
check "one address held at most max_per_client of them" \
	sh -c "awk '{exit !(\$2 <= 24)}' '$T/hold.out'"
check "/healthz answered 200 throughout ($healthy times)" [ "$healthy" -gt 0 ]
check "and after" [ "$(status "$BASE/healthz")" = 200 ]
# The workers are idle again: over two seconds with nothing to do, the
# server uses at most a fraction of one CPU (a spinning worker uses all).
# (The sleep is the measurement window, not a wait for an event.)
t0=$(cpu_ticks)
sleep 2
t1=$(cpu_ticks)
check "the server is idle afterwards ($((t1 - t0)) ticks in ~2 s)" [ $((t1 - t0)) -lt 60 ]

# Ambiguous framing and NUL in a path: 400, and the server goes on.
up() { status "$BASE/api/v1/artifacts/os/frame-$1" -H "Authorization: Bearer $CI_TOKEN" "${@:2}"; }
printf 'abcdefgh' >"$T/body"
check "two different Content-Length headers: 400" \
	[ "$(up two --data-binary @"$T/body" -H 'Content-Length: 8' -H 'Content-Length: 4' -X PUT)" = 400 ]
check "Content-Length with Transfer-Encoding: 400" \
	[ "$(up te --data-binary @"$T/body" -H 'Transfer-Encoding: chunked' -H 'Content-Length: 8' -X PUT)" = 400 ]
check "%00 in a path: 400" [ "$(status "$BASE/boot/stage2.ipxe%00.sig?mac=52:54:00:00:00:01")" = 400 ]
check "a plain upload is still 201" \
	[ "$(up plain --data-binary @"$T/body" -X PUT)" = 201 ]

# SIGTERM drains promptly even after the flood.
kill -TERM "$SERVER_PID"
wait_for 15 sh -c "! kill -0 $SERVER_PID"
check "SIGTERM ends the server within 15 s" [ $? = 0 ]
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
finish
