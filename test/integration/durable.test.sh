# durable.test.sh: the data directory is created on purpose, used by one
# server at a time, backed up online; a key rotation reaches the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
D=$SITE/data
A="Authorization: Bearer $OP_TOKEN"
export ROOT
export -f C

# listing DIR: every file with its size and checksum, sorted.
listing() {
	(cd "$1" && find . -type f -printf '%P %s ' -exec sha256sum {} \; |
		awk '{print $1, $2, $3}' | sort)
}

# wait_for SECONDS CMD...: poll CMD until it succeeds or time runs out
# (SECONDS times TEST_SLOWDOWN, lib.sh).
wait_for() {
	local until=$(($(date +%s) + $1 * SLOWDOWN)); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$until" ] || return 1
		sleep 0.05
	done
}

ok "a fresh data directory starts" server_start
check "the new store is marked in the data directory" \
	grep -qE '^podboot-store [0-9a-f]{32}$' "$D/store.id"
check "the lock file names the server's PID" \
	[ "$(cat "$D/serve.lock")" = "$SERVER_PID" ]

# ---- a second server on the same directory, while an upload streams ----
head -c 2000000 /dev/urandom >"$T/img"
curl -sS --cacert "$ROOT" -o "$T/up.body" -w '%{http_code}' \
	--limit-rate $((400 / SLOWDOWN))K -T "$T/img" -H "Authorization: Bearer $CI_TOKEN" \
	"$BASE/api/v1/artifacts/os/slow" >"$T/up.code" 2>&1 &
UP=$!
ok "the upload is streaming into tmp/" \
	wait_for 20 sh -c "[ -n \"\$(ls -A '$D/tmp')\" ]"
ls -i "$D/tmp" >"$T/tmp.before"
listing "$D" | grep -v -e '^tmp/' -e '^podboot\.db' >"$T/before"
first=$SERVER_PID
refused "a second serve on the same data directory names the holder's PID" \
	"in use by podboot PID $first" \
	timeout "$(deadline 20)" "$PODBOOT" serve --config "$SITE/podboot.conf"
check "the upload's temp file is still there" \
	sh -c "ls -i '$D/tmp' | cmp -s - '$T/tmp.before'"
check "the lock file still names the first server" \
	[ "$(cat "$D/serve.lock")" = "$first" ]
listing "$D" | grep -v -e '^tmp/' -e '^podboot\.db' >"$T/after"
check "nothing else in the data directory changed" cmp -s "$T/before" "$T/after"
wait "$UP"
check "the upload in flight completes: 201" [ "$(cat "$T/up.code")" = 201 ]
ok "and verifies" bash -c "C -f -o '$T/slow' '$BASE/artifacts/os/slow' &&
	C -f -o '$T/slow.sig' '$BASE/artifacts/os/slow.sig' &&
	cmp -s '$T/img' '$T/slow' &&
	'$PODBOOT' verify '$T/slow' '$T/slow.sig' --root '$ROOT'"

# ---- key rotation reaches the running server, no SIGHUP ----
Q="mac=52:54:00:00:00:02&platform=pcbios&buildarch=i386"
C -f -o "$T/s2a.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
old_fp=$(openssl x509 -in "$SITE/keys/codesign.crt" -noout -fingerprint -sha256)
# serial_of CERT / norm SERIAL: a serial as lower-case hex without leading
# zeros, as openssl and the API each print it.
serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2 | norm; }
norm() { tr 'A-F' 'a-f' | sed 's/^0*//'; }
old_serial=$(serial_of "$SITE/keys/codesign.crt")
check "the upload before the rotation lists the old signer's serial" [ "$(C -f -H "$A" \
	"$BASE/api/v1/artifacts" | jq -r '.[] | select(.name == "os/slow") | .signer_serial' | norm)" = "$old_serial" ]
