# pgstore.test.sh: podboot serve on PostgreSQL.  A throwaway PostgreSQL
# (scripts/pg-scratch: initdb as nobody, a Unix socket in a scratch
# directory, no TCP) runs the store's unit suites, then a server on it
# hands out a stage2, takes an upload, a push and a re-arm, and keeps
# serving across a restart of PostgreSQL without one of its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
UNIT=${UNIT:-$top/build/unit-tests}
PSQL=/usr/lib/postgresql/15/bin/psql
# The server's directory must be reachable by nobody: not under $T (0700).
PG=$(mktemp -d /tmp/podboot-pgit.XXXXXX)
rmdir "$PG"
trap 'server_stop KILL; "$top/scripts/pg-scratch" stop "$PG"; rm -rf "$T" "$PG"' EXIT

if [ ! -x /usr/lib/postgresql/15/bin/initdb ]; then
	skip "PostgreSQL 15 is not installed"
	finish
	exit
fi
ok "a scratch PostgreSQL starts (nobody, socket only)" \
	sh -c "'$top/scripts/pg-scratch' start '$PG' >'$T/url'"
URL=$(cat "$T/url")

# sql QUERY: one value from the server's database.
sql() { "$PSQL" -X -A -t -d "$URL" -c "$1" 2>>"$T/psql.err"; }

check "it listens on no TCP port" [ "$(sql 'SHOW listen_addresses')" = "" ]
check "it runs as nobody" [ "$(stat -c %U "$PG/data")" = nobody ]

# ---- the store's unit suites on it ----
for suite in store store_node store_event store_artifact store_pg store_alert store_replica \
	monitor_claimer; do
	PODBOOT_TEST_PG=$URL "$UNIT" "$suite" >"$T/unit.log" 2>&1
	rc=$?
	cp "$T/unit.log" "$OUT"
	check "unit suite $suite on PostgreSQL" sh -c \
		"[ $rc = 0 ] && grep -Eq 'tests +[0-9]+ +[1-9][0-9]* +[0-9]+ +0 ' '$T/unit.log'"
done

# ---- the setting ----
site_init "$T/site"
cp "$SITE/podboot.conf" "$T/plain.conf"
sed -i "s#^server = {#server = {\n  store = { url = \"postgresql://podboot:hunter2@/podboot?host=$PG\"; };#" \
	"$SITE/podboot.conf"
refused "a password in the store URL is refused at load" "holds a password" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
check "without repeating it" sh -c "! grep -q hunter2 '$ERR'"
cp "$T/plain.conf" "$SITE/podboot.conf"
sed -i "s#^server = {#server = {\n  store = \"$URL\";#" "$SITE/podboot.conf"
ok "a store URL without a password is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
sql "DROP SCHEMA public CASCADE; CREATE SCHEMA public;" >/dev/null
# init published the demo artifacts into SQLite: this site starts over
# on PostgreSQL, with nothing of SQLite's left.
rm -f "$SITE/data/podboot.db"* "$SITE/data/store.id"
for f in demo-vmlinuz demo-initrd.img; do
	ok "podboot publish $f into PostgreSQL" \
		"$PODBOOT" publish --config "$SITE/podboot.conf" "$f" "$SITE/$f"
done

export ROOT
export -f C
ok "podboot serve starts on PostgreSQL" server_start
check "the schema is migrated in PostgreSQL" [ "$(sql 'SELECT version FROM podboot_schema')" = 12 ]
check "no SQLite database in the data directory" [ ! -e "$SITE/data/podboot.db" ]
check "the demo artifacts are in PostgreSQL" \
	[ "$(sql "SELECT count(*) FROM artifacts WHERE name LIKE 'demo-%'")" = 2 ]
check "the configured nodes are in PostgreSQL" \
	[ "$(sql "SELECT count(*) FROM nodes WHERE id = 'demo-1'")" = 1 ]

# ---- stage2 hand-out, the one-shot rule ----
Q="mac=52:54:00:00:00:01&platform=pcbios&buildarch=i386"
ok "stage2 for demo-1" C -f -o "$T/s2" "$BASE/boot/stage2.ipxe?$Q"
check "it is the installer" grep -q 'ks=' "$T/s2"
check "demo-1 is booting in PostgreSQL" \
	[ "$(sql "SELECT state FROM nodes WHERE id = 'demo-1'")" = 2 ]
