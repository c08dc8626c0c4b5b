# uefisign.test.sh: podboot's own Authenticode signing of EFI binaries
# (keys issue-uefi/import-uefi, sign --uefi, verify --uefi), checked by
# Debian's sbsigntool (sbverify, sbsign) as the independent reader.
. "$(dirname "$0")/lib.sh"

# A real EFI application (Debian's systemd-boot-efi) and the tools.
IN=${UEFISIGN_EFI:-/usr/lib/systemd/boot/efi/systemd-bootx64.efi}
if [ ! -f "$IN" ] || ! command -v sbverify >/dev/null ||
   ! command -v sbsign >/dev/null || ! command -v python3 >/dev/null; then
	skip "uefisign: needs $IN, sbsign and sbverify (scripts/deps: systemd-boot-efi, sbsigntool) and python3"
	finish
	exit
fi

# Every podboot run's output, to prove no private key ever reaches it.
ALL=$T/all-output
pb() {
	"$PODBOOT" "$@" >"$T/pb.out" 2>"$T/pb.err"
	local rc=$?
	cat "$T/pb.out" "$T/pb.err" >>"$ALL"
	cat "$T/pb.out"
	cat "$T/pb.err" >&2
	return $rc
}

# exit2 DESC TEXT CMD...: CMD must exit 2 (unusable input) saying TEXT.
exit2() {
	local desc=$1 text=$2 rc; shift 2
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$text" "$ERR"; then
		_report 0 "$desc"
	else
		echo "exit $rc, expected 2 and: $text" >>"$ERR"
		_report 1 "$desc"
	fi
}

# pe.py: the PE/COFF facts the checks compare, read by a separate parser.
cat >"$T/pe.py" <<'PY'
import struct, sys
what, path = sys.argv[1], sys.argv[2]
d = bytearray(open(path, 'rb').read())
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
magic = struct.unpack_from('<H', d, opt)[0]
sd = opt + (96 if magic == 0x10b else 112) + 32
off, size = struct.unpack_from('<II', d, sd)
ck = opt + 64
def checksum(b):
    s = 0
    for i in range(0, len(b), 2):
        w = 0
        for j in (0, 1):
            k = i + j
            if k < len(b) and not ck <= k < ck + 4:
                w |= b[k] << (8 * j)
        s += w
        s = (s & 0xffff) + (s >> 16)
    return ((s & 0xffff) + (s >> 16)) + len(b)
if what == 'layout':
    n, at, entries = 0, off, []
    while at < off + size:
        l, rev, typ = struct.unpack_from('<IHH', d, at)
        entries.append('%d:0x%x:%d' % (l, rev, typ))
        at += (l + 7) & ~7
    print(off, size, off % 8, len(d) - off - size, ' '.join(entries),
          'checksum-ok' if struct.unpack_from('<I', d, ck)[0] == checksum(d)
          else 'checksum-bad')
elif what == 'image':
    img = d[:off] if off else d
    img[ck:ck + 4] = b'\0' * 4
    img[sd:sd + 8] = b'\0' * 8
    sys.stdout.buffer.write(img)
elif what == 'sig':
    l = struct.unpack_from('<I', d, off)[0]
    sys.stdout.buffer.write(d[off + 8:off + l])
elif what == 'section':
    nsec = struct.unpack_from('<H', d, pe + 6)[0]
    osz = struct.unpack_from('<H', d, pe + 20)[0]
    sec = opt + osz
    print(struct.unpack_from('<I', d, sec + 20)[0])
PY
pe() { python3 "$T/pe.py" "$@"; }

