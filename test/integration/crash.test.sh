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
# Odd uploads go at full speed, even ones at 200 KB/s (20 s or more; under
# load TEST_SLOWDOWN times slower still): the kill lands once every fast
# one was acknowledged, while every slow one is still in flight.  No clock
# decides: the test waits for the events, and checks that both held.
for i in $(seq 1 $N); do
	rate=$([ $((i % 2)) = 0 ] && echo $((200 / SLOWDOWN))K || echo 100M)
	curl -s --cacert "$ROOT" -H "Authorization: Bearer $CI_TOKEN" \
		--limit-rate "$rate" -T "$T/up$i" -o "$T/reply$i" \
		-w '%{http_code}' "$BASE/api/v1/artifacts/crash/up$i" \
		>"$T/code$i" 2>/dev/null &
	eval "curl$i=\$!"
done
# fast_acked: every fast upload answered 201.
fast_acked() {
	local i
	for i in $(seq 1 2 $N); do [ "$(cat "$T/code$i")" = 201 ] || return 1; done
}
check "the fast uploads are acknowledged" wait_for 120 fast_acked
inflight=0
for i in $(seq 2 2 $N); do
	eval "kill -0 \$curl$i" 2>/dev/null && [ ! -s "$T/code$i" ] &&
		inflight=$((inflight + 1))
done
check "while every slow one is in flight ($inflight of $((N / 2)))" [ "$inflight" = $((N / 2)) ]
kill -KILL "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=
wait
acked=0
for i in $(seq 1 $N); do
	[ "$(cat "$T/code$i")" = 201 ] && acked=$((acked + 1))
done
check "the kill interrupted the slow uploads, not the fast ones ($acked of $N acknowledged)" \
	[ "$acked" = $(((N + 1) / 2)) ]

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

# Power loss.  SIGKILL cannot lose the page cache, so the test above
# proves only that a process crash is safe.  What makes an acknowledged
# upload survive a power cut is the order of the system calls, checked
# here from outside with strace: the upload's data fsynced, its signature
# written, fsynced, renamed and its directory fsynced, then the blob
# renamed into place and its directory fsynced, then the catalogue's WAL
# synced, and only then the reply (201) sent.
if ! command -v strace >/dev/null; then
	skip "power-loss order: strace is not installed (Debian package strace)"
elif ! strace -qq -o /dev/null true 2>/dev/null; then
	skip "power-loss order: strace may not trace here (ptrace refused)"
else
	strace -f -y -qq -o "$T/trace" -e trace=fsync,fdatasync,rename,renameat,renameat2,openat,sendto,sendmsg,writev,write \
		"$PODBOOT" serve --config "$SITE/podboot.conf" >>"$SITE/serve.log" 2>&1 &
	TRACER=$!
	check "the server starts under strace" wait_for 60 \
		curl -fs --cacert "$ROOT" -o /dev/null "$BASE/healthz"
	SERVER_PID=$(ps -o pid= --ppid "$TRACER" | tr -d ' ')
	head -c 3000000 /dev/urandom >"$T/pl"
	check "an upload under strace: 201" [ "$(status "$BASE/api/v1/artifacts/crash/power" \
		-T "$T/pl" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
	server_stop TERM
	wait "$TRACER"
	h=$(sha256sum "$T/pl" | cut -c1-64)
	# order: the trace's line numbers of each step, in the order they
	# must happen; "-" for a step that is missing.
	awk -v h="$h" '
	function at(name) { if (!(name in pos)) pos[name] = NR }
	/fsync\(.*<[^>]*\/tmp\/upload-[^>]*>\)/ { up = 1; at("data-fsync") }
	/fsync\(.*<[^>]*\.sig\.tmp\.[^>]*>\)/ && ("data-fsync" in pos) { at("sig-fsync") }
	/rename.*\.sig\.tmp\./ && index($0, h ".sig\"") && ("sig-fsync" in pos) { at("sig-rename") }
	/fsync\(.*<[^>]*\/blobs\/sha256>\)/ && ("sig-rename" in pos) && !("blob-rename" in pos) { at("sig-dir-fsync") }
	/rename.*\/tmp\/upload-/ && index($0, "/sha256/" h "\"") && ("sig-dir-fsync" in pos) { at("blob-rename") }
	/fsync\(.*<[^>]*\/blobs\/sha256>\)/ && ("blob-rename" in pos) { at("blob-dir-fsync") }
	/(fsync|fdatasync)\(.*<[^>]*podboot\.db-wal>\)/ && ("blob-dir-fsync" in pos) { at("wal-sync") }
	/(sendmsg|sendto|writev|write)\([0-9]+<(socket|TCP)/ && ("blob-rename" in pos) { at("reply") }
	END {
		n = split("data-fsync sig-fsync sig-rename sig-dir-fsync blob-rename blob-dir-fsync wal-sync reply", k, " ")
		for (i = 1; i <= n; i++) printf "%s=%s ", k[i], (k[i] in pos) ? pos[k[i]] : "-"
		print ""
	}' "$T/trace" >"$T/order"
	echo "# $(cat "$T/order")"
	for step in data-fsync sig-fsync sig-rename sig-dir-fsync blob-rename \
		blob-dir-fsync wal-sync; do
		check "power loss: $step, in order" grep -q "$step=[0-9]" "$T/order"
	done
	# The reply follows every step: nothing is acknowledged before it is
	# on the disk.
	check "power loss: the reply only after the WAL is synced" awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		exit !(v["reply"] != "-" && v["wal-sync"] != "-" && v["reply"] + 0 > v["wal-sync"] + 0)
	}' "$T/order"
fi
finish
