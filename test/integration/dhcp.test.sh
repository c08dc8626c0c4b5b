# dhcp.test.sh: podboot dhcp against a real Kea behind a real relay.  The
# test builds its own network namespaces (removed at exit, whatever
# happens): "central" runs kea-dhcp4 with the rendered configuration;
# "router" runs ISC dhcrelay between two pod links and a WAN link with
# 40 ms delay and 0.5% loss each way: tc netem where the kernel has it,
# else tools/wan-link forwarding frames in a "wan" namespace between them
# (DHCP_WAN=emulator chooses it even where netem works); pods A and B run
# busybox udhcpc with the architecture and vendor class options of each
# kind of firmware.  Only the namespaces' 10.x addresses carry DHCP; apply
# uses a unix socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dhcp-ns.sh"

NS=pbd$$
C=$NS-c R=$NS-r PA=$NS-a PB=$NS-b W=$NS-w
WAN_LINK=$(cd "$(dirname "$0")" && pwd)/tools/wan-link
BG_PIDS=
cleanup() {
	local p n
	for p in $BG_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $BG_PIDS; do
		wait_up 5 "" sh -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null
	done
	dhcp_ns_del "$C" "$R" "$PA" "$PB" "$W"
	rm -rf "$T"
}
trap cleanup EXIT

CONF=$T/podboot.conf
KEA_JSON=$T/kea.json
SOCK=$T/kea.sock
# conf_write [EXTRA NODE LINES]: two pods, two known machines of pod A.
conf_write() {
	{ dhcp_conf_head; cat; } >"$CONF" <<CONF
pods = (
  { name = "pod-a"; profile = "p";
    provisioning = { cidr = "10.10.1.0/24"; gateway = "10.10.1.1";
      dns = [ "10.99.0.53" ]; ntp = [ "10.99.0.123" ];
      pool_start = "10.10.1.100"; pool_end = "10.10.1.150"; };
    management = { cidr = "10.20.1.0/24"; }; },
  { name = "pod-b"; profile = "p";
    provisioning = { cidr = "10.10.2.0/24"; relay = "10.10.2.1";
      pool_start = "10.10.2.100"; pool_end = "10.10.2.150"; };
    management = { cidr = "10.20.2.0/24"; }; }
);
nodes = (
  { mac = "52:54:00:aa:00:01"; hostname = "a-1"; pod = "pod-a";
    address = "10.10.1.11"; }$1
);
CONF
}
conf_write ""
mkdir "$T/data"
DHCP_ARGS="--config $CONF --socket $SOCK --interface wan-c --lease-file $T/leases.csv"
# Kea's lease commands hook, for podboot dhcp leases
LEASE_CMDS=$(ls /usr/lib/*/kea/hooks/libdhcp_lease_cmds.so 2>/dev/null | head -1)
[ -z "$LEASE_CMDS" ] || DHCP_ARGS="$DHCP_ARGS --lease-cmds $LEASE_CMDS"

# ---- Kea accepts what podboot renders (no namespaces needed) ----
if ! command -v kea-dhcp4 >/dev/null; then
	skip "kea-dhcp4 is not installed (scripts/deps)"
	finish; exit
fi
# shellcheck disable=SC2086
ok "podboot dhcp render writes the configuration" \
	"$PODBOOT" dhcp render $DHCP_ARGS --out "$KEA_JSON"
# (kea -t checks that the interfaces exist: this one listens on all)
ok "the same on all interfaces" "$PODBOOT" dhcp render --config "$CONF" \
	--socket "$SOCK" --out "$T/kea-all.json"
ok "kea-dhcp4 -t accepts it" kea-dhcp4 -t "$T/kea-all.json"
check "two subnets, one per pod" \
	[ "$(jq '.Dhcp4.subnet4 | length' "$KEA_JSON")" = 2 ]
refused "a missing configuration is named" "nosuch.conf" \
	"$PODBOOT" dhcp render --config "$T/nosuch.conf"
refused "apply with no Kea listening says so" "config-test" \
	"$PODBOOT" dhcp apply --config "$CONF" --socket "$T/none.sock"

# ---- The namespaces ----
can_ns() {
	[ "$(id -u)" = 0 ] && command -v dhcrelay >/dev/null &&
		{ command -v tc || command -v python3; } >/dev/null &&
		busybox udhcpc --help >/dev/null 2>&1 &&
		ip netns add "$NS-probe" 2>/dev/null && ip netns del "$NS-probe"
}
if ! can_ns; then
	skip "network namespaces, dhcrelay, tc and python3, or busybox unavailable (root and scripts/deps)"
	finish; exit
fi
dhcp_ns_add "$C" "$R" "$PA" "$PB"
# WAN: central 10.99.0.1 <-> router 10.99.0.2, 40 ms and 0.5% loss each way
WAN_DELAY=40 WAN_LOSS=0.5 WAN_SEED=12
# netem_works: tc netem can shape a device here (a probe namespace's lo).
netem_works() {
	local rc=1
	ip netns add "$NS-probe" || return 1
	command -v tc >/dev/null &&
		nsx "$NS-probe" tc qdisc add dev lo root netem delay 1ms \
			2>"$T/netem.err" && rc=0
	ip netns del "$NS-probe"
	return "$rc"
}
WAN=emulator
[ "${DHCP_WAN:-}" = emulator ] || ! netem_works || WAN=netem
if [ "$WAN" = netem ]; then
	ip link add wan-c netns "$C" type veth peer name wan-r netns "$R"
	for x in "$C wan-c" "$R wan-r"; do
		set -- $x
		ok "netem delays and drops on $2" nsx "$1" tc qdisc add \
			dev "$2" root netem delay "${WAN_DELAY}ms" loss "$WAN_LOSS%"
	done
else
	# each end's veth peer sits in the wan namespace, without an address;
	# wan-link forwards frames between the two peers
	dhcp_ns_add "$W"
	ip link add wan-c netns "$C" type veth peer name wl-c netns "$W"
	ip link add wan-r netns "$R" type veth peer name wl-r netns "$W"
	for d in wl-c wl-r; do nsx "$W" ip link set "$d" up; done
	# without it the raw sockets would forward UDP with blank checksums
	ok "the central's WAN end fills in its own checksums" \
		nsx "$C" python3 "$WAN_LINK" csum-off wan-c
	ok "so does the router's" nsx "$R" python3 "$WAN_LINK" csum-off wan-r
	# it stops when this test exits, however it does (its parent is gone)
	ip netns exec "$W" python3 "$WAN_LINK" link wl-c wl-r "$WAN_DELAY" \
		"$WAN_LOSS" "$WAN_SEED" "$(deadline 900)" >"$T/wan.log" 2>&1 &
	WAN_PID=$!
	BG_PIDS="$BG_PIDS $WAN_PID"
	check "wan-link forwards between the two ends" \
		wait_up 10 "$WAN_PID" grep -q '^forwarding wl-c <-> wl-r' "$T/wan.log"
fi
dhcp_ns_wan_addr "$C" "$R"
echo "info - the WAN is $WAN: ${WAN_DELAY} ms and $WAN_LOSS% loss each way"
# the pod links: the router is 10.10.1.1 (A) and 10.10.2.1 (B)
dhcp_ns_pod_link "$R" pa-r "$PA" 10.10.1.1/24
dhcp_ns_pod_link "$R" pb-r "$PB" 10.10.2.1/24
check "the WAN carries traffic (central pings the router)" \
	wait_for 20 nsx "$C" busybox ping -c 1 -W 2 10.99.0.2
# the link delays each way by at least 40 ms: a lower bound, never flaky
wan_slow() {
	local t
	t=$(nsx "$C" busybox ping -c 1 -W 2 10.99.0.2 |
		sed -n 's/.*time=\([0-9]*\).*/\1/p')
	[ -n "$t" ] && [ "$t" -ge $((2 * WAN_DELAY)) ]
}
check "the WAN delays (round trip of $((2 * WAN_DELAY)) ms or more)" \
	wait_for 20 wan_slow
