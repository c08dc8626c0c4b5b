# attack-http.test.sh: the HTTPS front under attack from unauthenticated
# clients: silent and half-handshake connections, ambiguous framing, weak
# TLS suites, and slow bulk readers.  Every client is on loopback; other
# addresses of 127/8 (127.0.0.2, ...) stand for other clients.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
sed -i 's/max_connections = 1024;/max_connections = 12;/
	s/timeout_s = 30;/timeout_s = 3;\n    max_per_client = 4;\n    reserve_connections = 4;\n    min_rate_kib = 64;\n    rate_window_s = 3;/' \
	"$SITE/podboot.conf"
ok "server starts" server_start

now_ms() { date +%s%3N; }

# hold ID [ADDR [BYTES]]: a raw TCP connection from ADDR that sends BYTES
# (printf format) and then nothing; $T/closed.ID gets the time the server
# closed it (curl's telnet client exits at the server's EOF).  Its stdin
# is a FIFO this shell keeps open, so the client never ends it itself.
HOLD_FDS=
hold() {
	local id=$1 addr=${2:-127.0.0.1} fd
	mkfifo "$T/in.$id"
	exec {fd}<>"$T/in.$id"
	HOLD_FDS="$HOLD_FDS $fd"
	[ -n "${3:-}" ] && printf "$3" >&"$fd"
	( curl -s --interface "$addr" "telnet://127.0.0.1:$PORT" \
		<"$T/in.$id" >/dev/null 2>&1; now_ms >"$T/closed.$id" ) &
}
release_holds() {
	local fd
	for fd in $HOLD_FDS; do exec {fd}>&-; done
	HOLD_FDS=
}

# cpu_ticks PID: user + system clock ticks the process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# ---- 1. silent and half-handshake connections are timed out ---------------
# 16 silent connections from one address (more than max_connections: the
# per-client limit admits 4 and turns the rest away), and 4 that stop in
# the middle of a ClientHello from another.  Each must be closed by the
# server within timeout_s + 5 s, /healthz must answer a third client all
# along, and the server's CPU must fall back to idle.  (With MHD_USE_TURBO
# none was ever closed and each held worker spun at 100%.)
HALF='\026\003\001\002\000\001\000\001\374\003\003'
start=$(now_ms)
for i in $(seq 1 16); do hold "idle$i"; done
for i in 1 2 3 4; do hold "half$i" 127.0.0.3 "$HALF"; done
health_bad=0 health_n=0
deadline=$((start + 8000))
while [ "$(now_ms)" -lt "$deadline" ] &&
	[ "$(ls "$T"/closed.* 2>/dev/null | wc -l)" -lt 20 ]; do
	s=$(curl -s --interface 127.0.0.2 --cacert "$ROOT" -m 2 -o /dev/null \
		-w '%{http_code}' "$BASE/healthz")
	health_n=$((health_n + 1))
	[ "$s" = 200 ] || health_bad=$((health_bad + 1))
done
n=$(ls "$T"/closed.* 2>/dev/null | wc -l)
check "all 20 held connections closed by the server within timeout + 5 s ($n)" \
	[ "$n" = 20 ]
late=0
for f in "$T"/closed.*; do
	[ -f "$f" ] && [ "$(cat "$f")" -le "$deadline" ] || late=$((late + 1))
done
check "none closed late ($late)" [ "$late" = 0 ]
check "/healthz answered 200 throughout ($health_bad of $health_n failed)" \
	[ "$health_bad" = 0 ] && [ "$health_n" -gt 0 ]
