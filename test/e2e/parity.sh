#!/bin/bash
# parity.sh: podboot verify and iPXE's imgverify must agree on every
# signature of a corpus (issue 10; docs/firmware.md, "Parity with iPXE").
#
# 1. Makes, at test time, a PKI (openssl and podboot keys init: RSA, P-256
#    and P-384 roots, intermediates, code-signing leaves and broken ones)
#    and a corpus of detached signatures (openssl cms/smime -sign and
#    podboot sign), one case = content + signature + required signer name +
#    the verdict both must reach.
# 2. Builds a test firmware from upstream iPXE (scripts/build-firmware
#    --embed: a relink when the firmware cache holds a build) trusting the
#    corpus's trusted roots, whose script fetches every case over plain HTTP
#    from a loopback server (the guest's 10.0.2.2), runs imgverify on it and
#    prints "PARITY CASE ok" or "PARITY CASE fail ERRNO", then "PARITY-END".
#    One QEMU boot (TCG, user networking) runs every case.
# 3. Runs build/podboot verify on every case with the same roots and signer,
#    prints a table and asserts for every case: iPXE's verdict = podboot's
#    verdict = the expected one.
#
# Environment: PODBOOT (build/podboot), IPXE_SRC (upstream iPXE tree or
# tarball; default ../shared/vendor/ipxe/ipxe-0ab2277c4.tar.xz from the top),
# FIRMWARE_CACHE (build/firmware/.cache, as make firmware),
# PARITY_RUN (build/parity: PKI, corpus, firmware and logs of this run),
# PARITY_TIMEOUT (seconds for the boot, default 240), CI (true: a missing
# IPXE_SRC or QEMU fails the run instead of skipping the iPXE leg).
# Ends with "parity: N passed, M failed"; exit 1 on any failure.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/test/e2e/parity
PODBOOT=${PODBOOT:-$TOP/build/podboot}
RUN=${PARITY_RUN:-$TOP/build/parity}
IPXE_SRC=${IPXE_SRC:-$TOP/../shared/vendor/ipxe/ipxe-0ab2277c4.tar.xz}
FIRMWARE_CACHE=${FIRMWARE_CACHE:-$TOP/build/firmware/.cache}
BOOT_TIMEOUT=${PARITY_TIMEOUT:-240}
# shellcheck source=test/integration/lib.sh
. "$TOP/test/integration/lib.sh"

PASS=0
FAIL=0
HTTP_PID=
QEMU_PID=
T0=$(date +%s)

say() { echo "parity: $*"; }
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
# finish: stop the QEMU and HTTP server we started; on exit, also remove
# lib.sh's scratch directory $T (this trap replaces lib.sh's).
finish() {
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null
	[ -n "$QEMU_PID" ] && wait "$QEMU_PID" 2>/dev/null
	[ -n "$HTTP_PID" ] && wait "$HTTP_PID" 2>/dev/null
	QEMU_PID='' HTTP_PID=''
}
trap 'finish; rm -rf "$T"' EXIT
die() {
	bad "$*"
	finish
	echo "parity: $PASS passed, $FAIL failed"
	exit 1
}

[ -x "$PODBOOT" ] || die "$PODBOOT is not built (make all)"
for c in openssl python3 curl timeout awk; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing (scripts/deps)"
done

# The iPXE leg needs IPXE_SRC and QEMU; outside CI it may be skipped.
IPXE_LEG=1
why=
[ -e "$IPXE_SRC" ] || why="IPXE_SRC=$IPXE_SRC does not exist"
command -v qemu-system-x86_64 >/dev/null 2>&1 || why="qemu-system-x86_64 is missing"
if [ -n "$why" ]; then
	[ "${CI:-}" = true ] && die "$why: the iPXE leg never skips in CI"
	say "SKIP the iPXE leg: $why (podboot verify still checked)"
	IPXE_LEG=0
fi

rm -rf "$RUN"
mkdir -p "$RUN/pki/newcerts" "$RUN/www" || die "cannot create $RUN"
PKI=$RUN/pki
WWW=$RUN/www
CNF=$HERE/openssl.cnf
export PKI
: >"$PKI/index.txt"
echo 1000 >"$PKI/serial"
LOG=$RUN/openssl.log
: >"$LOG"

