# dashboards.test.sh: the Grafana dashboard and the Prometheus rules that
# podboot ships (contrib/) against a real Prometheus from Debian scraping a
# real podboot serve.  Every PromQL expression in them (panel targets,
# template queries, recording and alerting rules) must return data: the
# test builds a fleet where each one has something to say (an installed
# node pushing through the real agent, a node whose pushes stopped after a
# gap and a refused push, downloads refused beyond limits.max_transfers, a
# podboot target that does not answer).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DASH=$TOP/contrib/grafana/podboot-fleet.json
RULES=$TOP/contrib/prometheus/podboot-rules.yml
AGENT=${AGENT:-$(dirname "$PODBOOT")/podboot-agent}
SLOW=$(dirname "$0")/tools/slow-conns.py

ok "the rules file passes promtool check rules" promtool check rules "$RULES"
ok "the dashboard is valid JSON with panels" \
	sh -c "jq -e '.panels | length > 10' '$DASH' >/dev/null"

# Every expression: the panels' targets and the template variables'
# queries from the dashboard, the rules' expr lines.  Grafana's own
# variables become what they stand for: all pods and nodes, a rate window
# that holds several 1 s scrapes.
jq -r '.panels[].targets[]?.expr' "$DASH" >"$T/exprs.dash"
jq -r '.templating.list[] | select(.type == "query") | .query.query' "$DASH" |
	sed 's/^label_values(\(.*\), *[a-z_]*)$/\1/' >>"$T/exprs.dash"
sed -e 's/\$pod/.+/g; s/\$node/.+/g; s/\$__rate_interval/1m/g' \
	"$T/exprs.dash" >"$T/exprs"
/usr/bin/python3 -c '
import sys, yaml
for g in yaml.safe_load(open(sys.argv[1]))["groups"]:
    for r in g["rules"]:
        print(r["expr"])' "$RULES" >>"$T/exprs"
n_dash=$(wc -l <"$T/exprs.dash")
n_all=$(wc -l <"$T/exprs")
check "expressions found: $n_dash in the dashboard, $((n_all - n_dash)) in the rules" \
	test "$n_dash" -ge 20 -a "$n_all" -gt "$n_dash"
check "no Grafana variable is left in what Prometheus gets" sh -c "! grep -q '\\\$' '$T/exprs'"

# The site: fast monitoring, one transfer at a time, a 2 MB artifact.
site_init "$T/site"
sed -i 's/max_connections = 1024;/max_connections = 40;/; s/^\(\s*\)timeout_s = 30;/&\n\1max_transfers = 1;/' \
	"$SITE/podboot.conf"
cat >>"$SITE/podboot.conf" <<CONF
monitoring = { eval_interval_s = 1; down_after = 3; };
CONF
ok "server starts" server_start
head -c 2000000 /dev/urandom >"$T/art"
check "an artifact to download: 201" [ "$(status "$BASE/api/v1/artifacts/dash/art" \
	-T "$T/art" -H "Authorization: Bearer $CI_TOKEN")" = 201 ]

# Node tokens travel in the stage2 scripts (the kickstart URL).
token_of() {
	C -f "$BASE/boot/stage2.ipxe?mac=$1" | grep -o 'ks=[^ ]*' | sed 's#.*/##'
}
token_of 52:54:00:00:00:01 >"$T/n1.tok"
token_of 52:54:00:00:00:02 >"$T/n2.tok"
chmod 600 "$T/n1.tok" "$T/n2.tok"
check "two node tokens from stage2" test -s "$T/n1.tok" -a -s "$T/n2.tok"

# Prometheus from Debian: podboot's /metrics, plus a second podboot target that does
# not answer (a replica down), and the rules file.
PROMPORT=$(port_pick)
DEADPORT=$(port_pick)
printf %s "$OP_TOKEN" >"$T/op.token"
cat >"$T/prom.yml" <<PROM
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$RULES" ]
scrape_configs:
  - job_name: podboot
    scheme: https
    tls_config: { ca_file: $ROOT }
    authorization: { credentials_file: $T/op.token }
    static_configs: [ { targets: [ "localhost:$PORT", "localhost:$DEADPORT" ] } ]
PROM
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address=127.0.0.1:$PROMPORT >"$T/prom.log" 2>&1 &
PROM_PID=$!
trap 'server_stop KILL; kill $PROM_PID ${AGENT_PID:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

# q EXPR: how many series Prometheus returns for EXPR now ("" on error).
q() {
	curl -s "http://127.0.0.1:$PROMPORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r 'select(.status == "success") | .data.result | length'
}
# The counters' increases must happen after Prometheus's first scrape.
wait_for "$(deadline 30)" sh -c "[ \"\$(curl -s 'http://127.0.0.1:$PROMPORT/api/v1/query' --data-urlencode 'query=up{job=\"podboot\"} == 1' | jq -r '.data.result | length')\" = 1 ]"
check "Prometheus scrapes podboot" [ $? = 0 ]

