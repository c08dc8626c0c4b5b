# keys.test.sh: the key ceremony, checked by openssl as an independent reader.
. "$(dirname "$0")/lib.sh"

for algo in rsa ecdsa; do
	K=$T/$algo
	ok "$algo: keys init" "$PODBOOT" keys init --dir "$K" \
		--server-name boot.example.net --server-ip 127.0.0.1 \
		--server-ip ::1 --server-alt boot2.example.net --algo "$algo"
	fpr=$(sed -n 's/^root CA SHA-256 fingerprint: //p' "$OUT")
	want=$(openssl x509 -in "$K/root.crt" -noout -fingerprint -sha256 |
		sed 's/.*=//; s/://g' | tr A-F a-f)
	check "$algo: printed fingerprint is openssl's" [ "$fpr" = "$want" ]
	eval "fpr_$algo=\$fpr"
	ok "$algo: openssl: server certificate is valid for sslserver" \
		openssl verify -CAfile "$K/root.crt" -purpose sslserver \
		"$K/server.crt"
	ok "$algo: openssl: chain file verifies too" \
		openssl verify -CAfile "$K/root.crt" -untrusted \
		"$K/server-chain.crt" "$K/server-chain.crt"
	ok "$algo: openssl: code-signing certificate chains to root" \
		openssl verify -CAfile "$K/root.crt" "$K/codesign.crt"

	openssl x509 -in "$K/root.crt" -noout -text >"$T/root.txt"
	openssl x509 -in "$K/codesign.crt" -noout -text >"$T/cs.txt"
	openssl x509 -in "$K/server.crt" -noout -text >"$T/srv.txt"
	check "$algo: root is CA with path length 0" \
		grep -q "CA:TRUE, pathlen:0" "$T/root.txt"
	check "$algo: root signs certificates and CRLs" \
		grep -q "Certificate Sign, CRL Sign" "$T/root.txt"
	check "$algo: code signing has digitalSignature" \
		grep -qx " *Digital Signature" "$T/cs.txt"
	check "$algo: code signing has codeSigning usage" \
		grep -q "^ *Code Signing$" "$T/cs.txt"
	check "$algo: code signing is not a CA" grep -q "CA:FALSE" "$T/cs.txt"
	check "$algo: server has serverAuth" \
		grep -q "TLS Web Server Authentication" "$T/srv.txt"
	check "$algo: server SANs list every name and address" grep -q \
		"DNS:boot.example.net, DNS:boot2.example.net, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" \
		"$T/srv.txt"
	check "$algo: private keys are mode 0600" [ \
		"$(stat -c %a "$K/root.key" "$K/codesign.key" "$K/server.key" |
			sort -u)" = 600 ]
	check "$algo: openssl reads the private keys" \
		openssl pkey -in "$K/codesign.key" -noout
done
check "ecdsa keys are P-256" grep -q "NIST CURVE: P-256" "$T/srv.txt"

refused "no overwrite without --force" "never replaced without --force" \
	"$PODBOOT" keys init --dir "$T/rsa" --server-name boot.example.net
before=$(sha256sum "$T/rsa/root.crt" "$T/rsa/root.key" "$T/rsa/codesign.crt" \
	"$T/rsa/codesign.key" "$T/rsa/server.crt" "$T/rsa/server.key")
ok "--force replaces the keys" "$PODBOOT" keys init --dir "$T/rsa" \
	--server-name boot.example.net --force
# The RSA site's own fingerprint, printed and on disk (openssl), must change.
fpr=$(sed -n 's/^root CA SHA-256 fingerprint: //p' "$OUT")
want=$(openssl x509 -in "$T/rsa/root.crt" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr A-F a-f)
check "--force: the printed fingerprint is the new root.crt's (openssl)" \
	[ -n "$fpr" -a "$fpr" = "$want" ]
check "--force: a new root, not the RSA site's old one" \
	[ -n "$want" -a "$want" != "$fpr_rsa" ]
for f in root.crt root.key codesign.crt codesign.key server.crt server.key; do
	check "--force: $f rewritten" sh -c "! printf '%s\n' \"$before\" |
		grep -q \"^\$(sha256sum '$T/rsa/$f' | cut -d' ' -f1) \""
done
ok "--force: the new server certificate chains to the new root" \
	openssl verify -CAfile "$T/rsa/root.crt" -purpose sslserver "$T/rsa/server.crt"
refused "a bad server name is refused" "neither a DNS name" \
	"$PODBOOT" keys init --dir "$T/bad" --server-name "bad name!"
