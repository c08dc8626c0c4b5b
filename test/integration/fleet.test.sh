# fleet.test.sh: the status API over 5,000 pods and 50,000 nodes: pages,
# filters and totals are right, and a page costs a page, not the fleet.
# The store is filled directly (one SQLite transaction); the server is the
# optimised build ($PODBOOT_FAST), so that the times printed (figures
# only: no check depends on them) are the ones an operator would see.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

PODS=5000
NODES=50000
site_init "$T/site"
# The demo pod's block of the configuration gives way to PODS pods: pod
# k's networks are 10.X.Y.0/24 and 100.64+X.Y.0/24 (X.Y = k).
{
	sed -n '1,/^pods = (/p' "$SITE/podboot.conf"
	for ((k = 1; k <= PODS; k++)); do
		printf '  { name = "p%04d"; profile = "default";\n    provisioning = { cidr = "10.%d.%d.0/24"; };\n    management = { cidr = "100.%d.%d.0/24"; }; },\n' \
			"$k" $((k / 256)) $((k % 256)) $((64 + k / 256)) $((k % 256))
	done
	sed -n '/^pods = (/,$p' "$SITE/podboot.conf" | sed 1d
} >"$T/fleet.conf"
cp "$T/fleet.conf" "$SITE/podboot.conf"
PODBOOT=$PODBOOT_FAST
ok "a configuration of $PODS more pods is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts (the store is created)" server_start
server_stop TERM
# Node i: pod p(i/10 + 1); every tenth installed (silent: down), every
# tenth failed, the rest armed.
start=$(date +%s%N)
sqlite3 "$SITE/data/podboot.db" <<SQL
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $NODES - 1)
INSERT INTO nodes (id, mac, pod, state, generation, updated)
SELECT printf('n%05d', i),
       printf('52:55:00:%02x:%02x:%02x', i / 65536, (i / 256) % 256, i % 256),
       printf('p%04d', i / 10 + 1),
       CASE i % 10 WHEN 0 THEN 4 WHEN 1 THEN 5 ELSE 1 END, 0, 0 FROM c;
COMMIT;
SQL
check "the store holds $NODES more nodes, filled in $((($(date +%s%N) - start) / 1000000)) ms" \
	[ "$(sqlite3 "$SITE/data/podboot.db" 'SELECT count(*) FROM nodes')" -ge $NODES ]
# A page walks an index from its cursor: SQLite's plan for the node
# lists (store.c's NODE_LIST) searches, it never scans the table.
COLS='id, mac, uuid, serial, pod, state, generation, updated'
check "a page of all nodes searches the primary key from the cursor" sh -c \
	"plan_out=\$(sqlite3 '$SITE/data/podboot.db' \"EXPLAIN QUERY PLAN SELECT $COLS FROM nodes WHERE id > 'n1' ORDER BY id LIMIT 101\");
	 echo \"\$plan_out\" | grep -q 'SEARCH nodes USING .*(id>?)' && ! echo \"\$plan_out\" | grep -q 'SCAN nodes\$'"
check "a page of a pod searches its index" sh -c "sqlite3 '$SITE/data/podboot.db' \
	\"EXPLAIN QUERY PLAN SELECT $COLS FROM nodes WHERE pod = 'p0001' AND id > '' ORDER BY id LIMIT 101\" |
	grep -Eq 'SEARCH nodes USING (COVERING )?INDEX nodes_pod \\(pod=\\? AND id>\\?\\)'"
check "a page in a state searches its index" sh -c "sqlite3 '$SITE/data/podboot.db' \
	\"EXPLAIN QUERY PLAN SELECT $COLS FROM nodes WHERE state = 4 AND id > '' ORDER BY id LIMIT 101\" |
	grep -Eq 'SEARCH nodes USING (COVERING )?INDEX nodes_state \\(state=\\? AND id>\\?\\)'"
ok "server starts with them" server_start

# timed NAME PATH: GET /api/v1/PATH into $T/NAME, its time in ms in
# $T/NAME.ms (curl's own clock) and printed.
timed() {
	C -f -H "Authorization: Bearer $OP_TOKEN" -o "$T/$1" \
		-w '%{time_total}\n' "$BASE/api/v1/$2" |
		awk '{ printf "%d\n", $1 * 1000 }' >"$T/$1.ms"
	echo "# $2: $(cat "$T/$1.ms") ms"
}
timed first 'nodes?limit=100'
check "the first page: 100 of $((NODES + 2)) nodes, the next cursor" [ "$(jq -r \
	'"\(.nodes | length) \(.total) \(.next)"' "$T/first")" = "100 $((NODES + 2)) n00097" ]
timed middle 'nodes?limit=100&after=n25000'
check "a page in the middle starts after its cursor" [ "$(jq -r \
	'"\(.nodes[0].id) \(.nodes[-1].id) \(.next)"' "$T/middle")" = "n25001 n25100 n25100" ]
timed last 'nodes?limit=100&after=n49950'
check "the last page: the rest, no next" [ "$(jq -r '"\(.nodes | length) \(.next)"' "$T/last")" = "49 null" ]
timed pod 'nodes?pod=p2500&limit=100'
check "one pod's nodes: its 10" [ "$(jq -r '"\(.total) \(.nodes | length) \(.nodes[0].id)"' "$T/pod")" = "10 10 n24990" ]
timed state 'nodes?state=failed&limit=100'
check "the failed nodes: a tenth" [ "$(jq -r '"\(.total) \([.nodes[].state] | unique)"' "$T/state")" = "5000 [\"failed\"]" ]
timed down 'nodes?health=down&limit=100'
check "the nodes down (installed, silent): a tenth" [ "$(jq -r '"\(.total) \(.nodes | length) \([.nodes[].health] | unique)"' "$T/down")" = "5000 100 [\"down\"]" ]
timed pods 'pods?limit=50'
check "a page of pods: 50 of $((PODS + 1)), with their counts" [ "$(jq -r '"\(.total) \(.pods | length) \(.pods[0].name) \(.pods[0].node_counts.total) \(.pods[0].node_counts.down)"' "$T/pods")" = "$((PODS + 1)) 50 p0001 10 1" ]
timed podsdown 'pods?health=down&sort=down&limit=50&offset=100'
check "pods with nodes down, most first: every pod of the fleet, 1 down each" [ "$(jq -r \
	'"\(.total) \(.pods | length) \(.pods[0].name) \(.pods[0].node_counts.down)"' "$T/podsdown")" = "$PODS 50 p0101 1" ]
# The times above are printed for the reader, never asserted: timing
# decides no test.  That a page costs a page is asserted by the query
# plans above (each list searches an index from its cursor); only a
# health filter or a pod sort walks the fleet.
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
