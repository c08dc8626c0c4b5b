#!/bin/bash
# shellcheck shell=bash
# pxe.sh: the pxe leg of test/e2e/boot.sh (sourced by it, after secure.sh,
# whose helpers it uses: check, ok, bad, qemu_run, sec_install_checks...).
# Run alone, it runs boot.sh with E2E_ONLY=pxe (IPXE_SRC defaults to the
# vendored iPXE tarball then).
#
# A stock machine boots through a pod's relay over an emulated WAN, with no
# hand-written DHCP configuration.  Network namespaces the leg creates and
# removes (whatever happens):
#   central  10.99.0.1: kea-dhcp4 with "podboot dhcp render"'s file,
#            tftpd-hpa (in.tftpd -L) serving podboot's undionly.kpxe, and
#            podboot serve on 10.99.0.1:8443, its certificate naming it
#   wan      (only without tc netem) test/integration/tools/wan-link between
#            the central's and the router's veths: 40 ms each way and 0.5%
#            loss (PXE_WAN_DELAY, PXE_WAN_LOSS), as dhcp.test.sh does
#   router   10.99.0.2 on the WAN, 10.10.1.1 on the pod link: dhcrelay,
#            IPv4 forwarding
#   pod      a bridge joining the pod link and a tap, QEMU's NIC on the tap
# Boots (SeaBIOS, the e1000's option ROM from Debian's ipxe-qemu, -boot n):
#   install  DHCP through the relay -> undionly.kpxe by TFTP from the
#            central -> podboot's stage1 (user class podboot: an address and
#            no boot file) -> stage2 over HTTPS through the WAN, verified ->
#            the test kernel and initrd to "installed"
#   again    the same machine again: the local-boot script, no installer
# Each QEMU run has a hard timeout; every server stops by its PID.

PXE_NS=pbx$$
PXE_C=$PXE_NS-c PXE_R=$PXE_NS-r PXE_P=$PXE_NS-p PXE_W=$PXE_NS-w
PXE_DIR= PXE_SITE=
PXE_PIDS=
PXE_FW_PID=
PXE_PORT=8443
PXE_HTTP_PORT=8080
PXE_JOBS=
PXE_WAN_DELAY=${PXE_WAN_DELAY:-40}
PXE_WAN_LOSS=${PXE_WAN_LOSS:-0.5}

# pxe_nsx NS CMD...: CMD in namespace NS (ip netns exec execs it).
pxe_nsx() {
	local n=$1
	shift
	ip netns exec "$n" "$@"
}

# pxe_bg NAME NS CMD...: CMD in the background in NS, its output in
# $PXE_DIR/NAME.log; its PID (the server's own) in PXE_LAST, kept for
# pxe_cleanup.
pxe_bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$PXE_DIR/$name.log" 2>&1 </dev/null &
	PXE_LAST=$!
	PXE_PIDS="$PXE_PIDS $PXE_LAST"
}

# pxe_site: the central's site (podboot init naming 10.99.0.1, base_url
# https://10.99.0.1:8443, listening there), pod demo's provisioning network
# behind the router, the test kernel and initrd published.
pxe_site() {
	local c=$PXE_SITE/podboot.conf
	"$PODBOOT" init --dir "$PXE_SITE" --server-name central \
		--server-ip 10.99.0.1 || return 1
	sed -i 's#listen = "127.0.0.1";#listen = "10.99.0.1";#
		s#https://central:8443#https://10.99.0.1:8443#
		s#provisioning = { cidr = "192.0.2.0/24"; gateway = "192.0.2.1";#provisioning = { cidr = "10.10.1.0/24"; gateway = "10.10.1.1"; pool_start = "10.10.1.100"; pool_end = "10.10.1.150";#
		s#vlan = 0; dns = \[ "192.0.2.1" \]; };#vlan = 0; };#
		s#address = "198.51.100.12"; }#address = "198.51.100.12"; },\n  { mac = "52:54:00:00:00:03"; hostname = "demo-3"; pod = "demo";\n    address = "198.51.100.13"; }#' "$c"
	grep -q 'listen = "10.99.0.1";' "$c" &&
		grep -q 'base_url = "https://10.99.0.1:8443"' "$c" &&
		grep -q 'cidr = "10.10.1.0/24"; gateway = "10.10.1.1"; pool_start' "$c" &&
		grep -q 'vlan = 0; };' "$c" && grep -q 'hostname = "demo-3"' "$c" || {
		echo "podboot.conf is not laid out as the pxe leg expects" >&2
		return 1
	}
	sed "s#https://10.0.2.2:@HTTPS_PORT@#https://10.99.0.1:$PXE_PORT#" \
		"$HERE/e2e.ks" >"$PXE_SITE/default.ks"
	"$PODBOOT" publish --config "$c" demo-vmlinuz "$KERNEL" &&
		"$PODBOOT" publish --config "$c" demo-initrd.img "$INITRD" &&
		"$PODBOOT" serve --check --config "$c"
}