# CPU over a 2 s window once they are gone: a spinning worker would use
# some 200 ticks; an idle server a handful.
t0=$(cpu_ticks "$SERVER_PID")
end=$(($(now_ms) + 2000))
while [ "$(now_ms)" -lt "$end" ]; do sleep 0.1; done
used=$(($(cpu_ticks "$SERVER_PID") - t0))
check "the server's CPU is back to idle ($used ticks in 2 s)" [ "$used" -lt 30 ]
check "and /healthz still answers" [ "$(status "$BASE/healthz")" = 200 ]
release_holds
# SIGTERM drains promptly (it used to hang behind the spinning workers).
kill -TERM "$SERVER_PID"
deadline=$(($(now_ms) + 10000))
while kill -0 "$SERVER_PID" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.1
done
check "SIGTERM: the server exits within 10 s" sh -c "! kill -0 $SERVER_PID 2>/dev/null"
server_stop KILL
ok "server starts again" server_start

# ---- 10. ambiguous framing and %00 ----------------------------------------
put() {
	status "$BASE/api/v1/artifacts/os/framing" -X PUT \
		-H "Authorization: Bearer $CI_TOKEN" --data-binary 12345 "$@"
}
check "two different Content-Lengths: 400" \
	[ "$(put -H 'Content-Length: 5' -H 'Content-Length: 7')" = 400 ]
check "two equal Content-Lengths: 400" \
	[ "$(put -H 'Content-Length: 5' -H 'Content-Length: 5')" = 400 ]
check "Content-Length with Transfer-Encoding: 400" \
	[ "$(put -H 'Transfer-Encoding: chunked' -H 'Content-Length: 5')" = 400 ]
check "a Content-Length that is not digits: 400" \
	[ "$(put -H 'Content-Length: 5x')" = 400 ]
check "a coding other than chunked: 400" \
	[ "$(put -H 'Transfer-Encoding: gzip, chunked')" = 400 ]
check "nothing was published" [ "$(status "$BASE/artifacts/os/framing")" = 404 ]
check "control: the same upload, framed once, is 201" [ "$(put)" = 201 ]
check "%00 in the path: 400" \
	[ "$(status "$BASE/boot/stage2.ipxe%00.sig?mac=52:54:00:00:00:01")" = 400 ]
check "%00 in a query argument: 400" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01%00x")" = 400 ]
check "control: the path without it is 200" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01")" = 200 ]

# ---- 11. TLS suites: forward secrecy only, what iPXE speaks ---------------
# tls12 CIPHER: the suite the server agreed to in TLS 1.2, or (NONE).
tls12() {
	echo | openssl s_client -tls1_2 -cipher "$1" -connect "127.0.0.1:$PORT" \
		-CAfile "$ROOT" 2>&1 | sed -n 's/.*Cipher is //p' | head -1
}
for c in AES128-GCM-SHA256 AES128-SHA256 AES256-SHA ECDHE-RSA-AES128-SHA \
	ECDHE-RSA-AES256-SHA; do
	got=$(tls12 "$c")
	check "TLS 1.2 $c is refused ($got)" [ "$got" = "(NONE)" ]
done
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 \
	ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-SHA384; do
	got=$(tls12 "$c")
	check "TLS 1.2 $c is accepted ($got)" [ "$got" = "$c" ]
done
ok "TLS 1.3 is accepted" sh -c "echo | openssl s_client -tls1_3 \
	-connect 127.0.0.1:$PORT -CAfile '$ROOT' 2>&1 | grep -q 'Cipher is TLS_'"
cp "$SITE/podboot.conf" "$T/bad.conf"
sed -i 's#^  tls_key = #  tls_priorities = "NORMAL:+NO-SUCH-THING";\n  tls_key = #' \
	"$T/bad.conf"
sed -i "s#\"keys/#\"$SITE/keys/#g; s#\"data\"#\"$SITE/data\"#" "$T/bad.conf"
refused "serve --check names a priority string GnuTLS refuses" \
	"server.tls_priorities is not accepted by GnuTLS" \
	"$PODBOOT_FAST" serve --config "$T/bad.conf" --check
sed -i 's#NORMAL:+NO-SUCH-THING#SECURE256:-VERS-ALL:+VERS-TLS1.3#' "$T/bad.conf"
ok "and accepts one it parses" "$PODBOOT_FAST" serve --config "$T/bad.conf" --check

release_holds
server_stop TERM
finish
