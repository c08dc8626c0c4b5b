# crash.test.sh: SIGKILL during concurrent uploads loses nothing that was
# acknowledged and leaves nothing partial visible.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
ok "server starts" server_start
N=12
for i in $(seq 1 $N); do
	head -c $((4000000 + i * 100000)) /dev/urandom >"$T/up$i"
done
# Slow uploads (rate-limited) so that the kill lands mid-transfer for some.
for i in $(seq 1 $N); do
	rate=$([ $((i % 2)) = 0 ] && echo 2M || echo 100M)
	curl -s --cacert "$ROOT" -H "Authorization: Bearer $CI_TOKEN" \
		--limit-rate "$rate" -T "$T/up$i" -o "$T/reply$i" \
		-w '%{http_code}' "$BASE/api/v1/artifacts/crash/up$i" \
		>"$T/code$i" 2>/dev/null &
done
sleep 1.5
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
wait
acked=0
for i in $(seq 1 $N); do
	[ "$(cat "$T/code$i")" = 201 ] && acked=$((acked + 1))
done
echo "# $acked of $N uploads were acknowledged before the kill"
check "the kill interrupted some uploads" [ "$acked" -lt "$N" ]
check "and some finished before it" [ "$acked" -gt 0 ]

ok "server restarts after SIGKILL" server_start
check "interrupted uploads left no temporary files" sh -c \
	"[ -z \"\$(ls -A '$SITE/data/tmp')\" ]"
for i in $(seq 1 $N); do
	code=$(cat "$T/code$i")
	got=$(status "$BASE/artifacts/crash/up$i")
	if [ "$code" = 201 ]; then
		check "acknowledged up$i is present" [ "$got" = 200 ]
		check "acknowledged up$i is complete" cmp -s "$T/.body" "$T/up$i"
		C -fs -o "$T/sig$i" "$BASE/artifacts/crash/up$i.sig"
		check "acknowledged up$i verifies" openssl cms -verify -binary \
			-inform DER -in "$T/sig$i" -content "$T/up$i" \
			-CAfile "$ROOT" -purpose any -out /dev/null
	else
		# Not acknowledged: either absent, or complete (committed just
		# before the kill) -- never partial.
		if [ "$got" = 200 ]; then
			check "unacknowledged up$i, if visible, is complete" \
				cmp -s "$T/.body" "$T/up$i"
		else
			check "unacknowledged up$i is not visible" [ "$got" = 404 ]
		fi
	fi
done
# Every blob in the store matches its name (content addressing holds).
bad=0
for f in "$SITE"/data/blobs/sha256/*; do
	case $f in *.sig) continue ;; esac
	[ "$(sha256sum "$f" | cut -c1-64)" = "$(basename "$f")" ] || bad=1
done
check "every blob's content matches its digest" [ "$bad" = 0 ]
server_stop TERM
finish