# ---- the PKI ----------------------------------------------------------------

# key NAME rsa|p256|p384
key() {
	case $2 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$PKI/$1.key" 2>>"$LOG" ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$PKI/$1.key" 2>>"$LOG" ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
		-out "$PKI/$1.key" 2>>"$LOG" ;;
	esac || die "cannot make key $1"
}
# root NAME KEYTYPE PROFILE: a self-signed root.
root() {
	key "$1" "$2"
	openssl req -x509 -new -config "$CNF" -extensions "$3" -key "$PKI/$1.key" \
		-subj "/CN=parity-$1/O=podboot-parity" -days 30 -sha256 \
		-out "$PKI/$1.crt" 2>>"$LOG" || die "cannot make root $1"
}
# cert NAME KEYTYPE ISSUER PROFILE SUBJECT [openssl ca options]
cert() {
	local name=$1 kt=$2 issuer=$3 profile=$4 subj=$5
	shift 5
	key "$name" "$kt"
	openssl req -new -config "$CNF" -key "$PKI/$name.key" -subj "$subj" \
		-out "$PKI/$name.csr" 2>>"$LOG" &&
		openssl ca -batch -config "$CNF" -cert "$PKI/$issuer.crt" \
			-keyfile "$PKI/$issuer.key" -in "$PKI/$name.csr" \
			-extensions "$profile" -notext -out "$PKI/$name.crt" \
			"$@" >>"$LOG" 2>&1 || die "cannot issue $name under $issuer"
}
# dated_root NAME START END: a self-signed RSA root valid from START to END.
dated_root() {
	key "$1" rsa
	openssl req -new -config "$CNF" -key "$PKI/$1.key" \
		-subj "/CN=parity-$1/O=podboot-parity" -out "$PKI/$1.csr" 2>>"$LOG" &&
		openssl ca -batch -config "$CNF" -selfsign -keyfile "$PKI/$1.key" \
			-in "$PKI/$1.csr" -extensions root -notext -out "$PKI/$1.crt" \
			-startdate "$2" -enddate "$3" >>"$LOG" 2>&1 ||
		die "cannot make root $1"
}
# stamp SECONDS: openssl ca's date, SECONDS from now.
stamp() {
	date -u -d "@$(($(date +%s) + $1))" +%Y%m%d%H%M%SZ
}

say "making the PKI in $PKI"
# podboot's own key directories (roots with pathlen:0, unique names).
"$PODBOOT" keys init --dir "$PKI/pb-rsa" --server-name parity.test \
	--org parity-rsa >>"$LOG" 2>&1 || die "podboot keys init (RSA) failed"
"$PODBOOT" keys init --dir "$PKI/pb-ec" --server-name parity.test \
	--algo ecdsa --org parity-ecdsa >>"$LOG" 2>&1 ||
	die "podboot keys init (ECDSA) failed"
cp "$PKI/pb-rsa/root.crt" "$PKI/pb-rsa-root.crt"
cp "$PKI/pb-rsa/root.key" "$PKI/pb-rsa-root.key"

root rsa-root rsa root
root p256-root p256 root
root p384-root p384 root
root pl0-root rsa root_pl0
root cs-root rsa root_codesign
root untrusted-root rsa root
dated_root expired-root "$(stamp -2592000)" "$(stamp -172800)"
dated_root future-root "$(stamp 172800)" "$(stamp 2592000)"