# demo-1: the real agent, collecting this machine's /proc every second
# until the test ends.
"$AGENT" --server "$BASE" --token-file "$T/n1.tok" --ca "$ROOT" \
	--interval 1 --timeout 5 --spool "$T/spool1" >"$T/agent.log" 2>&1 &
AGENT_PID=$!
wait_for "$(deadline 30)" sh -c "[ \"\$(curl -s 'http://127.0.0.1:$PROMPORT/api/v1/query' --data-urlencode 'query=node_load1{node=\"demo-1\"}' | jq -r '.data.result | length')\" = 1 ]"
check "the agent's pushes reach Prometheus" [ $? = 0 ]

# demo-2: pushes 1 and 5 (3 batches lost), one malformed push, then
# silence: down after down_after intervals.
push2() { # push2 SEQ BODY-FILE: prints the status
	gzip -c "$2" >"$T/p.gz"
	curl -s --cacert "$ROOT" -o "$T/.body" -w '%{http_code}' \
		-H "Authorization: Bearer $(cat "$T/n2.tok")" -H 'Content-Encoding: gzip' \
		-H "X-Podboot-Seq: $1" -H 'X-Podboot-Interval: 1' \
		--data-binary @"$T/p.gz" "$BASE/api/v1/push"
}
printf '# TYPE node_load1 gauge\nnode_load1 0.5\n' >"$T/good"
printf 'node_load1{ 0.5\n' >"$T/bad"
check "demo-2 push 1: 200" [ "$(push2 1 "$T/good")" = 200 ]
check "demo-2 push 5 (2, 3, 4 lost): 200" [ "$(push2 5 "$T/good")" = 200 ]
check "demo-2 malformed push: 400" [ "$(push2 6 "$T/bad")" = 400 ]

# Twenty slow readers at once with max_transfers = 1: most get 503.
"$SLOW" get 127.0.0.1 "$PORT" "$ROOT" 127.0.0.2 20 /artifacts/dash/art \
	65536 20 >"$T/slow.out" 2>&1
read -r _ _ _ busy _ <"$T/slow.out"
check "downloads beyond max_transfers were refused (${busy:-0} of 20)" \
	[ "${busy:-0}" -ge 15 ]

# Until every expression returns data (the agent keeps demo-1 up), or
# the deadline.
end=$(($(date +%s) + $(deadline 90)))
while :; do
	missing=0
	while IFS= read -r e; do
		[ "$(q "$e")" -gt 0 ] 2>/dev/null || missing=$((missing + 1))
	done <"$T/exprs"
	[ "$missing" = 0 ] && break
	[ "$(date +%s)" -ge "$end" ] && break
	sleep 1
done
while IFS= read -r e; do
	check "returns data: $e" [ "$(q "$e")" -gt 0 ] 2>/dev/null
done <"$T/exprs"

# What the data says: it must be the fleet built above.
check "Prometheus loaded both rule groups, healthy" sh -c \
	"curl -s http://127.0.0.1:$PROMPORT/api/v1/rules | jq -e '[.data.groups[].rules[] | select(.health == \"ok\")] | length == 9' >/dev/null"
v() { curl -s "http://127.0.0.1:$PROMPORT/api/v1/query" --data-urlencode "query=$1" |
	jq -r '.data.result[0].value[1]'; }
check "one pod, two nodes configured" [ "$(v 'sum(podboot_pod_nodes)')" -ge 2 ]
check "one node up (demo-1), one down (demo-2)" \
	test "$(v 'podboot_node_up{node="demo-1"}')" = 1 -a "$(v 'podboot_node_up{node="demo-2"}')" = 0
check "three batches lost" [ "$(v 'max(podboot_push_gaps_total)')" = 3 ]
check "PodbootNodeDown is pending or firing for demo-2 only" sh -c \
	"curl -s http://127.0.0.1:$PROMPORT/api/v1/alerts | jq -e '[.data.alerts[] | select(.labels.alertname == \"PodbootNodeDown\") | .labels.node] == [\"demo-2\"]' >/dev/null"
check "PodbootDown names the target that does not answer" sh -c \
	"curl -s http://127.0.0.1:$PROMPORT/api/v1/alerts | jq -e '[.data.alerts[] | select(.labels.alertname == \"PodbootDown\") | .labels.instance] == [\"localhost:$DEADPORT\"]' >/dev/null"
check "the agent's memory and filesystem series carry pod and node" \
	[ "$(q 'node_memory_MemTotal_bytes{pod="demo",node="demo-1"}')" = 1 ]
finish