check "nothing written for a bad name" [ ! -e "$T/bad/root.key" ]

# Rotation: old signatures keep verifying, new ones use the new key.
K=$T/rsa
head -c 100000 /dev/urandom >"$T/blob"
ok "sign before rotation" "$PODBOOT" sign "$T/blob" -o "$T/old.sig" --keys "$K"
old_serial=$(openssl x509 -in "$K/codesign.crt" -noout -serial | sed 's/.*=//' | tr A-F a-f)
ok "keys rotate-codesign" "$PODBOOT" keys rotate-codesign --dir "$K"
check "old certificate retired" [ -f "$K/retired/codesign-$old_serial.crt" ]
check "new certificate differs" [ "$(openssl x509 -in "$K/codesign.crt" -noout -serial | sed 's/.*=//' | tr A-F a-f)" != "$old_serial" ]
ok "old signature still verifies (podboot)" "$PODBOOT" verify "$T/blob" \
	"$T/old.sig" --root "$K/root.crt" --signer podboot-codesign
ok "old signature still verifies (openssl)" openssl cms -verify -binary \
	-inform DER -in "$T/old.sig" -content "$T/blob" -CAfile "$K/root.crt" \
	-purpose any -out /dev/null
ok "sign after rotation" "$PODBOOT" sign "$T/blob" -o "$T/new.sig" --keys "$K"
ok "new signature verifies (openssl)" openssl cms -verify -binary \
	-inform DER -in "$T/new.sig" -content "$T/blob" -CAfile "$K/root.crt" \
	-purpose any -out /dev/null
check "new signature carries the new certificate" sh -c \
	"openssl cms -cmsout -print -inform DER -in '$T/new.sig' | grep -qi \"serialNumber: 0x*$(openssl x509 -in "$K/codesign.crt" -noout -serial | sed 's/.*=//')\" || openssl pkcs7 -inform DER -in '$T/new.sig' -print_certs | openssl x509 -noout -serial | grep -q '$(openssl x509 -in "$K/codesign.crt" -noout -serial)'"

# ---- keys issue-server: a further TLS server certificate under the root ----

# ext CERT NAME: one extension's value as openssl prints it, on one line.
ext() {
	openssl x509 -in "$1" -noout -ext "$2" | sed 1d | sed 's/^ *//' | paste -sd ' '
}
# sums FILE...: their SHA-256 sums, to see that a refusal changed nothing.
sums() {
	sha256sum "$@" 2>&1
}

K=$T/rsa
P=$K/issued/relay-a.example
ok "issue-server: a relay certificate with a DNS name, addresses and an alt" \
	"$PODBOOT" keys issue-server --dir "$K" --name relay-a.example \
	--ip 10.12.0.5 --ip ::1 --alt relay-a.rack12.example
cp "$OUT" "$T/issue.out"
check "issue-server: it names the three files" grep -qx \
	"chain: *$P-chain.crt (certificate, then root)" "$T/issue.out"
check "issue-server: the printed serial is openssl's" grep -qix "serial: *$(
	openssl x509 -in "$P.crt" -noout -serial | sed 's/.*=//')" "$T/issue.out"
check "issue-server: the printed subject" grep -qx \
	"subject: *CN=relay-a.example" "$T/issue.out"
check "issue-server: the printed names" grep -qx \
	"names: *DNS:relay-a.example, DNS:relay-a.rack12.example, IP:10.12.0.5, IP:::1" \
	"$T/issue.out"
check "issue-server: the printed notAfter is openssl's" grep -qx "notAfter: *$(
	date -u -d "$(openssl x509 -in "$P.crt" -noout -enddate | sed 's/.*=//')" \
	'+%Y-%m-%d %H:%M:%S UTC')" "$T/issue.out"
ok "issue-server: openssl: valid for sslserver under the root" \
	openssl verify -CAfile "$K/root.crt" -purpose sslserver "$P.crt"
ok "issue-server: openssl: the chain file verifies too" \
	openssl verify -CAfile "$K/root.crt" -untrusted "$P-chain.crt" \
	-purpose sslserver "$P-chain.crt"
check "issue-server: openssl: not valid under another root" sh -c \
	"! openssl verify -CAfile '$T/ecdsa/root.crt' '$P.crt'"
check "issue-server: subject is CN=NAME" [ \
	"$(openssl x509 -in "$P.crt" -noout -subject)" = "subject=CN = relay-a.example" ]