S=/O=podboot-parity
cert rsa-leaf rsa rsa-root leaf "/CN=parity-signer$S"
cert p256-leaf p256 p256-root leaf "/CN=parity-signer$S"
cert p384-leaf p384 p384-root leaf "/CN=parity-signer$S"
cert p384-inter p384 p384-root inter "/CN=parity p384 intermediate$S"
cert p384-ileaf p384 p384-inter leaf "/CN=podboot-codesign$S"
cert rsa-leaf2 rsa rsa-root leaf "/CN=second-signer$S"
cert untrusted-leaf rsa untrusted-root leaf "/CN=untrusted-signer$S"
cert serverauth-leaf rsa rsa-root leaf_serverauth "/CN=parity-signer$S"
cert noeku-leaf rsa rsa-root leaf_noeku "/CN=parity-signer$S"
cert nods-leaf rsa rsa-root leaf_nods "/CN=parity-signer$S"
cert noku-leaf rsa rsa-root leaf_noku "/CN=parity-signer$S"
cert mixed-leaf rsa rsa-root leaf "/CN=Parity-Signer$S"
cert wild-leaf p256 p256-root leaf "/CN=*.parity.test$S"
cert san-leaf rsa rsa-root leaf_san "/CN=parity-signer$S"
cert twocn-leaf rsa rsa-root leaf "/CN=first-cn/CN=second-cn$S"
cert expired-leaf rsa rsa-root leaf "/CN=parity-signer$S" \
	-startdate "$(stamp -2592000)" -enddate "$(stamp -172800)"
cert future-leaf rsa rsa-root leaf "/CN=parity-signer$S" \
	-startdate "$(stamp 172800)" -enddate "$(stamp 2592000)"
# Inside iPXE's (and podboot's) 12.5 h margin: still accepted.
cert margin-leaf rsa rsa-root leaf "/CN=parity-signer$S" \
	-startdate "$(stamp -2592000)" -enddate "$(stamp -3600)"
cert under-expired-root rsa expired-root leaf "/CN=parity-signer$S"
cert under-future-root rsa future-root leaf "/CN=parity-signer$S"
# Certificates signed with SHA-1: iPXE has sha1WithRSAEncryption only.
cert rsa-sha1cert rsa rsa-root leaf "/CN=parity-signer$S" -md sha1
cert p256-sha1cert p256 p256-root leaf "/CN=parity-signer$S" -md sha1
cert inter rsa rsa-root inter "/CN=parity intermediate$S"
cert ileaf rsa inter leaf "/CN=parity-signer$S"
cert nonca-inter rsa rsa-root inter_nonca "/CN=parity non-CA intermediate$S"
cert nonca-leaf rsa nonca-inter leaf "/CN=parity-signer$S"
cert nocs-inter rsa rsa-root inter_no_certsign "/CN=parity no-certsign intermediate$S"
cert nocs-leaf rsa nocs-inter leaf "/CN=parity-signer$S"
cert pl0-inter rsa pl0-root inter "/CN=parity pathlen-0 intermediate$S"
cert pl0-leaf rsa pl0-inter leaf "/CN=parity-signer$S"
cert pl0-direct rsa pl0-root leaf "/CN=parity-signer$S"
cert ipl0-inter rsa rsa-root inter_pl0 "/CN=parity inner pathlen-0$S"
cert ipl0-sub rsa ipl0-inter inter "/CN=parity under pathlen-0$S"
cert ipl0-leaf rsa ipl0-sub leaf "/CN=parity-signer$S"
cert ipl0-ok rsa ipl0-inter leaf "/CN=parity-signer$S"
cert pbi-inter rsa pb-rsa-root inter "/CN=parity under podboot root$S"
cert pbi-leaf rsa pbi-inter leaf "/CN=podboot-codesign$S"

# What both verifiers trust (the firmware's TRUST list, verify's --root).
TRUSTED="$PKI/pb-rsa/root.crt $PKI/pb-ec/root.crt $PKI/rsa-root.crt $PKI/p256-root.crt $PKI/p384-root.crt $PKI/pl0-root.crt $PKI/cs-root.crt $PKI/expired-root.crt $PKI/future-root.crt"
mkdir -p "$RUN/fwkeys"
# shellcheck disable=SC2086
cat $TRUSTED >"$RUN/fwkeys/root.crt"
ROOTS=$RUN/fwkeys/root.crt

# ---- the corpus -------------------------------------------------------------

