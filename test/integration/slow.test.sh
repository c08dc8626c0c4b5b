# slow.test.sh: slow readers and writers cannot hold the listener (issue
# 19.4): bodies slower than limits.min_rate are cut, transfers beyond
# limits.max_transfers get 503 + Retry-After, and /healthz, stage2 and the
# status API are served throughout.  (Certificates the clock calls invalid:
# certclock.test.sh.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

SLOW=$(dirname "$0")/tools/slow-conns.py
site_init "$T/site"
sed -i 's/max_connections = 1024;/max_connections = 40;/; s/^\(\s*\)timeout_s = 30;/&\n\1max_transfers = 8;\n\1min_rate = 65536;\n\1min_rate_grace_s = 2;/' \
	"$SITE/podboot.conf"
grep -q 'min_rate_grace_s = 2;' "$SITE/podboot.conf"
check "the test configuration sets max_transfers, min_rate and its grace" [ $? = 0 ]
ok "server starts (max_connections 40, max_transfers 8, min_rate 64 KiB/s after 2 s)" server_start

up() {
	status "$BASE/api/v1/artifacts/$1" -T "$2" -H "Authorization: Bearer $CI_TOKEN"
}
head -c 8000000 /dev/urandom >"$T/big"
head -c 48000000 /dev/urandom >"$T/fast"
check "an 8 MB artifact for the slow readers: 201" [ "$(up slow/big "$T/big")" = 201 ]
check "a 48 MB artifact for a fast reader: 201" [ "$(up slow/fast "$T/fast")" = 201 ]

# A fast reader is never cut: the whole body, byte for byte.
ok "a fast download of 48 MB completes" C -f -o "$T/fast.got" "$BASE/artifacts/slow/fast"
check "and its bytes match" cmp "$T/fast" "$T/fast.got"

# 48 slow readers (2 KiB/s each) from 127.0.0.2..9: more than
# max_connections.  Meanwhile 127.0.0.1 asks for /healthz, a stage2 and
# the status API, and counts the answers.
"$SLOW" get 127.0.0.1 "$PORT" "$ROOT" \
	127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9 \
	6 /artifacts/slow/big 2048 40 >"$T/get.out" 2>&1 &
slow=$!
served=0 failed=0 peak=0
while kill -0 "$slow" 2>/dev/null; do
	for url in "$BASE/healthz" "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:03"; do
		if [ "$(status "$url" --max-time 5)" = 200 ]; then
			served=$((served + 1))
		else
			failed=$((failed + 1))
		fi
	done
	if [ "$(status "$BASE/api/v1/nodes" --max-time 5 -H "Authorization: Bearer $OP_TOKEN")" = 200 ]; then
		served=$((served + 1))
	else
		failed=$((failed + 1))
	fi
	n=$(C --max-time 5 "$BASE/healthz" | jq -r '.transfers.in_flight // 0')
	[ "${n:-0}" -gt "$peak" ] && peak=$n
done
wait "$slow"
read -r _ ok200 _ busy _ retry _ refused _ cut _ done _ open _ cut_after <"$T/get.out"
echo "# slow readers: $(cat "$T/get.out"); served $served, failed $failed, peak $peak"
check "some slow readers got their 200 ($ok200), at most max_transfers" \
	sh -c "[ '${ok200:-0}' -ge 1 ] && [ '${ok200:-0}' -le 8 ]"
check "the others were refused at once: 503 ($busy)" [ "${busy:-0}" -ge 1 ]
check "every 503 carries Retry-After ($retry of $busy)" [ "${retry:-x}" = "${busy:-y}" ]
check "every slow reader was cut ($cut of $ok200; $open still open, $done done)" \
	sh -c "[ '${cut:-0}' = '${ok200:-x}' ] && [ '${open:-1}' = 0 ] && [ '${done:-1}' = 0 ]"
check "none before the grace period ($cut_after s)" \
	awk -v t="${cut_after:-0}" 'BEGIN { exit !(t >= 2) }'
