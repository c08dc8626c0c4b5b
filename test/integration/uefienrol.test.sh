# uefienrol.test.sh: scripts/uefi-enrol-media, the EFI system partition
# that enrols an operator's Secure Boot keys through systemd-boot.  The
# files are read back with mtools, and each signed variable update is
# taken apart by its own reader here (EFI_VARIABLE_AUTHENTICATION_2) and
# its PKCS#7 signature checked by openssl: the signer the firmware will
# demand (PK for PK and KEK, KEK for db), and no other, must verify it.
# That the firmware enrols them is test/e2e/secboot.sh's operator path.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
MEDIA=$TOP/scripts/uefi-enrol-media
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
export MTOOLS_SKIP_CHECK=1
if [ ! -s "$SDBOOT" ] || ! command -v sign-efi-sig-list >/dev/null ||
   ! command -v mcopy >/dev/null || ! command -v python3 >/dev/null; then
	skip "uefienrol: needs systemd-boot-efi, efitools, mtools, python3 (scripts/deps)"
	finish
	exit
fi

# auth.py FILE NAME DIR: the authenticated update FILE for variable NAME
# taken apart into DIR: p7.der (the signature as a CMS ContentInfo),
# signed.bin (what it signs: name, vendor GUID, attributes, time, list)
# and esl.bin (the signature list).
cat >"$T/auth.py" <<'PY'
import struct, sys, uuid
data = open(sys.argv[1], "rb").read()
name, out = sys.argv[2], sys.argv[3]
GLOBAL = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
IMAGE_DB = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")
PKCS7_GUID = uuid.UUID("4aafd29d-68df-49ee-8aa9-347d375665a7")
time = data[:16]
length, rev, ctype = struct.unpack_from("<IHH", data, 16)
if rev != 0x0200 or ctype != 0x0EF1 or uuid.UUID(bytes_le=data[24:40]) != PKCS7_GUID:
    sys.exit("not a WIN_CERTIFICATE_UEFI_GUID with a PKCS#7 signature")
p7 = data[40:16 + length]
esl = data[16 + length:]


def der_len(n):
    """The DER encoding of length n."""
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


SIGNED_OID = bytes.fromhex("06092a864886f70d010702")
if SIGNED_OID not in p7[:20]:
    # A bare SignedData: wrap it in a ContentInfo for openssl.
    inner = SIGNED_OID + b"\xa0" + der_len(len(p7)) + p7
    p7 = b"\x30" + der_len(len(inner)) + inner
vendor = IMAGE_DB if name == "db" else GLOBAL
attrs = 0x27  # NV, BS, RT, time-based authenticated write
signed = name.encode("utf-16-le") + vendor.bytes_le + struct.pack("<I", attrs) + time + esl
open(out + "/p7.der", "wb").write(p7)
open(out + "/signed.bin", "wb").write(signed)
open(out + "/esl.bin", "wb").write(esl)
PY

# signed_by DIR CERT: DIR's signature verifies with CERT as the signer
# (only CERT is offered; the certificates the signature carries are not
# used to find it, and no chain is built: the firmware has none either).
signed_by() {
	openssl cms -verify -inform DER -in "$1/p7.der" -binary \
		-content "$1/signed.bin" -certfile "$2" -nointern -noverify \
		-out /dev/null 2>/dev/null
}
# has_cert FILE CERT: FILE holds CERT's DER bytes.
has_cert() {
	openssl x509 -in "$2" -outform DER -out "$T/has.der" &&
		python3 -c 'import sys; sys.exit(open(sys.argv[2], "rb").read() not in open(sys.argv[1], "rb").read())' \
			"$1" "$T/has.der"
}

# lacks_cert FILE CERT...: FILE holds none of the CERTs.
lacks_cert() {
	local f=$1 c
	shift
	for c; do
		! has_cert "$f" "$c" || return 1
	done
}

# ---- one operator key, a new owner ---------------------------------------
ok "podboot keys issue-uefi: the operator's db key" \
	"$PODBOOT" keys issue-uefi --dir "$T/op"
ok "a second db certificate (a rotation's next key)" \
	"$PODBOOT" keys issue-uefi --dir "$T/op2" --cn "next db"
ok "uefi-enrol-media --new-owner writes the image" \
	"$MEDIA" --owner "$T/owner" --new-owner --db "$T/op/uefi-db.crt" \
	--db "$T/op2/uefi-db.cer" -o "$T/esp.img"
check "... and says how many db certificates it holds" grep -q '2 db certificate(s)' "$OUT"
for k in PK KEK; do
	check "owner: $k.key is mode 0600" [ "$(stat -c %a "$T/owner/$k.key")" = 600 ]
	check "owner: $k.crt is a certificate" openssl x509 -in "$T/owner/$k.crt" -noout
done
check "owner: the directory is 0700" [ "$(stat -c %a "$T/owner")" = 700 ]
check "owner: owner.guid is a GUID" \
	grep -qxE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' "$T/owner/owner.guid"
check "no temporary owner files left" sh -c "! ls -A '$T/owner' | grep -q '^\\.'"

mkdir -p "$T/x"
ok "the image is a FAT file system holding the ESP tree" \
	mcopy -s -i "$T/esp.img" ::/EFI ::/loader "$T/x/"
