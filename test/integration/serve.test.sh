# serve.test.sh: podboot serve over real TLS, with curl and openssl.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
ok "serve --check accepts the init configuration" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
cp "$SITE/podboot.conf" "$T/typo.conf"
sed -i 's/^policy = /polcy = /' "$T/typo.conf"
line=$(grep -n '^polcy' "$T/typo.conf" | cut -d: -f1)
refused "--check names the line of an unknown setting" "typo.conf:$line:" \
	"$PODBOOT" serve --check --config "$T/typo.conf"
ok "server starts" server_start

# Hostile bytes in the audit trail (the server's first refusals, so that
# none is coalesced away) are recorded escaped as \xNN.  A terminal
# escape in a path must not reach an operator's terminal; a byte that is
# not UTF-8 must not stop the trail from reading as JSON or text.
check "a path with a terminal escape: 401" [ "$(status "$BASE/api/v1/nodes/%1b%5b2J/rearm" -X POST)" = 401 ]
check "a path with a C1 control (CSI): 401" [ "$(status "$BASE/api/v1/nodes/%c2%9b2J/rearm" -X POST)" = 401 ]
check "the events read as text" [ "$(status "$BASE/api/v1/events?format=text" -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
check "with the escape shown as \\x1b" grep -qF 'POST /api/v1/nodes/\x1b[2J/rearm: 401' "$T/.body"
check "and the CSI as \\xc2\\x9b" grep -qF 'POST /api/v1/nodes/\xc2\x9b2J/rearm: 401' "$T/.body"
csi=$(printf '\302\233')
check "no control character a terminal would act on" sh -c \
	"! tr -d '\n' <'$T/.body' | LC_ALL=C grep -q -e '[[:cntrl:]]' -e '$csi'"
check "a path that is not UTF-8: 401" [ "$(status "$BASE/api/v1/nodes/%ff/rearm" -X POST)" = 401 ]
check "then the events read as JSON" [ "$(status "$BASE/api/v1/events" -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
ok "valid JSON" jq -e . "$T/.body"
check "the byte is recorded as \\xff" jq -e \
	'any(.[]; .kind == "refusal" and .subject == "127.0.0.1" and
	 (.detail | startswith("POST /api/v1/nodes/\\xff/rearm: 401")))' "$T/.body"
check "and they read as text" [ "$(status "$BASE/api/v1/events?format=text" -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
check "with the byte shown as \\xff" grep -qF 'POST /api/v1/nodes/\xff/rearm: 401' "$T/.body"

# TLS: 1.2 (what iPXE speaks) and 1.3, chain to the root, name and IP.
for v in tls1_2 tls1_3; do
	ok "openssl s_client -$v verifies the chain and name" sh -c \
		"echo | openssl s_client -$v -connect 127.0.0.1:$PORT -CAfile '$ROOT' \
		-verify_hostname localhost -verify_return_error 2>&1 | grep -q 'Verify return code: 0'"
done
ok "curl by IP address (IP subjectAltName)" \
	curl -fsS --cacert "$ROOT" "https://127.0.0.1:$PORT/healthz"
ok "the server sends the root in its chain (iPXE needs it)" sh -c \
	"echo | openssl s_client -connect 127.0.0.1:$PORT -showcerts 2>/dev/null | grep -c 'BEGIN CERTIFICATE' | grep -qx 2"

# HEAD is side-effect free: the node stays armed.
check "HEAD of stage2 answers" [ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:02" -I)" = 200 ]
check "and does not move the node" sh -c "curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	$BASE/api/v1/nodes/demo-2 | grep -q '\"state\": \"armed\"'"

# The console's read-only view of demo-1's next stage2: the installer
# (armed), its kernel and initrd pinned by digest with the signer's serial,
# the kickstart token redacted; nothing recorded, nothing signed.
S2V="$BASE/api/v1/nodes/demo-1/stage2"
check "the stage2 view needs a token" [ "$(status "$S2V")" = 401 ]
check "the stage2 view refuses the CI token (scope)" [ "$(status "$S2V" -H "Authorization: Bearer $CI_TOKEN")" = 403 ]
check "the stage2 view of an unknown node: 404" [ "$(status "$BASE/api/v1/nodes/nosuch/stage2" -H "Authorization: Bearer $OP_TOKEN")" = 404 ]
check "another sub-path of a node: 404" [ "$(status "$BASE/api/v1/nodes/demo-1/stage3" -H "Authorization: Bearer $OP_TOKEN")" = 404 ]
ok "the stage2 view of demo-1" C -f -o "$T/s2view" -H "Authorization: Bearer $OP_TOKEN" "$S2V"
check "it says the installer goes out next, and moves the node" \
	jq -e '.verdict == "install" and .marks_booting == true and .profile != null' "$T/s2view"
check "its script pins the kernel by digest" sh -c \
	"jq -r .script '$T/s2view' | grep -q '^kernel --name kernel $BASE/artifacts/demo-vmlinuz@sha256:[0-9a-f]\{64\} '"
check "its kickstart URL shows REDACTED, not the token" sh -c \
	"jq -r .script '$T/s2view' | grep -q '/ks/REDACTED'"
check "it lists the kernel and initrd with digest and signer serial" jq -e \
	'[.artifacts[] | select(.published and (.sha256 | length) == 64 and (.signer_serial | length) > 0)] | length == 2' "$T/s2view"
check "the view leaves the node armed" sh -c "curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	$BASE/api/v1/nodes/demo-1 | grep -q '\"state\": \"armed\"'"

# Stage2 for a known MAC, signed; verified two independent ways.
Q="mac=52:54:00:00:00:01&platform=pcbios&buildarch=i386"
ok "stage2 for demo-1" C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?$Q"
ok "its signature" C -f -o "$T/s2.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
ok "podboot verify accepts stage2" "$PODBOOT" verify "$T/s2" "$T/s2.sig" \
	--root "$ROOT" --signer podboot-codesign
ok "openssl accepts stage2" openssl cms -verify -binary -inform DER \
	-in "$T/s2.sig" -content "$T/s2" -CAfile "$ROOT" -purpose any -out /dev/null
check "stage2 installs: kernel pinned by digest" grep -q \
	"^kernel --name kernel $BASE/artifacts/demo-vmlinuz@sha256:[0-9a-f]\{64\} " "$T/s2"
check "stage2 verifies kernel and initrd before boot" sh -c \
	"[ \$(grep -cE '^imgverify --signer podboot-codesign (kernel|initrd) ' '$T/s2') = 2 ]"
ok "stage2 passes the iPXE script linter" "$(dirname "$0")/../../firmware/lint-ipxe" "$T/s2"
C -f -o "$T/s2b" "$BASE/boot/stage2.ipxe?$Q"
C -f -o "$T/s2b.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
check "rendering is deterministic" cmp -s "$T/s2" "$T/s2b"
s2tok=$(sed -n 's|.*/ks/\([^ ]*\).*|\1|p' "$T/s2")
check "the real stage2 carries the token the view redacted" sh -c "[ -n '$s2tok' ] && [ '$s2tok' != REDACTED ]"
check "and the view shows it nowhere" sh -c "! grep -qF -- '$s2tok' '$T/s2view'"
check "the view matches the real script but for the token" sh -c \
	"jq -j .script '$T/s2view' | sed 's|/ks/REDACTED|/ks/$s2tok|' | cmp -s - '$T/s2'"
check "and so is the signature (cached)" cmp -s "$T/s2.sig" "$T/s2b.sig"
check "node is booting" sh -c "curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	$BASE/api/v1/nodes/demo-1 | grep -q '\"state\": \"booting\"'"

# The artifacts the script names, with signatures, ETag and Range.
kurl=$(sed -n 's/^kernel --name kernel \([^ ]*\) .*/\1/p' "$T/s2")
ok "kernel download" C -f -o "$T/k" "$kurl"
ok "kernel signature" C -f -o "$T/k.sig" "$kurl.sig"
ok "openssl verifies the kernel" openssl cms -verify -binary -inform DER \
	-in "$T/k.sig" -content "$T/k" -CAfile "$ROOT" -purpose any -out /dev/null
check "kernel is the demo file" cmp -s "$T/k" "$SITE/demo-vmlinuz"
etag=$(C -sI "$kurl" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
check "ETag is the content digest" sh -c "echo '$etag' | grep -q \"\$(sha256sum '$T/k' | cut -c1-64)\""
check "If-None-Match gives 304" [ "$(status "$kurl" -H "If-None-Match: $etag")" = 304 ]
check "Range gives 206" [ "$(status "$kurl" -H 'Range: bytes=0-4')" = 206 ]
check "and exactly those bytes" [ "$(cat "$T/.body")" = "$(head -c 5 "$T/k")" ]
check "unsatisfiable range gives 416" [ "$(status "$kurl" -H 'Range: bytes=999999-')" = 416 ]
# Malformed ranges get 416 too (api.md), never the whole file as 206: the
# numbers are plain digits (no sign, no blank) that fit 64 bits.
ksize=$(wc -c <"$T/k")
range() { # range SPEC: GET the kernel with Range: bytes=SPEC; prints the status
	curl -s --cacert "$ROOT" -o "$T/.body" -D "$T/.hdr" -w '%{http_code}' \
		-H "Range: bytes=$1" "$kurl"
}
for bad in '--5' '0--1' '-18446744073709551616' '0-18446744073709551616' \
	'18446744073709551616-' '-+5' '+0-4' '0-+4' ' 0-4' '0- 4' '- 5' \
	'0x0-4' '-' '' '4-1'; do
	check "malformed range 'bytes=$bad' gives 416" [ "$(range "$bad")" = 416 ]
	check "with Content-Range: bytes */$ksize and no body" sh -c \
		"grep -qi '^content-range: bytes \*/$ksize' '$T/.hdr' && [ ! -s '$T/.body' ]"
done
check "a suffix range gives the file's last bytes" [ "$(range '-3')" = 206 ]
check "exactly those" [ "$(cat "$T/.body")" = "$(tail -c 3 "$T/k")" ]
check "an open range from the middle" [ "$(range '2-')" = 206 ]
check "gives the rest" [ "$(cat "$T/.body")" = "$(tail -c +3 "$T/k")" ]
check "the largest 64-bit end is cut to the file" [ "$(range '0-18446744073709551615')" = 206 ]
check "(Content-Range names the whole file)" grep -qi "^content-range: bytes 0-$((ksize - 1))/$ksize" "$T/.hdr"
check "the server still serves" [ "$(status "$BASE/healthz")" = 200 ]
check "HEAD works" [ "$(status "$kurl" -I)" = 200 ]

# Kickstart behind the node token, then the one-shot rule.
ks=$(grep -o 'ks=[^ ]*' "$T/s2" | cut -d= -f2)
ok "kickstart with the node token" C -f -o "$T/ks" "$ks"
check "kickstart is rendered for demo-1" grep -q "hostname=demo-1" "$T/ks"
check "kickstart carries the node's management address" grep -q "ip=198.51.100.11" "$T/ks"
# Forged: the last hex digit changed (to 0, or to 1 if it was 0).
case $ks in *0) forged=${ks%?}1 ;; *) forged=${ks%?}0 ;; esac
check "kickstart refused with a forged token" [ "$(status "$forged")" = 403 ]
ntoken=${ks##*/}
check "installed without the node token: 401" [ "$(status "$BASE/api/v1/nodes/demo-1/installed" -X POST)" = 401 ]
check "installed with another node's token: 401" [ "$(status "$BASE/api/v1/nodes/demo-2/installed" -X POST -H "Authorization: Bearer $ntoken")" = 401 ]
check "installed with the node token" [ "$(status "$BASE/api/v1/nodes/demo-1/installed" -X POST -H "Authorization: Bearer $ntoken")" = 200 ]
C -f -o "$T/s3" "$BASE/boot/stage2.ipxe?$Q"
C -f -o "$T/s3.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
# The local-boot script exactly (the install script also has a sanboot
# line, as its fallback): no kernel, no kickstart, no token.
printf '%s\n' '#!ipxe' '# podboot stage2: no install is pending for this machine' \
	'echo podboot: no install pending for this machine; booting the local disk' \
	'iseq ${platform} efi && exit 0 || sanboot --no-describe --drive 0x80 || exit 0' \
	>"$T/local.ipxe"
check "installed node gets the local-boot script, exactly" cmp -s "$T/local.ipxe" "$T/s3"
check "with no kickstart and no node token in it" sh -c \
	"! grep -q -e 'ks=' -e '$ntoken' '$T/s3'"
check "and no installer" sh -c "! grep -q '^kernel' '$T/s3'"
ok "local-boot script is signed too" "$PODBOOT" verify "$T/s3" "$T/s3.sig" --root "$ROOT"
ok "local-boot script passes the iPXE script linter" "$(dirname "$0")/../../firmware/lint-ipxe" "$T/s3"
check "kickstart of an installed node refused" [ "$(status "$ks")" = 409 ]
check "with a reason that says re-arm" grep -q 're-arm it to install again' "$T/.body"
check "HEAD of the kickstart of an installed node: 409 too (api.md)" \
	[ "$(status "$ks" -I)" = 409 ]
check "control: the node is still installed after the HEAD" sh -c "curl -sS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' $BASE/api/v1/nodes/demo-1 | grep -q '\"state\": \"installed\"'"
check "rearm needs a token" [ "$(status "$BASE/api/v1/nodes/demo-1/rearm" -X POST)" = 401 ]
check "rearm with the CI token is refused (scope)" [ "$(status "$BASE/api/v1/nodes/demo-1/rearm" -X POST -H "Authorization: Bearer $CI_TOKEN")" = 403 ]
check "rearm with the operator token" [ "$(status "$BASE/api/v1/nodes/demo-1/rearm" -X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
C -f -o "$T/s4" "$BASE/boot/stage2.ipxe?$Q"
check "re-armed node installs again" grep -q '^kernel' "$T/s4"
check "with a new node token" sh -c "! grep -q '$ntoken' '$T/s4'"
check "the old node token is dead" [ "$(status "$ks")" = 403 ]

# Unknown machines: policy ignore gives local boot, signed.
C -f -o "$T/u" "$BASE/boot/stage2.ipxe?mac=02:00:00:00:00:99"
check "unknown machine gets the local-boot script, exactly" cmp -s "$T/local.ipxe" "$T/u"

# Uploads: scope, names, size; published atomically and signed.
head -c 3000000 /dev/urandom >"$T/img"
check "upload without a token: 401" [ "$(status "$BASE/api/v1/artifacts/os/img" -T "$T/img")" = 401 ]
check "upload with the operator token: 403" [ "$(status "$BASE/api/v1/artifacts/os/img" -T "$T/img" -H "Authorization: Bearer $OP_TOKEN")" = 403 ]
check "upload with a bad token: 401" [ "$(status "$BASE/api/v1/artifacts/os/img" -T "$T/img" -H "Authorization: Bearer pbt_nope")" = 401 ]
check "upload with the CI token: 201" [ "$(status "$BASE/api/v1/artifacts/os/img" -T "$T/img" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
check "reply gives the sha256" grep -q "\"sha256\": \"$(sha256sum "$T/img" | cut -c1-64)\"" "$T/.body"
check "reply gives size and signer" sh -c "grep -q '\"size\": 3000000' '$T/.body' && grep -q 'podboot-codesign' '$T/.body'"
ok "download what was uploaded" C -f -o "$T/img2" "$BASE/artifacts/os/img"
check "identical" cmp -s "$T/img" "$T/img2"
# A large body goes out corked; the request after it on the same
# keep-alive connection (and one after a HEAD, which sends no body)
# is answered in full.
C -f -w '%{num_connects}\n' -o "$T/ka1" "$BASE/artifacts/os/img" \
	--next --cacert "$ROOT" -f -w '%{num_connects}\n' -o "$T/ka2" "$BASE/healthz" \
	--next --cacert "$ROOT" -f -I -w '%{num_connects}\n' -o "$T/ka3" "$BASE/artifacts/os/img" \
	--next --cacert "$ROOT" -f -w '%{num_connects}\n' -o "$T/ka4" "$BASE/healthz" >"$T/ka.n" 2>&1
check "keep-alive: four requests, one connection" [ "$(tr '\n' ' ' <"$T/ka.n")" = "1 0 0 0 " ]
check "keep-alive: the large body is whole" cmp -s "$T/img" "$T/ka1"
check "keep-alive: the request after it is answered" grep -q '"status": "ok"' "$T/ka2"
check "keep-alive: HEAD gives the length" grep -qi '^content-length: 3000000' "$T/ka3"
check "keep-alive: the request after the HEAD is answered" grep -q '"status": "ok"' "$T/ka4"
ok "its signature verifies with openssl" sh -c "curl -fsS --cacert '$ROOT' -o '$T/img.sig' $BASE/artifacts/os/img.sig && \
	openssl cms -verify -binary -inform DER -in '$T/img.sig' -content '$T/img' -CAfile '$ROOT' -purpose any -out /dev/null"
for bad in "../../etc/passwd" "os/../x" "a//b" ".hidden" "x.sig"; do
	check "upload name '$bad' refused" [ "$(status "$BASE/api/v1/artifacts/$bad" --path-as-is -T "$T/img" -H "Authorization: Bearer $CI_TOKEN")" = 400 ]
done
check "GET traversal refused" sh -c "s=\$(curl -s --cacert '$ROOT' --path-as-is -o /dev/null -w '%{http_code}' '$BASE/artifacts/../../etc/passwd'); [ \$s = 400 ] || [ \$s = 404 ]"
check "percent-encoded traversal refused" [ "$(status "$BASE/artifacts/..%2F..%2Fetc%2Fpasswd")" = 400 ]
: >"$T/empty"
check "an empty artifact uploads" [ "$(status "$BASE/api/v1/artifacts/empty" -T "$T/empty" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
check "a suffix range on it gives the whole (empty) file" [ "$(status "$BASE/artifacts/empty" -H 'Range: bytes=-1')" = 200 ]
ok "ci-sign publishes and checks the signature" env PODBOOT_TOKEN="$CI_TOKEN" \
	"$(dirname "$0")/../../scripts/ci-sign" --server "$BASE" --cacert "$ROOT" --verify os/ci-img "$T/img"

# Hostile requests: refused with a reason, and the server keeps serving.
check "bad MAC: 400" [ "$(status "$BASE/boot/stage2.ipxe?mac=zz:00")" = 400 ]
check "with a JSON reason" grep -q '"error": "mac must be a MAC' "$T/.body"
check "bad UUID: 400" [ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01&uuid=x")" = 400 ]
check "unknown parameter: 400" [ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01&evil=1")" = 400 ]
check "no such endpoint: 404" [ "$(status "$BASE/nope")" = 404 ]
# A reason that quotes what the client sent stays JSON, and the log gets
# no raw control bytes.
check "an unknown action with odd bytes: 404" [ "$(status "$BASE/api/v1/nodes/demo-1/%1b%5b2J%ff" -X POST)" = 404 ]
check "with a JSON reason" jq -e '.error | startswith("unknown node action")' "$T/.body"
check "the bytes escaped in it" grep -qF '\\x1b[2J\\xff' "$T/.body"
check "the log line has them escaped" grep -qF 'nodes/demo-1/\x1b[2J\xff' "$SITE/serve.log"
check "and no raw escape byte" [ "$(tr -cd '\033' <"$SITE/serve.log" | wc -c)" = 0 ]
check "wrong method: 405" [ "$(status "$BASE/boot/stage2.ipxe" -X DELETE)" = 405 ]
{ printf 'X-Big: '; head -c 200000 /dev/zero | tr '\0' a; echo; } >"$T/bighdr"
s=$(status "$BASE/healthz" -H @"$T/bighdr")
check "oversized header refused ($s)" [ "$s" = 431 -o "$s" = 413 -o "$s" = 000 ]
check "status API needs a token" [ "$(status "$BASE/api/v1/nodes")" = 401 ]
check "401 names the Bearer scheme" sh -c "curl -sS -D - -o /dev/null --cacert '$ROOT' \
	$BASE/api/v1/nodes | grep -qi '^WWW-Authenticate: Bearer'"
check "server still healthy after all that" [ "$(status "$BASE/healthz")" = 200 ]

# Audit trail.
C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/ev" "$BASE/api/v1/events?limit=1000"
for kind in upload state rearm refusal; do
	check "events record '$kind'" grep -q "\"kind\": \"$kind\"" "$T/ev"
done

# The events of one kind or one node, filtered by the server: exactly the
# ones of the full list, in the same order.
EV="$BASE/api/v1/events"
for q in kind=upload node=demo-1 'kind=state&node=demo-1' kind=rearm; do
	C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/evq" "$EV?limit=1000&$q"
	k=${q#kind=}; k=${k%%&*}; case $q in node=*) k=;; esac
	n=; case $q in *node=*) n=${q##*node=};; esac
	check "?$q lists what the full list holds of it, and nothing else" sh -c "
		jq -c --arg k '$k' --arg n '$n' '[.[] | select((\$k == \"\" or .kind == \$k) and
			(\$n == \"\" or .subject == \$n))]' '$T/ev' >'$T/evq.want' &&
		jq -c . '$T/evq' >'$T/evq.got' && cmp -s '$T/evq.want' '$T/evq.got' &&
		[ \$(jq length '$T/evq') -ge 1 ]"
done
first=$(C -f -H "Authorization: Bearer $OP_TOKEN" "$EV?kind=state&limit=1" | jq '.[0].id')
check "?kind= pages by id: after= the first gives the second" [ "$(C -f -H "Authorization: Bearer $OP_TOKEN" \
	"$EV?kind=state&limit=1&after=$first" | jq '.[0].id')" = "$(jq '[.[] | select(.kind == "state")][1].id' "$T/ev")" ]
check "?kind= refuses what is no kind (400)" [ "$(status "$EV?kind=Upload%27" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "?node= refuses what is no node id (400)" [ "$(status "$EV?node=../x" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "?kind= of no event: an empty list" [ "$(C -f -H "Authorization: Bearer $OP_TOKEN" "$EV?kind=nosuch")" = "[]" ]

ok "SIGTERM stops the server" server_stop TERM
check "with exit status 0" [ "$SERVER_STATUS" = 0 ]
finish