# wan_lost: WAN_LOST, the frames wan-link has dropped so far, both ways,
# on purpose or because it fell behind (it prints its counts when
# signalled: "stats N a-b seen S sent F lost L overrun O b-a ...").  Not
# in a subshell: it counts the signals it sent.
WAN_STATS_N=0
wan_lost() {
	WAN_STATS_N=$((WAN_STATS_N + 1))
	WAN_LOST=
	kill -USR1 "$WAN_PID" &&
		wait_up 10 "$WAN_PID" grep -q "^stats $WAN_STATS_N " "$T/wan.log" &&
		WAN_LOST=$(awk -v n="$WAN_STATS_N" '$1 == "stats" && $2 == n {
			for (i = 3; i < NF; i++)
				if ($i == "lost" || $i == "overrun") s += $(i + 1)
			print s + 0 }' "$T/wan.log")
}
# a burst of 1000 pings (2000 frames) loses some at 0.5% a frame: losing
# none has a chance of 0.99^1000, 4 in 100000
[ "$WAN" = netem ] || { wan_lost; lost0=${WAN_LOST:-0}; }
nsx "$C" busybox ping -q -c 1000 -i 0.005 -W "$(deadline 3)" 10.99.0.2 >"$T/burst.log" 2>&1
burst_lost=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) packets received.*/\1 - \2/p' \
	"$T/burst.log")