head -c 3000 /dev/urandom >"$RUN/content"
CASES=$RUN/cases.txt
: >"$CASES"
# add NAME SIGNER EXPECT: register a case whose files are $WWW/NAME(.sig).
add() {
	[ -s "$WWW/$1.sig" ] || die "case $1: no signature was made"
	[ -f "$WWW/$1" ] || cp "$RUN/content" "$WWW/$1"
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$CASES"
}
# cms NAME SIGNER EXPECT CERT [openssl cms options]: openssl cms -sign with
# CERT's key, chain from its issuers (every intermediate and root file given
# with -certfile by the caller), no signed attributes unless asked.
cms() {
	local name=$1 signer=$2 expect=$3 c=$4
	shift 4
	openssl cms -sign -binary -in "$RUN/content" -signer "$PKI/$c.crt" \
		-inkey "$PKI/$c.key" -outform DER -out "$WWW/$name.sig" "$@" \
		2>>"$LOG" || die "openssl cms -sign failed for case $name"
	add "$name" "$signer" "$expect"
}
chain() { # chain FILE... -> one PEM bundle for -certfile
	local out=$PKI/chain-$$-$RANDOM.pem f
	: >"$out"
	for f in "$@"; do cat "$PKI/$f.crt" >>"$out"; done
	echo "$out"
}
say "making the corpus in $WWW"

# podboot sign
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-rsa.sig" --keys "$PKI/pb-rsa" \
	>>"$LOG" 2>&1 && add pb-rsa podboot-codesign ok
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-ecdsa.sig" --keys "$PKI/pb-ec" \
	>>"$LOG" 2>&1 && add pb-ecdsa podboot-codesign ok
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-p384-inter.sig" \
	--key "$PKI/p384-ileaf.key" --cert "$PKI/p384-ileaf.crt" \
	--include "$PKI/p384-inter.crt" >>"$LOG" 2>&1 &&
	add pb-p384-inter podboot-codesign ok
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-any-signer.sig" --keys "$PKI/pb-rsa" \
	>>"$LOG" 2>&1 && add pb-any-signer - ok
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-under-pathlen0.sig" \
	--key "$PKI/pbi-leaf.key" --cert "$PKI/pbi-leaf.crt" \
	--include "$PKI/pbi-inter.crt" >>"$LOG" 2>&1 &&
	add pb-under-pathlen0 podboot-codesign fail
"$PODBOOT" sign "$RUN/content" -o "$WWW/pb-tampered.sig" --keys "$PKI/pb-ec" \
	>>"$LOG" 2>&1 && {
	cp "$RUN/content" "$WWW/pb-tampered"
	printf 'X' | dd of="$WWW/pb-tampered" bs=1 seek=1500 conv=notrunc 2>/dev/null
	add pb-tampered podboot-codesign fail
}

# Every digest with every key type (ecdsa-with-SHA1: iPXE has none).
for kt in rsa p256 p384; do
	for md in sha1 sha224 sha256 sha384 sha512; do
		expect=ok
		[ "$kt" != rsa ] && [ "$md" = sha1 ] && expect=fail
		cms "$kt-$md" parity-signer "$expect" "$kt-leaf" -noattr -md "$md"
	done
done
# RSA-PSS: iPXE's salt is the digest's length; anything else fails.
cms pss-sha256 parity-signer ok rsa-leaf -noattr -md sha256 \
	-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
cms pss-sha384 parity-signer ok rsa-leaf -noattr -md sha384 \
	-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
cms pss-sha512 parity-signer ok rsa-leaf -noattr -md sha512 \
	-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:digest
cms pss-salt20 parity-signer fail rsa-leaf -noattr -md sha256 \
	-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:20
cms pss-saltmax parity-signer fail rsa-leaf -noattr -md sha256 \
	-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:max

# Tampered content.
for kt in rsa p256; do
	cms "tampered-$kt" parity-signer fail "$kt-leaf" -noattr
	printf 'X' | dd of="$WWW/tampered-$kt" bs=1 seek=7 conv=notrunc 2>/dev/null
done
cp "$RUN/content" "$WWW/truncated"
truncate -s 2999 "$WWW/truncated"
cms truncated parity-signer fail rsa-leaf -noattr

