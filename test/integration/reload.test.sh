# reload.test.sh: hundreds of SIGHUPs under a storm of boots, uploads and
# pushes, after connection floods: no request fails, the server never
# aborts, and it stops cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

AGENT=${AGENT:-$(dirname "$PODBOOT")/podboot-agent}
RELOADS=${RELOADS:-40}
N=24				# booting machines
BG_PIDS=""
trap 'touch "$T/stop"; for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
      server_stop KILL; rm -rf "$T"' EXIT

site_init "$T/site"
{
	sed -n '1,/^nodes = (/p' "$SITE/podboot.conf"
	for i in $(seq 1 $N); do
		printf '  { mac = "52:54:03:00:00:%02x"; hostname = "hup-%d"; pod = "demo"; },\n' "$i" "$i"
	done
	sed -n '/^nodes = (/,$p' "$SITE/podboot.conf" | sed 1d
} >"$T/hup.conf"
cp "$T/hup.conf" "$SITE/podboot.conf"
ok "server starts" server_start
FAILS=$T/failures
: >"$FAILS"

# generation: the configuration number /healthz reports.
generation() {
	C -f "$BASE/healthz" | jq -r .configuration
}

# Boots: stage2 and its signature for every MAC, over one keep-alive
# connection (-Z off, two URLs per curl) and over fresh ones.
booter() {
	local round=0 i mac f
	while [ ! -e "$T/stop" ]; do
		round=$((round + 1))
		for i in $(seq 1 $N); do
			mac=$(printf '52:54:03:00:00:%02x' "$i")
			f=$T/b$1.$i
			if [ $((i % 2)) = 0 ]; then
				C -f -o "$f" "$BASE/boot/stage2.ipxe?mac=$mac" \
					-o "$f.sig" "$BASE/boot/stage2.ipxe.sig?mac=$mac"
			else
				C -f -o "$f" "$BASE/boot/stage2.ipxe?mac=$mac" &&
				C -f -o "$f.sig" "$BASE/boot/stage2.ipxe.sig?mac=$mac"
			fi || { echo "boot $mac: curl exit $?" >>"$FAILS"; continue; }
			grep -q "hup-$i " "$f" ||
				echo "boot $mac: not its stage2" >>"$FAILS"
			[ -s "$f.sig" ] || echo "boot $mac: empty signature" >>"$FAILS"
			echo ok >>"$T/boots"
		done
	done
}

# Uploads, every other one slow (a transfer outlasting several reloads):
# each must answer 201 and publish exactly the bytes sent.
uploader() {
	local n=0 code sum rate rc
	while [ ! -e "$T/stop" ]; do
		n=$((n + 1))
		head -c $((100000 + n * 997)) /dev/urandom >"$T/u$1"
		sum=$(sha256sum "$T/u$1" | cut -d' ' -f1)
		rate=; [ $((n % 2)) = 0 ] && rate="--limit-rate 200k"
		code=$(C $rate -o /dev/null -w '%{http_code}' -T "$T/u$1" \
			-H "Authorization: Bearer $CI_TOKEN" \
			"$BASE/api/v1/artifacts/hup/u$1-$n")
		rc=$?
		if [ "$code" != 201 ]; then
			echo "upload u$1-$n: HTTP $code (curl exit $rc)" >>"$FAILS"
			continue
		fi
		C -f -o "$T/d$1" "$BASE/artifacts/hup/u$1-$n@sha256:$sum" &&
			C -f -o "$T/d$1.sig" "$BASE/artifacts/hup/u$1-$n@sha256:$sum.sig" &&
			cmp -s "$T/u$1" "$T/d$1" &&
			"$PODBOOT_FAST" verify "$T/d$1" "$T/d$1.sig" --root "$ROOT" \
				--signer podboot-codesign >/dev/null 2>&1 ||
			echo "upload u$1-$n: blob does not verify" >>"$FAILS"
		echo ok >>"$T/uploads"
	done
}

# Pushes as the agent makes them, with demo-1's node token.
pusher() {
	local n=0
	while [ ! -e "$T/stop" ]; do
		n=$((n + 1))
		"$AGENT" --once --token-file "$T/node.tok" --ca "$ROOT" \
			--timeout 5 --spool "$T/spool" --server "$BASE" \
			>"$T/push.out" 2>&1 ||
			{ echo "push $n: agent exit $?: $(tail -1 "$T/push.out")" >>"$FAILS"; continue; }
		echo ok >>"$T/pushes"
	done
}

# A connection flood: 200 connections opened at once, a third of them
# stopping mid-handshake (a TLS record header, no body), then all dropped.
flood() {
	local i fds=()
	for i in $(seq 1 200); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || continue
		[ $((i % 3)) = 0 ] && printf '\026\003\001\002\000\001' >&"$fd"
		fds+=("$fd")
	done
	for fd in "${fds[@]}"; do exec {fd}>&-; done
}

