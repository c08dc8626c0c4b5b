# certclock.test.sh: certificates this machine's clock calls not yet valid
# or expired refuse a start and a reload with one clear line (issue 19.6);
# one expiring within 14 days starts with a warning that /healthz repeats.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
ok "server starts" server_start

# ---- clocks: certificates this machine's time calls invalid -----------

# sign KEY CERT-OUT DATES...: a certificate for KEY under the site's root,
# valid as openssl ca's DATES say.
cat >"$T/ca.cnf" <<EOF
[ ca ]
default_ca = d
[ d ]
database = $T/index.txt
new_certs_dir = $T
serial = $T/serial
default_md = sha256
policy = p
unique_subject = no
[ p ]
commonName = supplied
EOF
: >"$T/index.txt"
echo 01 >"$T/serial"
sign() {
	local key=$1 out=$2; shift 2
	openssl req -new -key "$key" -subj /CN=localhost -out "$T/req.csr" 2>/dev/null &&
		openssl ca -batch -notext -config "$T/ca.cnf" -cert "$ROOT" \
			-keyfile "$SITE/keys/root.key" -in "$T/req.csr" -out "$out" "$@" 2>/dev/null
}
ok "a TLS certificate valid only from 2099" sign "$SITE/keys/server.key" "$T/future.crt" \
	-startdate 20990101000000Z -enddate 21000101000000Z
ok "a code-signing certificate expired in 2001" sign "$SITE/keys/codesign.key" "$T/expired.crt" \
	-startdate 20000101000000Z -enddate 20010101000000Z
cp "$SITE/keys/server-chain.crt" "$T/good-chain.crt"
cp "$SITE/keys/codesign.crt" "$T/good-codesign.crt"
# What iPXE gets is the chain: the new leaf, then the root.
cat "$T/future.crt" "$ROOT" >"$T/future-chain.crt"

# Reload: refused, the old configuration goes on.
gen0=$(C -f "$BASE/healthz" | jq -r .configuration)
cp "$T/future-chain.crt" "$SITE/keys/server-chain.crt"
kill -HUP "$SERVER_PID"
refused_reload() { grep -q 'reload refused; still serving configuration' "$SITE/serve.log"; }
# reload_ended: the server either refused the reload or took it (a new
# configuration number): wait for whichever comes, then check which.
reload_ended() {
	refused_reload || [ "$(C -f "$BASE/healthz" | jq -r .configuration)" != "$gen0" ]
}
wait_for 15 reload_ended
check "SIGHUP with a not-yet-valid TLS certificate: reload refused" refused_reload
check "with one clear line: file, window, this machine's time, what to do" grep -q \
	"TLS certificate $SITE/keys/server-chain.crt is valid from 2099-01-01.* to 2100-01-01.*, but this machine's time is 20[0-9-]* .*: not yet valid; fix the clock (NTP) or renew: podboot keys issue-server" \
	"$SITE/serve.log"
check "/healthz: the configuration number is unchanged ($gen0)" \
	[ "$(C -f "$BASE/healthz" | jq -r .configuration)" = "$gen0" ]
check "and the old certificate is still served" sh -c "echo | openssl s_client -connect 127.0.0.1:$PORT 2>/dev/null |
	openssl x509 -noout -enddate | grep -qv 2100"
check "/healthz names the certificate that expires first" \
	sh -c "curl -fsS --cacert '$ROOT' '$BASE/healthz' | jq -e '.certificates.days_left > 14 and .certificates.expiring_soon == false and (.certificates.first_to_expire | length > 0)'"
server_stop TERM

# Start: refused with one line; the data directory untouched.  (timeout:
# a server that wrongly starts is stopped and fails the check, exit 124.)
touch "$T/mark"
refused "start with a not-yet-valid TLS certificate: refused, one line" \
	"is valid from 2099-01-01" timeout 20 "$PODBOOT" serve --config "$SITE/podboot.conf"
check "exactly one line, naming the file and the fix" sh -c "[ \$(wc -l <'$ERR') = 1 ] &&
	grep -q 'server-chain.crt.*this machine.s time is .*fix the clock (NTP) or renew: podboot keys issue-server' '$ERR'"
cp "$T/good-chain.crt" "$SITE/keys/server-chain.crt"
cp "$T/expired.crt" "$SITE/keys/codesign.crt"
refused "start with an expired code-signing certificate: refused" \
	"code-signing certificate $SITE/keys/codesign.crt is valid from 2000-01-01" \
	timeout 20 "$PODBOOT" serve --config "$SITE/podboot.conf"
check "which says expired and how to renew" grep -q 'expired; fix the clock (NTP) or renew: podboot keys rotate-codesign' "$ERR"
refused "podboot serve --check says the same" "expired; fix the clock" \
	timeout 20 "$PODBOOT" serve --check --config "$SITE/podboot.conf"
check "nothing in the data directory changed" [ -z "$(find "$SITE/data" -newer "$T/mark")" ]

# A certificate expiring within 14 days: a warning, and /healthz says so.
cp "$T/good-codesign.crt" "$SITE/keys/codesign.crt"
ok "a TLS certificate valid for 3 more days" sign "$SITE/keys/server.key" "$T/soon.crt" -days 3
cat "$T/soon.crt" "$ROOT" >"$SITE/keys/server-chain.crt"
ok "the server starts with it" server_start
check "with a warning line" grep -q 'TLS certificate .*server-chain.crt expires on .*, in less than 14 days' "$SITE/serve.log"
check "and /healthz says it expires soon" sh -c "curl -fsS --cacert '$ROOT' '$BASE/healthz' |
	jq -e '.certificates.expiring_soon == true and .certificates.days_left <= 3 and .certificates.first_to_expire == \"TLS certificate\"'"
server_stop TERM
finish