# Form of the message.
cms signed-attrs parity-signer fail rsa-leaf
cms signed-attrs-ecdsa parity-signer fail p256-leaf
cms keyid parity-signer fail rsa-leaf -noattr -keyid
cms nocerts parity-signer fail rsa-leaf -noattr -nocerts
cms nodetach parity-signer ok rsa-leaf -noattr -nodetach
openssl cms -sign -binary -in "$RUN/content" -signer "$PKI/rsa-leaf.crt" \
	-inkey "$PKI/rsa-leaf.key" -noattr -outform PEM -out "$WWW/pem-cms.sig" \
	2>>"$LOG" && add pem-cms parity-signer ok
openssl smime -sign -binary -in "$RUN/content" -signer "$PKI/p256-leaf.crt" \
	-inkey "$PKI/p256-leaf.key" -noattr -outform PEM -out "$WWW/pem-smime.sig" \
	2>>"$LOG" && add pem-smime parity-signer ok
openssl smime -sign -binary -in "$RUN/content" -signer "$PKI/rsa-leaf.crt" \
	-inkey "$PKI/rsa-leaf.key" -noattr -outform DER -out "$WWW/smime-der.sig" \
	2>>"$LOG" && add smime-der parity-signer ok

# The signer certificate's usage.
cms eku-serverauth parity-signer fail serverauth-leaf -noattr
cms no-eku parity-signer fail noeku-leaf -noattr
cms no-digitalsignature parity-signer fail nods-leaf -noattr
cms no-keyusage parity-signer fail noku-leaf -noattr
cms signed-by-root - fail rsa-root -noattr
cms signed-by-root-named parity-rsa-root fail rsa-root -noattr
cms signed-by-codesign-root parity-cs-root ok cs-root -noattr

# The signer's name.
cms name-wrong other-signer fail rsa-leaf -noattr
cms name-upper PARITY-SIGNER ok rsa-leaf -noattr
cms name-mixed-cert parity-signer ok mixed-leaf -noattr
cms name-prefix parity fail rsa-leaf -noattr
cms name-longer parity-signer2 fail rsa-leaf -noattr
cms name-wildcard node.parity.test ok wild-leaf -noattr
cms name-wildcard-upper NODE.Parity.Test ok wild-leaf -noattr
cms name-wildcard-deep a.node.parity.test fail wild-leaf -noattr
cms name-wildcard-bare parity.test fail wild-leaf -noattr
cms name-wildcard-literal "*.parity.test" ok wild-leaf -noattr
cms name-san alt.parity.test ok san-leaf -noattr
cms name-first-cn first-cn ok twocn-leaf -noattr
cms name-second-cn second-cn fail twocn-leaf -noattr
cms name-org podboot-parity fail rsa-leaf -noattr

# The chain.
cms untrusted-ca untrusted-signer fail untrusted-leaf -noattr \
	-certfile "$(chain untrusted-root)"
cms untrusted-ca-noroot untrusted-signer fail untrusted-leaf -noattr
cms two-signers - fail rsa-leaf -noattr -signer "$PKI/untrusted-leaf.crt" \
	-inkey "$PKI/untrusted-leaf.key"
# iPXE completes every signer's chain first: an untrusted one fails
# the message even when --signer names the other.
cms two-signers-named parity-signer fail rsa-leaf -noattr \
	-signer "$PKI/untrusted-leaf.crt" -inkey "$PKI/untrusted-leaf.key"
cms two-signers-untrusted-named untrusted-signer fail rsa-leaf -noattr \
	-signer "$PKI/untrusted-leaf.crt" -inkey "$PKI/untrusted-leaf.key"
cms two-signers-trusted - ok rsa-leaf -noattr \
	-signer "$PKI/rsa-leaf2.crt" -inkey "$PKI/rsa-leaf2.key"
