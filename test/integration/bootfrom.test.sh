# bootfrom.test.sh: a pod's stage2 and kickstarts (which carry node
# tokens) go only to the networks its boot_from names.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
# The demo pod's machines boot from 127.0.0.2 only (another loopback
# address: curl --interface picks it as the source).
sed -i 's|^    management = { cidr = "198.51.100.0/24";|    boot_from = [ "127.0.0.2/32", "2001:db8::/32" ];\n&|' \
	"$SITE/podboot.conf"
check "the configuration names boot_from" grep -q 'boot_from = \[ "127.0.0.2/32"' "$SITE/podboot.conf"
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
check "a machine the configuration does not know: local boot, from anywhere" \
	[ "$(status "$BASE/boot/stage2.ipxe?mac=52:54:00:99:99:99")" = 200 ]
check "the refusals are in the audit trail" sh -c "curl -fsS --cacert '$ROOT' \
	-H 'Authorization: Bearer $OP_TOKEN' '$BASE/api/v1/events' |
	jq -e '[.[] | select(.kind == \"refusal\" and .subject == \"127.0.0.1\")] | length >= 3' >/dev/null"
server_stop TERM
check "clean exit" [ "$SERVER_STATUS" = 0 ]
finish
