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
ok "--force replaces the keys" "$PODBOOT" keys init --dir "$T/rsa" \
	--server-name boot.example.net --force
check "new root after --force" [ "$(sed -n 's/^root CA SHA-256 fingerprint: //p' "$OUT")" != "$fpr" ]
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

finish