burst_lost=$((${burst_lost:-0 - 0}))
check "the WAN loses packets (a burst of 1000 pings lost $burst_lost)" \
	[ "$burst_lost" -ge 1 -a "$burst_lost" -le 100 ]
if [ "$WAN" = emulator ]; then
	wan_lost
	dropped=$((${WAN_LOST:-0} - lost0))
	check "each ping lost is a frame wan-link dropped ($dropped dropped)" \
		[ -n "$WAN_LOST" -a "$burst_lost" -le "$dropped" ]
fi

dhcp_kea_start "$C" "$KEA_JSON" "$T" "$T/kea.log"
BG_PIDS="$BG_PIDS $KEA_PID"
dhcp_relay_start "$R" "$T/relay.log" pa-r pb-r
BG_PIDS="$BG_PIDS $RELAY_PID"
check "kea-dhcp4 answers on its control socket" \
	wait_up 20 "$KEA_PID" test -S "$SOCK"

# dhcp POD MAC NAME [UDHCPC OPTIONS...]: one client on POD's link with MAC
# takes a lease; what Kea sent lands in $T/NAME.env.
cat >"$T/dump.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] && env >"$OUT_ENV"
exit 0
SH
chmod +x "$T/dump.sh"
dhcp() {
	local ns=$1 mac=$2 name=$3
	shift 3
	nsx "$ns" ip link set eth0 down
	nsx "$ns" ip link set eth0 address "$mac"
	nsx "$ns" ip link set eth0 up
	rm -f "$T/$name.env"
	OUT_ENV=$T/$name.env nsx "$ns" busybox udhcpc -f -q -n -i eth0 \
		-t 8 -T 2 -s "$T/dump.sh" -O 60 -O 42 "$@" \
		>"$T/$name.log" 2>&1
}
# field NAME VAR: VAR of client NAME's lease.
field() { sed -n "s/^$2=//p" "$T/$1.env"; }

ARCH_BIOS="-x 0x5d:0000 -V PXEClient:Arch:00000:UNDI:002001"
ARCH_UEFI="-x 0x5d:0007 -V PXEClient:Arch:00007:UNDI:003016"
ARCH_HTTP="-x 0x5d:0010 -V HTTPClient:Arch:00016:UNDI:003001"
# shellcheck disable=SC2086
ok "a BIOS PXE client of pod A gets a lease" \
	dhcp "$PA" 52:54:00:00:0a:01 bios $ARCH_BIOS
check "in pod A's pool" grep -qE '^ip=10\.10\.1\.(1[0-4][0-9]|150)$' "$T/bios.env"
check "with undionly.kpxe" [ "$(field bios boot_file)" = undionly.kpxe ]
check "from the TFTP server" [ "$(field bios siaddr)" = 10.99.0.1 ]
check "pod A's router" [ "$(field bios router)" = 10.10.1.1 ]
check "pod A's DNS" [ "$(field bios dns)" = 10.99.0.53 ]
check "pod A's NTP" [ "$(field bios ntpsrv)" = 10.99.0.123 ]

# shellcheck disable=SC2086
ok "a UEFI PXE client gets a lease" dhcp "$PA" 52:54:00:00:0a:02 uefi $ARCH_UEFI
check "with snponly.efi" [ "$(field uefi boot_file)" = snponly.efi ]
check "no vendor class echoed to PXE" [ -z "$(field uefi vendor)" ]

