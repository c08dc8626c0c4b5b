# uefikernel.test.sh: an uploaded EFI kernel gets, on the same publish,
# its Authenticode-signed "uefi" variant (content-addressed, with its own
# CMS .sig), made with server.uefi_key by the signer process; sbverify
# and podboot verify --uefi accept it, the original stays byte-identical,
# and anything that is not an EFI executable gets no variant.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

EFI=${UEFISIGN_EFI:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
if [ ! -f "$EFI" ] || ! command -v sbverify >/dev/null ||
   ! command -v python3 >/dev/null; then
	skip "uefikernel: needs $EFI, sbverify (scripts/deps: systemd-boot-efi, sbsigntool) and python3"
	finish
	exit
fi

# field JSON PATH: a field of a JSON reply ("uefi.sha256"), or "".
field() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if isinstance(v, str) else "")' "$1" "$2"
}

# not CMD...: CMD fails (its output dropped).
not() { ! "$@" >/dev/null 2>&1; }

# upload NAME FILE: PUT with the CI token; the reply into $T/reply.
upload() {
	C -f -o "$T/reply" -T "$2" -H "Authorization: Bearer $CI_TOKEN" \
		"$BASE/api/v1/artifacts/$1"
}

# blobs: how many blobs (not .sig) the data directory holds.
blobs() { ls "$SITE/data/blobs/sha256" | grep -vc '\.sig$'; }

ok "site" site_init "$T/site"
ok "keys issue-uefi" "$PODBOOT" keys issue-uefi --dir "$SITE/keys" \
	--cn "podboot test db"
UCRT=$SITE/keys/uefi-db.crt
sed -i 's#^\(  *\)codesign_key = .*#&\n\1uefi_cert = "keys/uefi-db.crt";\n\1uefi_key = "keys/uefi-db.key";#' \
	"$SITE/podboot.conf"
# demo-1 runs Secure Boot; demo-2 does not.
sed -i 's#address = "198.51.100.11"; }#address = "198.51.100.11"; secure_boot = true; }#' \
	"$SITE/podboot.conf"
check "demo-1 says secure_boot" grep -q 'secure_boot = true' "$SITE/podboot.conf"
check "the configuration names the UEFI pair" grep -q 'uefi_key = ' \
	"$SITE/podboot.conf"
ok "server starts with it" server_start

# An EFI application (x86-64, EFI stub): a variant.
cp "$EFI" "$T/kernel"
ok "upload of an EFI kernel" upload demo-vmlinuz "$T/kernel"
SHA=$(field "$T/reply" sha256)
VSHA=$(field "$T/reply" uefi.sha256)
check "the reply names its uefi variant" [ -n "$VSHA" -a "$VSHA" != "$SHA" ]
check "at the variant's URL" sh -c "grep -q 'demo-vmlinuz@sha256:$VSHA' '$T/reply'"
ok "the original downloads" C -f -o "$T/orig" "$BASE/artifacts/demo-vmlinuz@sha256:$SHA"
ok "byte-identical to what was uploaded" cmp "$T/orig" "$EFI"
check "the original carries no Authenticode signature" \
	not sbverify --cert "$UCRT" "$T/orig"
ok "the variant downloads" C -f -o "$T/var" "$BASE/artifacts/demo-vmlinuz@sha256:$VSHA"
check "stored by its own sha256" [ "$(sha256sum <"$T/var" | cut -c1-64)" = "$VSHA" ]
ok "sbverify --cert accepts the variant" sbverify --cert "$UCRT" "$T/var"
ok "podboot verify --uefi accepts it" "$PODBOOT" verify --uefi "$T/var" --cert "$UCRT"
check "not under the code-signing certificate" \
	not sbverify --cert "$SITE/keys/codesign.crt" "$T/var"
ok "the variant's .sig downloads" C -f -o "$T/var.sig" \
	"$BASE/artifacts/demo-vmlinuz@sha256:$VSHA.sig"
ok "its CMS signature (imgverify's) verifies" openssl cms -verify -binary \
	-inform DER -in "$T/var.sig" -content "$T/var" -CAfile "$ROOT" \
	-purpose any -out /dev/null
ok "the original's .sig still covers the original" C -f -o "$T/orig.sig" \
	"$BASE/artifacts/demo-vmlinuz@sha256:$SHA.sig"
ok "and verifies" openssl cms -verify -binary -inform DER -in "$T/orig.sig" \
	-content "$T/orig" -CAfile "$ROOT" -purpose any -out /dev/null
check "the original's .sig does not cover the variant" not openssl cms -verify \
	-binary -inform DER -in "$T/orig.sig" -content "$T/var" \
	-CAfile "$ROOT" -purpose any -out /dev/null
