# cache.test.sh: the relay's artifact cache (--cache-dir): one upstream
# fetch for many readers, verified before it is kept, resumed after a
# drop, tamper-evident, nothing but pinned artifacts, LRU within a bound.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

AGENT=${AGENT:-$(dirname "$PODBOOT")/podboot-agent}
TOOLS=$(dirname "$0")/tools
BG_PIDS=""
trap 'for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
      server_stop KILL; rm -rf "$T"' EXIT

# publish NAME FILE: upload FILE as artifact NAME; its sha256 in $H.
publish() {
	H=$(sha256sum "$2" | cut -d' ' -f1)
	[ "$(status "$BASE/api/v1/artifacts/$1" -T "$2" \
		-H "Authorization: Bearer $CI_TOKEN")" = 201 ]
}

# proxy NAME CUT_AFTER RATE: cutproxy.py to the server; port in $NAME_PORT.
proxy() {
	local port pid
	port=$(port_pick)
	python3 "$TOOLS/cutproxy.py" "$port" "$PORT" "$T/$1.count" "$2" "$3" \
		>"$T/$1.plog" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	eval "${1}_PORT=$port"
	wait_up 10 "$pid" grep -q listening "$T/$1.plog"
}

# upbytes NAME: bytes the proxy carried from the server to the relay.
upbytes() { cut -d' ' -f2 "$T/$1.count"; }

# cache_relay NAME UPSTREAM_PORT MAX_MB: a relay caching into $T/NAME.cache;
# its port in $NAME_RP, its PID in $NAME_PID, its log $T/NAME.log.
cache_relay() {
	local port pid
	port=$(port_pick)
	"$AGENT" --relay -v --listen "127.0.0.1:$port" --cert "$T/relay-chain.crt" \
		--key "$T/relay.key" --relay-token-file "$T/relay.tok" --ca "$ROOT" \
		--timeout 5 --spool "$T/$1.spool" --cache-dir "$T/$1.cache" \
		--cache-max-mb "$3" --server "https://127.0.0.1:$2" \
		${RELAY_POD:+--pod "$RELAY_POD"} ${RELAY_EXTRA:-} \
		>>"$T/$1.log" 2>&1 &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	eval "${1}_RP=$port ${1}_PID=$pid"
	wait_up 10 "$pid" curl -fs --cacert "$ROOT" "https://127.0.0.1:$port/healthz"
}

# get RELAY_PORT PATH OUT [CURL ARGS]: GET through a relay; curl's status.
get() {
	local port=$1 path=$2 out=$3; shift 3
	curl -fsS --max-time "$(deadline 60)" --cacert "$ROOT" -o "$out" "$@" \
		"https://127.0.0.1:$port$path"
}

site_init "$T/site"
# A relay token, and pod demo's intent: os/extra besides its profile's.
RS=pbt_$(openssl rand -hex 32)
RH=$(printf %s "$RS" | sha256sum | cut -c1-64)
sed -i "s/scopes = \[ \"rearm\", \"status\", \"bmc\" \]; }/&,\n  { name = \"relay\"; sha256 = \"$RH\"; scopes = [ \"relay\" ]; }/" \
	"$SITE/podboot.conf"
sed -i 's/^    profile = "default";/&\n    artifacts = [ "os\/extra" ];\n    cache_url = "https:\/\/127.0.0.1:9";/' \
	"$SITE/podboot.conf"
cp "$SITE/podboot.conf" "$T/bad.conf"
sed -i 's/artifacts = \[ "os\/extra" \];/artifacts = [ "os\/..\/x" ];/' "$T/bad.conf"
refused "--check refuses an artifacts entry that is not an artifact name" \
	'pods[0].artifacts' "$PODBOOT" serve --check --config "$T/bad.conf"
cp "$SITE/podboot.conf" "$T/bad.conf"
sed -i 's/cache_url = "https:\/\/127.0.0.1:9";/cache_url = "https:\/\/x\/?a=b";/' "$T/bad.conf"
refused "--check refuses a cache_url that is not a base URL" \
	'pods[0].cache_url' "$PODBOOT" serve --check --config "$T/bad.conf"
ok "server starts" server_start
ok "a relay certificate" "$PODBOOT" keys issue-server --dir "$SITE/keys" \
	--name relay.pod.test --ip 127.0.0.1 --out "$T/relay"
printf '%s\n' "$RS" >"$T/relay.tok"
chmod 600 "$T/relay.tok"
BLOBS=$SITE/data/blobs/sha256