# shellcheck disable=SC2086
ok "a UEFI HTTP Boot client gets a lease" dhcp "$PA" 52:54:00:00:0a:03 http $ARCH_HTTP
check "with the URL of ipxe.efi" \
	[ "$(field http boot_file)" = http://10.99.0.1:8080/ipxe.efi ]
check "and its vendor class echoed" [ "$(field http vendor)" = HTTPClient ]

# iPXE's DHCP carries the architecture too; podboot's stage1 sets its
# user class to "podboot"
# shellcheck disable=SC2086
ok "podboot's iPXE gets a lease" \
	dhcp "$PA" 52:54:00:00:0a:04 ipxe $ARCH_BIOS -x 0x4d:706f64626f6f74
check "with an address" grep -qE '^ip=10\.10\.1\.' "$T/ipxe.env"
check "and nothing to boot" [ -z "$(field ipxe boot_file)" ]
# a stock iPXE (a NIC's boot ROM, QEMU's) sends user class "iPXE" and
# option 175: it is handed podboot's firmware like any PXE client
# shellcheck disable=SC2086
ok "a stock iPXE ROM gets a lease" \
	dhcp "$PA" 52:54:00:00:0a:05 rom $ARCH_BIOS -x 0x4d:69505845 -x 0xaf:150100
check "with undionly.kpxe" [ "$(field rom boot_file)" = undionly.kpxe ]

# shellcheck disable=SC2086
ok "a known machine gets a lease" dhcp "$PA" 52:54:00:aa:00:01 known $ARCH_BIOS
check "its reserved address" [ "$(field known ip)" = 10.10.1.11 ]

# shellcheck disable=SC2086
ok "a client behind pod B's relay gets a lease" \
	dhcp "$PB" 52:54:00:00:0b:01 podb $ARCH_BIOS
check "in pod B's pool" grep -qE '^ip=10\.10\.2\.(1[0-4][0-9]|150)$' "$T/podb.env"
check "and its boot file" [ "$(field podb boot_file)" = undionly.kpxe ]

# ---- apply: a new machine reaches Kea without a restart ----
# shellcheck disable=SC2086
ok "before: the new MAC gets a pool address" \
	dhcp "$PA" 52:54:00:aa:00:09 new1 $ARCH_BIOS
check "not the address it will have" [ "$(field new1 ip)" != 10.10.1.19 ]
conf_write ',
  { mac = "52:54:00:aa:00:09"; hostname = "a-9"; pod = "pod-a";
    address = "10.10.1.19"; }'
# shellcheck disable=SC2086
ok "podboot dhcp apply sends it" "$PODBOOT" dhcp apply $DHCP_ARGS
check "Kea said so" grep -q '^applied' "$OUT"
# shellcheck disable=SC2086
ok "after: the machine asks again" dhcp "$PA" 52:54:00:aa:00:09 new2 $ARCH_BIOS
check "and gets its reserved address" [ "$(field new2 ip)" = 10.10.1.19 ]
check "from the same kea-dhcp4 (no restart)" proc_alive "$KEA_PID"
check "whose PID file still names it" \
	[ "$(cat "$T/kea.kea-dhcp4.pid" 2>/dev/null)" = "$KEA_PID" ]
check "config-write saved it for Kea's next start" \
	grep -q '52:54:00:aa:00:09' "$KEA_JSON"

# ---- a change Kea refuses leaves the running configuration ----
conf_write ',
  { mac = "52:54:00:aa:00:0a"; hostname = "a-10"; pod = "pod-a";
    address = "10.10.1.20"; }'
# an interface only Kea's host can know about: podboot cannot check it
refused "Kea refuses a configuration naming an interface it lacks" \
	"Kea refused config-test" \
	"$PODBOOT" dhcp apply --config "$CONF" --socket "$SOCK" \
	--interface nosuch0 --lease-file "$T/leases.csv"
check "and gives its reason on one line" \
	sh -c "[ \$(wc -l <'$ERR') = 1 ] && grep -q nosuch0 '$ERR'"
# shellcheck disable=SC2086
ok "the refused machine still gets a pool address" \
	dhcp "$PA" 52:54:00:aa:00:0a refused $ARCH_BIOS
check "not the refused reservation" [ "$(field refused ip)" != 10.10.1.20 ]
# shellcheck disable=SC2086
ok "the applied machine is still served" dhcp "$PA" 52:54:00:aa:00:09 new3 $ARCH_BIOS
check "its reserved address" [ "$(field new3 ip)" = 10.10.1.19 ]
check "kea-dhcp4 still runs" proc_alive "$KEA_PID"

# ---- leases of unknown machines reach discovery ----
if [ -z "$LEASE_CMDS" ]; then
	skip "Kea's libdhcp_lease_cmds.so is not installed"
else
	node_state() {
		sqlite3 "$T/data/podboot.db" \
			"SELECT state FROM nodes WHERE id = '$1'" 2>/dev/null
	}
	sed 's/unknown = "discover"/unknown = "ignore"/' "$CONF" >"$T/ignore.conf"
	ok "under policy ignore, podboot dhcp leases reads Kea's leases" \
		"$PODBOOT" dhcp leases --config "$T/ignore.conf" --socket "$SOCK"
	check "and records none of the 7 unknown machines" \
		grep -q ', 0 unknown recorded as discovered now, 0 before, 7 not (policy.unknown is not "discover")' "$OUT"
	check "the store holds none" [ -z "$(node_state mac-525400000a01)" ]
	ok "podboot dhcp leases reads Kea's leases" \
		"$PODBOOT" dhcp leases --config "$CONF" --socket "$SOCK"
	# 9 clients took leases; podboot.conf now names a-1 and a-10 (a-9's
	# line was replaced by the refused change's)
	check "and finds every client's lease (9 machines)" grep -q '^9 leases' "$OUT"
	check "the configured machines among them (a-1, a-10)" \
		grep -q ' 2 of configured machines' "$OUT"
	check "the 7 others recorded as discovered" grep -q ', 7 unknown recorded' "$OUT"
	check "the BIOS client is a discovered node (state 0)" \
		[ "$(node_state mac-525400000a01)" = 0 ]
	check "pod B's client too" [ -n "$(node_state mac-525400000b01)" ]
	check "a configured machine is not" [ -z "$(node_state mac-525400aa0001)" ]
	check "a machine once configured, now not, is" [ "$(node_state mac-525400aa0009)" = 0 ]
	check "with an event naming its lease" sqlite3 "$T/data/podboot.db" \
		"SELECT 1 FROM events WHERE subject = 'mac-525400000a01' AND detail LIKE 'from its DHCP lease 10.10.1.%'" 
	ok "again" "$PODBOOT" dhcp leases --config "$CONF" --socket "$SOCK"
	check "records nothing twice" grep -q ', 0 unknown recorded as discovered now, 7 before' "$OUT"
fi
# ---- podboot serve keeps Kea in step: at start and on every reload ----
# A podboot serve on loopback with dhcp.kea_socket naming the namespace
# Kea's control socket (a file: reachable from here).
. "$(dirname "$0")/serve-lib.sh"
trap 'server_stop KILL; cleanup' EXIT
site_init "$T/site"
# serve_conf NODES [DHCP SETTINGS]: the site's configuration with pod A
# and its machines NODES, and a dhcp group for the namespace Kea.
serve_conf() {
	local ifaces=${2:-'interfaces = [ "wan-c" ];'}
	cat >"$T/pod-a.txt" <<'POD'
  { name = "pod-a"; profile = "default";
    provisioning = { cidr = "10.10.1.0/24"; gateway = "10.10.1.1";
      pool_start = "10.10.1.100"; pool_end = "10.10.1.150"; };
    management = { cidr = "10.20.1.0/24"; }; },
POD
	printf '%s\n' "$1" >"$T/nodes-a.txt"
	sed -e "/^pods = (/r $T/pod-a.txt" -e "/^nodes = (/r $T/nodes-a.txt" \
		-e 's/unknown = "ignore"/unknown = "discover"/' \
		"$T/site.conf" >"$SITE/podboot.conf"
	cat >>"$SITE/podboot.conf" <<CONF
dhcp = { kea_socket = "$SOCK"; lease_file = "$T/leases.csv";
  next_server = "10.99.0.1"; boot_url = "http://10.99.0.1:8080/ipxe.efi";
  $ifaces $LEASES };
CONF
}
cp "$SITE/podboot.conf" "$T/site.conf"
# with Kea's lease commands, serve also reads Kea's leases every second
LEASES=
[ -z "$LEASE_CMDS" ] ||
	LEASES="lease_cmds = \"$LEASE_CMDS\"; leases_interval_s = 1;"
NODE_A5='  { mac = "52:54:00:aa:00:05"; hostname = "a-5"; pod = "pod-a"; address = "10.10.1.15"; },'
NODE_A6='  { mac = "52:54:00:aa:00:06"; hostname = "a-6"; pod = "pod-a"; address = "10.10.1.16"; },'
NODE_A7='  { mac = "52:54:00:aa:00:07"; hostname = "a-7"; pod = "pod-a"; address = "10.10.1.17"; },'
serve_conf "$NODE_A5"
# dhcp_applied GEN TRUE|FALSE: /healthz says configuration GEN was (not)
# applied.
dhcp_applied() {
	[ "$(C -f "$BASE/healthz" | jq -r '"\(.dhcp.configuration) \(.dhcp.applied)"')" = "$1 $2" ]
}
# reserved POD MAC NAME IP: Kea answers MAC with IP (one exchange).
# shellcheck disable=SC2086
reserved() { dhcp "$1" "$2" "$3" $ARCH_BIOS && [ "$(field "$3" ip)" = "$4" ]; }
ok "podboot serve starts with dhcp.kea_socket" server_start
check "and applies configuration 1 to Kea (/healthz)" \
	wait_for 60 dhcp_applied 1 true
check "recorded as an event" sqlite3 "$SITE/data/podboot.db" \
	"SELECT 1 FROM events WHERE kind = 'dhcp' AND detail LIKE 'configuration 1 applied%'"
ok "Kea answers serve's machine with its reservation" \
	reserved "$PA" 52:54:00:aa:00:05 s1 10.10.1.15
check "the same kea-dhcp4 (no restart)" proc_alive "$KEA_PID"

# a machine added to podboot.conf reaches Kea by SIGHUP alone
serve_conf "$NODE_A5
$NODE_A6"
kill -HUP "$SERVER_PID"
check "a SIGHUP applies configuration 2 (/healthz)" \
	wait_for 60 dhcp_applied 2 true
check "Kea answers the added machine with its reservation" \
	wait_for 90 reserved "$PA" 52:54:00:aa:00:06 s2 10.10.1.16
check "from the same kea-dhcp4 (no restart)" proc_alive "$KEA_PID"
check "whose PID file still names it" \
	[ "$(cat "$T/kea.kea-dhcp4.pid" 2>/dev/null)" = "$KEA_PID" ]

# a change Kea refuses: podboot's reload stands, Kea keeps the old one
serve_conf "$NODE_A5
$NODE_A6
$NODE_A7" 'interfaces = [ "nosuch0" ];'
kill -HUP "$SERVER_PID"
check "the refused change still reloads podboot (configuration 3)" \
	wait_for 60 dhcp_applied 3 false
# healthz_refusal: /healthz gives Kea's reason for the refusal.
healthz_refusal() {
	C -f "$BASE/healthz" | jq -r .dhcp.text |
		grep 'Kea refused config-test' | grep -q nosuch0
}
check "/healthz says Kea refused config-test, naming the interface" \
	healthz_refusal
check "and /healthz serves configuration 3" \
	[ "$(C -f "$BASE/healthz" | jq -r .configuration)" = 3 ]
check "an event says why" sqlite3 "$SITE/data/podboot.db" \
	"SELECT 1 FROM events WHERE kind = 'dhcp' AND detail LIKE 'configuration 3 not applied: Kea refused config-test%nosuch0%'"
check "the log says why on one line" \
	[ "$(grep -c 'keeps its running configuration, not configuration 3: Kea refused config-test.*nosuch0' "$SITE/serve.log")" = 1 ]
# shellcheck disable=SC2086
ok "the refused machine gets a lease" dhcp "$PA" 52:54:00:aa:00:07 s3 $ARCH_BIOS
check "from the pool, not the refused reservation" \
	[ "$(field s3 ip)" != 10.10.1.17 ]
ok "the applied machine keeps its reservation" \
	reserved "$PA" 52:54:00:aa:00:06 s4 10.10.1.16
check "kea-dhcp4 still runs" proc_alive "$KEA_PID"
check "not restarted (its PID file still names it)" \
	[ "$(cat "$T/kea.kea-dhcp4.pid" 2>/dev/null)" = "$KEA_PID" ]
check "podboot serve still serves" [ "$(status "$BASE/healthz")" = 200 ]
if [ -z "$LEASE_CMDS" ]; then
	skip "Kea's libdhcp_lease_cmds.so is not installed"
else
	# serve_discovered ID: serve's store holds ID as discovered (state 0).
	serve_discovered() {
		[ "$(sqlite3 "$SITE/data/podboot.db" \
			"SELECT state FROM nodes WHERE id = '$1'" 2>/dev/null)" = 0 ]
	}
	check "serve records an unknown machine from its lease, no cron" \
		wait_for 60 serve_discovered mac-525400000a01
	check "and the UEFI one" wait_for 30 serve_discovered mac-525400000a02
	check "a machine serve's configuration names is not (a-5 stays a-5)" \
		[ -z "$(sqlite3 "$SITE/data/podboot.db" "SELECT 1 FROM nodes WHERE id = 'mac-525400aa0005'" 2>/dev/null)" -a \
		  -n "$(sqlite3 "$SITE/data/podboot.db" "SELECT 1 FROM nodes WHERE id = 'a-5' AND state != 0" 2>/dev/null)" ]
fi
ok "and stops cleanly" server_stop TERM
check "exit 0" [ "$SERVER_STATUS" = 0 ]

# ---- serve places the first-stage firmware where stock firmware fetches it ----
# A fake firmware build: files of random bytes and the SHA256SUMS the
# test writes (no iPXE needed); pod A has a build of its own.
# fw_build DIR: a build of random files in DIR.
fw_build() {
	local f
	mkdir -p "$1"
	for f in undionly.kpxe snponly.efi ipxe.efi; do
		head -c 4096 /dev/urandom >"$1/$f"
	done
	(cd "$1" && sha256sum undionly.kpxe snponly.efi ipxe.efi >SHA256SUMS)
}
fw_build "$T/fw"
fw_build "$T/fw-a"
TFTP=$T/tftp
PPORT=$(port_pick)
P=http://127.0.0.1:$PPORT
# fw_conf: the site with pod A on its own build, the shared build for
# the others, the TFTP root, and the namespace Kea.
fw_conf() {
	sed "s#^  { name = \"pod-a\"; profile = \"default\";#&\n    firmware_dir = \"$T/fw-a\";#" \
		"$T/pod-a.txt" >"$T/pod-a-fw.txt"
	sed -e "/^pods = (/r $T/pod-a-fw.txt" \
		-e "s|^  data_dir = |  plain_port = $PPORT; plain_base_url = \"$P\";\n  data_dir = |" \
		"$T/site.conf" >"$SITE/podboot.conf"
	cat >>"$SITE/podboot.conf" <<CONF
dhcp = { firmware_dir = "$T/fw"; tftp_root = "$TFTP";
  kea_socket = "$SOCK"; lease_file = "$T/leases.csv";
  next_server = "10.99.0.1"; interfaces = [ "wan-c" ]; };
CONF
}
# same A B: files A and B hold the same bytes.
same() { [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]; }
fw_conf
rm -f "$SITE/serve.log"
ok "podboot serve starts with dhcp.firmware_dir and dhcp.tftp_root" \
	server_start
check "and checks configuration 1's firmware (/healthz)" \
	wait_for 30 dhcp_applied 1 true
check "the shared build's undionly.kpxe is in the TFTP root" \
	same "$T/fw/undionly.kpxe" "$TFTP/undionly.kpxe"
check "its snponly.efi too" same "$T/fw/snponly.efi" "$TFTP/snponly.efi"
check "not ipxe.efi (HTTP Boot fetches it over HTTP)" \
	[ ! -e "$TFTP/ipxe.efi" ]
check "pod A's own build in TFTP_ROOT/pod-a" \
	same "$T/fw-a/undionly.kpxe" "$TFTP/pod-a/undionly.kpxe"
check "its snponly.efi too" \
	same "$T/fw-a/snponly.efi" "$TFTP/pod-a/snponly.efi"
check "no temporary left behind" \
	[ "$(find "$TFTP" -type f ! -name .podboot | wc -l)" = 4 ]
check "pod A's directory is marked as podboot's" [ -f "$TFTP/pod-a/.podboot" ]
# served GET URL FILE: GET of URL on the plain listener gives FILE's bytes.
served() { curl -sf "$1" -o "$T/got" && same "$T/got" "$2"; }
check "GET /boot/fw/pod-a/ipxe.efi on the plain listener: pod A's" \
	served "$P/boot/fw/pod-a/ipxe.efi" "$T/fw-a/ipxe.efi"
check "with its digest as ETag" sh -c "curl -sfI '$P/boot/fw/pod-a/ipxe.efi' | \
	grep -qi '^etag: \"$(sha256sum <"$T/fw-a/ipxe.efi" | cut -c1-64)\"'"
check "HEAD sends no body" \
	[ "$(curl -sf -I "$P/boot/fw/pod-a/ipxe.efi" -o /dev/null -w '%{size_download}')" = 0 ]
check "a pod without its own build (demo) gets the shared one" \
	served "$P/boot/fw/demo/undionly.kpxe" "$T/fw/undionly.kpxe"
check "a pod podboot does not know: 404" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$P/boot/fw/pod-x/ipxe.efi")" = 404 ]
check "a file not of the build: 404" \
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$P/boot/fw/pod-a/SHA256SUMS")" = 404 ]
# shellcheck disable=SC2086
ok "Kea answers pod A's BIOS PXE client" dhcp "$PA" 52:54:00:00:0f:01 fwbios $ARCH_BIOS
check "with pod A's own undionly.kpxe under the TFTP root" \
	[ "$(field fwbios boot_file)" = pod-a/undionly.kpxe ]