check "EFI/BOOT/BOOTX64.EFI is Debian's systemd-boot, byte for byte" \
	cmp -s "$T/x/EFI/BOOT/BOOTX64.EFI" "$SDBOOT"
check "loader.conf enrols by force from loader/keys/auto" \
	grep -qx 'secure-boot-enroll force' "$T/x/loader/loader.conf"
for v in PK KEK db; do
	mkdir -p "$T/$v"
	ok "$v.auth is an EFI_VARIABLE_AUTHENTICATION_2 with a PKCS#7 signature" \
		python3 "$T/auth.py" "$T/x/loader/keys/auto/$v.auth" "$v" "$T/$v"
done
check "PK.auth sets PK to the owner's PK" has_cert "$T/PK/esl.bin" "$T/owner/PK.crt"
check "KEK.auth sets KEK to the owner's KEK" has_cert "$T/KEK/esl.bin" "$T/owner/KEK.crt"
check "db.auth holds the operator's certificate" has_cert "$T/db/esl.bin" "$T/op/uefi-db.crt"
check "db.auth holds the second certificate (given in DER)" has_cert "$T/db/esl.bin" "$T/op2/uefi-db.crt"
check "db.auth holds neither owner certificate" lacks_cert "$T/db/esl.bin" "$T/owner/PK.crt" "$T/owner/KEK.crt"
check "PK.auth is signed by PK" signed_by "$T/PK" "$T/owner/PK.crt"
check "KEK.auth is signed by PK" signed_by "$T/KEK" "$T/owner/PK.crt"
check "db.auth is signed by KEK" signed_by "$T/db" "$T/owner/KEK.crt"
check "db.auth is not signed by PK (the firmware wants KEK for db)" \
	sh -c "! openssl cms -verify -inform DER -in '$T/db/p7.der' -binary -content '$T/db/signed.bin' \
		-certfile '$T/owner/PK.crt' -nointern -noverify -out /dev/null 2>/dev/null"
# An attacker who changes the list (their own certificate in db) breaks
# the signature: the reader above really checks what is signed.
cp "$T/db/signed.bin" "$T/db/signed.orig"
printf 'X' | dd of="$T/db/signed.bin" bs=1 seek=$(($(stat -c %s "$T/db/signed.bin") - 40)) \
	conv=notrunc status=none
check "db.auth with one byte of its list changed no longer verifies" \
	sh -c "! openssl cms -verify -inform DER -in '$T/db/p7.der' -binary -content '$T/db/signed.bin' \
		-certfile '$T/owner/KEK.crt' -nointern -noverify -out /dev/null 2>/dev/null"
mv "$T/db/signed.orig" "$T/db/signed.bin"

# ---- the same owner again, --files ----------------------------------------
ok "an existing owner, --files into a new directory" \
	"$MEDIA" --owner "$T/owner" --db "$T/op/uefi-db.crt" --files "$T/files"
check "--files: the same tree (systemd-boot, loader.conf, three updates)" \
	sh -c "cmp -s '$T/files/EFI/BOOT/BOOTX64.EFI' '$SDBOOT' &&
		cmp -s '$T/files/loader/loader.conf' '$T/x/loader/loader.conf' &&
		for v in PK KEK db; do [ -s '$T/files/loader/keys/auto/'\$v.auth ] || exit 1; done"
cp "$T/owner/PK.key" "$T/pk.before"

mkdir -p "$T/shared" && chmod 0750 "$T/shared" && echo keep >"$T/shared/other"
ok "--new-owner into an existing directory" \
	"$MEDIA" --owner "$T/shared" --new-owner --db "$T/op/uefi-db.crt" -o "$T/esp-s.img"
check "... leaves its mode and its other files alone" \
	sh -c "[ \"\$(stat -c %a '$T/shared')\" = 750 ] && grep -qx keep '$T/shared/other'"
check "... and leaves no temporary directory" sh -c "! ls -A '$T/shared' | grep -q '^\\.'"

# ---- refusals -------------------------------------------------------------
refused "--new-owner over an existing owner is refused" "never replaced" \
	"$MEDIA" --owner "$T/owner" --new-owner --db "$T/op/uefi-db.crt" -o "$T/esp2.img"
check "... and the owner's PK is unchanged" cmp -s "$T/pk.before" "$T/owner/PK.key"
check "... and no image was written" [ ! -e "$T/esp2.img" ]
refused "an owner directory without keys is refused" "--new-owner creates" \
	"$MEDIA" --owner "$T/nobody" --db "$T/op/uefi-db.crt" -o "$T/esp2.img"
refused "a --db that is no certificate is refused" "not a certificate" \
	"$MEDIA" --owner "$T/owner" --db "$T/op/uefi-db.key" -o "$T/esp2.img"
check "... and no image was written" [ ! -e "$T/esp2.img" ]
refused "--files into a directory that is not empty is refused" "not empty" \
	"$MEDIA" --owner "$T/owner" --db "$T/op/uefi-db.crt" --files "$T/files"
"$MEDIA" --owner "$T/owner" >"$OUT" 2>"$ERR"
check "without --db: usage, exit 2" [ $? = 2 ]
finish