# The digest in a signature's SpcIndirectDataContent (the first 32-byte
# OCTET STRING: the DigestInfo comes before the certificates).
sig_digest() {
	pe sig "$1" >"$T/sig.der"
	openssl asn1parse -inform DER -in "$T/sig.der" 2>/dev/null |
		awk '/OCTET STRING/ && /HEX DUMP/ { sub(/.*HEX DUMP\]:/, ""); print; exit }'
}
# The contentInfo of a signature, as openssl lists it without offsets.
sig_content() {
	pe sig "$1" >"$T/sig.der"
	openssl asn1parse -inform DER -in "$T/sig.der" 2>/dev/null |
		awk '/1\.3\.6\.1\.4\.1\.311\.2\.1\.4$/ { on = 1 }
		     on && /d=3 .*cont \[ 0 \]/ { exit }
		     on { sub(/^ *[0-9]+:/, ""); print }'
}

# ---- the UEFI key in the ceremony ----------------------------------------
K=$T/keys
ok "keys issue-uefi" pb keys issue-uefi --dir "$K" --cn "podboot test db"
check "issue-uefi names the file to enrol" grep -q "uefi-db.cer" "$OUT"
check "uefi-db.key is mode 0600" [ "$(stat -c %a "$K/uefi-db.key")" = 600 ]
check "the key directory is mode 0700" [ "$(stat -c %a "$K")" = 700 ]
openssl x509 -in "$K/uefi-db.crt" -noout -text >"$T/db.txt"
check "RSA 2048 by default" grep -q "Public-Key: (2048 bit)" "$T/db.txt"
check "extendedKeyUsage codeSigning" grep -q "^ *Code Signing$" "$T/db.txt"
check "keyUsage digitalSignature" grep -qx " *Digital Signature" "$T/db.txt"
check "self-signed, with the CN asked for" grep -q \
	"Issuer: CN = podboot test db" "$T/db.txt"
check "uefi-db.cer is uefi-db.crt in DER" [ \
	"$(openssl x509 -inform DER -in "$K/uefi-db.cer" -noout -fingerprint -sha256)" = \
	"$(openssl x509 -in "$K/uefi-db.crt" -noout -fingerprint -sha256)" ]
before=$(sha256sum "$K"/uefi-db.*)
refused "issue-uefi never replaces a key" "never replaced" \
	pb keys issue-uefi --dir "$K"
check "... and left it as it was" [ "$before" = "$(sha256sum "$K"/uefi-db.*)" ]
ok "issue-uefi --bits 3072" pb keys issue-uefi --dir "$T/k3072" --bits 3072
check "... is RSA 3072" sh -c "openssl x509 -in '$T/k3072/uefi-db.crt' -noout -text | grep -q 'Public-Key: (3072 bit)'"
exit2 "--bits other than 2048 or 3072 refused" "2048 or 3072" \
	pb keys issue-uefi --dir "$T/k4000" --bits 2500
ok "keys init beside the UEFI key" pb keys init --dir "$K" \
	--server-name boot.example.net
check "the UEFI key is not the code-signing key" [ \
	"$(openssl pkey -in "$K/uefi-db.key" -pubout | sha256sum)" != \
	"$(openssl pkey -in "$K/codesign.key" -pubout | sha256sum)" ]

# ---- sign --uefi, checked by sbverify ------------------------------------
S=$T/signed.efi
ok "sign --uefi --keys" pb sign --uefi --keys "$K" "$IN" -o "$S"
ok "sbverify accepts podboot's signature" sbverify --cert "$K/uefi-db.crt" "$S"
ok "podboot verify --uefi accepts it" pb verify --uefi "$S" --cert "$K/uefi-db.crt"
check "verify names the signer" grep -q "signed by CN=podboot test db" "$OUT"
read -r off size align tail entries sum <<EOF
$(pe layout "$S")
EOF
check "certificate table quadword aligned" [ "$align" = 0 ]
check "certificate table a whole number of quadwords" [ $((size % 8)) = 0 ]
check "certificate table ends the file" [ "$tail" = 0 ]
check "one WIN_CERTIFICATE, revision 0x200, PKCS_SIGNED_DATA, its length the table's" \
	[ "$entries" = "$size:0x200:2" ]
