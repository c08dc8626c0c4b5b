# attack-sign.test.sh: nothing a client sends chooses what the server
# signs (Host headers, query arguments); a lost armed -> booting write never
# hands out the installer; placeholder MACs are never recorded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
PPORT=$(port_pick)
P=http://127.0.0.1:$PPORT
# A plain listener for the "lab" pod (unverified boot, demo-2 in it), and
# policy discover, so that unknown machines get the signed discovery script.
sed -i "s|^  data_dir = |  plain_port = $PPORT; plain_base_url = \"$P\";\n  data_dir = |" "$SITE/podboot.conf"
sed -i 's/^pods = (/pods = (\n  { name = "lab"; profile = "default"; allow_unverified = true;\n    provisioning = { cidr = "192.0.2.0\/24"; };\n    management = { cidr = "198.51.100.0\/24"; }; },/' "$SITE/podboot.conf"
sed -i 's/hostname = "demo-2"; pod = "demo";/hostname = "demo-2"; pod = "lab";/' "$SITE/podboot.conf"
sed -i 's/^policy = { unknown = "ignore"; };/policy = { unknown = "discover"; };/' "$SITE/podboot.conf"
check "the configuration is laid out as the test expects" sh -c \
	"grep -q 'plain_base_url = \"$P\"' '$SITE/podboot.conf' &&
	 grep -q 'unknown = \"discover\"' '$SITE/podboot.conf' &&
	 grep -q 'pod = \"lab\"' '$SITE/podboot.conf'"
ok "server starts" server_start
pget() { curl -s -o "$T/.body" -w '%{http_code}' "$@"; }
verify() {	# verify SCRIPT SIG: a signature by the code-signing key
	openssl cms -verify -binary -inform DER -in "$2" -content "$1" \
		-CAfile "$ROOT" -purpose any -out /dev/null
}
evil() {	# evil FILE: does FILE name a host the configuration does not?
	grep -qiE 'evil|attacker|10\.6\.6\.6' "$1"
}

# ---- item 2: the plain listener, hostile Host headers -------------------
U="$P/boot/stage2.ipxe?mac=52:54:00:00:00:02"
for h in evil.example "evil.example:$PPORT" "127.0.0.1:$PPORT.evil.example" \
	"127.0.0.1" "127.0.0.1:1" "10.6.6.6:$PPORT" "[::1]:$PPORT"; do
	check "plain stage2 with Host: $h is refused (421)" \
		[ "$(pget -H "Host: $h" "$U")" = 421 ]
	check "  and echoes nothing of the client's" sh -c "! evil '$T/.body'"
	check "its signature with Host: $h: 421" \
		[ "$(pget -H "Host: $h" "$P/boot/stage2.ipxe.sig?mac=52:54:00:00:00:02")" = 421 ]
done
check "a discovery script with a hostile Host: 421" \
	[ "$(pget -H "Host: evil.example" "$P/boot/stage2.ipxe?mac=02:00:00:00:66:01")" = 421 ]
check "no Host at all (HTTP/1.0): 421" \
	[ "$(pget -0 -H "Host:" "$U")" = 421 ]
check "the node did not move (armed)" [ "$(C -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/nodes/demo-2" | jq -r .state)" = armed ]
check "the refusal is in the log" grep -q -- '-> 421: this listener serves' "$SITE/serve.log"
check "plain stage2 with the configured Host: 200" [ "$(pget "$U")" = 200 ]
cp "$T/.body" "$T/plain-s2"
check "its kernel and initrd are the configured plain URL" \
	[ "$(grep -cE "^(kernel|initrd) --name (kernel|initrd) $P/artifacts/" "$T/plain-s2")" = 2 ]
check "every URL in it is the configured one" sh -c \
	"! grep -oE '(https?|tftp)://[^ /]+' '$T/plain-s2' | grep -vxF '$P'"
check "the plain signature verifies (openssl cms)" sh -c \
	"curl -sf -o '$T/plain-s2.sig' '$P/boot/stage2.ipxe.sig?mac=52:54:00:00:00:02' &&
	 openssl cms -verify -binary -inform DER -in '$T/plain-s2.sig' \
	   -content '$T/plain-s2' -CAfile '$ROOT' -purpose any -out /dev/null"