check "from the TFTP server" [ "$(field fwbios siaddr)" = 10.99.0.1 ]
# shellcheck disable=SC2086
ok "and its UEFI PXE client" dhcp "$PA" 52:54:00:00:0f:02 fwuefi $ARCH_UEFI
check "with pod A's own snponly.efi" \
	[ "$(field fwuefi boot_file)" = pod-a/snponly.efi ]
# shellcheck disable=SC2086
ok "and its UEFI HTTP Boot client" dhcp "$PA" 52:54:00:00:0f:03 fwhttp $ARCH_HTTP
check "with pod A's ipxe.efi on podboot's plain listener" \
	[ "$(field fwhttp boot_file)" = "$P/boot/fw/pod-a/ipxe.efi" ]
check "its vendor class echoed" [ "$(field fwhttp vendor)" = HTTPClient ]
check "which serves pod A's bytes" served "$(field fwhttp boot_file)" "$T/fw-a/ipxe.efi"
# shellcheck disable=SC2086
ok "podboot's iPXE of pod A gets a lease" \
	dhcp "$PA" 52:54:00:00:0f:04 fwipxe $ARCH_BIOS -x 0x4d:706f64626f6f74
check "and nothing to boot" [ -z "$(field fwipxe boot_file)" ]
check "the digests are recorded as an event" sqlite3 "$SITE/data/podboot.db" \
	"SELECT 1 FROM events WHERE kind = 'firmware' AND subject = 'pod-a' AND detail LIKE '%$(sha256sum <"$T/fw-a/undionly.kpxe" | cut -c1-64)%'"