check "CheckSum updated" [ "$sum" = checksum-ok ]
ok "sign --uefi --key --cert" pb sign --uefi --key "$K/uefi-db.key" \
	--cert "$K/uefi-db.crt" "$IN" -o "$T/kc.efi"
ok "... verifies with sbverify" sbverify --cert "$K/uefi-db.crt" "$T/kc.efi"
ok "sign -v --uefi (debug output)" pb -v sign --uefi --keys "$K" "$IN" -o "$T/v.efi"
refused "sbverify's other key: podboot verify refuses" "does not lead to the trusted root" \
	pb verify --uefi "$S" --cert "$T/k3072/uefi-db.crt"
check "sbverify refuses it under another certificate" sh -c \
	"! sbverify --cert '$T/k3072/uefi-db.crt' '$S'"

# One byte changed in a section: refused by both.
cp "$S" "$T/tampered.efi"
at=$(( $(pe section "$S") + 100 ))
printf '\x5a' | dd of="$T/tampered.efi" bs=1 seek="$at" conv=notrunc 2>/dev/null
check "the tampered copy differs in one byte" [ \
	"$(cmp -l "$S" "$T/tampered.efi" | wc -l)" = 1 ]
check "sbverify refuses a tampered copy" sh -c \
	"! sbverify --cert '$K/uefi-db.crt' '$T/tampered.efi'"
refused "podboot verify refuses a tampered copy" "image hash does not match" \
	pb verify --uefi "$T/tampered.efi" --cert "$K/uefi-db.crt"
refused "an unsigned image is refused" "no Authenticode signature" \
	pb verify --uefi "$IN" --cert "$K/uefi-db.crt"

# ---- the structure sbsign writes, for the same key and input -------------
B=$T/sbsign.efi
sbsign --key "$K/uefi-db.key" --cert "$K/uefi-db.crt" --output "$B" "$IN" \
	>/dev/null 2>&1
ok "sbverify accepts sbsign's" sbverify --cert "$K/uefi-db.crt" "$B"
ok "podboot verify --uefi accepts sbsign's" pb verify --uefi "$B" --cert "$K/uefi-db.crt"
d_ours=$(sig_digest "$S")
d_sb=$(sig_digest "$B")
check "the same image hash as sbsign's ($d_sb)" [ -n "$d_ours" -a "$d_ours" = "$d_sb" ]
check "verify prints that hash" grep -qi "image hash: $d_sb" "$OUT"
read -r boff bsize balign btail bentries bsum <<EOF
$(pe layout "$B")
EOF
check "the table where sbsign puts it (0x$(printf %x "$boff"))" [ "$off" = "$boff" ]
check "sbsign's layout too: aligned, last, one entry, checksum" [ \
	"$balign $btail ${bentries#*:} $bsum" = "0 0 0x200:2 checksum-ok" ]
pe image "$S" >"$T/ours.img"
pe image "$B" >"$T/sb.img"
check "the image before the table is sbsign's, byte for byte" cmp "$T/ours.img" "$T/sb.img"
sig_content "$S" >"$T/ours.content"
sig_content "$B" >"$T/sb.content"
check "the SpcIndirectDataContent is sbsign's, field for field" sh -c \
	"[ -s '$T/ours.content' ] && cmp '$T/ours.content' '$T/sb.content'"
pe sig "$S" >"$T/ours.der"
openssl asn1parse -inform DER -in "$T/ours.der" >"$T/ours.asn1" 2>&1
check "signed attributes: contentType and messageDigest" sh -c \
	"grep -q ':contentType' '$T/ours.asn1' && grep -q ':messageDigest' '$T/ours.asn1'"
check "... and SpcSpOpusInfo" grep -q ":1.3.6.1.4.1.311.2.1.12" "$T/ours.asn1"

