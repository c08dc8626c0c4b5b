# sign.test.sh: podboot sign/verify against openssl, and every refusal.
. "$(dirname "$0")/lib.sh"

K=$T/keys
"$PODBOOT" keys init --dir "$K" --server-name boot.example.net >/dev/null
E=$T/eckeys
"$PODBOOT" keys init --dir "$E" --server-name boot.example.net \
	--algo ecdsa >/dev/null
F=$T/stage2.ipxe
head -c 300000 /dev/urandom >"$F"

osign() { # osign KEYDIR OUT [openssl cms options...]
	local dir=$1 out=$2; shift 2
	openssl cms -sign -binary -in "$F" -signer "$dir/codesign.crt" \
		-inkey "$dir/codesign.key" -outform DER -md sha256 -out "$out" "$@"
}
overify() { # overify SIG ROOT
	openssl cms -verify -binary -inform DER -in "$1" -content "$F" \
		-CAfile "$2" -purpose any -out /dev/null
}

# Ours, read by openssl; openssl's -noattr form, read by us.
for d in "$K" "$E"; do
	a=$(basename "$d")
	ok "$a: podboot sign" "$PODBOOT" sign "$F" -o "$T/$a.sig" --keys "$d"
	ok "$a: openssl verifies podboot's signature" overify "$T/$a.sig" "$d/root.crt"
	ok "$a: podboot verifies its own" "$PODBOOT" verify "$F" "$T/$a.sig" \
		--root "$d/root.crt" --signer podboot-codesign
	check "$a: verify names the signer" grep -q "signed by CN=podboot-codesign" "$OUT"
	ok "$a: openssl -binary -noattr" osign "$d" "$T/$a-o.sig" -noattr
	ok "$a: podboot accepts openssl's -noattr signature" "$PODBOOT" verify \
		"$F" "$T/$a-o.sig" --root "$d/root.crt"
done
ok "default output name FILE.sig" env PODBOOT_KEYS="$K" "$PODBOOT" sign "$F"
ok "FILE.sig verifies" "$PODBOOT" verify "$F" "$F.sig" --root "$K/root.crt"
ok "--key/--cert/--include sign" "$PODBOOT" sign "$F" -o "$T/kc.sig" \
	--key "$K/codesign.key" --cert "$K/codesign.crt" --include "$K/root.crt"
ok "... and verify" overify "$T/kc.sig" "$K/root.crt"
openssl cms -cmsout -inform DER -in "$T/keys.sig" -outform PEM -out "$T/pem.sig"
ok "PEM signature accepted" "$PODBOOT" verify "$F" "$T/pem.sig" --root "$K/root.crt"
check "signature has no signed attributes" sh -c \
	"! openssl cms -cmsout -print -inform DER -in '$T/keys.sig' | grep -q 'signedAttrs:\$' ||
	 openssl cms -cmsout -print -inform DER -in '$T/keys.sig' | grep -A1 'signedAttrs:' | grep -q ABSENT"

# The refusals, each for its own reason.
osign "$K" "$T/attr.sig"
refused "openssl default (signed attributes) refused" "signed attributes present" \
	"$PODBOOT" verify "$F" "$T/attr.sig" --root "$K/root.crt"
osign "$K" "$T/keyid.sig" -noattr -keyid
refused "subjectKeyIdentifier signer refused" "subjectKeyIdentifier" \
	"$PODBOOT" verify "$F" "$T/keyid.sig" --root "$K/root.crt"
osign "$K" "$T/nocerts.sig" -noattr -nocerts
refused "signer certificate missing refused" "signer certificate missing" \
	"$PODBOOT" verify "$F" "$T/nocerts.sig" --root "$K/root.crt"
cp "$F" "$T/tampered"
printf 'X' | dd of="$T/tampered" bs=1 seek=1000 conv=notrunc 2>/dev/null
refused "tampered content refused" "does not match the content" \
	"$PODBOOT" verify "$T/tampered" "$T/keys.sig" --root "$K/root.crt"
refused "untrusted root refused" "does not lead to the trusted root" \
	"$PODBOOT" verify "$F" "$T/keys.sig" --root "$E/root.crt"
refused "wrong --signer refused" "carries the required name" \
	"$PODBOOT" verify "$F" "$T/keys.sig" --root "$K/root.crt" --signer evil
refused "a server certificate is no root" "does not lead to the trusted root" \
	"$PODBOOT" verify "$F" "$T/keys.sig" --root "$K/server.crt"