C -f -o "$T/s2b" "$BASE/boot/stage2.ipxe?$Q"
check "a retry while booting gets the same stage2" cmp -s "$T/s2" "$T/s2b"
TOKEN=$(grep -o 'ks=[^ ]*' "$T/s2" | sed 's#.*/##')

# ---- an upload ----
head -c 300000 /dev/urandom >"$T/img"
check "an upload: 201" [ "$(status "$BASE/api/v1/artifacts/os/img" -T "$T/img" \
	-H "Authorization: Bearer $CI_TOKEN")" = 201 ]
ok "served back and verified" bash -c "C -f -o '$T/got' '$BASE/artifacts/os/img' &&
	C -f -o '$T/got.sig' '$BASE/artifacts/os/img.sig' && cmp -s '$T/img' '$T/got' &&
	'$PODBOOT' verify '$T/got' '$T/got.sig' --root '$ROOT'"
check "its catalogue row is in PostgreSQL" [ "$(sql "SELECT sha256 FROM artifacts WHERE name = 'os/img'")" = \
	"$(sha256sum "$T/img" | cut -c1-64)" ]
check "its upload event too" [ "$(sql "SELECT count(*) FROM events WHERE kind = 'upload'")" -ge 1 ]

# ---- a push ----
printf '# TYPE node_load1 gauge\nnode_load1 0.5\n' | gzip -c >"$T/push.gz"
push() {
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $TOKEN" -H 'Content-Encoding: gzip' \
		-H "X-Podboot-Seq: $1" -H 'X-Podboot-Interval: 1' \
		--data-binary @"$T/push.gz" "$BASE/api/v1/push"
}
check "a push is accepted" [ "$(push 1)" = 200 ]
check "its series is served" bash -c "C -f -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/metrics' | tee '$T/m1' | grep 'node_load1{' | grep -q 'demo-1'"
check "/metrics counts its claim: one claim, one statement" sh -c \
	"grep -qx 'podboot_push_claims_total 1' '$T/m1' &&
	 grep -qx 'podboot_push_claim_batches_total 1' '$T/m1'"

# ---- a re-arm ----
check "re-arm with the operator token" [ "$(status "$BASE/api/v1/nodes/demo-1/rearm" \
	-X POST -H "Authorization: Bearer $OP_TOKEN")" = 200 ]
check "armed again, generation 1, in PostgreSQL" \
	[ "$(sql "SELECT state || '/' || generation FROM nodes WHERE id = 'demo-1'")" = 1/1 ]

# ---- PostgreSQL restarts under the running server ----
ok "PostgreSQL stops (by its PID)" "$top/scripts/pg-scratch" stop "$PG"
ok "and starts again" sh -c "'$top/scripts/pg-scratch' start '$PG' >/dev/null"
check "the server did not restart" kill -0 "$SERVER_PID"
ok "stage2 for demo-1 again, served after a reconnect" \
	wait_for 20 C -f -o "$T/s3" "$BASE/boot/stage2.ipxe?$Q"
check "the installer, once: the re-arm survived" grep -q 'ks=' "$T/s3"
# The re-arm made a new generation: the old token is void, the new one
# travels in the new stage2.
check "the old node token is refused after the re-arm" [ "$(push 2)" = 401 ]
TOKEN=$(grep -o 'ks=[^ ]*' "$T/s3" | sed 's#.*/##')
check "the server said it reconnected" grep -q 'reconnected after' "$SITE/serve.log"
check "an upload after the restart: 201" [ "$(status "$BASE/api/v1/artifacts/os/img2" -T "$T/img" \
	-H "Authorization: Bearer $CI_TOKEN")" = 201 ]
check "a push after the restart is accepted" [ "$(push 2)" = 200 ]
server_stop TERM
check "the server stopped cleanly" [ "$SERVER_STATUS" = 0 ]
check "the push state was saved in PostgreSQL" \
	[ "$(sql "SELECT last_seq FROM push_state WHERE id = 'demo-1'")" = 2 ]
check "no password in the server's log" sh -c "! grep -qi 'password=' '$SITE/serve.log'"
finish