# The kernel's EFI stub too (another layout: .sbat, .sdmagic, ...).
STUB=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
if [ -f "$STUB" ]; then
	ok "sign --uefi the linux EFI stub" pb sign --uefi --keys "$K" "$STUB" -o "$T/stub.efi"
	ok "... sbverify accepts it" sbverify --cert "$K/uefi-db.crt" "$T/stub.efi"
	sbsign --key "$K/uefi-db.key" --cert "$K/uefi-db.crt" \
		--output "$T/stub-sb.efi" "$STUB" >/dev/null 2>&1
	check "... with sbsign's image hash" [ \
		"$(sig_digest "$T/stub.efi")" = "$(sig_digest "$T/stub-sb.efi")" ]
fi

# ---- signing again --------------------------------------------------------
ok "re-sign a signed image" pb sign --uefi --keys "$K" "$S" -o "$T/resigned.efi"
check "the signature replaced, not appended (same size)" [ \
	"$(stat -c %s "$S")" = "$(stat -c %s "$T/resigned.efi")" ]
sbverify --list "$T/resigned.efi" >"$T/list" 2>/dev/null
check "sbverify lists one signature" sh -c \
	"grep -q '^signature 1' '$T/list' && ! grep -q '^signature 2' '$T/list'"
ok "... which verifies" sbverify --cert "$K/uefi-db.crt" "$T/resigned.efi"
ok "re-sign sbsign's output" pb sign --uefi --keys "$K" "$B" -o "$T/ours-over-sb.efi"
check "... the image hash stays sbsign's" [ "$(sig_digest "$T/ours-over-sb.efi")" = "$d_sb" ]
ok "sign --append adds a second signature" pb sign --uefi --append \
	--keys "$T/k3072" "$S" -o "$T/two.efi"
sbverify --list "$T/two.efi" >"$T/list" 2>/dev/null
check "sbverify lists two signatures" grep -q '^signature 2' "$T/list"
ok "sbverify: the first key verifies" sbverify --cert "$K/uefi-db.crt" "$T/two.efi"
ok "podboot: the second key verifies" pb verify --uefi "$T/two.efi" --cert "$T/k3072/uefi-db.crt"
check "... as signature 2 of 2" grep -q "signature 2 of 2" "$OUT"
ok "sign in place (-o IN)" sh -c "cp '$IN' '$T/inplace.efi' &&
	'$PODBOOT' sign --uefi --keys '$K' '$T/inplace.efi' -o '$T/inplace.efi'"
ok "... verifies" sbverify --cert "$K/uefi-db.crt" "$T/inplace.efi"

# ---- refusals: malformed input exits 2, naming the problem ---------------
head -c 300 "$IN" >"$T/trunc.efi"
exit2 "truncated headers refused" "truncated" \
	pb sign --uefi --keys "$K" "$T/trunc.efi" -o "$T/x.efi"
head -c $(( $(stat -c %s "$IN") / 2 )) "$IN" >"$T/half.efi"
exit2 "a section past the end refused" "run past the end of the file" \
	pb sign --uefi --keys "$K" "$T/half.efi" -o "$T/x.efi"
head -c 4096 /dev/urandom >"$T/random.bin"
exit2 "not a PE/COFF image refused" "not a PE/COFF image" \
	pb sign --uefi --keys "$K" "$T/random.bin" -o "$T/x.efi"
cp "$S" "$T/overlap.efi"
python3 - "$T/overlap.efi" <<'PY'
import struct, sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
pe = struct.unpack_from('<I', d, 0x3c)[0]
opt = pe + 24
sd = opt + (96 if struct.unpack_from('<H', d, opt)[0] == 0x10b else 112) + 32
nsec = struct.unpack_from('<H', d, pe + 6)[0]
sec = opt + struct.unpack_from('<H', d, pe + 20)[0]
last = max(struct.unpack_from('<I', d, sec + 40 * i + 20)[0]
           for i in range(nsec))
# the table now starts inside the last section and still ends the file
struct.pack_into('<II', d, sd, last, len(d) - last)
open(p, 'wb').write(d)
PY
exit2 "a certificate table overlapping a section refused" "overlaps" \
	pb sign --uefi --keys "$K" "$T/overlap.efi" -o "$T/x.efi"