# a tampered file in the shared build: refused, naming it; the TFTP root
# keeps the checked files
cp "$TFTP/snponly.efi" "$T/snponly.before"
head -c 4096 /dev/urandom >"$T/fw/snponly.efi"
kill -HUP "$SERVER_PID"
check "a tampered snponly.efi refuses configuration 2's DHCP part" \
	wait_for 30 dhcp_applied 2 false
check "/healthz names the file" \
	sh -c "curl -sS --cacert '$ROOT' '$BASE/healthz' | jq -r .dhcp.text | grep -q '$T/fw/snponly.efi has SHA-256'"
check "the log too" grep -q "configuration 2's DHCP part refused: .*snponly.efi" "$SITE/serve.log"
check "the TFTP root keeps the checked snponly.efi" \
	same "$T/snponly.before" "$TFTP/snponly.efi"
check "the plain listener serves the checked one too" \
	served "$P/boot/fw/demo/snponly.efi" "$T/snponly.before"
check "podboot's own reload stands (configuration 2)" \
	[ "$(C -f "$BASE/healthz" | jq -r .configuration)" = 2 ]
# a new, consistent build replaces the files, only those that changed
(cd "$T/fw" && sha256sum undionly.kpxe snponly.efi ipxe.efi >SHA256SUMS)
ino_a=$(stat -c %i "$TFTP/pod-a/snponly.efi")
kill -HUP "$SERVER_PID"
check "the rebuilt build is placed (configuration 3)" \
	wait_for 30 dhcp_applied 3 true