# Certificates made by openssl under our root, each with one flaw.
mkdir -p "$T/ca"
: >"$T/ca/index.txt"
echo 1000 >"$T/ca/serial"
cat >"$T/ca.cnf" <<CNF
[ ca ]
default_ca = ca_any
[ ca_any ]
database = $T/ca/index.txt
new_certs_dir = $T/ca
serial = $T/ca/serial
default_md = sha256
default_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ good ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[ nocodesign ]
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
[ nodigsig ]
keyUsage = critical, keyEncipherment
extendedKeyUsage = codeSigning
[ noeku ]
keyUsage = critical, digitalSignature
CNF
mkcert() { # mkcert NAME EXT ISSUER_DIR_CRT ISSUER_KEY [openssl ca options]
	local name=$1 ext=$2 icrt=$3 ikey=$4; shift 4
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/$name.key" -subj "/CN=$name" -out "$T/$name.csr" \
		2>/dev/null &&
	openssl ca -batch -config "$T/ca.cnf" -cert "$icrt" -keyfile "$ikey" \
		-in "$T/$name.csr" -out "$T/$name.crt" -extensions "$ext" \
		-notext "$@" 2>/dev/null
}
xsign() { # xsign NAME [extra cert]: openssl signature by NAME's cert
	openssl cms -sign -binary -noattr -in "$F" -signer "$T/$1.crt" \
		-inkey "$T/$1.key" -outform DER -md sha256 -out "$T/$1.sig" \
		-certfile "${2:-$K/root.crt}"
}
R="$K/root.crt $K/root.key"
# shellcheck disable=SC2086
{
mkcert good good $R && xsign good
mkcert nocodesign nocodesign $R && xsign nocodesign
mkcert nodigsig nodigsig $R && xsign nodigsig
mkcert noeku noeku $R && xsign noeku
mkcert expired good $R -startdate 20200101000000Z -enddate 20200201000000Z &&
	xsign expired
mkcert future good $R -startdate 20990101000000Z -enddate 20991231000000Z &&
	xsign future
mkcert leafca good "$K/codesign.crt" "$K/codesign.key" &&
	xsign leafca "$K/codesign.crt"
}
ok "control: a well-formed openssl-issued signer is accepted" \
	"$PODBOOT" verify "$F" "$T/good.sig" --root "$K/root.crt" --signer good
refused "no codeSigning usage refused" "lacks extendedKeyUsage codeSigning" \
	"$PODBOOT" verify "$F" "$T/nocodesign.sig" --root "$K/root.crt"
refused "no extendedKeyUsage at all refused" "lacks extendedKeyUsage codeSigning" \
	"$PODBOOT" verify "$F" "$T/noeku.sig" --root "$K/root.crt"
refused "no digitalSignature usage refused" "lacks keyUsage digitalSignature" \
	"$PODBOOT" verify "$F" "$T/nodigsig.sig" --root "$K/root.crt"
refused "expired certificate refused" "has expired" \
	"$PODBOOT" verify "$F" "$T/expired.sig" --root "$K/root.crt"
refused "not-yet-valid certificate refused" "not yet valid" \
	"$PODBOOT" verify "$F" "$T/future.sig" --root "$K/root.crt"
refused "issuer that is not a CA refused" "not allowed to act as a CA" \
	"$PODBOOT" verify "$F" "$T/leafca.sig" --root "$K/root.crt"
refused "--time past the code-signing certificate's end" "has expired" \
	"$PODBOOT" verify "$F" "$T/keys.sig" --root "$K/root.crt" \
	--time $(($(date +%s) + 900 * 86400))

# RSA-PSS: accepted only with salt length equal to the hash length.
pss() { osign "$K" "$T/pss$1.sig" -noattr -keyopt rsa_padding_mode:pss \
	-keyopt "rsa_pss_saltlen:$1"; }
pss 32
pss 20
ok "RSA-PSS with salt = hash length accepted" "$PODBOOT" verify "$F" \
	"$T/pss32.sig" --root "$K/root.crt"
refused "RSA-PSS with another salt length refused" "RSA-PSS parameters" \
	"$PODBOOT" verify "$F" "$T/pss20.sig" --root "$K/root.crt"

# Other digests openssl may choose.
osign "$K" "$T/sha512.sig" -noattr -md sha512
ok "SHA-512 signature accepted" "$PODBOOT" verify "$F" "$T/sha512.sig" \
	--root "$K/root.crt"

# Usage errors and missing files: exit 2 or 1 with one clear line.
"$PODBOOT" verify "$F" >/dev/null 2>&1
check "verify without --root is a usage error (exit 2)" [ $? = 2 ]
refused "missing content file named" "No such file or directory" \
	"$PODBOOT" verify "$T/none" "$T/keys.sig" --root "$K/root.crt"
refused "missing key named" "codesign.key: No such file or directory" \
	"$PODBOOT" sign "$F" --keys "$T/nokeys"
refused "certificate and key that do not belong together" \
	"do not belong together" "$PODBOOT" sign "$F" -o "$T/x.sig" \
	--key "$E/codesign.key" --cert "$K/codesign.crt"
head -c 2000000 /dev/urandom >"$T/huge.sig"
refused "oversized signature file refused" "size limit" \
	"$PODBOOT" verify "$F" "$T/huge.sig" --root "$K/root.crt"

finish
