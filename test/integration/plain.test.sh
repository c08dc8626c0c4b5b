# plain.test.sh: the plain-HTTP boot listener for firmware without TLS:
# off by default, loopback only, and only for pods that allow it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

site_init "$T/site"
PPORT=$(port_pick)
# A second pod, "lab", allows unverified boot; demo-2 moves into it.
sed -i "s/^  data_dir = /  plain_port = $PPORT;\n  data_dir = /" "$SITE/podboot.conf"
refused "a plain listener needs its configured URL" \
	"server.plain_port $PPORT needs server.plain_base_url" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
sed -i "s|^  plain_port = $PPORT;|&\n  plain_base_url = \"http://127.0.0.1:$PPORT\";|" "$SITE/podboot.conf"
sed -i 's/^pods = (/pods = (\n  { name = "lab"; profile = "default"; allow_unverified = true;\n    provisioning = { cidr = "192.0.2.0\/24"; };\n    management = { cidr = "198.51.100.0\/24"; }; },/' "$SITE/podboot.conf"
sed -i 's/hostname = "demo-2"; pod = "demo";/hostname = "demo-2"; pod = "lab";/' "$SITE/podboot.conf"
ok "configuration with a plain listener is valid" \
	"$PODBOOT" serve --check --config "$SITE/podboot.conf"
ok "server starts" server_start
P=http://127.0.0.1:$PPORT
pstatus() { curl -s -o "$T/.body" -w '%{http_code}' "$@"; }

check "lab node boots over plain HTTP" [ "$(pstatus "$P/boot/stage2.ipxe?mac=52:54:00:00:00:02")" = 200 ]
cp "$T/.body" "$T/s2"
check "its script points at the plain listener" grep -q "^kernel --name kernel $P/artifacts/demo-vmlinuz@sha256:" "$T/s2"
check "and has no imgverify (old firmware lacks it)" sh -c "! grep -q imgverify '$T/s2'"
ks=$(grep -o 'ks=[^ ]*' "$T/s2" | cut -d= -f2)
check "kickstart over plain HTTP" [ "$(pstatus "$ks")" = 200 ]
check "its report URL is the plain one too" grep -q "$P/api/v1/nodes/demo-2/installed" "$T/.body"
check "the lab kernel is served over plain HTTP" [ "$(pstatus "$P/artifacts/demo-vmlinuz")" = 200 ]
check "a demo-pod node is refused over plain HTTP" [ "$(pstatus "$P/boot/stage2.ipxe?mac=52:54:00:00:00:01")" = 403 ]
check "with the reason" grep -q "does not allow unverified boot" "$T/.body"
check "re-arm is refused over plain HTTP" [ "$(pstatus -X POST -H "Authorization: Bearer $OP_TOKEN" "$P/api/v1/nodes/demo-2/rearm")" = 403 ]
check "status API is refused over plain HTTP" [ "$(pstatus -H "Authorization: Bearer $OP_TOKEN" "$P/api/v1/nodes")" = 403 ]
check "uploads are refused over plain HTTP" [ "$(pstatus -T "$SITE/tokens" -H "Authorization: Bearer $CI_TOKEN" "$P/api/v1/artifacts/x")" = 403 ]
server_stop TERM

sed -i 's/^  listen = "127.0.0.1";/  listen = "0.0.0.0";/' "$SITE/podboot.conf"
refused "a non-loopback plain listener needs plain_allow_nonlocal" \
	"plain_port is for loopback" "$PODBOOT" serve --config "$SITE/podboot.conf"
finish