KS=$(grep -o 'ks=[^ ]*' "$T/plain-s2" | cut -d= -f2)
check "the kickstart URL is on the configured listener" sh -c "case '$KS' in $P/ks/*) exit 0;; esac; exit 1"
KSP=${KS#"$P"}
check "the kickstart with a hostile Host: 421" \
	[ "$(pget -H "Host: evil.example" "$P$KSP")" = 421 ]
check "  and no token in the reply" sh -c "! grep -q '${KSP#/ks/}' '$T/.body'"
check "the kickstart with the configured Host: 200" [ "$(pget "$KS")" = 200 ]
check "its callbacks are the configured URL" sh -c \
	"grep -q '$P/api/v1/nodes/demo-2/installed' '$T/.body' && ! evil '$T/.body'"

# ---- item 2: the TLS listener takes base_url whatever Host says ---------
Q="mac=52:54:00:00:00:01&uuid=&serial=EVIL.example&platform=evil.example&buildarch=x86_64&manufacturer=evil.example&product=attacker&asset=http%3A%2F%2Fevil.example"
check "HTTPS stage2 with Host: evil.example: 200" \
	[ "$(status "$BASE/boot/stage2.ipxe?$Q" -H "Host: evil.example")" = 200 ]
cp "$T/.body" "$T/tls-s2"
check "it names only the configured base_url" sh -c \
	"grep -q '^kernel --name kernel $BASE/artifacts/' '$T/tls-s2' &&
	 ! grep -oE '(https?|tftp)://[^ /]+' '$T/tls-s2' | grep -vxF '$BASE'"
check "and nothing of the query or the Host" sh -c "! evil '$T/tls-s2'"
ok "the signature of what was served (hostile Host) verifies" sh -c \
	"curl -sf --cacert '$ROOT' -H 'Host: evil.example' -o '$T/tls-s2.sig' \
	   '$BASE/boot/stage2.ipxe.sig?$Q' &&
	 openssl cms -verify -binary -inform DER -in '$T/tls-s2.sig' \
	   -content '$T/tls-s2' -CAfile '$ROOT' -purpose any -out /dev/null"
D="mac=02:00:00:00:66:02&serial=evil.example&product=attacker"
check "an unknown machine's discovery script, hostile Host: 200" \
	[ "$(status "$BASE/boot/stage2.ipxe?$D" -H "Host: evil.example")" = 200 ]
cp "$T/.body" "$T/disc"
check "it fetches from base_url only, with imgverify" sh -c \
	"grep -q '^imgfetch --name stage2 $BASE/boot/stage2.ipxe?' '$T/disc' &&
	 grep -q '^imgverify --signer podboot-codesign stage2 $BASE/' '$T/disc' &&
	 ! evil '$T/disc'"
ok "its signature verifies" sh -c \
	"curl -sf --cacert '$ROOT' -o '$T/disc.sig' '$BASE/boot/stage2.ipxe.sig?$D' &&
	 openssl cms -verify -binary -inform DER -in '$T/disc.sig' \
	   -content '$T/disc' -CAfile '$ROOT' -purpose any -out /dev/null"
check "two machines get the same discovery script (nothing of theirs in it)" sh -c \
	"curl -sf --cacert '$ROOT' '$BASE/boot/stage2.ipxe?mac=02:00:00:00:66:03&serial=OTHER' |
	 cmp -s - '$T/disc'"

# ---- item 3: node tokens never reach the log, the events or a reply -----
TOK=${KSP#/ks/}
HEX=${TOK#demo-2.}
check "demo-2 reports installed with its token" \
	[ "$(pget -X POST -H "Authorization: Bearer $TOK" "$P/api/v1/nodes/demo-2/installed")" = 200 ]
check "its kickstart again: 409" [ "$(pget "$KS")" = 409 ]
cat "$T/.body" >>"$T/replies-error.log"
check "  the 409 reply has no token" sh -c "! grep -q '$HEX' '$T/.body'"
check "a forged token: 403" [ "$(status "$BASE/ks/demo-1.$(openssl rand -hex 32)")" = 403 ]
check "a token sent as a query argument: 400" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01&$TOK=1")" = 400 ]
check "  and the reply quotes it redacted" sh -c \
	"grep -q 'demo-2.REDACTED' '$T/.body' && ! grep -q '${HEX%????????????????????????????????}' '$T/.body'"
TOK1=$(grep -o 'ks=[^ ]*' "$T/tls-s2" | sed 's|.*/ks/||')
HEX1=${TOK1#demo-1.}
check "demo-1's real token on the plain listener: 403" \
	[ "$(pget "$P/ks/$TOK1")" = 403 ]
cat "$T/.body" >>"$T/replies-error.log"
C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/events?limit=1000" >"$T/events.json"
check "the events show the refused kickstart, redacted" \
	jq -e '[.[] | select(.detail | test("/ks/demo-1\\.REDACTED: 403"))] | length >= 1' "$T/events.json"
check "  and no token anywhere in them" sh -c "! grep -qE '$HEX|$HEX1' '$T/events.json'"
check "the log shows it redacted" grep -q 'GET /ks/demo-2.REDACTED -> 409' "$SITE/serve.log"
check "  and has no token of demo-1 or demo-2" sh -c "! grep -qE '$HEX|$HEX1' '$SITE/serve.log'"

# ---- item 8: placeholder MACs are not machines --------------------------
before=$(C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes?state=discovered" | jq length)
for m in 00:00:00:00:00:00 ff:ff:ff:ff:ff:ff FF-FF-FF-FF-FF-FF 000000000000; do
	check "discovery of mac=$m is refused (400)" \
		[ "$(status "$BASE/boot/stage2.ipxe?mac=$m")" = 400 ]
	check "  with the reason" grep -q 'is a placeholder firmware reports' "$T/.body"
done
after=$(C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes?state=discovered" | jq length)
check "no row was recorded for them ($before -> $after)" [ "$before" = "$after" ]
check "no mac-000000000000 or mac-ffffffffffff node" sh -c \
	"! curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes' |
	   grep -qE 'mac-(000000000000|ffffffffffff)'"
check "a real unknown MAC is still recorded" sh -c \
	"curl -sf --cacert '$ROOT' -o /dev/null '$BASE/boot/stage2.ipxe?mac=02:00:00:00:66:04' &&
	 curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/nodes/mac-020000006604' |
	 jq -e '.state == \"discovered\"' >/dev/null"

# ---- item 7: a lost armed -> booting write refuses the installer --------
DB=$SITE/data/podboot.db
state1() { C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes/demo-1" | jq -r .state; }
ok "demo-1 (booting since the fetch above) is re-armed" \
	C -f -X POST -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes/demo-1/rearm"
check "demo-1 is armed" [ "$(state1)" = armed ]
ok "the store now fails the transition (a trigger, as a full disk would)" \
	sqlite3 -cmd ".timeout 5000" "$DB" "CREATE TRIGGER fail_booting
	  BEFORE UPDATE OF state ON nodes WHEN NEW.state = 2
	  BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
check "stage2 of armed demo-1: 503" \
	[ "$(curl -s --cacert "$ROOT" -D "$T/hdr" -o "$T/.body" -w '%{http_code}' "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01")" = 503 ]
check "  with Retry-After" grep -qi '^retry-after: [0-9]' "$T/hdr"
check "  and no installer bytes (no kernel, no token)" sh -c \
	"! grep -qE 'kernel|initrd|/ks/|demo-1\\.' '$T/.body'"
check "the node is still armed" [ "$(state1)" = armed ]
check "the failure is logged" grep -q 'demo-1: recording armed -> booting failed' "$SITE/serve.log"
check "  and refused once, as that failure (not also as a node not stored)" sh -c \
	"! grep -q 'demo-1 is not in the store yet' '$SITE/serve.log'"
check "its signature is still served (it moves nothing)" \
	[ "$(status "$BASE/boot/stage2.ipxe.sig?mac=52:54:00:00:00:01")" = 200 ]
ok "the store recovers" sqlite3 -cmd ".timeout 5000" "$DB" "DROP TRIGGER fail_booting;"
# The move to booting comes before the installer is rendered (one round
# trip less on PostgreSQL): an installer that cannot be made (its kernel
# not published) must not move the node either.
ok "demo-1's kernel is withdrawn from the store" sqlite3 -cmd ".timeout 5000" "$DB" \
	"CREATE TABLE held AS SELECT * FROM artifacts WHERE name = 'demo-vmlinuz';
	 DELETE FROM artifacts WHERE name = 'demo-vmlinuz';"
# HEAD moves nothing: it shows when the server's artifact cache (a
# second) has let the kernel go.
ok "HEAD of demo-1's stage2 soon answers 503" wait_for 10 sh -c \
	"[ \"\$(curl -sI --cacert '$ROOT' -o /dev/null -w '%{http_code}' '$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01')\" = 503 ]"
check "then stage2 of armed demo-1: 503" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01")" = 503 ]
check "  saying the kernel is not published" \
	grep -q 'demo-vmlinuz or demo-initrd.img is not published yet' "$T/.body"
check "the node is still armed" [ "$(state1)" = armed ]
ok "the kernel is back" sqlite3 -cmd ".timeout 5000" "$DB" \
	"INSERT INTO artifacts SELECT * FROM held; DROP TABLE held;"
ok "stage2 of demo-1 now: 200, the installer" wait_for 10 sh -c \
	"[ \"\$(curl -s --cacert '$ROOT' -o '$T/.body' -w '%{http_code}' '$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01')\" = 200 ] &&
	 grep -q '^kernel --name kernel' '$T/.body'"
check "and demo-1 is booting" [ "$(state1)" = booting ]
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
