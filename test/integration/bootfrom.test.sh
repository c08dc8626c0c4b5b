# bootfrom.test.sh: a pod's stage2 and kickstarts (which carry node
# tokens) go only to the networks its boot_from names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
# The demo pod's machines boot from 127.0.0.2 only (another loopback
# address: curl --interface picks it as the source).
sed -i 's|^    management = { cidr = "198.51.100.0/24";|    boot_from = [ "127.0.0.2/32", "2001:db8::/32" ];\n&|' \
	"$SITE/podboot.conf"
# Its installed machines speak from the management network 127.0.0.16/28.
sed -i 's|cidr = "198.51.100.0/24";|cidr = "127.0.0.16/28";|; s|gateway = "198.51.100.1";|gateway = "127.0.0.17";|' \
	"$SITE/podboot.conf"
check "the configuration names boot_from" grep -q 'boot_from = \[ "127.0.0.2/32"' "$SITE/podboot.conf"
check "and the management network" grep -q 'cidr = "127.0.0.16/28";' "$SITE/podboot.conf"
ok "serve --check accepts it" "$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts" server_start

Q="mac=52:54:00:00:00:01"
state() {
	C -f -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes/demo-1" |
		jq -r .state
}
check "stage2 asked from elsewhere: 403" [ "$(status "$BASE/boot/stage2.ipxe?$Q")" = 403 ]
check "with a reason" grep -q 'stage2 of pod demo is served only to its boot_from networks' "$T/.body"
check "no node token in the answer" sh -c "! grep -q 'ks=' '$T/.body'"
check "its signature too: 403" [ "$(status "$BASE/boot/stage2.ipxe.sig?$Q")" = 403 ]
check "the node has not moved (armed)" [ "$(state)" = armed ]
check "stage2 from the pod's network: 200" [ "$(status "$BASE/boot/stage2.ipxe?$Q" --interface 127.0.0.2)" = 200 ]
KS=$(grep -o 'ks=[^ ]*' "$T/.body" | cut -d= -f2)
check "it carries the kickstart URL" [ -n "$KS" ]
check "the node is booting" [ "$(state)" = booting ]
check "the signature from the pod's network: 200" \
	[ "$(status "$BASE/boot/stage2.ipxe.sig?$Q" --interface 127.0.0.2)" = 200 ]
check "the kickstart URL used from elsewhere: 403" [ "$(status "$KS")" = 403 ]
check "with a reason" grep -q 'kickstarts of pod demo are served only to its boot_from networks' "$T/.body"
check "the node is still booting" [ "$(state)" = booting ]
check "the kickstart from the pod's network: 200" [ "$(status "$KS" --interface 127.0.0.2)" = 200 ]
check "the node is installing" [ "$(state)" = installing ]
# The node token, used from elsewhere, neither reports nor pushes.
TOKEN=${KS##*/ks/}
report() { status "$BASE/api/v1/nodes/demo-1/$1" -X POST -H "Authorization: Bearer $TOKEN" "${@:2}"; }
printf '# TYPE node_load1 gauge\nnode_load1 0.5\n' >"$T/sample"
push() { status "$BASE/api/v1/push" -H "Authorization: Bearer $TOKEN" \
	-H 'X-Podboot-Seq: '"$1" --data-binary @"$T/sample" "${@:2}"; }
check "report 'failed' from 127.0.0.5: 403" [ "$(report failed --interface 127.0.0.5)" = 403 ]
check "with a reason" grep -q 'reports of pod demo come only from its boot_from networks' "$T/.body"
check "report 'installed' from the management network: 403" \
	[ "$(report installed --interface 127.0.0.17)" = 403 ]
check "the node is still installing" [ "$(state)" = installing ]
check "push from 127.0.0.5: 403" [ "$(push 1 --interface 127.0.0.5)" = 403 ]
check "with a reason" grep -q 'node demo-1 of pod demo pushes only from the pod.s networks' "$T/.body"
check "Pushgateway push with the node token from 127.0.0.5: 403" \
	[ "$(status "$BASE/metrics/job/x" -X PUT -H "Authorization: Bearer $TOKEN" \
		--data-binary @"$T/sample" --interface 127.0.0.5)" = 403 ]
check "no sample of demo-1 was kept" sh -c "! curl -sf --cacert '$ROOT' -H 'Authorization: Bearer $OP_TOKEN' \
	'$BASE/metrics' | grep -q 'node_load1{.*demo-1'"
check "push from the pod's boot network: 200" [ "$(push 2 --interface 127.0.0.2)" = 200 ]
check "push from the management network: 200" [ "$(push 3 --interface 127.0.0.17)" = 200 ]
check "report 'installed' from the boot network: 200" [ "$(report installed --interface 127.0.0.2)" = 200 ]
check "the node is installed" [ "$(state)" = installed ]
check "the refusals from 127.0.0.5 are in the audit trail" sh -c "curl -fsS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/events' |
	jq -e '[.[] | select(.kind == \"refusal\" and .subject == \"127.0.0.5\")] | length >= 3' >/dev/null"
check "a machine the configuration does not know: local boot, from anywhere" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:99:99:99")" = 200 ]
check "the refusals are in the audit trail" sh -c "curl -fsS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/events' |
	jq -e '[.[] | select(.kind == \"refusal\" and .subject == \"127.0.0.1\")] | length >= 3' >/dev/null"
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]

# Policy discover, bounded: a flood of made-up MACs records only as many
# machines as policy.max_discovered, and they still get the wait script.
sed -i 's/^policy = { unknown = "ignore"; };/policy = { unknown = "discover"; max_discovered = 5; };/' \
	"$SITE/podboot.conf"
check "the policy is discover, at most 5" grep -q 'max_discovered = 5;' "$SITE/podboot.conf"
ok "server restarts" server_start
for i in $(seq 1 20); do
	printf 'url = "%s/boot/stage2.ipxe?mac=02:00:00:00:77:%02x"\noutput = "%s/flood%d"\n' \
		"$BASE" "$i" "$T" "$i"
done >"$T/flood.curl"
ok "20 unknown machines ask (one connection)" curl -fsS --cacert "$ROOT" -K "$T/flood.curl"
check "each got the wait-and-retry script" sh -c "grep -l 'is not assigned to a pod yet' '$T'/flood* | wc -l | grep -qx 20"
disc=$(C -f -H "Authorization: Bearer $OP_TOKEN" "$BASE/api/v1/nodes?state=discovered" | jq length)
check "only 5 are recorded ($disc)" [ "$disc" = 5 ]
check "the bound is in the audit trail" sh -c "curl -fsS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/events' |
	jq -e '[.[] | select(.kind == \"discover\")] | length == 1' >/dev/null"
check "and in the log" grep -q 'machines are discovered already (policy.max_discovered)' "$SITE/serve.log"
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
