# console.test.sh: the fleet web console (/ui/) in a real browser: Debian's
# headless chromium, driven through its DevTools protocol
# (tools/cdp.py, tools/console-walk.py), over a fleet of 5,000 pods and
# 50,000 nodes.  A person signs in by typing a token, finds the failing
# node in three clicks from the overview, re-arms it; HTML in a pod's site
# and an event's detail shows as text; the node page shows the node's
# next stage2 (the token redacted) and its profile's kernel and initrd; a
# status-only token gets no re-arm button; a node assigned through the API
# is unassigned (a node of the file offers no unassign); the page meets no CSP
# violation or JavaScript error and asks no other host; an inline script
# put into the page does not run.  The artifacts page names each
# version's uploader with 25,000 other events before the uploads.  Three
# alerts fire (and one is pending): the overview counts the firing ones,
# the alerts page links each to its pod and node.
# Screenshots land in build/console/ for review.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SHOTS=$TOP/build/console
PODS=5000
NODES=50000
OTHER_EVENTS=25000
TARGET_POD=p4321
TARGET_NODE=edge-7
UP_NODE=edge-8
GONE_NODE=edge-9		# pushes once, stops: NodeDown fires for it
LATE_NODE=late-9		# assigned through the API, unassigned in the walk
LATE_MAC=02:00:00:00:0c:09
HOSTILE_SITE='<b>rack</b> & <img src=x onerror="window.__xss=1">'
HOSTILE_EVENT='disk replaced <img src=x onerror="window.__xss=2"><b>now</b>'

# Debian's python3 (python3-websocket is its package), not another first
# in PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v chromium >/dev/null ||
   ! "$PY" -c 'import websocket' 2>/dev/null; then
	skip "chromium or python3-websocket is not installed (scripts/deps)"
	finish
	exit
fi

site_init "$T/site"
VIEW_TOKEN=pbt_$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
VIEW_SHA=$(printf '%s' "$VIEW_TOKEN" | sha256sum | cut -d' ' -f1)
# PODS pods (fleet.test.sh's), the target pod's site in HTML, one
# configured node in it, and a token with scope status only.
{
	sed -n '1,/^pods = (/p' "$SITE/podboot.conf"
	for ((k = 1; k <= PODS; k++)); do
		site=
		[ "$k" = 4321 ] && site="site = \"${HOSTILE_SITE//\"/\\\"}\"; "
		printf '  { name = "p%04d"; %sprofile = "default";\n    provisioning = { cidr = "10.%d.%d.0/24"; };\n    management = { cidr = "100.%d.%d.0/24"; }; },\n' \
			"$k" "$site" $((k / 256)) $((k % 256)) $((64 + k / 256)) $((k % 256))
	done
	sed -n '/^pods = (/,$p' "$SITE/podboot.conf" | sed 1d
} >"$T/fleet.conf"
sed -i "s/^nodes = (/&\n  { mac = \"52:56:00:00:00:07\"; hostname = \"$TARGET_NODE\"; pod = \"$TARGET_POD\";\n    address = \"100.80.225.7\"; },\n  { mac = \"52:56:00:00:00:08\"; hostname = \"$UP_NODE\"; pod = \"$TARGET_POD\";\n    address = \"100.80.225.8\"; },\n  { mac = \"52:56:00:00:00:09\"; hostname = \"$GONE_NODE\"; pod = \"$TARGET_POD\";\n    address = \"100.80.225.9\"; },/" "$T/fleet.conf"
# Alerts: a rule that edge-8's load meets, evaluated every second, and
# one that it meets for an hour first (pending all through the test); a
# node is down after 2 of its push intervals.
cat >>"$T/fleet.conf" <<'CONF'
monitoring = { eval_interval_s = 1; down_after = 2; };
alerts = (
  { name = "HighLoad"; expr = "node_load1 > 0.5";
    labels = { severity = "warning"; }; },
  { name = "LoadSustained"; expr = "node_load1 > 0.5"; for = 3600; }
);
CONF
# Machines it does not know are recorded, so that one can be assigned.
sed -i 's/^policy = { unknown = "ignore"; };/policy = { unknown = "discover"; };/' "$T/fleet.conf"
sed -i "s/^tokens = (/&\n  { name = \"viewer\"; sha256 = \"$VIEW_SHA\"; scopes = [ \"status\" ]; },/" "$T/fleet.conf"
cp "$T/fleet.conf" "$SITE/podboot.conf"
PODBOOT=$PODBOOT_FAST
ok "a configuration of $PODS more pods is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts (the store is created)" server_start
server_stop TERM
# fleet.test.sh's fleet: every tenth node installed (silent: down), every
# tenth failed; all of the target pod's installed, and the target node
# installed with an event whose detail is HTML.
sqlite3 "$SITE/data/podboot.db" <<SQL
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $NODES - 1)
INSERT INTO nodes (id, mac, pod, state, generation, updated)
SELECT printf('n%05d', i),
       printf('52:55:00:%02x:%02x:%02x', i / 65536, (i / 256) % 256, i % 256),
       printf('p%04d', i / 10 + 1),
       CASE i % 10 WHEN 0 THEN 4 WHEN 1 THEN 5 ELSE 1 END, 0, 0 FROM c;