ok "keys rotate-codesign" "$PODBOOT" keys rotate-codesign --dir "$SITE/keys"
new_fp=$(openssl x509 -in "$SITE/keys/codesign.crt" -noout -fingerprint -sha256)
check "the rotation made a new certificate" [ "$old_fp" != "$new_fp" ]
# signer_fp SIG: fingerprint of the signer certificate a signature carries.
signer_fp() {
	openssl pkcs7 -inform DER -in "$1" -print_certs |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
export -f signer_fp
head -c 100000 /dev/urandom >"$T/img3"
check "an upload right after the rotation: 201" \
	[ "$(status "$BASE/api/v1/artifacts/os/after" -T "$T/img3" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]
new_serial=$(serial_of "$SITE/keys/codesign.crt")
check "its reply names the new signer's serial and notAfter" [ "$(jq -r '.signer_serial' "$T/.body" | norm) $(jq -r '.signer_not_after' "$T/.body" | cut -c1-10)" = \
	"$new_serial $(date -u -d "$(openssl x509 -in "$SITE/keys/codesign.crt" -noout -enddate | cut -d= -f2)" +%F)" ]
check "(a serial other than the old one)" [ -n "$new_serial" -a "$new_serial" != "$old_serial" ]
C -f -o "$T/after.sig" "$BASE/artifacts/os/after.sig"
check "its signature carries the new certificate" \
	[ "$(signer_fp "$T/after.sig")" = "$new_fp" ]
ok "and openssl verifies it under the root" bash -c "C -f -o '$T/after' \
	'$BASE/artifacts/os/after' && openssl cms -verify -binary -inform DER \
	-in '$T/after.sig' -content '$T/after' -CAfile '$ROOT' -purpose any \
	-out /dev/null"
check "stage2 signed before the rotation carried the old certificate" \
	[ "$(signer_fp "$T/s2a.sig")" = "$old_fp" ]
C -f -o "$T/s2b" "$BASE/boot/stage2.ipxe?$Q"
C -f -o "$T/s2b.sig" "$BASE/boot/stage2.ipxe.sig?$Q"
check "stage2 after the rotation carries the new certificate" \
	[ "$(signer_fp "$T/s2b.sig")" = "$new_fp" ]
ok "and verifies" "$PODBOOT" verify "$T/s2b" "$T/s2b.sig" --root "$ROOT" \
	--signer podboot-codesign
# The upload event names the serial too.
C -f -H "$A" "$BASE/api/v1/events?limit=1000" >"$T/events"
check "the upload event names the new signer's serial" sh -c "jq -r '.[] | select(.kind == \"upload\" and .subject == \"os/after\") | .detail' '$T/events' |
	grep -q 'serial 0*$new_serial, valid until '"

# ---- re-signing the current artifacts after the rotation ----
check "os/slow's signature still carries the old certificate" bash -c \
	"C -f -o '$T/slow.sig' '$BASE/artifacts/os/slow.sig' && [ \"\$(signer_fp '$T/slow.sig')\" = '$old_fp' ]"
check "a re-sign needs a token: 401" [ "$(status "$BASE/api/v1/artifacts/resign" -X POST)" = 401 ]
check "the CI token may not re-sign: 403" [ "$(status "$BASE/api/v1/artifacts/resign" -X POST -H "Authorization: Bearer $CI_TOKEN")" = 403 ]
current=$(C -f -H "$A" "$BASE/api/v1/artifacts" | jq -r '[.[] | select(.current) | .name] | sort | join(",")')
n_current=$(printf '%s' "$current" | tr ',' '\n' | grep -c .)
check "the operator re-signs: 200" [ "$(status "$BASE/api/v1/artifacts/resign" -X POST -H "$A")" = 200 ]
cp "$T/.body" "$T/resign.json"
got=$(jq -r '"\(.resigned) \(.failed | length) \([.artifacts[].name] | sort | join(","))"' "$T/resign.json")
check "every current artifact ($current), none failed, by the new serial: $got" \
	[ "$got $(jq -r .signer_serial "$T/resign.json" | norm)" = "$n_current 0 $current $new_serial" ]
bad=0
for a in os/slow os/after; do
	C -f -o "$T/r.blob" "$BASE/artifacts/$a" && C -f -o "$T/r.sig" "$BASE/artifacts/$a.sig" || bad=1
	[ "$(signer_fp "$T/r.sig")" = "$new_fp" ] || bad=1
	openssl cms -verify -binary -inform DER -in "$T/r.sig" -content "$T/r.blob" \
		-CAfile "$ROOT" -purpose any -out /dev/null 2>/dev/null || bad=1
done
check "each signature now carries the new certificate, and openssl verifies it" [ "$bad" = 0 ]
check "the artifact list names the new serial for every current version" [ "$(C -f -H "$A" "$BASE/api/v1/artifacts" |
	jq -r '[.[] | select(.current) | .signer_serial] | unique | .[]' | norm)" = "$new_serial" ]
check "and so does the text list" bash -c "C -f -H '$A' '$BASE/api/v1/artifacts?format=text' | grep '^os/slow ' | grep -q ' 0*$new_serial '"
C -f -H "$A" "$BASE/api/v1/events?limit=1000" >"$T/events"
check "each re-sign is in the audit trail, with the token" [ "$(jq '[.[] | select(.kind == "resign") | select(.detail | test("token operator from"))] | length' "$T/events")" = "$n_current" ]
# A blob changed on disk is not what its name says: never signed again.
sha_after=$(C -f -H "$A" "$BASE/api/v1/artifacts" | jq -r '.[] | select(.name == "os/after" and .current) | .sha256')
cp "$D/blobs/sha256/$sha_after" "$T/after.good"
cp "$D/blobs/sha256/$sha_after.sig" "$T/after.sig.before"
printf 'tampered' >>"$D/blobs/sha256/$sha_after"
check "a re-sign with a blob changed on disk: 200" [ "$(status "$BASE/api/v1/artifacts/resign" -X POST -H "$A")" = 200 ]
check "that one is refused, named, the others re-signed" [ "$(jq -r '"\(.failed | map(.name) | join(",")) \(.resigned)"' "$T/.body")" = "os/after $((n_current - 1))" ]
check "its signature is the one before" cmp -s "$D/blobs/sha256/$sha_after.sig" "$T/after.sig.before"
cp "$T/after.good" "$D/blobs/sha256/$sha_after"
# The same offline, beside the running server: podboot resign.
"$PODBOOT" resign --config "$SITE/podboot.conf" >"$T/resign.out" 2>&1
check "podboot resign re-signs them offline too (exit 0)" [ $? = 0 ]
check "naming each and the serial" sh -c "grep -q '^re-signed os/slow sha256:' '$T/resign.out' &&
	grep -q '^$n_current artifacts re-signed by .*, serial 0*$new_serial\$' '$T/resign.out'"
C -f -o "$T/r.blob" "$BASE/artifacts/os/slow" && C -f -o "$T/r.sig" "$BASE/artifacts/os/slow.sig"
ok "and openssl verifies the result" openssl cms -verify -binary -inform DER -in "$T/r.sig" \
	-content "$T/r.blob" -CAfile "$ROOT" -purpose any -out /dev/null
printf 'tampered' >>"$D/blobs/sha256/$sha_after"
"$PODBOOT" resign --config "$SITE/podboot.conf" >"$T/resign.out" 2>&1
check "a blob changed on disk: podboot resign says so and exits 1" sh -c \
	"[ $? = 1 ] && grep -q '^NOT re-signed os/after sha256:$sha_after: Bad message' '$T/resign.out'"
cp "$T/after.good" "$D/blobs/sha256/$sha_after"

# ---- online backup while serving, then restore ----
ok "an online backup while serving (sqlite3 .backup)" \
	sqlite3 "$D/podboot.db" ".backup '$T/backup.db'"
C -f -H "$A" "$BASE/api/v1/nodes" | jq -c '[.[] | [.id, .state]]' >"$T/nodes.backup"
server_stop
check "a clean stop empties the lock file" sh -c "[ -f '$D/serve.lock' ] && [ ! -s '$D/serve.lock' ]"

# ---- a damaged or lost database is refused, nothing changed ----
cp "$D/podboot.db" "$T/good.db"
for how in zero-length missing garbage truncated; do
	cp "$T/good.db" "$D/podboot.db"
	case $how in
	zero-length) truncate -s 0 "$D/podboot.db" ;;
	missing) rm -f "$D/podboot.db" ;;
	garbage) head -c 65536 /dev/urandom >"$D/podboot.db" ;;
	truncated) truncate -s $(($(stat -c %s "$T/good.db") / 2)) "$D/podboot.db" ;;
	esac
	listing "$D" >"$T/before"
	refused "$how database: refused with the way to recover" \
		"restore the database from a backup, or run podboot serve --reinit-store" \
		timeout "$(deadline 20)" "$PODBOOT" serve --config "$SITE/podboot.conf"
	listing "$D" >"$T/after"
	check "$how database: nothing in the data directory changed" \
		cmp -s "$T/before" "$T/after"