cms expired parity-signer fail expired-leaf -noattr
cms not-yet-valid parity-signer fail future-leaf -noattr
cms root-expired parity-signer fail under-expired-root -noattr
cms root-not-yet-valid parity-signer fail under-future-root -noattr
cms cert-sha1-rsa parity-signer ok rsa-sha1cert -noattr
cms cert-sha1-ecdsa parity-signer fail p256-sha1cert -noattr
cms expired-within-margin parity-signer ok margin-leaf -noattr
cms intermediate parity-signer ok ileaf -noattr -certfile "$(chain inter)"
cms intermediate-missing parity-signer fail ileaf -noattr
cms intermediate-non-ca parity-signer fail nonca-leaf -noattr \
	-certfile "$(chain nonca-inter)"
cms intermediate-no-certsign parity-signer fail nocs-leaf -noattr \
	-certfile "$(chain nocs-inter)"
cms pathlen-root-violated parity-signer fail pl0-leaf -noattr \
	-certfile "$(chain pl0-inter)"
cms pathlen-root-direct parity-signer ok pl0-direct -noattr
cms pathlen-inter-violated parity-signer fail ipl0-leaf -noattr \
	-certfile "$(chain ipl0-sub ipl0-inter)"
cms pathlen-inter-ok parity-signer ok ipl0-ok -noattr \
	-certfile "$(chain ipl0-inter)"
cms p384-intermediate podboot-codesign ok p384-ileaf -noattr -md sha384 \
	-certfile "$(chain p384-inter)"

NCASES=$(wc -l <"$CASES")
say "$NCASES cases"

# ---- podboot verify ---------------------------------------------------------

declare -A PB_VERDICT PB_WHY IPXE_VERDICT IPXE_ERR
while IFS=$'\t' read -r name signer expect; do
	set -- "$WWW/$name" "$WWW/$name.sig" --root "$ROOTS"
	[ "$signer" != - ] && set -- "$@" --signer "$signer"
	if out=$("$PODBOOT" verify "$@" 2>&1); then
		PB_VERDICT[$name]=ok
	else
		PB_VERDICT[$name]=fail
	fi
	PB_WHY[$name]=$(echo "$out" | head -1 | sed "s|^podboot: error: ||; s|^$WWW/$name: ||" | cut -c1-60)
done <"$CASES"

# ---- the iPXE leg -----------------------------------------------------------