check "issue-server: exactly the names asked for" [ "$(ext "$P.crt" subjectAltName)" = \
	"DNS:relay-a.example, DNS:relay-a.rack12.example, IP Address:10.12.0.5, IP Address:0:0:0:0:0:0:0:1" ]
check "issue-server: extendedKeyUsage serverAuth only" \
	[ "$(ext "$P.crt" extendedKeyUsage)" = "TLS Web Server Authentication" ]
check "issue-server: not codeSigning" sh -c \
	"! openssl x509 -in '$P.crt' -noout -text | grep -q 'Code Signing'"
check "issue-server: not a CA" [ "$(ext "$P.crt" basicConstraints)" = "CA:FALSE" ]
check "issue-server: keyUsage as the server certificate's" [ \
	"$(ext "$P.crt" keyUsage)" = "$(ext "$K/server.crt" keyUsage)" ]
check "issue-server: valid for 825 days by default" sh -c \
	"openssl x509 -in '$P.crt' -noout -checkend $((824 * 86400)) &&
	 ! openssl x509 -in '$P.crt' -noout -checkend $((826 * 86400))"
check "issue-server: the key is mode 0600, its directory 0700" [ \
	"$(stat -c %a "$P.key") $(stat -c %a "$K/issued")" = "600 700" ]
check "issue-server: the key is the certificate's (openssl)" [ \
	"$(openssl pkey -in "$P.key" -pubout)" = \
	"$(openssl x509 -in "$P.crt" -noout -pubkey)" ]
check "issue-server: the key is of the root's algorithm (RSA 3072)" sh -c \
	"openssl pkey -in '$P.key' -noout -text | grep -q 'Private-Key: (3072 bit'"
check "issue-server: the chain file is the certificate, then the root" \
	sh -c "cat '$P.crt' '$K/root.crt' | cmp -s - '$P-chain.crt'"

before=$(sums "$P.key" "$P.crt" "$P-chain.crt")
refused "issue-server: no overwrite without --force" \
	"$P.key exists; certificates are never replaced without --force" \
	"$PODBOOT" keys issue-server --dir "$K" --name relay-a.example
check "issue-server: the refusal changed nothing" \
	[ "$(sums "$P.key" "$P.crt" "$P-chain.crt")" = "$before" ]
rm "$P.key"
refused "issue-server: nor when only the certificate is there" \
	"$P.crt exists" "$PODBOOT" keys issue-server --dir "$K" --name relay-a.example
check "issue-server: and it writes no key" [ ! -e "$P.key" ]
ok "issue-server: --force replaces them" "$PODBOOT" keys issue-server \
	--dir "$K" --name relay-a.example --ip 10.12.0.6 --force