check "the new snponly.efi in the TFTP root" \
	same "$T/fw/snponly.efi" "$TFTP/snponly.efi"
check "pod A's unchanged files are not rewritten" \
	[ "$(stat -c %i "$TFTP/pod-a/snponly.efi")" = "$ino_a" ]
check "and the plain listener serves the new one" \
	served "$P/boot/fw/demo/snponly.efi" "$T/fw/snponly.efi"
# placed files are compared by what serve saw last: an unchanged build is
# not written again, one changed behind serve's back is put back
ino_b=$(stat -c %i "$TFTP/undionly.kpxe")
kill -HUP "$SERVER_PID"
check "an unchanged build is checked again (configuration 4)" \
	wait_for 30 dhcp_applied 4 true
check "and nothing is rewritten" \
	[ "$(stat -c %i "$TFTP/undionly.kpxe")" = "$ino_b" ]
head -c 4096 /dev/urandom >"$TFTP/undionly.kpxe"
kill -HUP "$SERVER_PID"
check "a TFTP file changed behind serve's back (configuration 5)" \
	wait_for 30 dhcp_applied 5 true
check "is put back from the checked build" \
	same "$T/fw/undionly.kpxe" "$TFTP/undionly.kpxe"
# a pod that loses its own build loses its directory on the next reload;
# a directory podboot did not make (no mark) stays, whatever its name
mkdir "$TFTP/pod-gone" && cp "$T/fw/undionly.kpxe" "$TFTP/pod-gone/"
fw_conf
grep -vF "firmware_dir = \"$T/fw-a\";" "$SITE/podboot.conf" >"$T/no-fw-a.conf"
cp "$T/no-fw-a.conf" "$SITE/podboot.conf"
check "(pod A has no firmware_dir now)" sh -c "! grep -q '/fw-a\"' '$SITE/podboot.conf'"
kill -HUP "$SERVER_PID"
check "a reload without pod A's own build (configuration 6)" \
	wait_for 30 dhcp_applied 6 true
