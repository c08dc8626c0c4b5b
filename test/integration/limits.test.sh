# limits.test.sh: connection limits, slow clients, iPXE's TLS 1.2 suites,
# and certificates swapped by SIGHUP without a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
sed -i 's/max_connections = 1024;/max_connections = 4;/; s/timeout_s = 30;/timeout_s = 2;/' \
	"$SITE/podboot.conf"
ok "server starts" server_start

# iPXE speaks TLS 1.2 with ECDHE and AES-GCM or AES-CBC.
for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 \
	ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES128-SHA; do
	ok "TLS 1.2 with $c" sh -c "echo | openssl s_client -tls1_2 -cipher $c \
		-connect 127.0.0.1:$PORT -CAfile '$ROOT' 2>&1 | grep -q 'Cipher is $c'"
done
check "TLS 1.1 is refused" sh -c "! echo | openssl s_client -tls1_1 \
	-cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:$PORT 2>&1 |
	grep -q 'Cipher is [^(]'"
ok "control: the same client gets TLS 1.2" sh -c "echo | openssl s_client \
	-tls1_2 -cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:$PORT 2>&1 |
	grep -q 'Cipher is [^(]'"

# Slow clients: a connection that never finishes its request is closed.
start=$(date +%s)
( printf 'GET /healthz HTTP/1.1\r\nHost: x\r\n'; sleep 8 ) |
	openssl s_client -quiet -connect 127.0.0.1:$PORT >/dev/null 2>&1 &
slow=$!
sleep 4
check "a slow client is dropped by the timeout" sh -c "! kill -0 $slow 2>/dev/null"
kill "$slow" 2>/dev/null; wait "$slow" 2>/dev/null

# Too many connections: the limit holds while idle clients hold their
# slots (the timeout is raised by a reload so that none expires), and
# serving resumes when they go.
sed -i 's/timeout_s = 2;/timeout_s = 60;/' "$SITE/podboot.conf"
kill -HUP "$SERVER_PID"
sleep 1
pids=
for i in 1 2 3 4 5 6; do
	( sleep 60 ) | openssl s_client -quiet -connect 127.0.0.1:$PORT \
		>/dev/null 2>&1 &
	pids="$pids $!"
done
sleep 1
s=$(curl -s --cacert "$ROOT" -m 3 -o /dev/null -w '%{http_code}' "$BASE/healthz")
check "beyond max_connections a client is turned away ($s)" [ "$s" = 000 ]
for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
pkill -P $$ sleep 2>/dev/null
check "once the idle clients leave, serving resumes" \
	[ "$(status "$BASE/healthz")" = 200 ]

# A new TLS certificate under the same root, swapped in by SIGHUP.
K=$SITE/keys
openssl req -new -newkey rsa:2048 -nodes -keyout "$T/new.key" \
	-subj "/CN=localhost" -out "$T/new.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$T/ext"
openssl x509 -req -in "$T/new.csr" -CA "$K/root.crt" -CAkey "$K/root.key" \
	-set_serial 0x5eed -days 30 -extfile "$T/ext" -out "$T/new.crt" 2>/dev/null
cat "$T/new.crt" "$K/root.crt" >"$K/server-chain.crt"
cp "$T/new.key" "$K/server.key"
old_pid=$SERVER_PID
kill -HUP "$SERVER_PID"
sleep 1
ok "after SIGHUP the server presents the new certificate" sh -c \
	"echo | openssl s_client -connect 127.0.0.1:$PORT -CAfile '$ROOT' 2>/dev/null |
	 openssl x509 -noout -serial | grep -qi 'serial=5EED'"
check "without a restart" [ "$SERVER_PID" = "$old_pid" ] && kill -0 "$SERVER_PID"
check "and still verified by curl" [ "$(status "$BASE/healthz")" = 200 ]
cp "$T/new.crt" "$T/mismatch.crt"
openssl req -new -newkey rsa:2048 -nodes -keyout "$K/server.key" \
	-subj "/CN=x" -out /dev/null 2>/dev/null
kill -HUP "$SERVER_PID"
sleep 1
check "a key that does not match is refused at reload" \
	grep -q "reload refused" "$SITE/serve.log"
check "and the old certificate keeps serving" [ "$(status "$BASE/healthz")" = 200 ]
server_stop TERM
finish