exit2 "verify: the same overlap refused" "overlaps" \
	pb verify --uefi "$T/overlap.efi" --cert "$K/uefi-db.crt"
check "no output written for a refused input" [ ! -e "$T/x.efi" ]
exit2 "--uefi without -o refused" "usage" pb sign --uefi --keys "$K" "$IN"
"$PODBOOT" keys init --dir "$T/ec" --server-name b.example.net --algo ecdsa >/dev/null
refused "an ECDSA key is refused for UEFI" "RSA key" pb sign --uefi \
	--key "$T/ec/codesign.key" --cert "$T/ec/codesign.crt" "$IN" -o "$T/x.efi"

# ---- import-uefi: Debian OVMF's snakeoil test key --------------------------
SNAKE=/usr/share/ovmf/PkKek-1-snakeoil
if [ -f "$SNAKE.key" ] && [ -f "$SNAKE.pem" ]; then
	I=$T/imported
	refused "an encrypted key without a passphrase" "is encrypted" \
		pb keys import-uefi --dir "$I" --key "$SNAKE.key" --cert "$SNAKE.pem"
	printf 'wrong\n' >"$T/wrong.pass"
	refused "a wrong passphrase" "does not decrypt" \
		pb keys import-uefi --dir "$I" --key "$SNAKE.key" \
		--cert "$SNAKE.pem" --pass-file "$T/wrong.pass"
	check "nothing imported on a refusal" [ ! -e "$I/uefi-db.key" ]
	refused "another certificate than the key's" "do not belong together" \
		env SNAKE_PASS=snakeoil "$PODBOOT" keys import-uefi --dir "$I" \
		--key "$SNAKE.key" --cert "$K/uefi-db.crt" --pass-env SNAKE_PASS
	ok "import-uefi --pass-env (README.Debian's passphrase)" env \
		SNAKE_PASS=snakeoil "$PODBOOT" keys import-uefi --dir "$I" \
		--key "$SNAKE.key" --cert "$SNAKE.pem" --pass-env SNAKE_PASS
	cat "$OUT" "$ERR" >>"$ALL"
	check "the imported key is mode 0600" [ "$(stat -c %a "$I/uefi-db.key")" = 600 ]
	ok "sign with the imported key" pb sign --uefi --keys "$I" "$IN" -o "$T/snake.efi"
	ok "sbverify accepts it under the snakeoil certificate" \
		sbverify --cert "$SNAKE.pem" "$T/snake.efi"
	printf 'snakeoil\n' >"$T/snake.pass"
	refused "import-uefi never replaces a key" "never replaced" \
		pb keys import-uefi --dir "$I" --key "$SNAKE.key" \
		--cert "$SNAKE.pem" --pass-file "$T/snake.pass"
	exit2 "no passphrase on the command line" "usage" \
		pb keys import-uefi --dir "$T/i2" --key "$SNAKE.key" \
		--cert "$SNAKE.pem" --pass snakeoil
else
	skip "import-uefi: Debian's ovmf snakeoil key is not installed (scripts/deps: ovmf)"
fi

refused "import-uefi refuses an ECDSA key" "RSA key" pb keys import-uefi \
	--dir "$T/iec" --key "$T/ec/codesign.key" --cert "$T/ec/codesign.crt"
check "... and writes nothing" [ ! -e "$T/iec/uefi-db.key" ]

# ---- no private key in any output ---------------------------------------
keylines() { grep -v -- '-----' "$1"; }
check "podboot printed something to look through" [ -s "$ALL" ]
for f in "$K/uefi-db.key" "$T/k3072/uefi-db.key" ${I:+"$I/uefi-db.key"}; do
	keylines "$f" >"$T/keylines"
	check "no line of $(basename "$(dirname "$f")")/uefi-db.key in podboot's output" \
		sh -c "! grep -qF 'PRIVATE KEY' '$ALL' && ! grep -qFf '$T/keylines' '$ALL'"
done
finish