Q="mac=52:54:00:00:00:01&platform=pcbios&buildarch=i386"
ks=$(C "$BASE/boot/stage2.ipxe?$Q" | grep -o 'ks=[^ ]*' | cut -d= -f2)
printf '%s\n' "${ks##*/}" >"$T/node.tok"
chmod 600 "$T/node.tok"
ok "control: a push is accepted" "$AGENT" --once --token-file "$T/node.tok" \
	--ca "$ROOT" --timeout 5 --spool "$T/spool" --server "$BASE"
ok "control: the flood leaves the server serving" \
	bash -c "$(declare -f flood); PORT=$PORT flood; curl -fsS --cacert '$ROOT' -o /dev/null '$BASE/healthz'"

start=$(date +%s)
for w in 1 2; do booter "$w" 2>>"$T/workers.err" & BG_PIDS="$BG_PIDS $!"; done
for w in 1 2; do uploader "$w" 2>>"$T/workers.err" & BG_PIDS="$BG_PIDS $!"; done
pusher 2>>"$T/workers.err" & BG_PIDS="$BG_PIDS $!"

gen=$(generation)
reloaded=0
for r in $(seq 1 "$RELOADS"); do
	[ $((r % 20)) = 1 ] && flood
	kill -HUP "$SERVER_PID" || break
	want=$((gen + 1))
	for _ in $(seq 1 $((200 * SLOWDOWN))); do	# up to 20 s (times TEST_SLOWDOWN)
		gen=$(generation)
		[ "${gen:-0}" -ge "$want" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ "${gen:-0}" -ge "$want" ] || break
	reloaded=$r
done
touch "$T/stop"
for p in $BG_PIDS; do wait "$p"; done
BG_PIDS=
took=$(($(date +%s) - start))
echo "# $reloaded reloads in ${took}s: $(wc -l <"$T/boots" 2>/dev/null || echo 0) boots," \
	"$(wc -l <"$T/uploads" 2>/dev/null || echo 0) uploads," \
	"$(wc -l <"$T/pushes" 2>/dev/null || echo 0) pushes"
check "all $RELOADS reloads took effect, each seen by /healthz ($reloaded)" \
	[ "$reloaded" = "$RELOADS" ]
check "no request failed ($(wc -l <"$FAILS"))" [ ! -s "$FAILS" ]
sed 's/^/       | /' "$FAILS" | head -10
check "boots, uploads and pushes all ran" \
	sh -c "[ -s '$T/boots' ] && [ -s '$T/uploads' ] && [ -s '$T/pushes' ]"
check "the server is alive" kill -0 "$SERVER_PID"
check "and serving" [ "$(status "$BASE/healthz")" = 200 ]

# SIGHUP twice in a row while earlier generations still drain (a slow
# upload is in flight), then SIGTERM during the drain: the upload
# completes, the server exits 0.
head -c 600000 /dev/urandom >"$T/slow"
C --limit-rate $((150 / SLOWDOWN))k -o /dev/null -w '%{http_code}' -T "$T/slow" \
	-H "Authorization: Bearer $CI_TOKEN" "$BASE/api/v1/artifacts/hup/slow" \
	>"$T/slow.code" 2>&1 &
SLOW=$!
BG_PIDS=$SLOW
for _ in $(seq 1 $((100 * SLOWDOWN))); do
	[ -n "$(ls -A "$SITE/data/tmp" 2>/dev/null)" ] && break
	sleep 0.05
done
check "control: the slow upload is in flight" [ -n "$(ls -A "$SITE/data/tmp")" ]
g0=$(generation)
kill -HUP "$SERVER_PID"
kill -HUP "$SERVER_PID"
for _ in $(seq 1 $((100 * SLOWDOWN))); do [ "$(generation)" -ge $((${g0:-0} + 1)) ] 2>/dev/null && break; kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
server_stop TERM
check "SIGTERM during a drain: exit 0 ($SERVER_STATUS)" [ "$SERVER_STATUS" = 0 ]
wait "$SLOW"
BG_PIDS=
check "the upload in flight was finished: 201 ($(cat "$T/slow.code"))" \
	[ "$(cat "$T/slow.code")" = 201 ]
grep -E 'panic|Failed to|Sanitizer|runtime error' "$SITE/serve.log" | head -5 | sed 's/^/# serve.log: /'
check "no panic or abort in the log" \
	sh -c "! grep -Eq 'panic|Failed to|AddressSanitizer|LeakSanitizer|runtime error' '$SITE/serve.log'"
check "the log says clean shutdown" grep -q 'stop\|draining' "$SITE/serve.log"
echo "# took $(($(date +%s) - start))s"
finish
