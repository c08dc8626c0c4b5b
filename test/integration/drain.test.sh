# drain.test.sh: a daemon that stops accepting (a reload's old one, or all
# of them at SIGTERM) lets keep-alive clients go: its answers say
# "Connection: close", and once no request has been in flight for a
# second it stops, closing idle connections, rather than waiting for them
# for 30 seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOOLS=$(dirname "$0")/tools
BG_PIDS=""
trap 'for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
      server_stop KILL; rm -rf "$T"' EXIT

# answers FILE: the answers keepalive.py counted so far (0 before any).
answers() { awk '{ print $2 }' "$1" 2>/dev/null || echo 0; }
# field FILE NAME: one of its counts.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }
# client NAME MODE: keepalive.py asking /healthz; PID in $NAME_PID.
client() {
	python3 "$TOOLS/keepalive.py" "$PORT" "$ROOT" /healthz "$T/$1" "$2" \
		>"$T/$1.log" 2>&1 &
	eval "${1}_PID=$!"
	BG_PIDS="$BG_PIDS $!"
}

site_init "$T/site"
ok "server starts" server_start

# ---- a reload: the old daemon's answers close, the client moves on --------------
client r reconnect
check "a keep-alive client asks again and again on one connection" \
	wait_for 20 sh -c "[ \$(awk '{ print \$2 }' '$T/r' 2>/dev/null || echo 0) -ge 20 ]"
check "and no answer closed it" [ "$(field "$T/r" closes)" = 0 ]
kill -HUP "$SERVER_PID"
check "a reload" wait_for 20 grep -q 'reloaded' "$SITE/serve.log"
check "the old daemon's next answer closed the client's connection" \
	wait_for 20 sh -c "[ \$(awk '{ print \$4 }' '$T/r') -ge 1 ]"
n=$(answers "$T/r")
check "the client goes on, answered by the new daemon" \
	wait_for 20 sh -c "[ \$(awk '{ print \$2 }' '$T/r') -ge $((n + 20)) ]"
touch "$T/r.stop"
wait_for 20 sh -c "! kill -0 $r_PID"
wait "$r_PID"
check "the client saw no connection cut (exit 0)" [ $? = 0 ]
check "no cut counted" [ "$(field "$T/r" cuts)" = 0 ]

# ---- SIGTERM: one client keeps asking, another holds an idle connection ----------
client l loop
client i idle
check "one client asks again and again" \
	wait_for 20 sh -c "[ \$(awk '{ print \$2 }' '$T/l' 2>/dev/null || echo 0) -ge 20 ]"
check "another was answered and holds its connection, idle" \
	wait_for 20 sh -c "[ \$(awk '{ print \$2 }' '$T/i' 2>/dev/null || echo 0) = 1 ]"
kill -TERM "$SERVER_PID"
check "SIGTERM ends the server within 10 s, not the 30 s the clients could hold it" \
	wait_for 10 sh -c "! kill -0 $SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
check "exit 0" [ $? = 0 ]
SERVER_PID=
wait "$l_PID"
check "the asking client's last answer said Connection: close (no cut)" [ $? = 0 ]
check "counted once" sh -c "[ $(field "$T/l" closes) = 1 ] && [ $(field "$T/l" cuts) = 0 ]"
wait "$i_PID"
check "the idle connection was closed by the server" grep -q idle-closed "$T/i"
check "the log says so" grep -q 'draining' "$SITE/serve.log"
finish