UPDATE nodes SET state = 4 WHERE pod = '$TARGET_POD' AND id LIKE 'n%';
UPDATE nodes SET state = 4 WHERE id = '$TARGET_NODE';
-- A busy audit trail: $OTHER_EVENTS events of other kinds come before
-- the uploads, more than the console would read page by page.
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $OTHER_EVENTS - 1)
INSERT INTO events (ts, kind, subject, detail)
SELECT strftime('%s', 'now'), 'state', printf('n%05d', i), 'armed -> booting' FROM c;
UPDATE events SET id = id + 1000000 WHERE kind = 'upload';
INSERT INTO events (ts, kind, subject, detail)
VALUES (strftime('%s', 'now'), 'state', '$TARGET_NODE', '${HOSTILE_EVENT//\'/\'\'}');
COMMIT;
SQL
check "$OTHER_EVENTS other events come before the first upload" [ "$(sqlite3 "$SITE/data/podboot.db" \
	"SELECT count(*) FROM events WHERE id < (SELECT min(id) FROM events WHERE kind = 'upload')")" -gt 20000 ]
FAILED=$(sqlite3 "$SITE/data/podboot.db" 'SELECT count(*) FROM nodes WHERE state = 5')
DOWN=$(sqlite3 "$SITE/data/podboot.db" 'SELECT count(*) FROM nodes WHERE state = 4')
check "the store holds the fleet ($DOWN installed, $FAILED failed)" \
	[ "$DOWN" -gt $((NODES / 10)) ]
ok "server starts with it" server_start

# The console's files and the token API need no fleet or alert: checked
# first, while the alerts below are still on their way.
# The headers every console file carries, and the policy word for word.
CSP="default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
for f in "" index.html app.js app.css favicon.svg; do
	C -sD "$T/h" -o /dev/null "$BASE/ui/$f"
	tr -d '\r' <"$T/h" >"$T/h.$f"
	check "/ui/$f: 200, Content-Security-Policy, nosniff, no-referrer, ETag" \
		sh -c "head -1 '$T/h.$f' | grep -q ' 200' &&
		grep -qxF \"Content-Security-Policy: $CSP\" '$T/h.$f' &&
		grep -qix 'X-Content-Type-Options: nosniff' '$T/h.$f' &&
		grep -qix 'Referrer-Policy: no-referrer' '$T/h.$f' &&
		grep -qi '^ETag: \"[0-9a-f]\{64\}\"\$' '$T/h.$f'"
done
check "types: HTML, JavaScript, CSS, SVG" sh -c "
	grep -qix 'Content-Type: text/html; charset=utf-8' '$T/h.index.html' &&
	grep -qix 'Content-Type: text/javascript; charset=utf-8' '$T/h.app.js' &&
	grep -qix 'Content-Type: text/css; charset=utf-8' '$T/h.app.css' &&
	grep -qix 'Content-Type: image/svg+xml' '$T/h.favicon.svg'"
ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: //p' "$T/h.app.js")
check "a request with the ETag gets 304" \
	[ "$(status "$BASE/ui/app.js" -H "If-None-Match: $ETAG")" = 304 ]
