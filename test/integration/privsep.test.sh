# privsep.test.sh: the request side of podboot serve holds no private key:
# a signer process holds the code-signing and TLS keys (docs/security.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOOLS=$(cd "$(dirname "$0")/tools" && pwd)

# site NAME ALGO: a site with keys of ALGO; KEYS names its private keys.
site() {
	site_init "$T/$1" --algo "$2" || return 1
	KEYS="$SITE/keys/server.key $SITE/keys/codesign.key"
}

# children PID: the processes PID forked.
children() { echo $(cat /proc/"$1"/task/*/children 2>/dev/null); }

# among LIST FILE: every word of FILE is a word of LIST.
among() {
	local w
	for w in $(cat "$2"); do
		case " $1 " in *" $w "*) ;; *) return 1 ;; esac
	done
}

# handshake VERSION [ARGS...]: a TLS handshake verified against the root;
# prints what openssl says about it.
handshake() {
	local v=$1; shift
	echo | openssl s_client "-$v" -connect "127.0.0.1:$PORT" \
		-CAfile "$ROOT" -verify_return_error "$@" 2>&1
}

for algo in rsa ecdsa; do
	ok "$algo: site" site "$algo" "$algo"
	ok "$algo: server starts" server_start
	SIGNER=$(children "$SERVER_PID")
	check "$algo: serve forked one process ($SIGNER)" \
		[ -n "$SIGNER" -a "$(echo "$SIGNER" | wc -w)" = 1 ]
	check "$algo: it is the signer" \
		[ "$(cat /proc/"$SIGNER"/comm 2>/dev/null)" = podboot-signer ]

	# A boot, an upload, handshakes: everything that signs.
	Q="mac=52:54:00:00:00:01&platform=pcbios&buildarch=i386"
	rm -f "$T/s2" "$T/s2.sig" "$T/img.sig"
	C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?$Q"
	C -f -o "$T/s2.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
	ok "$algo: openssl verifies stage2 signed by the signer" \
		openssl cms -verify -binary -inform DER -in "$T/s2.sig" \
		-content "$T/s2" -CAfile "$ROOT" -purpose any -out /dev/null
	head -c 100000 /dev/urandom >"$T/img"
	check "$algo: upload with the CI token: 201" [ "$(status \
		"$BASE/api/v1/artifacts/os/img" -T "$T/img" \
		-H "Authorization: Bearer $CI_TOKEN")" = 201 ]
	C -f -o "$T/img.sig" "$BASE/artifacts/os/img.sig"
	ok "$algo: openssl verifies the uploaded artifact" \
		openssl cms -verify -binary -inform DER -in "$T/img.sig" \
		-content "$T/img" -CAfile "$ROOT" -purpose any -out /dev/null
	# TLS 1.2 with each signature scheme the key offers (RSA: PKCS#1
	# v1.5 and PSS), TLS 1.3 with its own.
	case $algo in
	rsa) schemes='RSA+SHA256:RSA RSA+SHA384:RSA rsa_pss_rsae_sha256:RSA-PSS'
	     sig13='RSA-PSS' ;;
	ecdsa) schemes='ECDSA+SHA256:ECDSA ECDSA+SHA384:ECDSA'
	       sig13='ECDSA' ;;
	esac
	for s in $schemes; do
		handshake tls1_2 -sigalgs "${s%:*}" >"$T/h12"
		check "$algo: TLS 1.2 handshake with ${s%:*} verified" sh -c \
			"grep -q 'Verify return code: 0' '$T/h12' &&
			 grep -q 'Peer signature type: ${s#*:}\$' '$T/h12'"
	done
	# A TLS 1.2 client that sends no signature_algorithms (busybox wget,
	# the e2e installer) gets the RFC 5246 default, SHA-1 with the key:
	# GnuTLS signed it with an in-process key, so must the signer.
	case $algo in rsa) d='RSA+SHA1:RSA' ;; ecdsa) d='ECDSA+SHA1:ECDSA' ;; esac
	handshake tls1_2 -sigalgs "${d%:*}" -cipher 'DEFAULT:@SECLEVEL=0' >"$T/h12"
	check "$algo: TLS 1.2 handshake with ${d%:*} (a client without signature_algorithms)" \
		sh -c "grep -q 'Verify return code: 0' '$T/h12'"
	mkdir -p "$T/bb" && ln -sf "$(command -v busybox)" "$T/bb/wget"
	check "$algo: busybox wget (no signature_algorithms) fetches /healthz" \
		env PATH="$T/bb" wget -q -O /dev/null "https://127.0.0.1:$PORT/healthz"
	handshake tls1_3 >"$T/h13"
	check "$algo: TLS 1.3 handshake verified" sh -c \
		"grep -q 'Verify return code: 0' '$T/h13' && grep -q TLSv1.3 '$T/h13'"
	check "$algo: signed with $sig13" \
		grep -q "Peer signature type: $sig13\$" "$T/h13"

	# The probe: exit 1 = none of the key's bytes found, 0 = found.
	"$TOOLS/memprobe.py" "$SERVER_PID" $KEYS >"$OUT" 2>"$ERR"
	r=$?
	_report $([ "$r" = 1 ]; echo $?) \
		"$algo: the request process's memory holds no key bytes"
	"$TOOLS/memprobe.py" "$SIGNER" $KEYS >"$OUT" 2>"$ERR"
	r=$?
	_report $([ "$r" = 0 ]; echo $?) \
		"$algo: the signer's memory does (the probe works)"
	server_stop TERM
	check "$algo: the server stopped cleanly" [ "$SERVER_STATUS" = 0 ]
	check "$algo: and its signer with it" sh -c "! kill -0 '$SIGNER' 2>/dev/null"
done

# The parent never opens a private key file: strace sees every open.
if command -v strace >/dev/null; then
	site traced rsa
	# With a UEFI pair: an EFI kernel upload signs with uefi-db.key.
	"$PODBOOT" keys issue-uefi --dir "$SITE/keys" >/dev/null
	sed -i 's#^\(  *\)codesign_key = .*#&\n\1uefi_cert = "keys/uefi-db.crt";\n\1uefi_key = "keys/uefi-db.key";#' \
		"$SITE/podboot.conf"
	# The plain build: LeakSanitizer does not run under ptrace.
	strace -f -qq -e trace=open,openat -o "$T/trace" \
		"$PODBOOT_FAST" serve --config "$SITE/podboot.conf" \
		>>"$SITE/serve.log" 2>&1 &
	TRACER=$!
	# A failure ends the test at once with TEST_FAIL_FAST (mutants): the
	# traced server, which strace would leave running, goes with it.
	trap 'kill -KILL $(children "$TRACER") "$TRACER" 2>/dev/null
	      server_stop KILL; rm -rf "$T"' EXIT
	check "under strace: the server answers" wait_for 60 \
		curl -fsS --cacert "$ROOT" -o /dev/null "$BASE/healthz"
	EFI=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
	if [ -f "$EFI" ]; then
		curl -fsS --cacert "$ROOT" -o "$T/efi.reply" -T "$EFI" \
			-H "Authorization: Bearer $CI_TOKEN" \
			"$BASE/api/v1/artifacts/os/efi"
		check "under strace: an EFI kernel got its uefi variant" \
			grep -q '"uefi"' "$T/efi.reply"
		check "strace saw uefi-db.key opened" \
			grep -qE 'open(at)?\(.*uefi-db\.key"' "$T/trace"
	else
		skip "no EFI application to upload (systemd-boot-efi)"
	fi
	srv=$(children "$TRACER")
	sig=$(children "$srv")
	tids=$(echo $(ls /proc/"$sig"/task 2>/dev/null))
	grep -E 'open(at)?\(.*(server|codesign|uefi-db)\.key"' "$T/trace" |
		awk '{print $1}' | sort -u >"$T/openers"
	check "strace saw the key files opened" [ -s "$T/openers" ]
	check "only by the signer's threads ($(echo $(cat "$T/openers")) of $tids)" \
		among "$tids" "$T/openers"
	kill -TERM "${srv:-$TRACER}" 2>/dev/null
	# strace leaves its tracee running when it is itself ended: a server
	# that does not end on SIGTERM must still not outlive the test.
	check "under strace: SIGTERM ends the server" \
		wait_for 60 sh -c "! kill -0 ${srv:-$TRACER} 2>/dev/null" ||
		kill -KILL $srv $sig 2>/dev/null
	wait "$TRACER"
else
	skip "strace is not installed"
fi

# The same user as the signer (a compromised request side) cannot read
# the signer's memory: it is not dumpable.  Root can (the probe above).
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
# readable PID: the process's memory opens for the user nobody.
readable() {
	$AS_NOBODY sh -c ": </proc/$1/mem" 2>/dev/null
}
site nobody rsa
chmod 755 "$T"
chown -R 65534:65534 "$SITE"
$AS_NOBODY "$PODBOOT" serve --config "$SITE/podboot.conf" \
	>>"$SITE/serve.log" 2>&1 &
SERVER_PID=$!
check "as nobody: the server answers" wait_for 60 \
	curl -fsS --cacert "$ROOT" -o /dev/null "$BASE/healthz"
SIGNER=$(children "$SERVER_PID")
if readable "$SERVER_PID"; then
	check "as nobody: the signer's memory stays closed to its own user" \
		sh -c "[ -n '$SIGNER' ] && ! $AS_NOBODY sh -c ': </proc/$SIGNER/mem'"
else
	skip "nobody cannot read its own request process (ptrace_scope)"
fi
server_stop TERM

# A compromised request side: malformed requests are refused, and the
# signer still signs after them.
site poked rsa
ok "another RSA site: server starts" server_start
SIGNER=$(children "$SERVER_PID")
POKE="$TOOLS/signer-poke.py $SERVER_PID"
check "control: a well-formed IDENT request is answered" \
	sh -c "$POKE ident | grep -qx 'reply type 2 rc 0'"
for kind in unknown oversized short badhash; do
	check "a $kind request is refused (EBADMSG)" \
		sh -c "$POKE $kind | grep -q 'rc -74\$'"
done
check "the signer logged the refusals" \
	[ "$(grep -c 'malformed request refused' "$SITE/serve.log")" = 4 ]
Q="mac=52:54:00:00:00:02&platform=pcbios&buildarch=i386"
rm -f "$T/s2" "$T/s2.sig"
C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?$Q"
C -f -o "$T/s2.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
ok "and still signs" openssl cms -verify -binary -inform DER \
	-in "$T/s2.sig" -content "$T/s2" -CAfile "$ROOT" -purpose any \
	-out /dev/null

# The signer dies: signing fails with a clear line, and serve drains and
# exits (a supervisor restarts it).  An upload in flight shows it: its
# body ends after the signer is gone.
mkfifo "$T/body"
curl -s --cacert "$ROOT" -o "$T/late.body" -D "$T/late.head" \
	-w '%{http_code}' \
	-H "Authorization: Bearer $CI_TOKEN" \
	-T - "$BASE/api/v1/artifacts/os/late" <"$T/body" >"$T/late.code" &
CURL=$!
exec 3>"$T/body"
head -c 100000 /dev/zero >&3
check "the upload is under way" wait_for 20 sh -c \
	"curl -fsS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	 '$BASE/metrics' | grep -q '^podboot_transfers [1-9]'"
kill -KILL "$SIGNER"
check "serve says the signer died" wait_for 20 \
	grep -q "signer process $SIGNER killed by signal 9" "$SITE/serve.log"
head -c 100000 /dev/zero >&3
exec 3>&-
wait "$CURL"
# 503 with Retry-After: this server exits soon, and the client retries
# against the restarted or standby one.
check "the upload in flight fails cleanly ($(cat "$T/late.code"))" \
	[ "$(cat "$T/late.code")" = 503 ]
check "and says when to retry" grep -qi '^retry-after: [0-9]' "$T/late.head"
check "with a clear log line" grep -q "signer process $SIGNER: gone" \
	"$SITE/serve.log"
check "serve exits by itself" wait_for 60 sh -c "! kill -0 $SERVER_PID"
server_stop KILL
check "with a failure status ($SERVER_STATUS)" [ "$SERVER_STATUS" != 0 ]
check "no crash, no sanitizer report" sh -c \
	"! grep -qE 'AddressSanitizer|runtime error|Segmentation' '$SITE/serve.log'"
finish