check "removes TFTP_ROOT/pod-a/" [ ! -e "$TFTP/pod-a" ]
check "says so in an event" sqlite3 "$SITE/data/podboot.db" \
	"SELECT 1 FROM events WHERE kind = 'firmware' AND subject = 'pod-a' AND detail LIKE 'removed $TFTP/pod-a/%'"
check "keeps a directory podboot did not make" \
	same "$T/fw/undionly.kpxe" "$TFTP/pod-gone/undionly.kpxe"
check "and the shared build's files" \
	same "$T/fw/undionly.kpxe" "$TFTP/undionly.kpxe"
# shellcheck disable=SC2086
ok "Kea answers pod A's BIOS PXE client again" \
	dhcp "$PA" 52:54:00:00:0f:01 fwbios2 $ARCH_BIOS
check "with the shared undionly.kpxe" \
	[ "$(field fwbios2 boot_file)" = undionly.kpxe ]
check "served as pod A's over HTTP too" \
	served "$P/boot/fw/pod-a/ipxe.efi" "$T/fw/ipxe.efi"
ok "and stops cleanly" server_stop TERM
[ "$FAIL" = 0 ] || sed 's/^/       serve | /' "$SITE/serve.log" | tail -20
[ "$FAIL" = 0 ] || sed 's/^/       kea | /' "$T/kea.log" | tail -20
finish