check "issue-server: with a new certificate and key" sh -c \
	"[ \"\$(sums '$P.crt' '$P-chain.crt')\" != \"$(echo "$before" | tail -2)\" ] &&
	 [ \"\$(openssl pkey -in '$P.key' -pubout)\" = \"\$(openssl x509 -in '$P.crt' -noout -pubkey)\" ]"
check "issue-server: the replacement has the new names only" [ \
	"$(ext "$P.crt" subjectAltName)" = "DNS:relay-a.example, IP Address:10.12.0.6" ]
check "issue-server: the replaced key is still 0600" [ "$(stat -c %a "$P.key")" = 600 ]

mv "$K/root.key" "$T/offline-root.key"
refused "issue-server: a missing root key is refused, saying it may be offline" \
	"$K/root.key not found: issuing needs the root CA key, which may be kept offline" \
	"$PODBOOT" keys issue-server --dir "$K" --name relay-b.example
check "issue-server: and nothing is written" [ ! -e "$K/issued/relay-b.example.key" ]
mv "$T/offline-root.key" "$K/root.key"
refused "issue-server: a bad --ip is refused" \
	"--ip '10.12.0.300' is not an IPv4 or IPv6 address" \
	"$PODBOOT" keys issue-server --dir "$K" --name relay-b.example --ip 10.12.0.300
refused "issue-server: an address given as --alt is refused" \
	"--alt '10.12.0.7' is an address: give it with --ip" \
	"$PODBOOT" keys issue-server --dir "$K" --name relay-b.example --alt 10.12.0.7
refused "issue-server: an invalid name is refused" \
	"'relay_b!' is neither a DNS name nor an IP address" \
	"$PODBOOT" keys issue-server --dir "$K" --name 'relay_b!'
"$PODBOOT" keys issue-server --dir "$K" --name relay-b.example \
	$(for i in $(seq 32); do printf -- '--alt a%s.example ' "$i"; done) \
	>"$OUT" 2>"$ERR"
check "issue-server: 33 names are too many (usage, exit 2)" [ $? = 2 ]
check "issue-server: saying the limit" grep -q "at most 32 names and addresses" "$ERR"
check "issue-server: nothing written for any refusal" [ ! -e "$K/issued/relay-b.example.key" ]
ok "issue-server: 32 names are allowed" "$PODBOOT" keys issue-server \
	--dir "$K" --name relay-b.example --out "$T/many" \
	$(for i in $(seq 31); do printf -- '--alt a%s.example ' "$i"; done)
check "issue-server: all 32 in the certificate" [ \
	"$(ext "$T/many.crt" subjectAltName | tr ',' '\n' | grep -c DNS:)" = 32 ]

# ECDSA: asked for under the RSA root, and by default under an ECDSA root.
ok "issue-server --algo ecdsa --out PREFIX --days 30" "$PODBOOT" keys \
	issue-server --dir "$K" --name 127.0.0.1 --algo ecdsa --days 30 \
	--out "$T/relay-ec"
ok "issue-server ecdsa: openssl: valid for sslserver" openssl verify \
	-CAfile "$K/root.crt" -purpose sslserver "$T/relay-ec.crt"
check "issue-server ecdsa: a P-256 key, the certificate's" sh -c \
	"openssl pkey -in '$T/relay-ec.key' -noout -text | grep -q 'NIST CURVE: P-256' &&
	 [ \"\$(openssl pkey -in '$T/relay-ec.key' -pubout)\" = \"\$(openssl x509 -in '$T/relay-ec.crt' -noout -pubkey)\" ]"
check "issue-server ecdsa: an address as NAME is an IP subjectAltName" \
	[ "$(ext "$T/relay-ec.crt" subjectAltName)" = "IP Address:127.0.0.1" ]
check "issue-server ecdsa: keyUsage digitalSignature only" \
	[ "$(ext "$T/relay-ec.crt" keyUsage)" = "Digital Signature" ]
check "issue-server ecdsa: --days 30" sh -c \
	"openssl x509 -in '$T/relay-ec.crt' -noout -checkend $((29 * 86400)) &&
	 ! openssl x509 -in '$T/relay-ec.crt' -noout -checkend $((31 * 86400))"
check "issue-server ecdsa: mode 0600" [ "$(stat -c %a "$T/relay-ec.key")" = 600 ]
ok "issue-server under an ECDSA root" "$PODBOOT" keys issue-server \
	--dir "$T/ecdsa" --name relay-e.example
ok "issue-server under an ECDSA root: openssl: valid" openssl verify \
	-CAfile "$T/ecdsa/root.crt" -purpose sslserver \
	"$T/ecdsa/issued/relay-e.example.crt"
check "issue-server under an ECDSA root: an ECDSA key by default" sh -c \
	"openssl pkey -in '$T/ecdsa/issued/relay-e.example.key' -noout -text | grep -q 'NIST CURVE: P-256'"
# ---- validity: no leaf outlives its root; no issuing under a dead root ----

# enddate CERT: notAfter as seconds since the epoch.
enddate() {
	date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/.*=//')" +%s
}

S=$T/short
ok "init --root-days 10: leaves of 825 days are capped" "$PODBOOT" keys \
	init --dir "$S" --server-name boot.example.net --algo ecdsa --root-days 10
check "init: it says so for the code-signing certificate" grep -q \
	"CN=podboot-codesign,O=podboot: notAfter capped at the root CA's" "$ERR"
check "init: and for the server certificate" grep -q \
	"CN=boot.example.net,O=podboot: notAfter capped at the root CA's" "$ERR"
check "init: the leaves end with the root (openssl)" [ \
	"$(enddate "$S/codesign.crt") $(enddate "$S/server.crt")" = \
	"$(enddate "$S/root.crt") $(enddate "$S/root.crt")" ]
ok "init: the capped server certificate verifies (openssl)" openssl verify \
	-CAfile "$S/root.crt" -purpose sslserver "$S/server.crt"
ok "issue-server --days 30 under a 10-day root" "$PODBOOT" keys \
	issue-server --dir "$S" --name relay-s.example --days 30
check "issue-server: it says the notAfter is capped, and at what" grep -q \
	"CN=relay-s.example: notAfter capped at the root CA's, $(date -u -d \
	@"$(enddate "$S/root.crt")" '+%Y-%m-%d %H:%M:%S UTC') (30 days were asked for)" \
	"$ERR"
check "issue-server: the printed notAfter is the root's" grep -qx \
	"notAfter: *$(date -u -d @"$(enddate "$S/root.crt")" '+%Y-%m-%d %H:%M:%S UTC')" \
	"$OUT"
check "issue-server: the certificate ends with the root (openssl)" [ \
	"$(enddate "$S/issued/relay-s.example.crt")" = "$(enddate "$S/root.crt")" ]
ok "issue-server --days 5 under a 10-day root" "$PODBOOT" keys \
	issue-server --dir "$S" --name relay-t.example --days 5
check "issue-server: within the root's life, no word of a cap" \
	sh -c "! grep -q capped '$ERR'"
check "issue-server: and the days asked for, ending before the root" sh -c \
	"openssl x509 -in '$S/issued/relay-t.example.crt' -noout -checkend $((4 * 86400)) &&
	 [ $(enddate "$S/issued/relay-t.example.crt") -lt $(enddate "$S/root.crt") ]"
ok "rotate-codesign --days 30 under a 10-day root" "$PODBOOT" keys \
	rotate-codesign --dir "$S" --days 30
check "rotate-codesign: it says the notAfter is capped" grep -q \
	"CN=podboot-codesign,O=podboot: notAfter capped at the root CA's" "$ERR"
check "rotate-codesign: the new certificate ends with the root" [ \
	"$(enddate "$S/codesign.crt")" = "$(enddate "$S/root.crt")" ]

# oldroot DIR START END: a root CA valid from START to END (openssl ca
# dates, YYYYMMDDHHMMSSZ) with its key, as DIR/root.crt and DIR/root.key,
# and a code-signing pair from keys init to rotate.
oldroot() {
	mkdir -p "$1/ca" && : >"$1/ca/index" && echo 01 >"$1/ca/serial" &&
	cat >"$1/ca.cnf" <<-EOF &&
	[ca]
	default_ca = c
	[c]
	database = $1/ca/index
	new_certs_dir = $1/ca
	serial = $1/ca/serial
	default_md = sha256
	policy = p
	x509_extensions = x
	unique_subject = no
	[p]
	commonName = supplied
	[x]
	basicConstraints = critical,CA:true,pathlen:0
	keyUsage = critical,keyCertSign,cRLSign
	EOF
	cp "$S/codesign.crt" "$S/codesign.key" "$1/" &&
	openssl ecparam -name prime256v1 -genkey -noout -out "$1/root.key" &&
	openssl req -new -key "$1/root.key" -subj "/CN=old root CA" \
		-out "$1/root.csr" &&
	openssl ca -batch -notext -config "$1/ca.cnf" -selfsign \
		-keyfile "$1/root.key" -in "$1/root.csr" -startdate "$2" \
		-enddate "$3" -out "$1/root.crt"
}

# dead_root NAME WHAT START END TEXT: under a root CA valid only from START
# to END, not now, issue-server and rotate-codesign refuse, saying
# "DIR/root.crt TEXT", and write nothing.
dead_root() {
	local X=$T/$1 what=$2 before
	ok "openssl: a root CA $what" oldroot "$X" "$3" "$4"
	refused "issue-server: refused under a root $what" "$X/root.crt $5" \
		"$PODBOOT" keys issue-server --dir "$X" --name relay-x.example
	check "issue-server: nothing written under a root $what" \
		[ ! -e "$X/issued" ]
	before=$(sums "$X/codesign.crt" "$X/codesign.key")
	refused "rotate-codesign: refused under a root $what" \
		"$X/root.crt $5" "$PODBOOT" keys rotate-codesign --dir "$X"
	check "rotate-codesign: the code-signing pair is untouched ($what)" \
		[ "$(sums "$X/codesign.crt" "$X/codesign.key")" = "$before" ]
}
dead_root expired "that expired in 2020" 20200101000000Z 20200102000000Z \
	"expired on 2020-01-02 00:00:00 UTC: nothing is issued under an expired root; make a new one with podboot keys init, and firmware that trusts it"
dead_root future "valid from 2099" 20990101000000Z 20991231000000Z \
	"is not valid until 2099-01-01 00:00:00 UTC: nothing is issued under it before then; is this machine's clock right?"
check "no temporary file is left in any key directory" \
	[ -z "$(find "$T" -name '*.tmp.*')" ]

ok "keys --help" "$PODBOOT" keys --help
check "keys --help lists issue-server" grep -q "podboot keys issue-server --dir DIR --name NAME" "$OUT"

finish