if [ "$IPXE_LEG" = 1 ]; then
	PORT=$(port_pick)
	S1=$RUN/parity.ipxe
	{
		echo '#!ipxe'
		echo 'echo PARITY-BEGIN'
		# shellcheck disable=SC2016 # iPXE expands ${errno}
		echo 'dhcp || echo PARITY-DHCP fail ${errno}'
		echo "set base http://10.0.2.2:$PORT"
		i=0
		while IFS=$'\t' read -r name signer expect; do
			i=$((i + 1))
			opt=
			[ "$signer" != - ] && opt="--signer $signer "
			echo "certfree || echo -n"
			echo "imgfetch --name c$i \${base}/$name && imgfetch --name s$i \${base}/$name.sig || echo PARITY-FETCH $name fail \${errno}"
			echo "imgverify ${opt}c$i s$i && echo PARITY $name ok || echo PARITY $name fail \${errno}"
			echo "imgfree c$i || echo -n"
		done <"$CASES"
		# SeaBIOS's serial copy of the console lags a line behind.
		echo 'echo PARITY-END'
		echo 'echo .' && echo 'echo ..' && echo 'echo ...'
		echo 'poweroff'
	} >"$S1"

	say "building the test firmware (IPXE_SRC=$IPXE_SRC, FIRMWARE_CACHE=$FIRMWARE_CACHE)"
	tb=$(date +%s)
	if IPXE_SRC=$IPXE_SRC FIRMWARE_CACHE=$FIRMWARE_CACHE KEYS=$RUN/fwkeys \
		OUT=$RUN/fw "$TOP/scripts/build-firmware" --embed "$S1" \
		>"$RUN/build-firmware.log" 2>&1; then
		ok "test firmware built in $(($(date +%s) - tb))s (log: $RUN/build-firmware.log)"
	else
		tail -n 20 "$RUN/build-firmware.log"
		die "the test firmware did not build (log: $RUN/build-firmware.log)"
	fi

	python3 -m http.server --bind 127.0.0.1 --directory "$WWW" "$PORT" \
		>"$RUN/http.log" 2>&1 &
	HTTP_PID=$!
	deadline=$(($(date +%s) + 20))
	until curl -sf -o /dev/null "http://127.0.0.1:$PORT/pb-rsa.sig"; do
		[ "$(date +%s)" -lt "$deadline" ] || die "the HTTP server on 127.0.0.1:$PORT did not answer within 20 s"
		kill -0 "$HTTP_PID" 2>/dev/null || die "the HTTP server exited (log: $RUN/http.log)"
		sleep 0.2
	done

	SERIAL=$RUN/serial.log
	: >"$SERIAL"
	say "booting it (TCG, up to ${BOOT_TIMEOUT}s; console: $SERIAL)"
	tb=$(date +%s)
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 -name podboot-parity \
		-accel tcg -machine pc,graphics=off -m 256 -smp 1 -no-user-config \
		-display none -monitor none -no-reboot \
		-serial "file:$SERIAL" -netdev user,id=n0 \
		-device e1000,netdev=n0 -kernel "$RUN/fw/ipxe.lkrn" \
		</dev/null >"$RUN/qemu.log" 2>&1 &
	QEMU_PID=$!
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		grep -aq 'PARITY-END' "$SERIAL" && break
		sleep 0.5
	done
	kill "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
	boot_secs=$(($(date +%s) - tb))
	# The console as text: SeaBIOS's serial copy carries escape sequences.
	tr -d '\r' <"$SERIAL" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$RUN/console.txt"
	say "QEMU ran ${boot_secs}s"
	if grep -aq 'PARITY-END' "$RUN/console.txt"; then
		ok "one boot ran every case in ${boot_secs}s"
	else
		tail -n 20 "$RUN/console.txt"
		bad "no PARITY-END on the console within ${BOOT_TIMEOUT}s (console: $RUN/console.txt)"
	fi
	grep -a 'PARITY-DHCP\|PARITY-FETCH' "$RUN/console.txt" | while read -r l; do
		echo "       | $l"
	done
	if grep -aq 'PARITY-DHCP\|PARITY-FETCH' "$RUN/console.txt"; then
		bad "the firmware could not fetch every case"
	fi
	while read -r tag name verdict err; do
		[ "$tag" = PARITY ] || continue
		IPXE_VERDICT[$name]=$verdict
		IPXE_ERR[$name]=${err:-}
	done < <(grep -ao 'PARITY [a-z0-9-]* \(ok\|fail [0-9a-fx]*\)' "$RUN/console.txt")
fi

# ---- the verdicts -----------------------------------------------------------

say "case / expected / iPXE imgverify / podboot verify"
printf '%-30s %-6s %-18s %s\n' CASE EXPECT IPXE PODBOOT
disagree=0 wrong=0
while IFS=$'\t' read -r name signer expect; do
	iv=${IPXE_VERDICT[$name]:-}
	[ "$IPXE_LEG" = 1 ] || iv=skipped
	[ -n "$iv" ] || iv=missing
	pv=${PB_VERDICT[$name]}
	ie=${IPXE_ERR[$name]:-}
	printf '%-30s %-6s %-18s %-4s %s\n' "$name" "$expect" "$iv${ie:+ $ie}" "$pv" "${PB_WHY[$name]}"
	if [ "$IPXE_LEG" = 1 ] && [ "$iv" != "$pv" ]; then
		disagree=$((disagree + 1))
		bad "$name: iPXE says $iv${ie:+ ($ie)}, podboot verify says $pv (signer ${signer})"
	elif [ "$pv" != "$expect" ]; then
		wrong=$((wrong + 1))
		bad "$name: both say $pv, expected $expect (signer ${signer})"
	else
		PASS=$((PASS + 1))
	fi
done <"$CASES"
[ "$disagree" = 0 ] && [ "$IPXE_LEG" = 1 ] && ok "iPXE and podboot verify agree on all $NCASES cases"
[ "$wrong" = 0 ] && ok "every verdict is the expected one"
say "wall time $(($(date +%s) - T0))s"
finish
echo "parity: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