# ---- one fetch for eight readers ---------------------------------------------
head -c 8000000 /dev/urandom >"$T/big"
ok "an 8 MB artifact is published" publish os/big "$T/big"
BIG=$H
ok "a counting proxy in front of the server (slowed: readers overlap)" \
	proxy wan 0 4000000
ok "relay r1 starts with a cache" cache_relay r1 "$wan_PORT" 64
for i in 1 2 3 4 5 6 7 8; do
	get "$r1_RP" "/artifacts/os/big@sha256:$BIG" "$T/got$i" -D "$T/got$i.h" &
	eval "c$i=$!"
done
fails=0
for i in 1 2 3 4 5 6 7 8; do
	eval "wait \$c$i" || fails=$((fails + 1))
done
check "8 concurrent readers all got it" [ "$fails" = 0 ]
same=0
for i in 1 2 3 4 5 6 7 8; do cmp -s "$T/big" "$T/got$i" && same=$((same + 1)); done
check "all 8 copies are byte-identical to what was published" [ "$same" = 8 ]
check "readers were served while it downloaded (X-Podboot-Cache: miss)" \
	grep -qi '^x-podboot-cache: miss' "$T"/got?.h
# The fetcher logs the commit just after the readers' last byte went.
wait_for 10 grep -q "sha256:$BIG (os/big) fetched and verified" "$T/r1.log"
check "the relay fetched it once" [ "$(grep -c "sha256:$BIG (os/big) fetched and verified" "$T/r1.log")" = 1 ]
check "the relay's listener asked its fetcher once for the 8 readers" \
	[ "$(grep -c "miss sha256:$BIG (os/big): fetching" "$T/r1.log")" = 1 ]
check "the WAN carried it once (< 1.1x its size, not 8x)" \
	[ "$(upbytes wan)" -lt $((8000000 * 11 / 10)) ]
# The .sig's request and the file's go out together (one round trip, not
# two): one TLS record from the relay on the connection that carried both.
check "the .sig and the file were asked at once: one record on their connection" \
	wait_for 10 sh -c "awk '\$4 > 8000000 && \$2 == 1 { n++ } END { exit n != 1 }' '$T/wan.count.conns'"
check "the entry is committed: file, .sig and record" \
	test -f "$T/r1.cache/sha256/$BIG" -a -f "$T/r1.cache/sha256/$BIG.sig" -a \
	-f "$T/r1.cache/sha256/$BIG.ok"
ok "its .sig through the relay" get "$r1_RP" "/artifacts/os/big@sha256:$BIG.sig" "$T/big.sig"
check "is the server's signature" cmp -s "$T/big.sig" "$BLOBS/$BIG.sig"
ok "and verifies (openssl cms, the podboot root)" openssl cms -verify -binary \
	-inform DER -in "$T/big.sig" -content "$T/big" -CAfile "$ROOT" -purpose any -out /dev/null
before=$(upbytes wan)
ok "a second read is a hit" get "$r1_RP" "/artifacts/os/big@sha256:$BIG" "$T/again" -D "$T/again.h"
check "said so (X-Podboot-Cache: hit) and crossed no WAN" sh -c \
	"grep -qi '^x-podboot-cache: hit' '$T/again.h' && [ $(upbytes wan) = $before ]"
ok "HEAD answers the size" sh -c "curl -fsSI --cacert '$ROOT' \
	https://127.0.0.1:$r1_RP/artifacts/os/big@sha256:$BIG | tr -d '\r' | \
	grep -qx 'Content-Length: 8000000'"