done

# ---- restore the backup: states, artifacts, events are back ----
cp "$T/backup.db" "$D/podboot.db"
ok "the server starts on the restored backup" server_start
ok "the artifact uploaded before the backup is catalogued" bash -c \
	"C -f -H '$A' '$BASE/api/v1/artifacts' | grep -q '\"name\": \"os/slow\"'"
ok "and served" bash -c "C -f -o '$T/slow2' '$BASE/artifacts/os/slow' &&
	cmp -s '$T/img' '$T/slow2'"
C -f -H "$A" "$BASE/api/v1/nodes" | jq -c '[.[] | [.id, .state]]' >"$T/nodes.restored"
check "the nodes and their states are back" cmp -s "$T/nodes.backup" "$T/nodes.restored"
check "(and there are nodes)" grep -q demo-1 "$T/nodes.restored"
ok "the events before the backup are back" bash -c \
	"C -f -H '$A' '$BASE/api/v1/events' | grep -q 'upload'"
server_stop

# ---- re-initialisation: every known node locked, never armed ----
truncate -s 0 "$D/podboot.db"
"$PODBOOT" serve --config "$SITE/podboot.conf" --reinit-store \
	>>"$SITE/serve.log" 2>&1 &
SERVER_PID=$!
ok "serve --reinit-store starts" wait_for 20 \
	curl -s --cacert "$ROOT" -o /dev/null "$BASE/healthz"
check "the damaged database was set aside, not deleted" \
	sh -c "ls '$D' | grep -q '^podboot.db.broken-'"
ok "demo-1 is installed after the re-initialisation" bash -c \
	"C -f -H '$A' '$BASE/api/v1/nodes/demo-1' | grep -q '\"state\": \"installed\"'"
C -f -H "$A" "$BASE/api/v1/nodes" >"$T/nodes.reinit"
check "every node is installed, none armed" sh -c \
	"grep -q demo-1 '$T/nodes.reinit' && ! grep -q '\"state\": \"armed\"' '$T/nodes.reinit'"
C -f -o "$T/s5" "$BASE/boot/stage2.ipxe?$Q"
check "stage2 for a known node gives local boot" \
	grep -q "sanboot --no-describe --drive 0x80" "$T/s5"
check "and no installer" sh -c "! grep -q '^kernel' '$T/s5'"
server_stop

finish
