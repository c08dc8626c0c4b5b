# cli.test.sh: podboot init and the command line's errors.
. "$(dirname "$0")/lib.sh"

D=$T/site
ok "podboot init" "$PODBOOT" init --dir "$D" --server-name boot.example.net \
	--server-ip 127.0.0.1
check "keys created" [ -f "$D/keys/root.crt" -a -f "$D/keys/codesign.key" ]
check "tokens file is mode 0600" [ "$(stat -c %a "$D/tokens")" = 600 ]
check "configuration written" [ -f "$D/podboot.conf" ]
check "data directory created" [ -d "$D/data" ]
ci=$(awk '$1 == "ci" {print $2}' "$D/tokens")
op=$(awk '$1 == "operator" {print $2}' "$D/tokens")
check "tokens look like pbt_ and 64 hex digits" sh -c \
	"echo '$ci $op' | grep -qE '^pbt_[0-9a-f]{64} pbt_[0-9a-f]{64}$'"
check "configuration holds the tokens' SHA-256" grep -q \
	"sha256 = \"$(printf %s "$ci" | sha256sum | cut -d' ' -f1)\"" "$D/podboot.conf"
check "configuration never holds a secret" sh -c "! grep -q '$ci' '$D/podboot.conf'"
check "base URL uses the server name" grep -q \
	'base_url = "https://boot.example.net:8443"' "$D/podboot.conf"
refused "second init refused" "pass --force" \
	"$PODBOOT" init --dir "$D" --server-name boot.example.net
ok "the demo keys sign" "$PODBOOT" sign "$D/podboot.conf" --keys "$D/keys"
ok "and verify" "$PODBOOT" verify "$D/podboot.conf" "$D/podboot.conf.sig" \
	--root "$D/keys/root.crt" --signer podboot-codesign

# --check catches what would otherwise fail a machine at install time.
cp "$D/podboot.conf" "$T/c1.conf"
sed -i 's/ks={{ks_url}}/ks={{ks_ulr}}/' "$T/c1.conf"
refused "--check: unknown cmdline placeholder" "unknown placeholder {{ks_ulr}}" \
	"$PODBOOT" serve --check --config "$T/c1.conf"
cp "$D/podboot.conf" "$T/c2.conf"
sed -i "s#kickstart = \"default.ks\"#kickstart = \"$T/bad.ks\"#" "$T/c2.conf"
echo 'host {{hostnam}}' >"$T/bad.ks"
refused "--check: unknown kickstart placeholder" "unknown placeholder {{hostnam}}" \
	"$PODBOOT" serve --check --config "$T/c2.conf"
rm "$T/bad.ks"
refused "--check: missing kickstart file" "bad.ks: No such file" \
	"$PODBOOT" serve --check --config "$T/c2.conf"
cp "$D/podboot.conf" "$T/c3.conf"
sed -i 's/hostname = "demo-2"/hostname = "mac-525400000002"/' "$T/c3.conf"
refused "--check: hostname in the discovered-id form" "mac-HEX" \
	"$PODBOOT" serve --check --config "$T/c3.conf"
refused "publish refuses a name ending in .sig" "not a valid artifact name" \
	"$PODBOOT" publish --config "$D/podboot.conf" x.sig "$D/podboot.conf"
ok "publish signs and records a file" "$PODBOOT" publish \
	--config "$D/podboot.conf" tools/conf "$D/podboot.conf"
check "publish prints the digest" grep -q \
	"published tools/conf sha256:$(sha256sum "$D/podboot.conf" | cut -c1-64)" "$OUT"