# ---- what the cache never answers ---------------------------------------------
code() { curl -s --cacert "$ROOT" -o /dev/null -w '%{http_code}' "$@"; }
check "a request with Authorization is refused (403), never cached" [ "$(code \
	-H 'Authorization: Bearer abc' "https://127.0.0.1:$r1_RP/artifacts/os/big@sha256:$BIG")" = 403 ]
check "a request with a query (a token in the URL) is refused (403)" [ "$(code \
	"https://127.0.0.1:$r1_RP/artifacts/os/big@sha256:$BIG?token=abc")" = 403 ]
check "an artifact by name, without its digest: 404" [ "$(code \
	"https://127.0.0.1:$r1_RP/artifacts/os/big")" = 404 ]
check "a kickstart: 404 (ask the central server)" [ "$(code \
	"https://127.0.0.1:$r1_RP/ks/abcdef")" = 404 ]
check "a POST: 405" [ "$(code -X POST -d x \
	"https://127.0.0.1:$r1_RP/artifacts/os/big@sha256:$BIG")" = 405 ]

# ---- tampering ----------------------------------------------------------------
printf '\377' | dd of="$T/r1.cache/sha256/$BIG" bs=1 seek=4000000 conv=notrunc 2>/dev/null
before=$(upbytes wan)
ok "after a byte of the cached file is flipped, a read" get "$r1_RP" \
	"/artifacts/os/big@sha256:$BIG" "$T/after"
check "is the published file again (refetched, not the tampered one)" cmp -s "$T/big" "$T/after"
check "the relay saw the change and logged it" grep -q "sha256:$BIG changed since it was verified" "$T/r1.log"
check "and fetched it again over the WAN" [ "$(upbytes wan)" -gt $((before + 7000000)) ]

# The reader's last byte goes at the rename; the .sig and the record come
# after it: flip the .sig once the refetch is committed (logged after).
check "the refetch is committed" wait_for 30 sh -c "[ \$(grep -c 'sha256:$BIG (os/big) fetched and verified' '$T/r1.log') = 2 ]"
printf '\001' | dd of="$T/r1.cache/sha256/$BIG.sig" bs=1 seek=100 conv=notrunc 2>/dev/null
ok "after a byte of the cached .sig is flipped, a read of the .sig" get "$r1_RP" \
	"/artifacts/os/big@sha256:$BIG.sig" "$T/sig.after"
check "is the server's signature again, not the tampered one" cmp -s "$T/sig.after" "$BLOBS/$BIG.sig"
check "the relay logged the change a second time" \
	[ "$(grep -c "sha256:$BIG changed since it was verified" "$T/r1.log")" = 2 ]

head -c 300000 /dev/urandom >"$T/a"
head -c 300000 /dev/urandom >"$T/b"
ok "artifacts a and b (same size) are published" sh -c "$(declare -f publish status); \
	BASE=$BASE CI_TOKEN=$CI_TOKEN ROOT=$ROOT T=$T; publish os/a '$T/a' && publish os/b '$T/b'"
HA=$(sha256sum "$T/a" | cut -d' ' -f1)
HB=$(sha256sum "$T/b" | cut -d' ' -f1)
cp "$BLOBS/$HA.sig" "$T/a.sig.keep"
printf '\001' | dd of="$BLOBS/$HA.sig" bs=1 seek=200 conv=notrunc 2>/dev/null
check "a tampered .sig upstream: the reader is refused" sh -c \
	"! curl -fsS --cacert '$ROOT' -o '$T/a.got' https://127.0.0.1:$r1_RP/artifacts/os/a@sha256:$HA"
check "the relay logged it and kept nothing" sh -c "grep -q 'sha256:$HA has no valid signature' \
	'$T/r1.log' && ! test -e '$T/r1.cache/sha256/$HA' && ! test -e '$T/r1.cache/sha256/$HA.part'"
cp "$T/a.sig.keep" "$BLOBS/$HA.sig"
# The server now serves b's bytes and b's valid signature under a's digest.
cp "$BLOBS/$HB" "$T/a.blob.keep"
cp "$BLOBS/$HB" "$BLOBS/$HA.x" && mv "$BLOBS/$HA.x" "$BLOBS/$HA"
cp "$BLOBS/$HB.sig" "$BLOBS/$HA.sig"
check "a validly signed file that is not the digest asked for: refused" sh -c \
	"! curl -fsS --cacert '$ROOT' -o '$T/a.got' https://127.0.0.1:$r1_RP/artifacts/os/a@sha256:$HA"
check "the relay logged the digest mismatch and kept nothing" sh -c \
	"grep -q 'sha256:$HA does not match its digest' '$T/r1.log' && \
	! test -e '$T/r1.cache/sha256/$HA'"
check "the reader never got the whole substituted file" sh -c "! cmp -s '$T/b' '$T/a.got'"

# ---- a WAN drop mid-download resumes with Range ----------------------------------
head -c 6000000 /dev/urandom >"$T/res"
ok "a 6 MB artifact is published" publish os/res "$T/res"
RES=$H
ok "a proxy that cuts the first download at 3 MB" proxy cut 3000000 0
ok "relay r2 starts with a cache, through it" cache_relay r2 "$cut_PORT" 64
ok "a read through r2 gets it whole" get "$r2_RP" "/artifacts/os/res@sha256:$RES" "$T/res.got"
check "byte-identical" cmp -s "$T/res" "$T/res.got"
check "the relay resumed after the drop" grep -q "sha256:$RES: resuming at byte" "$T/r2.log"
check "the WAN carried it about once (< 1.2x, a restart is 1.5x)" \
	[ "$(upbytes cut)" -lt $((6000000 * 12 / 10)) ]

# ---- --wan-rate-kbps: one cap for all of the cache's fetches ------------------------
head -c 700000 /dev/urandom >"$T/w1"
head -c 700000 /dev/urandom >"$T/w2"
ok "w1 and w2 (700 kB each) are published" sh -c "$(declare -f publish status); \
	BASE=$BASE CI_TOKEN=$CI_TOKEN ROOT=$ROOT T=$T; publish os/w1 '$T/w1' && publish os/w2 '$T/w2'"
W1=$(sha256sum "$T/w1" | cut -d' ' -f1)
W2=$(sha256sum "$T/w2" | cut -d' ' -f1)
ok "a counting proxy in front of the server" proxy wanr 0 0
RELAY_EXTRA="--wan-rate-kbps 4000"
ok "relay r5 starts with --wan-rate-kbps 4000 (500 000 bytes/s)" cache_relay r5 "$wanr_PORT" 64
RELAY_EXTRA=
t0=$(date +%s%N)
get "$r5_RP" "/artifacts/os/w1@sha256:$W1" "$T/w1.got" & c1=$!
get "$r5_RP" "/artifacts/os/w2@sha256:$W2" "$T/w2.got" & c2=$!
wait $c1; r1=$?
wait $c2; r2=$?
t1=$(date +%s%N)
check "two machines asking at once both get their file" sh -c \
	"[ $r1 = 0 ] && [ $r2 = 0 ] && cmp -s '$T/w1' '$T/w1.got' && cmp -s '$T/w2' '$T/w2.got'"
wait_for 10 sh -c "[ \$(grep -c 'sha256:\($W1\|$W2\) (os/w.) fetched and verified' '$T/r5.log') = 2 ]"
sum_ms=$(grep -o 'sha256:[0-9a-f]* (os/w.) fetched and verified: .* in [0-9]* ms' "$T/r5.log" |
	awk '{s += $(NF-1)} END {print s + 0}')
paced=$(grep -o 'os/w.) fetched and verified: .*, [0-9]* ms of it paced' "$T/r5.log" |
	awk '{s += $(NF-4)} END {print s + 0}')
wan=$(upbytes wanr)
# The floor of a cap: past the bucket (50 000 bytes at this rate), the
# 1 400 000 bytes of both need 1 ms per 500, whoever asked, in any order.
floor=$(( (1400000 - 50000) / 500 ))
check "both crossed the WAN once ($wan bytes, < 1.1x of 1.4 MB)" \
	[ "$wan" -lt 1540000 -a "$wan" -ge 1400000 ]
check "the relay's fetches of both took at least $floor ms together ($sum_ms ms)" \
	[ "$sum_ms" -ge "$floor" ]
check "the relay paced them ($paced ms) and says so" [ "$paced" -gt 0 ]
check "the readers waited at least that long by the outside clock" \
	[ $(( (t1 - t0) / 1000000 )) -ge "$floor" ]

# ---- --wan-rate-kbps: one bucket for the pod link, fetches and forwarding -----------
# Relay rl's spool holds 7 pushes of 100 000 bytes from an outage; it is
# restarted with --wan-rate-kbps 4000 and a machine asks it for w3 (700 kB)
# at once.  Its fetcher and its forwarder are two processes taking from
# one bucket: both done need at least (700 000 + 700 000 - the bucket -
# a read) / 500 000 s from the restart.  Two buckets would finish in about
# half that.  (A floor of the cap, not a race.)
head -c 700000 /dev/urandom >"$T/w3"
ok "w3 (700 kB) is published" sh -c "$(declare -f publish status); \
	BASE=$BASE CI_TOKEN=$CI_TOKEN ROOT=$ROOT T=$T; publish os/w3 '$T/w3'"
W3=$(sha256sum "$T/w3" | cut -d' ' -f1)
DEAD=$(port_pick)
ok "relay rl, its upstream down" cache_relay rl "$DEAD" 64
{ printf '\037\213'; head -c 99998 /dev/urandom; } >"$T/rl.gz"
for i in 1 2 3 4 5 6 7; do
	[ "$(status "https://127.0.0.1:$rl_RP/api/v1/push" -X POST \
		--data-binary "@$T/rl.gz" -H 'Content-Encoding: gzip' \
		-H 'Authorization: Bearer t1' -H "X-Podboot-Seq: $i")" = 200 ] || break
done
check "rl spooled the 7 pushes" [ "$i" = 7 ] && [ "$("$AGENT" --spool-list \
	--spool "$T/rl.spool" | grep -c 'frame seq=')" = 7 ]
kill -TERM "$rl_PID" && wait "$rl_PID"
ok "a counting proxy in front of the server" proxy wanl 0 0
t0=$(date +%s%N)
RELAY_EXTRA="--wan-rate-kbps 4000"
ok "rl restarts on its spool with --wan-rate-kbps 4000" cache_relay rl "$wanl_PORT" 64
RELAY_EXTRA=
ok "a machine reads w3 through rl meanwhile" get "$rl_RP" "/artifacts/os/w3@sha256:$W3" "$T/w3.got"
check "rl's forwarder caught up too" wait_for 30 grep -q "catch-up done: 7 batches" "$T/rl.log"
t1=$(date +%s%N)
check "w3 is the published file" cmp -s "$T/w3" "$T/w3.got"
check "rl logs the link's cap as shared" grep -q \
	"pod link capped at 4000 kbit/s (forwarding and cache fetches together)" "$T/rl.log"
floor=$(( (1400000 - 50000 - 16384) / 500 ))
check "both crossed the pod link, paced by one bucket: at least $floor ms ($(( (t1 - t0) / 1000000 )) ms)" \
	[ $(( (t1 - t0) / 1000000 )) -ge "$floor" ]

# ---- eviction keeps the pinned set ---------------------------------------------
for n in 1 2 3; do head -c 450000 /dev/urandom >"$T/e$n"; done
ok "e1 e2 e3 (450 kB each) are published" sh -c "$(declare -f publish status); \
	BASE=$BASE CI_TOKEN=$CI_TOKEN ROOT=$ROOT T=$T; publish os/e1 '$T/e1' && \
	publish os/e2 '$T/e2' && publish os/e3 '$T/e3'"
E1=$(sha256sum "$T/e1" | cut -d' ' -f1)
E2=$(sha256sum "$T/e2" | cut -d' ' -f1)
E3=$(sha256sum "$T/e3" | cut -d' ' -f1)
mkdir -p "$T/r3.cache" && echo "$E1" >"$T/r3.cache/pinned"
ok "relay r3 starts with a 1 MiB cache, e1 pinned" cache_relay r3 "$PORT" 1
ok "e1, e2, e3 read in turn (e1 least recently used)" sh -c "
	$(declare -f get deadline); SLOWDOWN=$SLOWDOWN ROOT=$ROOT
	get $r3_RP /artifacts/os/e1@sha256:$E1 $T/e1.got &&
	get $r3_RP /artifacts/os/e2@sha256:$E2 $T/e2.got &&
	get $r3_RP /artifacts/os/e3@sha256:$E3 $T/e3.got"
# Eviction follows e3's commit, which its reader may see finish first.
wait_for 10 grep -q "evicting sha256:$E2" "$T/r3.log"
check "the pinned e1 and the newest e3 are kept" test -f "$T/r3.cache/sha256/$E1" -a \
	-f "$T/r3.cache/sha256/$E3"
check "the unpinned least recently used e2 was evicted" sh -c \
	"! test -e '$T/r3.cache/sha256/$E2' && grep -q 'evicting sha256:$E2' '$T/r3.log'"

# ---- the pod's artifact set ---------------------------------------------------
head -c 200000 /dev/urandom >"$T/extra"
ok "os/extra (the pod's intent) is published" publish os/extra "$T/extra"
EXTRA=$H
SET=$BASE/api/v1/pods/demo/artifact-set
check "the set needs a token (401)" [ "$(status "$SET")" = 401 ]
check "a CI token is not enough (403)" [ "$(status "$SET" -H "Authorization: Bearer $CI_TOKEN")" = 403 ]
ok "the relay token gets pod demo's set" C -f -o "$T/set.json" \
	-H "Authorization: Bearer $RS" "$SET"
check "it holds the intent at its current digest, and the profile's kernel and initrd" \
	python3 -c "
import json, sys
d = json.load(open('$T/set.json'))
names = {a['name']: a['sha256'] for a in d['artifact_set']}
sys.exit(not (d['pod'] == 'demo' and names.get('os/extra') == '$EXTRA' and
              'demo-vmlinuz' in names and 'demo-initrd.img' in names and
              'os/big' not in names))"
ok "and as text: SHA256 NAME lines" sh -c "curl -fsS --cacert '$ROOT' \
	-H 'Authorization: Bearer $RS' '$SET?format=text' | grep -qx '$EXTRA os/extra'"
check "an unknown pod: 404" [ "$(status "$BASE/api/v1/pods/nope/artifact-set" \
	-H "Authorization: Bearer $RS")" = 404 ]
# set_digests: the digests of pod demo's set as the server has it now
# (published ones), sorted.
set_digests() {
	curl -fsS --max-time "$(deadline 10)" --cacert "$ROOT" \
		-H "Authorization: Bearer $RS" "$SET?format=text" |
		awk '$1 != "-" {print $1}' | sort -u
}
# committed DIR: the digests of DIR's committed entries (HEX.ok), sorted.
committed() { find "$1/sha256" -maxdepth 1 -name '*.ok' -printf '%f\n' |
	sed 's/\.ok$//' | sort; }
# set_is DIR [HEX...]: DIR's committed entries are exactly pod demo's set
# and the HEXes; both sides in $T/want and $T/have.
set_is() {
	local dir=$1; shift
	{ set_digests && printf '%s\n' "$@"; } | sed '/^$/d' | sort -u >"$T/want"
	committed "$dir" >"$T/have"
	[ -s "$T/want" ] && cmp -s "$T/want" "$T/have"
}
for v in 0 86401; do
	"$AGENT" --relay --cache-set-interval "$v" --check >"$OUT" 2>"$ERR"
	check "--cache-set-interval $v is a usage error (1 to 86400)" sh -c \
		"[ $? = 2 ] && grep -qF -- '--cache-set-interval $v: is not a number in range' '$ERR'"
done
RELAY_POD=demo
RELAY_EXTRA="--cache-set-interval 1"
ok "relay r4 starts with --pod demo, asking for the set every second" \
	cache_relay r4 "$PORT" 64
RELAY_EXTRA=
ok "it prefetches the pod's set without a reader" wait_for 20 \
	test -f "$T/r4.cache/sha256/$EXTRA.ok"
check "and pins it (DIR/pinned)" grep -q "^$EXTRA os/extra" "$T/r4.cache/pinned"
ok "its committed entries are exactly the pod's set (every digest, nothing else)" \
	wait_for 20 set_is "$T/r4.cache"
check "the set compared is not empty and holds os/extra" grep -qx "$EXTRA" "$T/want"
check "nothing outside the set was fetched" sh -c "! test -e '$T/r4.cache/sha256/$BIG'"

# ---- stage2 lists the pod's cache first ------------------------------------------
stage2() { C -fsS "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01"; }
if ! C -fsSI "$BASE/artifacts/demo-vmlinuz" >/dev/null 2>&1; then
	publish demo-vmlinuz "$SITE/demo-vmlinuz"
	publish demo-initrd.img "$SITE/demo-initrd.img"
fi
KH=$(sha256sum "$SITE/demo-vmlinuz" | cut -d' ' -f1)
IH=$(sha256sum "$SITE/demo-initrd.img" | cut -d' ' -f1)
ok "a machine of pod demo gets its stage2" sh -c "$(declare -f C stage2); \
	ROOT=$ROOT BASE=$BASE; stage2 >'$T/stage2.ipxe'"
check "its kernel comes from the cache first, then the central server, both by digest" \
	sh -c "grep -q '^kernel --name kernel https://127.0.0.1:9/node/[a-z0-9-]*/artifacts/demo-vmlinuz@sha256:$KH .* || goto kernel_central\$' '$T/stage2.ipxe' &&
		grep -q '^kernel --name kernel $BASE/artifacts/demo-vmlinuz@sha256:$KH .* || goto failed\$' '$T/stage2.ipxe'"
check "its initrd likewise" sh -c "grep -qx 'initrd --name initrd https://127.0.0.1:9/node/[a-z0-9-]*/artifacts/demo-initrd.img@sha256:$IH || goto initrd_central' '$T/stage2.ipxe' &&
	grep -qx 'initrd --name initrd $BASE/artifacts/demo-initrd.img@sha256:$IH || goto failed' '$T/stage2.ipxe'"
check "a copy from the cache that its signature refuses is freed, said, and fetched centrally" \
	sh -c "grep -qx 'imgverify --signer .* kernel $BASE/artifacts/demo-vmlinuz@sha256:$KH.sig || goto kernel_refused' '$T/stage2.ipxe' &&
		grep -qx 'imgfree kernel || goto failed' '$T/stage2.ipxe' &&
		grep -q '^echo podboot: the pod cache copy of kernel demo-vmlinuz was refused' '$T/stage2.ipxe'"
NODE=$(sed -n 's|^kernel --name kernel https://127.0.0.1:9/node/\([^/]*\)/artifacts/.*|\1|p' "$T/stage2.ipxe")
check "the cache URL names the machine's node id (what the cache reports)" \
	[ -n "$NODE" ] && C -fsS -o /dev/null -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/nodes/$NODE"
check "imgverify is unchanged: the central server's .sig, whichever answered" \
	grep -q "^imgverify --signer .* kernel $BASE/artifacts/demo-vmlinuz@sha256:$KH.sig || goto failed\$" "$T/stage2.ipxe"

# ---- the cache reports what it holds and served ---------------------------------
POD=$BASE/api/v1/pods/demo
podview() { C -fsS -H "Authorization: Bearer $OP_TOKEN" "$POD${1:-}"; }
ok "the pod view shows the cache holding os/extra (reported by r4)" wait_for 20 \
	sh -c "$(declare -f C podview); ROOT=$ROOT POD=$POD OP_TOKEN=$OP_TOKEN
	podview | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = {x[\"name\"]: x for x in d[\"artifacts\"]}
sys.exit(not (a[\"os/extra\"][\"sha256\"] == \"$EXTRA\" and a[\"os/extra\"][\"cached_at\"]))'"
podview >"$T/pod.json"
check "the set's names, digests and publication; nothing served yet" python3 -c "
import json, sys
d = json.load(open('$T/pod.json'))
a = {x['name']: x for x in d['artifacts']}
sys.exit(not ('demo-vmlinuz' in a and a['demo-vmlinuz']['sha256'] == '$KH' and
              a['demo-vmlinuz']['created_at'] and 'os/big' not in a and
              a['os/extra']['served_from_cache'] == 0 and
              d['cache']['held'] >= 1 and d['cache']['served'] == []))"
for i in 1 2; do
	ok "machine $NODE reads os/extra through r4 by its stage2 URL ($i)" \
		get "$r4_RP" "/node/$NODE/artifacts/os/extra@sha256:$EXTRA" "$T/x$i"
done
ok "and a machine without a node in its URL, once" \
	get "$r4_RP" "/artifacts/os/extra@sha256:$EXTRA" "$T/x3"
check "all three copies are the published file" sh -c \
	"cmp -s '$T/extra' '$T/x1' && cmp -s '$T/extra' '$T/x2' && cmp -s '$T/extra' '$T/x3'"
ok "the pod view counts what the cache served, per machine" wait_for 20 \
	sh -c "$(declare -f C podview); ROOT=$ROOT POD=$POD OP_TOKEN=$OP_TOKEN
	podview | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = {(x[\"node\"], x[\"sha256\"]): x for x in d[\"cache\"][\"served\"]}
n = s.get((\"$NODE\", \"$EXTRA\"))
a = s.get((\"127.0.0.1\", \"$EXTRA\"))
x = {y[\"name\"]: y for y in d[\"artifacts\"]}[\"os/extra\"]
sys.exit(not (n and n[\"count\"] == 2 and n[\"bytes\"] == 400000 and
              n[\"artifact\"] == \"os/extra\" and a and a[\"count\"] == 1 and
              x[\"served_from_cache\"] == 3))'"
ok "as text: the artifacts and what was served" sh -c "$(declare -f C podview); \
	ROOT=$ROOT POD=$POD OP_TOKEN=$OP_TOKEN; podview '?format=text' >'$T/pod.txt'"
check "the text names the artifact table and the machine's row" sh -c \
	"grep -q '^ARTIFACT  *SHA256  *SIZE  *PUBLISHED  *CACHED  *SERVED' '$T/pod.txt' &&
	 grep -q '^$NODE  *os/extra  *$EXTRA  *2  *400000\$' '$T/pod.txt'"
check "a sig read is not counted as a machine's fetch" sh -c "
	$(declare -f get deadline); SLOWDOWN=$SLOWDOWN ROOT=$ROOT
	get $r4_RP /node/$NODE/artifacts/os/extra@sha256:$EXTRA.sig $T/x.sig && cmp -s $T/x.sig $BLOBS/$EXTRA.sig"

# The report is the relay's to make: refused from anyone else, checked.
REP='{"since": 1, "held": [], "served": []}'
check "a report without a token: 401" [ "$(status "$POD/cache" -X PUT -d "$REP")" = 401 ]
check "a report with a status token: 403" [ "$(status "$POD/cache" -X PUT -d "$REP" \
	-H "Authorization: Bearer $OP_TOKEN")" = 403 ]
check "a report for an unknown pod: 404" [ "$(status "$BASE/api/v1/pods/nope/cache" \
	-X PUT -d "$REP" -H "Authorization: Bearer $RS")" = 404 ]
check "a digest that is not one: 400" [ "$(status "$POD/cache" -X PUT \
	-d '{"since": 1, "held": ["../x"], "served": []}' -H "Authorization: Bearer $RS")" = 400 ]
check "a machine name with markup: 400" [ "$(status "$POD/cache" -X PUT -d \
	"{\"since\": 1, \"held\": [], \"served\": [{\"node\": \"<b>\", \"sha256\": \"$EXTRA\", \"count\": 1, \"bytes\": 1}]}" \
	-H "Authorization: Bearer $RS")" = 400 ]
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/big.rep"
check "a report over 256 KiB: 413" [ "$(status "$POD/cache" -X PUT --data-binary @"$T/big.rep" \
	-H "Authorization: Bearer $RS")" = 413 ]
check "a refused report left the last good one in place" sh -c "$(declare -f C podview); \
	ROOT=$ROOT POD=$POD OP_TOKEN=$OP_TOKEN; podview | grep -q '\"count\": 2'"
# ---- a new version of the set is prefetched while the relay runs --------------
ok "the cache again holds exactly the pod's set, now published in full" \
	wait_for 20 set_is "$T/r4.cache"
check "which has the profile's kernel and initrd (prefetched since)" sh -c \
	"grep -qx '$KH' '$T/want' && grep -qx '$IH' '$T/want' && grep -qx '$EXTRA' '$T/want'"
head -c 250000 /dev/urandom >"$T/extra2"
ok "a new version of os/extra is published while r4 runs" publish os/extra "$T/extra2"
NEW=$H
check "the server's set now names it in place of the old one" sh -c \
	"$(declare -f set_digests deadline); SLOWDOWN=$SLOWDOWN ROOT=$ROOT RS=$RS SET=$SET
	set_digests | grep -qx '$NEW' && ! set_digests | grep -qx '$EXTRA'"
ok "r4 fetches, verifies and commits it with no machine asking" wait_for 20 \
	test -f "$T/r4.cache/sha256/$NEW.ok"
check "its log says it prefetched it for the pod, and verified it" sh -c \
	"grep -q 'cache: prefetching $NEW os/extra for pod demo' '$T/r4.log' &&
	 grep -q 'sha256:$NEW (os/extra) fetched and verified: 250000 bytes' '$T/r4.log'"
check "no reader asked for it (no miss)" sh -c "! grep -q 'miss sha256:$NEW' '$T/r4.log'"
check "the committed file and .sig are the published ones" sh -c \
	"cmp -s '$T/extra2' '$T/r4.cache/sha256/$NEW' &&
	 cmp -s '$BLOBS/$NEW.sig' '$T/r4.cache/sha256/$NEW.sig'"
check "the new version is pinned, the old one no longer" sh -c \
	"grep -q '^$NEW os/extra' '$T/r4.cache/pinned' && ! grep -q '^$EXTRA' '$T/r4.cache/pinned'"
check "the cache holds the new set and the old version (kept until room is needed), nothing else" \
	set_is "$T/r4.cache" "$EXTRA"
ok "the pod view shows the new version cached (cached_at)" wait_for 20 \
	sh -c "$(declare -f C podview); ROOT=$ROOT POD=$POD OP_TOKEN=$OP_TOKEN
	podview | python3 -c '
import json, sys
d = json.load(sys.stdin)
x = {y[\"name\"]: y for y in d[\"artifacts\"]}[\"os/extra\"]
sys.exit(not (x[\"sha256\"] == \"$NEW\" and x[\"cached_at\"]))'"
ok "a machine then reads it through r4: a hit" get "$r4_RP" \
	"/artifacts/os/extra@sha256:$NEW" "$T/x.new" -D "$T/x.new.h"
check "the published file, from the cache" sh -c "cmp -s '$T/extra2' '$T/x.new' &&
	grep -qi '^x-podboot-cache: hit' '$T/x.new.h'"

check "no relay token in the server's log or the relays' logs" sh -c \
	"! grep -qF '$RS' '$SITE/serve.log' $T/r*.log"

check "no sanitizer report in any relay log" sh -c \
	"! grep -l 'ERROR: AddressSanitizer\|runtime error:' '$T'/r*.log"

finish