# pxe_prepare: the site, and podboot's firmware for it built in the
# background (a relink when FIRMWARE_CACHE holds the iPXE tree).  Nothing
# without IPXE_SRC.
pxe_prepare() {
	PXE_DIR=$RUN/pxe PXE_SITE=$RUN/pxe/site
	[ -n "${IPXE_SRC:-}" ] || return 0
	case $IPXE_SRC in /*) ;; *) IPXE_SRC=$TOP/$IPXE_SRC ;; esac
	mkdir -p "$PXE_DIR"
	pxe_site >>"$RUN/init.log" 2>&1 || { PXE_SITE=; return 1; }
	(
		t0=$(date +%s)
		nice -n 10 make -C "$TOP" firmware IPXE_SRC="$IPXE_SRC" \
			PODBOOT_CONFIG="$PXE_SITE/podboot.conf" \
			BUILD="$PXE_DIR/fw" >"$RUN/firmware-pxe.log" 2>&1
		rc=$?
		echo "$(($(date +%s) - t0))" >"$RUN/fw-pxe.secs"
		exit $rc
	) </dev/null &
	PXE_FW_PID=$!
	say "pxe: building podboot's firmware for the central in the background (pid $PXE_FW_PID)"
}

# pxe_can: why the leg cannot run here (on stdout), or nothing.
pxe_can() {
	local c
	[ "$(id -u)" = 0 ] || { echo "not root (network namespaces)"; return; }
	for c in ip kea-dhcp4 dhcrelay in.tftpd python3 busybox; do
		command -v "$c" >/dev/null || { echo "$c not found (scripts/deps)"; return; }
	done
	ip netns add "$PXE_NS-probe" 2>/dev/null && ip netns del "$PXE_NS-probe" ||
		echo "cannot create network namespaces"
}

# pxe_netem_works: tc netem can shape a device here.
pxe_netem_works() {
	local rc=1
	ip netns add "$PXE_NS-probe" || return 1
	command -v tc >/dev/null &&
		pxe_nsx "$PXE_NS-probe" tc qdisc add dev lo root netem delay 1ms \
			2>/dev/null && rc=0
	ip netns del "$PXE_NS-probe"
	return "$rc"
}

# pxe_wan: the WAN between central (wan-c, 10.99.0.1) and router (wan-r,
# 10.99.0.2): netem, else wan-link in the wan namespace.
pxe_wan() {
	local x
	if [ "${DHCP_WAN:-}" != emulator ] && pxe_netem_works; then
		PXE_WAN=netem
		ip link add wan-c netns "$PXE_C" type veth peer name wan-r netns "$PXE_R" || return 1
		for x in "$PXE_C wan-c" "$PXE_R wan-r"; do
			# shellcheck disable=SC2086
			set -- $x
			pxe_nsx "$1" tc qdisc add dev "$2" root netem \
				delay "${PXE_WAN_DELAY}ms" loss "$PXE_WAN_LOSS%" || return 1
		done
	else
		PXE_WAN=emulator
		ip netns add "$PXE_W" && pxe_nsx "$PXE_W" ip link set lo up &&
		ip link add wan-c netns "$PXE_C" type veth peer name wl-c netns "$PXE_W" &&
		ip link add wan-r netns "$PXE_R" type veth peer name wl-r netns "$PXE_W" &&
		pxe_nsx "$PXE_W" ip link set wl-c up &&
		pxe_nsx "$PXE_W" ip link set wl-r up &&
		pxe_nsx "$PXE_C" python3 "$WAN_LINK" csum-off wan-c &&
		pxe_nsx "$PXE_R" python3 "$WAN_LINK" csum-off wan-r || return 1
		pxe_bg wan "$PXE_W" python3 "$WAN_LINK" link wl-c wl-r \
			"$PXE_WAN_DELAY" "$PXE_WAN_LOSS" 12 1800
		wait_up 10 "$PXE_LAST" grep -q '^forwarding wl-c <-> wl-r' \
			"$PXE_DIR/wan.log" || return 1
	fi
	pxe_nsx "$PXE_C" ip addr add 10.99.0.1/24 dev wan-c &&
		pxe_nsx "$PXE_R" ip addr add 10.99.0.2/24 dev wan-r &&
		pxe_nsx "$PXE_C" ip link set wan-c up &&
		pxe_nsx "$PXE_R" ip link set wan-r up &&
		pxe_nsx "$PXE_C" ip route add 10.10.0.0/16 via 10.99.0.2
}

# pxe_net: the namespaces, the WAN, the pod link and the pod's bridge with
# a tap for each machine (tap0 BIOS, tap1 UEFI PXE, tap2 UEFI HTTP Boot).
pxe_net() {
	local n
	for n in "$PXE_C" "$PXE_R" "$PXE_P"; do
		ip netns add "$n" && pxe_nsx "$n" ip link set lo up || return 1
	done
	pxe_wan || return 1
	pxe_nsx "$PXE_R" sysctl -qw net.ipv4.ip_forward=1 &&
		ip link add pod-r netns "$PXE_R" type veth peer name uplink netns "$PXE_P" &&
		pxe_nsx "$PXE_R" ip addr add 10.10.1.1/24 dev pod-r &&
		pxe_nsx "$PXE_R" ip link set pod-r up &&
		pxe_nsx "$PXE_P" ip link add br0 type bridge &&
		pxe_nsx "$PXE_P" ip link set uplink master br0 &&
		pxe_nsx "$PXE_P" ip link set uplink up || return 1
	for n in tap0 tap1 tap2; do
		pxe_nsx "$PXE_P" ip tuntap add dev "$n" mode tap &&
			pxe_nsx "$PXE_P" ip link set "$n" master br0 &&
			pxe_nsx "$PXE_P" ip link set "$n" up || return 1
	done
	pxe_nsx "$PXE_P" ip link set br0 up
}

# pxe_servers: Kea, the relay, tftpd-hpa and podboot serve, each waited
# for.  Sets PXE_KEA_PID, PXE_SERVE_PID.
pxe_servers() {
	local sock=$PXE_DIR/kea.sock
	"$PODBOOT" dhcp render --config "$PXE_SITE/podboot.conf" \
		--socket "$sock" --interface wan-c --next-server 10.99.0.1 \
		--boot-url "http://10.99.0.1:$PXE_HTTP_PORT/ipxe.efi" \
		--lease-file "$PXE_DIR/leases.csv" --out "$PXE_DIR/kea.json" \
		>"$PXE_DIR/render.log" 2>&1 || { cat "$PXE_DIR/render.log"; return 1; }
	# Kea skips an interface whose operstate is not yet UP (the kernel
	# sets it a moment after the link comes up, though pings pass)
	wait_up 10 "" sh -c "ip -n '$PXE_C' link show wan-c | grep -q 'state UP'" ||
		{ echo "wan-c is not up"; return 1; }
	pxe_bg kea "$PXE_C" env KEA_PIDFILE_DIR="$PXE_DIR" \
		KEA_LOCKFILE_DIR="$PXE_DIR" kea-dhcp4 -c "$PXE_DIR/kea.json"
	PXE_KEA_PID=$PXE_LAST
	wait_up 20 "$PXE_KEA_PID" test -S "$sock" || { echo "kea-dhcp4 did not start"; return 1; }
	! grep -q DHCPSRV_NO_SOCKETS_OPEN "$PXE_DIR/kea.log" ||
		{ echo "kea-dhcp4 listens on no interface"; return 1; }
	pxe_bg relay "$PXE_R" dhcrelay -d -4 -iu wan-r -id pod-r 10.99.0.1
	PXE_RELAY_PID=$PXE_LAST
	wait_up 10 "$PXE_RELAY_PID" grep -q 'pod-r' "$PXE_DIR/relay.log" ||
		{ echo "dhcrelay did not start"; return 1; }
	# -L: foreground; -s: the boot file name is relative to the directory
	pxe_bg tftpd "$PXE_C" in.tftpd -L -v -s -a 10.99.0.1:69 "$PXE_DIR/tftp"
	PXE_TFTPD_PID=$PXE_LAST
	wait_up 10 "$PXE_TFTPD_PID" sh -c \
		"ip netns exec '$PXE_C' ss -Hlun 'sport = :69' | grep -q 10.99.0.1" ||
		{ echo "in.tftpd did not start"; return 1; }
	# UEFI HTTP Boot's ipxe.efi: a static HTTP server on the central
	pxe_bg http "$PXE_C" python3 -m http.server "$PXE_HTTP_PORT" \
		--bind 10.99.0.1 --directory "$PXE_DIR/http"
	PXE_HTTPD_PID=$PXE_LAST
	wait_up 10 "$PXE_HTTPD_PID" pxe_nsx "$PXE_C" curl -sfI -o /dev/null \
		"http://10.99.0.1:$PXE_HTTP_PORT/ipxe.efi" ||
		{ echo "the HTTP server did not start"; return 1; }
	pxe_bg site/serve "$PXE_C" "$PODBOOT" serve --config "$PXE_SITE/podboot.conf"
	PXE_SERVE_PID=$PXE_LAST
	wait_up 20 "$PXE_SERVE_PID" pxe_nsx "$PXE_C" curl -s --cacert \
		"$PXE_SITE/keys/root.crt" -o /dev/null "https://10.99.0.1:$PXE_PORT/healthz" ||
		{ echo "podboot serve did not start"; return 1; }
}

# pxe_acks_check NAME MAC FILE: the first two DHCPACKs to MAC in NAME's
# capture: the firmware's named FILE, stage1's (user class podboot) none.
pxe_acks_check() {
	local got
	got=$(python3 "$HERE/dhcp-acks" --mac "$2" "$RUN/$1.pcap" 2>&1 |
		head -2 | paste -sd' ')
	if [ "$got" = "$3 -" ]; then
		ok "pxe: $1: Kea's ACK to the firmware named $3, to podboot's stage1 nothing"
	else
		bad "pxe: $1: Kea's ACK to the firmware named $3, to podboot's stage1 nothing" \
			"boot files of the ACKs: ${got:-none}"
	fi
}

# pxe_again_checks NAME: the second boot got local boot, nothing moved.
pxe_again_checks() {
	local log=$RUN/serial-$1.log n
	check "pxe: $1: ended within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $1: the ROM fetched undionly.kpxe by TFTP again" \
		in_file "tftp://10\\.99\\.0\\.1/undionly\\.kpxe" "$log"
	check "pxe: $1: stage1 verified stage2" in_file "podboot: stage2 verified" "$log"
	check "pxe: $1: stage2 was the local-boot script" \
		in_file "podboot: no install pending for this machine" "$log"
	check "pxe: $1: no installer ran" \
		sh -c "! grep -aqE 'PODBOOT-E2E|podboot: installing' '$log'"
	check "pxe: $1: $NODE is still installed" [ "$(node_state)" = installed ]
	n=$(node_transitions | paste -sd, -)
	check "pxe: $1: no new transition of $NODE" [ "$n" = "$PXE_TR1" ]
}

# pxe_uefi_start NAME NODE MAC TAP NIC STOP [QEMU ARGS...]: an OVMF
# machine (its NIC first in the boot order, QEMU device NIC and its
# options) installs NODE in the background, on TAP, until it powers off
# or STOP (a regex, or "") shows on its console.  QEMU's status lands in
# $PXE_DIR/NAME.rc; the job's PID in PXE_JOBS.
pxe_uefi_start() {
	local name=$1 node=$2 mac=$3 tap=$4 nic=$5 stop=$6 limit=$BOOT_TIMEOUT
	shift 6
	[ -z "$stop" ] || limit=$SEC_TIMEOUT
	[ -r "$OVMF_CODE" ] && [ -r "$OVMF_VARS" ] ||
		{ bad "pxe: $name: OVMF at $OVMF_CODE (Debian package ovmf)"; return; }
	check "pxe: $name: node $node starts armed" \
		[ "$(NODE=$node node_state)" = armed ]
	cp "$OVMF_VARS" "$PXE_DIR/$name-vars.fd"
	rm -f "$PXE_DIR/$name.rc"
	(
		MAC=$mac QEMU_NIC=${nic%%,*} NIC_OPTS=,${nic#*,}
		QEMU_NETDEV="tap,id=n0,ifname=$tap,script=no,downscript=no"
		qemu_run "$name" "$limit" "$stop" \
			-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$PXE_DIR/$name-vars.fd" "$@"
		echo "$QEMU_RC" >"$PXE_DIR/$name.rc"
	) &
	PXE_JOBS="$PXE_JOBS $!"
}

# pxe_uefi_checks NAME NODE MAC WHAT FILE: once every background machine
# has ended, the checks of NAME's install: the firmware asked for FILE
# (WHAT says how).
pxe_uefi_checks() {
	local name=$1 node=$2 mac=$3 what=$4 file=$5 log=$RUN/serial-$1.log
	[ -f "$PXE_DIR/$name-vars.fd" ] || return 0
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	check "pxe: $name: $what" in_file "$file" "$RUN/$name.pcap"
	pxe_acks_check "$name" "$mac" snponly.efi
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	check "pxe: $name: Kea leased it in pod demo's subnet" \
		grep -q "^10\.10\.1\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	NODE=$node sec_install_checks "$name"
}

# pxe_http_checks NAME NODE MAC: UEFI HTTP Boot got ipxe.efi by the URL
# Kea handed out, and podboot's chain ran in it up to the install script.
pxe_http_checks() {
	local name=$1 node=$2 mac=$3 log=$RUN/serial-$1.log
	[ -f "$PXE_DIR/$name-vars.fd" ] || return 0
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	check "pxe: $name: stage2 ran within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $name: Kea leased it in pod demo's subnet" \
		grep -q "^10\.10\.1\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	check "pxe: $name: Kea's offer named the URL and echoed HTTPClient" \
		sh -c "grep -aq 'http://10.99.0.1:$PXE_HTTP_PORT/ipxe.efi' '$RUN/$name.pcap' &&
			grep -aq HTTPClient '$RUN/$name.pcap'"
	pxe_acks_check "$name" "$mac" "http://10.99.0.1:$PXE_HTTP_PORT/ipxe.efi"
	check "pxe: $name: OVMF fetched ipxe.efi from the static server (HTTP Boot)" \
		grep -q '"GET /ipxe.efi HTTP/1.1" 200' "$PXE_DIR/http.log"
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	check "pxe: $name: stage1 verified stage2 and ran the install script of $node" \
		sh -c "grep -aq 'podboot: stage2 verified' '$log' &&
			grep -aq 'podboot: installing $node in pod demo' '$log'"
	check "pxe: $name: $node went booting (its install script was served)" \
		[ "$(NODE=$node node_state)" = booting ]
}

# pxe_jobs_wait: the background machines have ended.
pxe_jobs_wait() {
	local p
	for p in $PXE_JOBS; do wait "$p"; done
	PXE_JOBS=
}

# pxe_boots: the install boots (BIOS, and UEFI beside it), then the BIOS
# machine's second boot.
pxe_boots() {
	local log=$RUN/serial-pxe-bios-install.log
	check "pxe: node $NODE starts armed" [ "$(node_state)" = armed ]
	[ "${PXE_UEFI:-1}" = 0 ] ||
		pxe_uefi_start pxe-uefi-install demo-2 52:54:00:00:00:02 tap1 \
			e1000,bootindex=1 ""
	qemu_run pxe-bios-install "$BOOT_TIMEOUT" "" -boot order=n,reboot-timeout=0
	check "pxe: the BIOS ROM asked for undionly.kpxe by TFTP (architecture 0)" \
		in_file "undionly\.kpxe" "$RUN/pxe-bios-install.pcap"
	check "pxe: the e1000's PXE ROM took an address of pod demo through the relay" \
		in_file "10\\.10\\.1\\.(1[0-4][0-9]|150)" "$log"
	check "pxe: the ROM fetched undionly.kpxe from the central by TFTP" \
		in_file "tftp://10\\.99\\.0\\.1/undionly\\.kpxe" "$log"
	check "pxe: podboot's stage1 ran from it" in_file "podboot stage1:" "$log"
	check "pxe: Kea leased it in pod demo's subnet" \
		grep -q '^10\.10\.1\.[0-9]*,52:54:00:00:00:01,' "$PXE_DIR/leases.csv"
	check "pxe: its answers came back through the relay" \
		grep -q "Forwarded BOOTREPLY for $MAC" "$PXE_DIR/relay.log"
	pxe_acks_check pxe-bios-install "$MAC" undionly.kpxe
	sec_install_checks pxe-bios-install
	PXE_TR1=$(node_transitions | paste -sd, -)
	lap "pxe: BIOS PXE install"
	# UEFI HTTP Boot: OVMF's own network stack (virtio-net, no iPXE ROM)
	# with its PXE turned off.  Stopped once stage2 runs: the test
	# initrd has no virtio-net driver, and the installs above cover the
	# rest of the chain.
	[ "${PXE_HTTP:-1}" = 0 ] ||
		pxe_uefi_start pxe-http-boot demo-3 52:54:00:00:00:03 tap2 \
			virtio-net-pci,romfile=,bootindex=1 "podboot: installing demo-3" \
			-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n \
			-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n
	if [ "$(node_state)" = installed ]; then
		qemu_run pxe-bios-again "$SEC_TIMEOUT" "stage2 ended without booting" \
			-boot order=n,reboot-timeout=0
		pxe_again_checks pxe-bios-again
		lap "pxe: BIOS PXE again"
	else
		bad "pxe: pxe-bios-again: skipped, the install did not complete"
	fi
	pxe_jobs_wait
	pxe_uefi_checks pxe-uefi-install demo-2 52:54:00:00:00:02 \
		"OVMF asked for snponly.efi by TFTP (architecture 7)" "snponly\\.efi"
	pxe_http_checks pxe-http-boot demo-3 52:54:00:00:00:03
	lap "pxe: UEFI installs (waited for)"
}

# pxe_leg: wait for the firmware, build the network, start the servers,
# boot.  The status API is reached inside the central namespace.
pxe_leg() {
	local why fw
	if [ -z "${IPXE_SRC:-}" ]; then
		if [ "${E2E_REQUIRE_SECURE:-0}" = 1 ]; then
			bad "pxe: IPXE_SRC is set (E2E_REQUIRE_SECURE=1: this leg may not skip)"
		else
			say "pxe leg skipped (set IPXE_SRC=/path/to/ipxe or its tarball to run it)"
		fi
		return
	fi
	why=$(pxe_can)
	if [ -n "$why" ]; then
		if [ "${E2E_REQUIRE_SECURE:-0}" = 1 ]; then
			bad "pxe: the leg can run here" "$why"
		else
			say "pxe leg skipped: $why"
		fi
		return
	fi
	# (pxe_prepare said why)
	[ -n "$PXE_SITE" ] && [ -n "$PXE_FW_PID" ] || return
	WAN_LINK=$TOP/test/integration/tools/wan-link
	wait "$PXE_FW_PID"
	PXE_FW_PID=
	say "pxe: make firmware: $(cat "$RUN/fw-pxe.secs" 2>/dev/null)s (log $RUN/firmware-pxe.log)"
	fw=$PXE_DIR/fw/firmware
	check "pxe: make firmware built undionly.kpxe" [ -s "$fw/undionly.kpxe" ] ||
		{ bad "pxe: firmware" "$(tail -10 "$RUN/firmware-pxe.log")"; return; }
	mkdir -p "$PXE_DIR/tftp" &&
		install -m 0644 "$fw/undionly.kpxe" "$fw/snponly.efi" "$PXE_DIR/tftp/" &&
		mkdir -p "$PXE_DIR/http" &&
		install -m 0644 "$fw/ipxe.efi" "$PXE_DIR/http/" &&
		chmod 0755 "$PXE_DIR/tftp"
	check "pxe: the TFTP and HTTP copies match the build's digests" \
		sh -c "cd '$PXE_DIR/tftp' && sha256sum -c --ignore-missing '$fw/SHA256SUMS' &&
			cd '$PXE_DIR/http' && sha256sum -c --ignore-missing '$fw/SHA256SUMS'"
	lap "pxe: firmware (waited for)"
	if ! pxe_net >"$PXE_DIR/net.log" 2>&1; then
		bad "pxe: namespaces, WAN and pod bridge" "$(tail -5 "$PXE_DIR/net.log")"
		return
	fi
	check "pxe: the WAN ($PXE_WAN, ${PXE_WAN_DELAY} ms each way) carries traffic" \
		wait_up 20 "" pxe_nsx "$PXE_C" busybox ping -c 1 -W 2 10.99.0.2
	if ! pxe_servers >"$PXE_DIR/servers.log" 2>&1; then
		bad "pxe: kea-dhcp4, dhcrelay, in.tftpd and podboot serve started" \
			"$(tail -5 "$PXE_DIR/servers.log"; tail -n 3 "$PXE_DIR"/*.log)"
		return
	fi
	ok "pxe: kea-dhcp4, dhcrelay, in.tftpd and podboot serve run in their namespaces"
	lap "pxe: network and servers"
	# The helpers' status API and server, inside the central namespace.
	SITE=$PXE_SITE ROOT=$PXE_SITE/keys/root.crt
	BASE=https://10.99.0.1:$PXE_PORT
	OP_TOKEN=$(awk '$1 == "operator" {print $2}' "$SITE/tokens")
	api() {
		local path=$1
		shift
		ip netns exec "$PXE_C" curl -sS --fail-with-body --max-time 10 \
			--cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" "$@" "$BASE$path"
	}
	QEMU_IN="ip netns exec $PXE_P"
	QEMU_NETDEV="tap,id=n0,ifname=tap0,script=no,downscript=no"
	NIC_OPTS=
	pxe_boots
	QEMU_IN= QEMU_NETDEV=
	pxe_cleanup
}

# pxe_cleanup: the firmware build, every server by its PID, the
# namespaces (boot.sh's exit trap, and the end of the leg).
pxe_cleanup() {
	local p n
	for p in $PXE_JOBS; do	# (their QEMU ends at its timeout)
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PXE_JOBS=
	if [ -n "$PXE_FW_PID" ]; then
		kill "$PXE_FW_PID" 2>/dev/null
		wait "$PXE_FW_PID" 2>/dev/null
		PXE_FW_PID=
	fi
	for p in $PXE_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PXE_PIDS; do
		wait_up 5 "" sh -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PXE_PIDS=
	for n in "$PXE_C" "$PXE_R" "$PXE_P" "$PXE_W"; do
		ip netns del "$n" 2>/dev/null
	done
	return 0
}

# Run alone: boot.sh runs this leg only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	IPXE_SRC=${IPXE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/vendor/ipxe/ipxe-0ab2277c4.tar.xz}
	export IPXE_SRC
	E2E_ONLY=pxe exec "$(dirname "$0")/boot.sh" "$@"
fi