serial=$(openssl x509 -in "$D/keys/codesign.crt" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
check "its upload event names the signer's serial" sh -c "sqlite3 '$D/data/podboot.db' \
	\"SELECT detail FROM events WHERE kind = 'upload' AND subject = 'tools/conf'\" |
	grep -q 'published offline, signed by .* (serial 0*$serial, valid until '"
# --check reads the store's node figures, never requires the store.
ok "--check beside a store" "$PODBOOT" serve --check --config "$D/podboot.conf"
check "prints the node figures" grep -q ' 2 nodes (2 configured, 0 assigned; 0 discovered), ' "$OUT"
mv "$D/data/podboot.db" "$T/podboot.db.good"
printf 'not a database' >"$D/data/podboot.db"
ok "--check with a store it cannot read: still ok" "$PODBOOT" serve --check --config "$D/podboot.conf"
check "with a warning that the figures count the file only" grep -q 'the store cannot be read' "$ERR"
check "and the store is left as it was" [ "$(cat "$D/data/podboot.db")" = "not a database" ]
mv "$T/podboot.db.good" "$D/data/podboot.db"

"$PODBOOT" >/dev/null 2>&1
check "no command: usage, exit 2" [ $? = 2 ]
"$PODBOOT" frobnicate >/dev/null 2>"$ERR"
check "unknown command: exit 2" [ $? = 2 ]
check "unknown command named" grep -q "unknown command 'frobnicate'" "$ERR"
ok "--help lists the commands" "$PODBOOT" --help
check "help names sign and verify" grep -q "verify" "$OUT"
check "--help lists resign" grep -q "^  resign " "$OUT"
for c in init keys sign verify; do
	ok "$c --help" "$PODBOOT" "$c" --help
done
"$PODBOOT" resign extra >/dev/null 2>"$ERR"
check "resign takes no operand: exit 2, with its usage" sh -c "[ $? = 2 ] && grep -q 'usage: podboot resign' '$ERR'"
"$PODBOOT" keys init --dir "$T/x" >/dev/null 2>&1
check "keys init without --server-name: exit 2" [ $? = 2 ]
"$PODBOOT" keys init --dir "$T/x" --server-name a --algo dsa >/dev/null 2>"$ERR"
check "bad --algo named" grep -q "rsa or ecdsa" "$ERR"
"$PODBOOT" keys init --dir "$T/x" --server-name a --days 0 >/dev/null 2>"$ERR"
check "bad --days named" grep -q "not a number of days" "$ERR"
# A refused value of an option table's row is named, with why.
"$PODBOOT" dhcp --lifetime 5 render >/dev/null 2>"$ERR"
check "dhcp --lifetime out of range: exit 2" [ $? = 2 ]
check "and named, with its range" \
	grep -q -- "--lifetime '5' is not a whole number from 60 to" "$ERR"
"$PODBOOT" dhcp --socket "/$(printf 'x%.0s' $(seq 120))" render \
	>/dev/null 2>"$ERR"
check "dhcp --socket too long: exit 2" [ $? = 2 ]
check "and named, with the limit" grep -q -- "--socket .* is too long" "$ERR"
"$PODBOOT" dhcp frob >/dev/null 2>"$ERR"
check "dhcp with an unknown verb: exit 2" [ $? = 2 ]
# A missing configuration says how to name one, whichever command needs it.
mkdir -p "$T/empty"
for c in "serve --check" "publish x $D/podboot.conf" "dhcp render"; do
	(cd "$T/empty" && env -u PODBOOT_CONFIG "$PODBOOT" $c) >/dev/null 2>"$ERR"
	check "$c without podboot.conf: exit 1" [ $? = 1 ]
	check "$c: the missing file is named, with --config and PODBOOT_CONFIG" \
		grep -qF "podboot.conf: No such file or directory (give the configuration file with --config FILE or PODBOOT_CONFIG)" "$ERR"
done
PODBOOT_CONFIG=$T/none.conf "$PODBOOT" serve --check >/dev/null 2>"$ERR"
check "PODBOOT_CONFIG naming a missing file: it is named, with the hint" \
	grep -qF "$T/none.conf: No such file or directory (give the" "$ERR"
"$PODBOOT" serve --check --config "$D/podboot.conf" >/dev/null 2>"$ERR"
check "an existing configuration gets no such hint" sh -c "! grep -q PODBOOT_CONFIG '$ERR'"
# The token comment of the configuration init writes names every scope
# the configuration accepts (the list its refusal of a bad scope gives).
cp "$D/podboot.conf" "$T/scopes.conf"
sed -i 's/"rearm", "status"/"rearm", "bogus"/' "$T/scopes.conf"
refused "a bad scope is refused, with the scopes there are" "is not a scope (expected" \
	"$PODBOOT" serve --check --config "$T/scopes.conf"
scopes=$(sed -n 's/.*is not a scope (expected \(.*\))$/\1/p' "$ERR" |
	sed 's/,/ /g; s/ or / /')
sed -n '/^# Bearer tokens/,/^tokens = (/p' "$D/podboot.conf" >"$T/token-comment"
check "the refusal lists scopes" [ -n "$scopes" ]
set -f	# upload:* is a scope here, not a pattern
for s in $scopes; do
	check "the token comment names scope $s" grep -qF -- "$s" "$T/token-comment"
done
set +f
finish