check "another name does not serve this variant" \
	not C -f -o /dev/null "$BASE/artifacts/os/other@sha256:$VSHA"

# Stage2: the Secure Boot node boots the variant, pinned and verified by
# the variant's own .sig; the other node the original.
s2() {
	C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?mac=$1&platform=efi&buildarch=x86_64"
}
# s2_pins MAC SHA: the node's stage2 names kernel SHA (the catalogue's
# newest version reaches stage2 within a second: boot_cache.c).
s2_pins() {
	s2 "$1" && grep -q "^kernel --name kernel $BASE/artifacts/demo-vmlinuz@sha256:$2 " "$T/s2"
}
check "stage2 for demo-1 (secure_boot) pins the uefi variant" \
	wait_for 10 s2_pins 52:54:00:00:00:01 "$VSHA"
check "imgverify checks the variant's .sig" grep -q \
	"^imgverify --signer podboot-codesign kernel $BASE/artifacts/demo-vmlinuz@sha256:$VSHA.sig || goto failed" "$T/s2"
check "and never names the original" not grep -q "$SHA" "$T/s2"
check "stage2 for demo-2 pins the original" \
	wait_for 10 s2_pins 52:54:00:00:00:02 "$SHA"
check "imgverify checks the original's .sig" grep -q \
	"^imgverify --signer podboot-codesign kernel $BASE/artifacts/demo-vmlinuz@sha256:$SHA.sig || goto failed" "$T/s2"
check "and never names the variant" not grep -q "$VSHA" "$T/s2"

# podboot publish, offline, with the same key files: the same variant
# (the signature has no time in it, so the bytes are the same).
ok "podboot publish of the EFI kernel" "$PODBOOT" publish \
	--config "$SITE/podboot.conf" os/offline "$EFI"
check "names the same uefi variant" grep -q \
	"^published os/offline uefi variant sha256:$VSHA\$" "$OUT"
ok "which the server serves for that name" C -f -o "$T/var2" \
	"$BASE/artifacts/os/offline@sha256:$VSHA"
ok "byte for byte" cmp "$T/var" "$T/var2"

# A rotation of the code-signing key, then a re-sign: the variant's .sig
# is signed again too (else Secure Boot nodes would fail imgverify once
# the old certificate goes).
cmp_sig() { cmp -s "$1" "$2"; }
ok "keys rotate-codesign" "$PODBOOT" keys rotate-codesign --dir "$SITE/keys"
check "the operator re-signs: 200" [ "$(status "$BASE/api/v1/artifacts/resign" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
ok "the variant's .sig downloads" C -f -o "$T/var.sig2" \
	"$BASE/artifacts/demo-vmlinuz@sha256:$VSHA.sig"
check "it was signed again" not cmp_sig "$T/var.sig" "$T/var.sig2"
ok "and verifies" openssl cms -verify -binary -inform DER \
	-in "$T/var.sig2" -content "$T/var" -CAfile "$ROOT" -purpose any \
	-out /dev/null
# sig_fp SIG: the fingerprints of the certificates a signature carries.
sig_fp() {
	openssl pkcs7 -inform DER -in "$1" -print_certs |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
check "it carries the new code-signing certificate" [ "$(sig_fp "$T/var.sig2")" = \
	"$(openssl x509 -in "$SITE/keys/codesign.crt" -noout -fingerprint -sha256)" ]

# Not an EFI executable: no variant, one blob.
before=$(blobs)
head -c 70000 /dev/urandom >"$T/initrd"
ok "upload of an initrd" upload os/initrd "$T/initrd"
check "no uefi variant for it" [ -z "$(field "$T/reply" uefi.sha256)" ]
check "one blob more ($before before)" [ "$(blobs)" = $((before + 1)) ]
# An MZ file that is no PE image: none either.
{ printf 'MZ'; head -c 5000 /dev/zero; } >"$T/mz"
ok "upload of a bare MZ file" upload os/mz "$T/mz"
check "no uefi variant for it" [ -z "$(field "$T/reply" uefi.sha256)" ]

# Without the UEFI pair: nothing changes.  Half a pair is refused.
server_stop TERM
sed -i '/uefi_key = /d' "$SITE/podboot.conf"
refused "uefi_cert without uefi_key is refused" \
	"server.uefi_cert needs server.uefi_key too" \
	"$PODBOOT" publish --config "$SITE/podboot.conf" os/half "$T/initrd"
sed -i '/uefi_cert = /d' "$SITE/podboot.conf"
ok "server starts without the UEFI pair" server_start
printf 'x' >>"$T/kernel"	# trailing data: still an EFI image, new content
ok "upload of an EFI kernel" upload os/vmlinuz2 "$T/kernel"
check "no uefi variant without uefi_key" [ -z "$(field "$T/reply" uefi.sha256)" ]
finish