check "/healthz, stage2 and the status API answered throughout ($served, $failed failed)" \
	sh -c "[ '$served' -ge 3 ] && [ '$failed' = 0 ]"
check "transfers in flight never above max_transfers (peak $peak)" [ "$peak" -le 8 ]
in_flight() { [ "$(C "$BASE/healthz" | jq -r .transfers.in_flight)" = 0 ]; }
check "and none once the readers are gone" wait_for 10 in_flight
C -f "$BASE/healthz" >"$T/healthz"
check "/healthz counts the cut ones ($(jq -c .transfers "$T/healthz"))" \
	jq -e ".transfers.cut_slow >= $ok200 and .transfers.refused_busy >= $busy and .transfers.max == 8" "$T/healthz"
C -f -H "Authorization: Bearer $OP_TOKEN" "$BASE/metrics" >"$T/metrics"
check "and so does /metrics" sh -c "grep -q '^podboot_transfers_cut_total [1-9]' '$T/metrics' &&
	grep -q '^podboot_transfers_refused_total [1-9]' '$T/metrics' &&
	grep -q '^podboot_transfers 0' '$T/metrics'"
check "the log names the cut client and the limit" \
	grep -q '127\.0\.0\.[2-9] GET /artifacts/slow/big: cut: .* below limits.min_rate' "$SITE/serve.log"
check "after all that, a fast download still completes whole" \
	sh -c "curl -fsS --cacert '$ROOT' '$BASE/artifacts/slow/big' | cmp - '$T/big'"

# Speed cannot be banked: a reader that takes 32 MB of the 48 MB at full
# speed, then 2 KiB/s, is cut within a window of min_rate_grace_s after
# it slows (averaged from the start it would hold on for minutes).
"$SLOW" get 127.0.0.1 "$PORT" "$ROOT" 127.0.0.2 1 /artifacts/slow/fast 2048 \
	$((40 * SLOWDOWN)) 32000000 >"$T/burst.out" 2>&1
read -r _ ok200 _ _ _ _ _ _ _ cut _ done _ open _ _ <"$T/burst.out"
echo "# fast then slow: $(cat "$T/burst.out")"
check "a reader fast at first, then slow, is cut (cut $cut of $ok200, done $done, open $open)" \
	sh -c "[ '${ok200:-0}' = 1 ] && [ '${cut:-0}' = 1 ]"
check "the log gives the rate of its last window" \
	grep -q '127\.0\.0\.2 GET /artifacts/slow/fast: cut: [0-9]* bytes in the last [0-9]* s ([0-9]* s since it began)' "$SITE/serve.log"

# A slow upload (2 KiB/s of a 4 MB body) is abandoned: nothing published,
# no temporary file left, one log line without the token.
"$SLOW" put 127.0.0.1 "$PORT" "$ROOT" 127.0.0.2 /api/v1/artifacts/slow/trickle \
	"$CI_TOKEN" 4000000 2048 40 >"$T/put.out" 2>&1 &
put=$!
tmp_busy() { [ -n "$(ls -A "$SITE/data/tmp")" ]; }
check "control: the slow upload has its temporary file" wait_for 10 tmp_busy
wait "$put"
echo "# slow upload: $(cat "$T/put.out")"
check "the slow upload was cut" grep -q '^status none cut 1 ' "$T/put.out"
tmp_empty() { [ -z "$(ls -A "$SITE/data/tmp")" ]; }
check "its temporary file is gone" wait_for 10 tmp_empty
check "nothing was published" [ "$(status "$BASE/artifacts/slow/trickle")" = 404 ]
check "the log says the upload was abandoned" \
	grep -q 'PUT /api/v1/artifacts/slow/trickle: cut: .*upload abandoned, nothing published' "$SITE/serve.log"
check "and does not hold the token" sh -c "! grep -qF '$CI_TOKEN' '$SITE/serve.log'"
check "a fast upload is still 201" [ "$(up slow/after "$T/big")" = 201 ]
server_stop TERM
finish