check "a stale ETag gets the file" \
	[ "$(status "$BASE/ui/app.js" -H 'If-None-Match: "0"')" = 200 ]
check "HEAD /ui/ gives the headers and no body" sh -c "
	curl -sS --cacert '$ROOT' -I '$BASE/ui/' | tr -d '\\r' >'$T/head' &&
	head -1 '$T/head' | grep -q ' 200' &&
	grep -qxF \"Content-Security-Policy: $CSP\" '$T/head' &&
	[ \"\$(curl -sS --cacert '$ROOT' -I -o /dev/null -w '%{size_download}' '$BASE/ui/')\" = 0 ]"
check "/ui redirects to /ui/" [ "$(C -o /dev/null -w '%{http_code} %{redirect_url}' \
	"$BASE/ui")" = "301 $BASE/ui/" ]
check "an unknown file, a path out of ui/ and a query are refused" sh -c "
	[ \"\$(curl -s --cacert '$ROOT' -o /dev/null -w '%{http_code}' '$BASE/ui/x.js')\" = 404 ] &&
	[ \"\$(curl -s --cacert '$ROOT' -o /dev/null -w '%{http_code}' --path-as-is '$BASE/ui/../podboot.conf')\" = 404 ] &&
	[ \"\$(curl -s --cacert '$ROOT' -o /dev/null -w '%{http_code}' '$BASE/ui/?x=1')\" = 400 ]"
check "no inline script, style or handler, and no other host, in the files" sh -c "
	! grep -Eiq '<script>|<script [^>]*>[^<]|<style|style=| on[a-z]+=|https?://' '$TOP/ui/index.html' &&
	! grep -Eq 'https?://|innerHTML|outerHTML|insertAdjacentHTML|document.write|eval\\(' '$TOP/ui/app.js'"
check "GET /api/v1/token names the token's scopes" [ "$(C -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/token" | jq -c '[.token, .scopes]')" = '["operator",["rearm","status","bmc"]]' ]
check "GET /api/v1/token without a token is refused (401)" \
	[ "$(status "$BASE/api/v1/token")" = 401 ]
check "GET /api/v1/token with an unknown token is refused (401)" \
	[ "$(status "$BASE/api/v1/token" -H 'Authorization: Bearer pbt_0000')" = 401 ]

# edge-8 pushes its metrics (with its node token, from its stage2), at a
# declared interval of 10 minutes: it stays up for the whole walk.
TOKEN8=$(C -f "$BASE/boot/stage2.ipxe?mac=52:56:00:00:00:08" | grep -o 'ks=[^ ]*' | sed 's#.*/##')
printf '%s\n' '# TYPE node_load1 gauge' 'node_load1 0.75' \
	'# TYPE node_memory_MemTotal_bytes gauge' 'node_memory_MemTotal_bytes 8589934592' \
	'# TYPE node_memory_MemAvailable_bytes gauge' 'node_memory_MemAvailable_bytes 4294967296' \
	>"$T/push"
check "$UP_NODE pushes its metrics" [ "$(status "$BASE/api/v1/push" -H "Authorization: Bearer $TOKEN8" \
	-H 'X-Podboot-Seq: 1' -H 'X-Podboot-Interval: 600' --data-binary @"$T/push")" = 200 ]

# A machine the configuration does not know asks for its stage2 and is
# recorded; the operator assigns it to the target pod through the API.
# The walk unassigns it in the browser.
LATE_ID=mac-$(printf '%s' "$LATE_MAC" | tr -d :)
check "an unknown machine asks for its stage2" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=$LATE_MAC")" = 200 ]
check "and is recorded as discovered" [ "$(C -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/nodes/$LATE_ID" | jq -r '"\(.state) \(.configured) \(.assigned)"')" = "discovered false false" ]
check "the operator assigns it to $TARGET_POD as $LATE_NODE: 202" \
	[ "$(status "$BASE/api/v1/nodes/$LATE_ID/assign" -X POST \
	-H "Authorization: Bearer $OP_TOKEN" -d "{\"hostname\": \"$LATE_NODE\", \"pod\": \"$TARGET_POD\"}")" = 202 ]
# assigned_is NODE VALUE: the node's "assigned" member is VALUE.
assigned_is() {
	[ "$(C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes/$1" |
		jq -r .assigned)" = "$2" ]
}
check "after the reload $LATE_NODE is assigned (GET /api/v1/nodes/$LATE_NODE)" \
	wait_for "$(deadline 30)" assigned_is "$LATE_NODE" true
check "the pod's node list says so too, and not of the file's nodes" sh -c "
	curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/api/v1/nodes?pod=$TARGET_POD&limit=50' |
	jq -e '[.nodes[] | select(.assigned) | .id] == [\"$LATE_NODE\"] and
	([.nodes[] | select(.id == \"$TARGET_NODE\") | .configured] == [true])'"

# Alerts at a glance: edge-8's load fires HighLoad; edge-9 pushes once,
# at an interval of 1 s, and stops: down 2 s later, and NodeDown fires.
# edge-7, installed and silent, gets NodeDown once the server has run
# for 2 x 15 s: the test waits for all three, whatever the clock.
TOKEN9=$(C -f "$BASE/boot/stage2.ipxe?mac=52:56:00:00:00:09" | grep -o 'ks=[^ ]*' | sed 's#.*/##')
printf '%s\n' '# TYPE node_load1 gauge' 'node_load1 0.25' >"$T/push9"
check "$GONE_NODE pushes once" [ "$(status "$BASE/api/v1/push" -H "Authorization: Bearer $TOKEN9" \
	-H 'X-Podboot-Seq: 1' -H 'X-Podboot-Interval: 1' --data-binary @"$T/push9")" = 200 ]
# firing: the alerts firing, "NAME NODE POD" a line, sorted.
firing() {
	C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/alerts" |
		jq -r '.[] | select(.state == "firing") | "\(.alertname) \(.node) \(.pod)"' | sort
}
# firing_is TEXT: the alerts firing are TEXT.
firing_is() {
	[ "$(firing)" = "$1" ]
}
FIRING="HighLoad $UP_NODE $TARGET_POD
NodeDown $TARGET_NODE $TARGET_POD
NodeDown $GONE_NODE $TARGET_POD"
check "HighLoad fires for $UP_NODE, NodeDown for $TARGET_NODE and $GONE_NODE, nothing else" \
	wait_for "$(deadline 90)" firing_is "$FIRING"
check "and LoadSustained is pending for $UP_NODE, the only other alert" [ "$(C -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/alerts" | jq -r '[.[] | select(.state != "firing") | "\(.alertname) \(.state) \(.node)"] | join(",")')" = \
	"LoadSustained pending $UP_NODE" ]

# /api/v1/alerts filters by state and pages, firing first, then by name
# and node.
# alerts ARGS: the alerts reply to ?ARGS.
alerts() {
	C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/alerts?$1"
}
check "?state=firing&limit=1: a page of one, total 3" [ "$(alerts 'state=firing&limit=1' |
	jq -c '[.total, .offset, .limit, (.alerts | length), .alerts[0].state]')" = '[3,0,1,1,"firing"]' ]
for k in 0 1 2 3 4; do
	alerts "limit=1&offset=$k" | jq -r '.alerts[] | "\(.alertname) \(.state) \(.node)"'
done >"$T/alert-pages"
check "pages of one, offset 0 to 4: firing first, by name and node, then the pending one" \
	[ "$(tr '\n' ',' <"$T/alert-pages")" = "HighLoad firing $UP_NODE,NodeDown firing $TARGET_NODE,NodeDown firing $GONE_NODE,LoadSustained pending $UP_NODE," ]
check "each page counts all 4" [ "$(alerts 'limit=1&offset=9' | jq -c '[.total, (.alerts | length)]')" = '[4,0]' ]
check "?state=pending without a page: the array of that one" \
	[ "$(alerts 'state=pending' | jq -c '[.[].alertname]')" = '["LoadSustained"]' ]
check "a page as text: TOTAL OFFSET LIMIT, then the alerts" sh -c "
	curl -sS --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/alerts?state=firing&limit=2&format=text' >'$T/alerts.txt' &&
	head -1 '$T/alerts.txt' | grep -q '^TOTAL  *OFFSET  *LIMIT' && sed -n 2p '$T/alerts.txt' | grep -q '^3  *0  *2' &&
	[ \$(grep -c ' firing ' '$T/alerts.txt') = 2 ]"
check "an unknown state is refused, naming the states (400)" \
	[ "$(status "$BASE/api/v1/alerts?state=inactive" -H "Authorization: Bearer $OP_TOKEN")" = 400 ]
check "with the states" grep -q 'state must be one of: firing, pending, resolved' "$T/.body"
check "limit 0 and a negative offset are refused (400)" sh -c "
	[ \$(curl -s --cacert '$ROOT' -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/alerts?limit=0') = 400 ] &&
	[ \$(curl -s --cacert '$ROOT' -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/alerts?offset=-1') = 400 ]"

# The walk, in the browser.  chromium trusts the server's key by its pin.
SPKI_PIN=$(openssl x509 -in "$SITE/keys/server.crt" -pubkey -noout |
	openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
jq -n --arg pod "$TARGET_POD" --arg node "$TARGET_NODE" --arg up "$UP_NODE" \
	--arg late "$LATE_NODE" --arg late_mac "$LATE_MAC" \
	--arg gone "$GONE_NODE" --argjson firing 3 --argjson alerts 4 \
	--argjson failed "$FAILED" --argjson down $((DOWN + 1)) \
	--argjson pods $((PODS + 1)) --arg site "$HOSTILE_SITE" \
	--arg event "$HOSTILE_EVENT" \
	'{pod: $pod, node: $node, up: $up, late: $late, late_mac: $late_mac,
	  gone: $gone, firing: $firing, alerts: $alerts,
	  failed: $failed, down: $down, pods: $pods,
	  hostile_site: $site, hostile_event: $event}' >"$T/expect.json"
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
OP_TOKEN=$OP_TOKEN VIEW_TOKEN=$VIEW_TOKEN SPKI_PIN=$SPKI_PIN \
	timeout $(deadline 300) "$PY" "$(dirname "$0")/tools/console-walk.py" \
	"$BASE" "$SHOTS" "$T/chromium" "$T/expect.json" >"$T/walk.log" 2>&1
echo "walk exit $?" >>"$T/walk.log"
while IFS= read -r line; do
	case $line in
	"ok   - "*) PASS=$((PASS + 1)); echo "$line" ;;
	"FAIL - "*) FAIL=$((FAIL + 1)); echo "$line" ;;
	*) echo "$line" ;;
	esac
done <"$T/walk.log"
check "the walk ran its checks and passed them all" grep -qx 'walk exit 0' "$T/walk.log"
check "the server knows the re-arm: $TARGET_NODE armed" [ "$(C -H "Authorization: Bearer $OP_TOKEN" \
	"$BASE/api/v1/nodes/$TARGET_NODE" | jq -r '"\(.state) \(.generation)"')" = "armed 1" ]
check "the server knows the unassign: $LATE_NODE neither assigned nor configured" \
	[ "$(C -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes/$LATE_NODE" |
	jq -r '"\(.assigned) \(.configured)"')" = "false false" ]
check "and its machine is told to wait to be assigned again" sh -c \
	"curl -sS --cacert '$ROOT' '$BASE/boot/stage2.ipxe?mac=$LATE_MAC' | grep -q 'is not assigned to a pod yet'"
# The stage2 the node page showed after the re-arm, against the real one
# (fetched now: it moves the node to booting, after the walk).
TOKEN7=$(C -f "$BASE/boot/stage2.ipxe?mac=52:56:00:00:00:07" | grep -o 'ks=[^ ]*' | sed 's#.*/##')
check "the node page's stage2 redacted $TARGET_NODE's real token" sh -c \
	"[ -n '$TOKEN7' ] && [ '$TOKEN7' != REDACTED ] && grep -qF '/ks/REDACTED' '$SHOTS/node-stage2.txt' &&
	! grep -qF -- '$TOKEN7' '$SHOTS/node-stage2.txt'"
check "screenshots saved in build/console/" [ "$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)" -ge 11 ]
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
