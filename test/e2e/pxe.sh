#!/bin/bash
# shellcheck shell=bash
# pxe.sh: the pxe leg of test/e2e/boot.sh (sourced by it, after secure.sh,
# whose helpers it uses: check, ok, bad, qemu_run, sec_install_checks...).
# Run alone, it runs boot.sh with E2E_ONLY=pxe (IPXE_SRC defaults to the
# vendored iPXE tarball then).
#
# Stock machines boot through their pod's relay over an emulated WAN, with
# no hand-written DHCP configuration.  Network namespaces the leg creates
# and removes (whatever happens):
#   central  10.99.0.1 (and 10.99.2.1 toward pod2's router): kea-dhcp4
#            started on "podboot dhcp render"'s file, tftpd-hpa (in.tftpd
#            -L) serving the TFTP root, and podboot serve on 10.99.0.1
#            (HTTPS 8443, plain 8080), whose podboot.conf names the
#            firmware build (dhcp.firmware_dir; signed with the snakeoil
#            UEFI key; pod2's own unsigned copy; pod3's copy with one
#            byte changed under each EFI file's signature), the TFTP root
#            (dhcp.tftp_root) and Kea's control socket: serve checks the
#            build against its SHA256SUMS, places undionly.kpxe and
#            snponly.efi in the TFTP root, serves ipxe.efi at
#            /boot/fw/POD/ipxe.efi (the URL Kea hands out), keeps Kea in
#            step on reload and reads its leases every second
#            The WAN links: 40 ms each way and 0.5% loss (PXE_WAN_DELAY,
#            PXE_WAN_LOSS), by tc netem on both ends of each veth where
#            the kernel has sch_netem; else (the log says so, with tc's
#            own words) by the "wan" namespace
#   wan      (only without tc netem, or DHCP_WAN=emulator)
#            test/integration/tools/wan-link between each router's and the
#            central's veths, as dhcp.test.sh
#   router   10.99.0.2 on the WAN, 10.10.1.1 on pod demo's link: dhcrelay
#   router2  10.99.2.2 on its own WAN link, 10.10.2.1 on pod2's link and
#            10.10.3.1 on pod3's: one dhcrelay for both
#   pod      a bridge per pod (br0: demo, br1: pod2, br2: pod3) joining the
#            pod link
#            and one tap per machine, QEMU's NIC on the tap
# Machines (QEMU, TCG), two to six at a time:
#   pxe-bios-install   SeaBIOS, the e1000's ROM (Debian's ipxe-qemu):
#            undionly.kpxe by TFTP -> podboot's stage1 (user class podboot:
#            an address and no boot file) -> stage2 over HTTPS through the
#            WAN, verified -> the test kernel and initrd to "installed";
#            pxe-bios-again: its second boot gets local boot
#   pxe-uefi-install   OVMF with the same ROM: snponly.efi, installs demo-2;
#            pxe-uefi-again: its second boot (on its own OVMF variables)
#            gets local boot
#   pxe-http-boot      OVMF's own stack: UEFI HTTP Boot of serve's ipxe.efi,
#            installs demo-3 (the initrd loads virtio_net);
#            pxe-http-again: its second boot gets local boot
#   pxe-sb-pxe, pxe-sb-http   Secure Boot (secboot.sh's OVMF and snakeoil
#            variables): the signed snponly.efi by UEFI PXE, the signed
#            ipxe.efi by UEFI HTTP Boot; install demo-4 and demo-5 (profile
#            secure: the kernel's uefi variant, verified by the firmware)
#   pxe-sb-refused     the same behind router2: pod2's own build is the
#            same files unsigned; OVMF refuses its snponly.efi (UEFI PXE)
#            and its ipxe.efi (HTTP Boot), pod2-2 stays armed
#   pxe-sb-tampered    the same on pod3's link: pod3's build is the signed
#            files with one byte changed; OVMF refuses both again, pod3-1
#            stays armed
#   pxe-pod2           SeaBIOS behind router2: pod2's subnet, pod2's stage2
#   pxe-new-first      SeaBIOS with a MAC podboot.conf does not name: its
#            lease makes it discovered (before any stage2); a SIGHUP that
#            adds it reaches the same kea-dhcp4, and pxe-new-again gets
#            its reservation and its install script
# Each QEMU run has a hard timeout; every server stops by its PID.
#
# Reusable (test/bench/pxe-boot.sh reads them): pxe_prepare (site and
# firmware build), pxe_net (namespaces, WAN links, routers, bridges,
# taps), pxe_servers (Kea, relays, tftpd, podboot serve, the firmware
# placed), pxe_machine_start (one machine's boot in the background) and
# pxe_jobs_wait, pxe_cleanup.

PXE_NS=pbx$$
PXE_C=$PXE_NS-c PXE_R=$PXE_NS-r PXE_R2=$PXE_NS-r2 PXE_P=$PXE_NS-p PXE_W=$PXE_NS-w
PXE_DIR= PXE_SITE=
PXE_PIDS=
PXE_FW_PID=
PXE_PORT=8443
PXE_PLAIN_PORT=8080
PXE_JOBS=
PXE_WAN_DELAY=${PXE_WAN_DELAY:-40}
PXE_WAN_LOSS=${PXE_WAN_LOSS:-0.5}
PXE_LEASE_CMDS=
PXE_NEW_MAC=52:54:00:00:00:09	# the machine podboot.conf names only later
PXE_POD2_MAC=52:54:00:00:02:01
# Secure Boot machines (profile secure): demo-4 by UEFI PXE, demo-5 by
# UEFI HTTP Boot, both signed; pod2-2 behind router2, pod2's unsigned build
PXE_SB_PXE_MAC=52:54:00:00:00:04
PXE_SB_HTTP_MAC=52:54:00:00:00:05
PXE_SB_BAD_MAC=52:54:00:00:02:02
# pod3-1 behind router2 too: pod3's build is the signed one with one byte
# changed in each EFI file
PXE_SB_TAMPERED_MAC=52:54:00:00:03:01
# What an HTTP Boot machine GETs over plain HTTP: ipxe.efi, and the
# autoexec.ipxe iPXE looks for beside it and at the server's top (both
# 404); all else goes by TLS.
PXE_HTTP_PLAIN='/boot/fw/demo/(ipxe\.efi|autoexec\.ipxe)|/autoexec\.ipxe'

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
# https://10.99.0.1:8443, listening there, the plain listener on 8080 for
# UEFI HTTP Boot), pod demo's provisioning network behind the router and
# pod2's behind router2, unknown machines discovered, the test kernel and
# initrd published.  The dhcp group comes with the firmware (pxe_dhcp_conf).
# Kernels boot with no_timer_check: under TCG on a loaded host the
# kernel's check of the IO-APIC timer can fail and panic the boot (seen
# with six machines on two busy cores); it proves nothing about podboot.
pxe_site() {
	local c=$PXE_SITE/podboot.conf
	"$PODBOOT" init --dir "$PXE_SITE" --server-name central \
		--server-ip 10.99.0.1 || return 1
	# Secure Boot: the snakeoil db key (secboot.sh's) as the site's UEFI
	# key: it signs the build's EFI files and the kernel's uefi variant.
	SB_PASS=$SB_SNAKEOIL_PASS "$PODBOOT" keys import-uefi --dir "$PXE_SITE/keys" \
		--key "$SB_SNAKEOIL_KEY" --cert "$SB_SNAKEOIL_CRT" --pass-env SB_PASS ||
		return 1
	sed -i 's#listen = "127.0.0.1";#listen = "10.99.0.1";#
		s#^  port = 8443;#  port = 8443; plain_port = '"$PXE_PLAIN_PORT"'; plain_allow_nonlocal = true;\n  plain_base_url = "http://10.99.0.1:'"$PXE_PLAIN_PORT"'";#
		s#https://central:8443#https://10.99.0.1:8443#
		s#unknown = "ignore";#unknown = "discover";#
		s#^\(  *\)codesign_key = .*#&\n\1uefi_cert = "keys/uefi-db.crt";\n\1uefi_key = "keys/uefi-db.key";#
		s#cmdline = "console=ttyS0 ks=#cmdline = "console=ttyS0 no_timer_check ks=#
		s#^profiles = ($#profiles = (\n  { name = "secure"; kernel = "demo-vmlinuz"; initrd = "demo-initrd.img";\n    cmdline = "console=ttyS0 no_timer_check ks={{ks_url}}"; kickstart = "default.ks";\n    secure_boot = true; },#
		s#provisioning = { cidr = "192.0.2.0/24"; gateway = "192.0.2.1";#provisioning = { cidr = "10.10.1.0/24"; gateway = "10.10.1.1"; pool_start = "10.10.1.100"; pool_end = "10.10.1.150";#
		s#vlan = 0; dns = \[ "192.0.2.1" \]; };#vlan = 0; };#
		s#address = "198.51.100.12"; }#address = "198.51.100.12"; },\n  { mac = "52:54:00:00:00:03"; hostname = "demo-3"; pod = "demo";\n    address = "198.51.100.13"; },\n  { mac = "'"$PXE_SB_PXE_MAC"'"; hostname = "demo-4"; pod = "demo";\n    profile = "secure"; address = "198.51.100.14"; },\n  { mac = "'"$PXE_SB_HTTP_MAC"'"; hostname = "demo-5"; pod = "demo";\n    profile = "secure"; address = "198.51.100.15"; },\n  { mac = "'"$PXE_POD2_MAC"'"; hostname = "pod2-1"; pod = "pod2";\n    address = "203.0.113.21"; },\n  { mac = "'"$PXE_SB_BAD_MAC"'"; hostname = "pod2-2"; pod = "pod2";\n    profile = "secure"; address = "203.0.113.22"; },\n  { mac = "'"$PXE_SB_TAMPERED_MAC"'"; hostname = "pod3-1"; pod = "pod3";\n    profile = "secure"; address = "192.0.2.31"; }#' "$c"
	perl -0pi -e 's/(\npods = \(\n.*?\n  \})\n\);/$1,\n  { name = "pod2"; profile = "default";\n    provisioning = { cidr = "10.10.2.0\/24"; gateway = "10.10.2.1";\n      pool_start = "10.10.2.100"; pool_end = "10.10.2.150"; };\n    management = { cidr = "203.0.113.0\/24"; }; },\n  { name = "pod3"; profile = "default";\n    provisioning = { cidr = "10.10.3.0\/24"; gateway = "10.10.3.1";\n      pool_start = "10.10.3.100"; pool_end = "10.10.3.150"; };\n    management = { cidr = "192.0.2.0\/24"; }; }\n);/s' "$c"
	grep -q 'listen = "10.99.0.1";' "$c" &&
		grep -q 'base_url = "https://10.99.0.1:8443"' "$c" &&
		grep -q "plain_base_url = \"http://10.99.0.1:$PXE_PLAIN_PORT\"" "$c" &&
		grep -q 'unknown = "discover";' "$c" &&
		grep -q 'cidr = "10.10.1.0/24"; gateway = "10.10.1.1"; pool_start' "$c" &&
		grep -q 'cidr = "10.10.2.0/24"; gateway = "10.10.2.1";' "$c" &&
		grep -q 'vlan = 0; };' "$c" && grep -q 'hostname = "demo-3"' "$c" &&
		grep -q 'hostname = "pod2-1"' "$c" &&
		grep -q 'hostname = "pod3-1"' "$c" &&
		grep -q 'cidr = "10.10.3.0/24"; gateway = "10.10.3.1";' "$c" &&
		grep -q 'uefi_key = "keys/uefi-db.key";' "$c" &&
		[ "$(grep -c 'profile = "secure";' "$c")" = 4 ] &&
		grep -q 'secure_boot = true; },' "$c" &&
		[ "$(grep -c 'cmdline = "console=ttyS0 no_timer_check ks=' "$c")" = 2 ] || {
		echo "podboot.conf is not laid out as the pxe leg expects" >&2
		return 1
	}
	sed "s#https://10.0.2.2:@HTTPS_PORT@#https://10.99.0.1:$PXE_PORT#" \
		"$HERE/e2e.ks" >"$PXE_SITE/default.ks"
	"$PODBOOT" publish --config "$c" demo-vmlinuz "$KERNEL" \
		>"$PXE_DIR/publish.log" &&
		cat "$PXE_DIR/publish.log" &&
		"$PODBOOT" publish --config "$c" demo-initrd.img "$INITRD" &&
		"$PODBOOT" serve --check --config "$c"
}

# pxe_dhcp_conf: podboot.conf's dhcp group: Kea's socket, interfaces and
# lease file, its lease commands read every second, the firmware build
# and the TFTP root serve places it in.
pxe_dhcp_conf() {
	cat >>"$PXE_SITE/podboot.conf" <<CONF

# The pxe leg's central (test/e2e/pxe.sh)
dhcp = { kea_socket = "$PXE_DIR/kea.sock";
  interfaces = [ "wan-c", "wan2-c" ]; next_server = "10.99.0.1";
  lease_file = "$PXE_DIR/leases.csv";
  lease_cmds = "$PXE_LEASE_CMDS"; leases_interval_s = 1;
  firmware_dir = "$PXE_DIR/fw/firmware"; tftp_root = "$PXE_DIR/tftp"; };
CONF
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
			UEFI_KEYS="$PXE_SITE/keys" \
			BUILD="$PXE_DIR/fw" >"$RUN/firmware-pxe.log" 2>&1
		rc=$?
		echo "$(($(date +%s) - t0))" >"$RUN/fw-pxe.secs"
		exit $rc
	) </dev/null &
	PXE_FW_PID=$!
	say "pxe: building podboot's firmware for the central in the background (pid $PXE_FW_PID)"
}

# pxe_can: why the leg cannot run here (on stdout), or nothing.  Sets
# PXE_LEASE_CMDS (Kea's lease commands hook).
pxe_can() {
	local c
	[ "$(id -u)" = 0 ] || { echo "not root (network namespaces)"; return; }
	for c in ip kea-dhcp4 dhcrelay in.tftpd python3 busybox perl sbattach sbverify; do
		command -v "$c" >/dev/null || { echo "$c not found (scripts/deps)"; return; }
	done
	PXE_LEASE_CMDS=$(ls /usr/lib/*/kea/hooks/libdhcp_lease_cmds.so 2>/dev/null | head -1)
	[ -n "$PXE_LEASE_CMDS" ] ||
		{ echo "Kea's libdhcp_lease_cmds.so not found (scripts/deps)"; return; }
	ip netns add "$PXE_NS-probe" 2>/dev/null && ip netns del "$PXE_NS-probe" ||
		echo "cannot create network namespaces"
}

# pxe_netem_works: tc netem can shape a device here; if not, why in
# PXE_NETEM_WHY (tc's own words).
pxe_netem_works() {
	local rc=1
	PXE_NETEM_WHY=
	command -v tc >/dev/null || { PXE_NETEM_WHY="no tc command"; return 1; }
	ip netns add "$PXE_NS-probe" ||
		{ PXE_NETEM_WHY="no probe namespace"; return 1; }
	PXE_NETEM_WHY=$(pxe_nsx "$PXE_NS-probe" tc qdisc add dev lo root \
		netem delay 1ms 2>&1) && rc=0
	ip netns del "$PXE_NS-probe"
	[ "$rc" = 0 ] || PXE_NETEM_WHY=$(echo "${PXE_NETEM_WHY:-tc failed}" | head -1)
	return "$rc"
}

# pxe_wan_say: the log says which WAN the leg runs over, and plainly why
# when it is not tc netem.
pxe_wan_say() {
	local how="${PXE_WAN_DELAY} ms and $PXE_WAN_LOSS% loss each way"
	if [ "$PXE_WAN" = netem ]; then
		say "pxe: the WAN is tc netem on both ends of each WAN veth ($how)"
	elif [ "${DHCP_WAN:-}" = emulator ]; then
		say "pxe: the WAN is the userspace wan-link, as DHCP_WAN=emulator asks ($how)"
	else
		say "pxe: tc netem is not available here (tc: $PXE_NETEM_WHY): falling back to the userspace wan-link (test/integration/tools/wan-link, namespace $PXE_W) for the WAN ($how)"
	fi
}

# pxe_wan_link R CIF RIF N: a WAN link from the central's CIF to router
# namespace R's RIF: netem on both ends, else wan-link (seed N) between
# their peers in the wan namespace (PXE_WAN says which).
pxe_wan_link() {
	local r=$1 cif=$2 rif=$3 seed=$4
	if [ "$PXE_WAN" = netem ]; then
		ip link add "$cif" netns "$PXE_C" type veth peer name "$rif" netns "$r" &&
			pxe_nsx "$PXE_C" tc qdisc add dev "$cif" root netem \
				delay "${PXE_WAN_DELAY}ms" loss "$PXE_WAN_LOSS%" &&
			pxe_nsx "$r" tc qdisc add dev "$rif" root netem \
				delay "${PXE_WAN_DELAY}ms" loss "$PXE_WAN_LOSS%"
		return
	fi
	ip link add "$cif" netns "$PXE_C" type veth peer name "w$cif" netns "$PXE_W" &&
		ip link add "$rif" netns "$r" type veth peer name "w$rif" netns "$PXE_W" &&
		pxe_nsx "$PXE_W" ip link set "w$cif" up &&
		pxe_nsx "$PXE_W" ip link set "w$rif" up &&
		pxe_nsx "$PXE_C" python3 "$WAN_LINK" csum-off "$cif" &&
		pxe_nsx "$r" python3 "$WAN_LINK" csum-off "$rif" || return 1
	pxe_bg "wan-$cif" "$PXE_W" python3 "$WAN_LINK" link "w$cif" "w$rif" \
		"$PXE_WAN_DELAY" "$PXE_WAN_LOSS" "$seed" 1800
	wait_up 10 "$PXE_LAST" grep -q "^forwarding w$cif <-> w$rif" \
		"$PXE_DIR/wan-$cif.log"
}

# pxe_router R CIF RIF N POD_IF BRIDGE: router namespace R behind WAN link
# CIF-RIF on 10.99.N.0/24 (central .1, router .2), forwarding to pod link
# POD_IF (10.10.M.1/24; M = 1 for N = 0, else N) whose far end joins
# BRIDGE in the pod namespace.
pxe_router() {
	local r=$1 cif=$2 rif=$3 n=$4 pif=$5 br=$6 m=$4
	[ "$m" != 0 ] || m=1
	pxe_wan_link "$r" "$cif" "$rif" "$((12 + n))" &&
		pxe_nsx "$PXE_C" ip addr add "10.99.$n.1/24" dev "$cif" &&
		pxe_nsx "$r" ip addr add "10.99.$n.2/24" dev "$rif" &&
		pxe_nsx "$PXE_C" ip link set "$cif" up &&
		pxe_nsx "$r" ip link set "$rif" up &&
		pxe_nsx "$r" sysctl -qw net.ipv4.ip_forward=1 &&
		pxe_pod_link "$r" "$n" "$pif" "$br" "$m" || return 1
	# the central's other addresses (10.99.0.1: TFTP, HTTPS) through it
	[ "$n" = 0 ] || pxe_nsx "$r" ip route add default via "10.99.$n.1"
}

# pxe_pod_link R N POD_IF BRIDGE M: router R (10.99.N.2 on the WAN) also
# routes pod link POD_IF, 10.10.M.1/24, whose far end joins BRIDGE in the
# pod namespace; the central reaches 10.10.M.0/24 through R.
pxe_pod_link() {
	local r=$1 n=$2 pif=$3 br=$4 m=$5
	pxe_nsx "$PXE_C" ip route add "10.10.$m.0/24" via "10.99.$n.2" &&
		ip link add "$pif" netns "$r" type veth peer name "up-$br" netns "$PXE_P" &&
		pxe_nsx "$r" ip addr add "10.10.$m.1/24" dev "$pif" &&
		pxe_nsx "$r" ip link set "$pif" up &&
		pxe_nsx "$PXE_P" ip link add "$br" type bridge &&
		pxe_nsx "$PXE_P" ip link set "up-$br" master "$br" &&
		pxe_nsx "$PXE_P" ip link set "up-$br" up &&
		pxe_nsx "$PXE_P" ip link set "$br" up
}

# pxe_tap TAP BRIDGE: a tap for one machine on BRIDGE (pod namespace).
pxe_tap() {
	pxe_nsx "$PXE_P" ip tuntap add dev "$1" mode tap &&
		pxe_nsx "$PXE_P" ip link set "$1" master "$2" &&
		pxe_nsx "$PXE_P" ip link set "$1" up
}

# pxe_net: the namespaces, the WAN links, the routers of pod demo (br0:
# tap0 BIOS, tap1 UEFI PXE, tap2 UEFI HTTP Boot, tap4 the new machine,
# tap5 and tap6 Secure Boot by UEFI PXE and HTTP Boot), and of pod2 (br1:
# tap3 BIOS, tap7 Secure Boot refused) and pod3 (br2, 10.10.3.0/24: tap8
# Secure Boot, tampered build refused).
pxe_net() {
	local n
	for n in "$PXE_C" "$PXE_R" "$PXE_R2" "$PXE_P"; do
		ip netns add "$n" && pxe_nsx "$n" ip link set lo up || return 1
	done
	PXE_WAN=netem
	if [ "${DHCP_WAN:-}" = emulator ] || ! pxe_netem_works; then
		PXE_WAN=emulator
		ip netns add "$PXE_W" && pxe_nsx "$PXE_W" ip link set lo up || return 1
	fi
	pxe_router "$PXE_R" wan-c wan-r 0 pod-r br0 &&
		pxe_router "$PXE_R2" wan2-c wan2-r 2 pod2-r br1 &&
		pxe_pod_link "$PXE_R2" 2 pod3-r br2 3 || return 1
	for n in tap0:br0 tap1:br0 tap2:br0 tap4:br0 tap5:br0 tap6:br0 \
		tap3:br1 tap7:br1 tap8:br2; do
		pxe_tap "${n%:*}" "${n#*:}" || return 1
	done
}

# pxe_healthz_dhcp: /healthz's dhcp part as "CONFIGURATION APPLIED".
pxe_healthz_dhcp() {
	pxe_nsx "$PXE_C" curl -sf --max-time 10 --cacert "$PXE_SITE/keys/root.crt" \
		"https://10.99.0.1:$PXE_PORT/healthz" |
		jq -r '"\(.dhcp.configuration) \(.dhcp.applied)"'
}

# pxe_dhcp_applied GEN: /healthz says serve placed configuration GEN's
# firmware and Kea took it.
pxe_dhcp_applied() { [ "$(pxe_healthz_dhcp)" = "$1 true" ]; }

# pxe_servers: Kea (on the file "podboot dhcp render" writes from the
# dhcp group), the relays, tftpd-hpa and podboot serve, each waited for,
# and serve's first DHCP pass (firmware placed, Kea in step).  Sets
# PXE_KEA_PID, PXE_SERVE_PID.
pxe_servers() {
	local sock=$PXE_DIR/kea.sock i
	mkdir -p "$PXE_DIR/tftp" && chmod 0755 "$PXE_DIR/tftp" || return 1
	"$PODBOOT" dhcp render --config "$PXE_SITE/podboot.conf" \
		--out "$PXE_DIR/kea.json" >"$PXE_DIR/render.log" 2>&1 ||
		{ cat "$PXE_DIR/render.log"; return 1; }
	# Kea skips an interface whose operstate is not yet UP (the kernel
	# sets it a moment after the link comes up, though pings pass)
	for i in wan-c wan2-c; do
		wait_up 10 "" sh -c "ip -n '$PXE_C' link show $i | grep -q 'state UP'" ||
			{ echo "$i is not up"; return 1; }
	done
	pxe_bg kea "$PXE_C" env KEA_PIDFILE_DIR="$PXE_DIR" \
		KEA_LOCKFILE_DIR="$PXE_DIR" kea-dhcp4 -c "$PXE_DIR/kea.json"
	PXE_KEA_PID=$PXE_LAST
	wait_up 20 "$PXE_KEA_PID" test -S "$sock" || { echo "kea-dhcp4 did not start"; return 1; }
	! grep -q DHCPSRV_NO_SOCKETS_OPEN "$PXE_DIR/kea.log" ||
		{ echo "kea-dhcp4 listens on no interface"; return 1; }
	pxe_bg relay "$PXE_R" dhcrelay -d -4 -iu wan-r -id pod-r 10.99.0.1
	PXE_RELAY_PID=$PXE_LAST
	pxe_bg relay2 "$PXE_R2" dhcrelay -d -4 -iu wan2-r -id pod2-r -id pod3-r 10.99.2.1
	wait_up 10 "$PXE_RELAY_PID" grep -q 'pod-r' "$PXE_DIR/relay.log" &&
		wait_up 10 "$PXE_LAST" grep -q 'Listening on LPF/pod3-r/' "$PXE_DIR/relay2.log" ||
		{ echo "dhcrelay did not start"; return 1; }
	# -L: foreground; -s: the boot file name is relative to the directory
	pxe_bg tftpd "$PXE_C" in.tftpd -L -v -s -a 10.99.0.1:69 "$PXE_DIR/tftp"
	PXE_TFTPD_PID=$PXE_LAST
	wait_up 10 "$PXE_TFTPD_PID" sh -c \
		"ip netns exec '$PXE_C' ss -Hlun 'sport = :69' | grep -q 10.99.0.1" ||
		{ echo "in.tftpd did not start"; return 1; }
	pxe_bg site/serve "$PXE_C" "$PODBOOT" serve --config "$PXE_SITE/podboot.conf"
	PXE_SERVE_PID=$PXE_LAST
	wait_up 20 "$PXE_SERVE_PID" pxe_nsx "$PXE_C" curl -s --cacert \
		"$PXE_SITE/keys/root.crt" -o /dev/null "https://10.99.0.1:$PXE_PORT/healthz" ||
		{ echo "podboot serve did not start"; return 1; }
	wait_up 60 "$PXE_SERVE_PID" pxe_dhcp_applied 1 ||
		{ echo "serve did not place the firmware and apply Kea: $(pxe_healthz_dhcp)"; return 1; }
}

# pxe_pod2_build FW: pod2's own build in $PXE_DIR/fw-pod2: FW's three
# files with the Authenticode signatures of ipxe.efi and snponly.efi
# removed (sbattach --remove), its own SHA256SUMS: a build made without
# UEFI_KEYS, as far as any firmware can tell.  podboot.conf names it as
# pod2's firmware_dir.
pxe_pod2_build() {
	local fw=$1 d=$PXE_DIR/fw-pod2 f
	mkdir -p "$d" && cp "$fw/undionly.kpxe" "$fw/snponly.efi" "$fw/ipxe.efi" "$d/" ||
		return 1
	for f in snponly.efi ipxe.efi; do
		sbattach --remove "$d/$f" >/dev/null || return 1
	done
	(cd "$d" && sha256sum undionly.kpxe snponly.efi ipxe.efi >SHA256SUMS) &&
		sed -i 's#^  { name = "pod2"; profile = "default";$#&\n    firmware_dir = "'"$d"'";#' \
			"$PXE_SITE/podboot.conf" &&
		grep -q "firmware_dir = \"$d\";" "$PXE_SITE/podboot.conf"
}

# pxe_tamper SIGNED OUT: OUT is SIGNED with one byte changed (flipped
# bits) a third of the way in, which lies before the Authenticode
# signature (the PE security directory's table at the end) and so under
# its digest; prints the offset.  Fails when the file has no signature or
# the byte would not be under it.
pxe_tamper() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
magic = struct.unpack_from("<H", data, pe + 24)[0]
dirs = pe + 24 + (96 if magic == 0x10B else 112)
sec_off, sec_len = struct.unpack_from("<II", data, dirs + 4 * 8)
off = len(data) // 3
if data[pe:pe + 4] != b"PE\0\0" or not sec_len or off >= sec_off:
    sys.exit("no signature, or offset %d not under it" % off)
data[off] ^= 0x20
open(sys.argv[2], "wb").write(data)
print(off)
PY
}

# pxe_pod3_build FW: pod3's own build in $PXE_DIR/fw-pod3: FW's three
# files, ipxe.efi and snponly.efi each with one byte changed under its
# signature (pxe_tamper), its own SHA256SUMS: a build altered after
# signing (or on its way), as the firmware sees it.  podboot.conf names
# it as pod3's firmware_dir.
pxe_pod3_build() {
	local fw=$1 d=$PXE_DIR/fw-pod3 f
	mkdir -p "$d" && cp "$fw/undionly.kpxe" "$d/" || return 1
	for f in snponly.efi ipxe.efi; do
		pxe_tamper "$fw/$f" "$d/$f" >"$d/$f.offset" || return 1
	done
	(cd "$d" && sha256sum undionly.kpxe snponly.efi ipxe.efi >SHA256SUMS) &&
		sed -i 's#^  { name = "pod3"; profile = "default";$#&\n    firmware_dir = "'"$d"'";#' \
			"$PXE_SITE/podboot.conf" &&
		grep -q "firmware_dir = \"$d\";" "$PXE_SITE/podboot.conf"
}

# pxe_build_checks FW: make firmware signed the build's EFI files with the
# site's UEFI key; pod2's copies carry no signature.
pxe_build_checks() {
	local fw=$1 crt=$PXE_SITE/keys/uefi-db.crt f
	for f in snponly.efi ipxe.efi; do
		check "pxe: the build's $f is signed with the site's UEFI key (sbverify)" \
			sbverify --cert "$crt" "$fw/$f"
		check "pxe: pod2's $f has no signature (sbverify --list)" \
			sh -c "! sbverify --list '$PXE_DIR/fw-pod2/$f' 2>/dev/null | grep -q '^signature [0-9]'"
		check "pxe: pod3's $f differs from the build's by one byte, at $(cat "$PXE_DIR/fw-pod3/$f.offset" 2>/dev/null)" \
			[ "$(cmp -l "$fw/$f" "$PXE_DIR/fw-pod3/$f" | wc -l)" = 1 ]
		check "pxe: and keeps the signature (sbverify --list), which no longer verifies (sbverify, podboot verify --uefi)" \
			sh -c "sbverify --list '$PXE_DIR/fw-pod3/$f' 2>/dev/null | grep -q '^signature 1' &&
				! sbverify --cert '$crt' '$PXE_DIR/fw-pod3/$f' >/dev/null 2>&1 &&
				! '$PODBOOT' verify --uefi '$PXE_DIR/fw-pod3/$f' --cert '$crt' >/dev/null 2>&1"
	done
	check "pxe: the kernel has a uefi variant (podboot publish)" \
		grep -q "^published demo-vmlinuz uefi variant sha256:[0-9a-f]\{64\}\$" \
		"$PXE_DIR/publish.log"
	check "pxe: Debian's own signature on the kernel is not one the snakeoil db admits" \
		sh -c "! '$PODBOOT' verify --uefi '$KERNEL' --cert '$crt'"
}

# pxe_placed_checks FW: what serve placed and serves is the build in FW,
# and pod2's own build in its directory.
pxe_placed_checks() {
	local fw=$1 url
	check "pxe: serve placed undionly.kpxe and snponly.efi in the TFTP root with the build's digests" \
		sh -c "cd '$PXE_DIR/tftp' && [ \$(sha256sum -c --ignore-missing '$fw/SHA256SUMS' | grep -c ': OK\$') = 2 ]"
	check "pxe: and pod2's build's in pod2/" \
		sh -c "cd '$PXE_DIR/tftp/pod2' && [ \$(sha256sum -c --ignore-missing '$PXE_DIR/fw-pod2/SHA256SUMS' | grep -c ': OK\$') = 2 ]"
	check "pxe: and pod3's build's in pod3/" \
		sh -c "cd '$PXE_DIR/tftp/pod3' && [ \$(sha256sum -c --ignore-missing '$PXE_DIR/fw-pod3/SHA256SUMS' | grep -c ': OK\$') = 2 ]"
	check "pxe: and nothing else there (ipxe.efi goes by HTTP; pod2/ and pod3/ are serve's)" \
		[ "$(cd "$PXE_DIR/tftp" && find . -mindepth 1 | LC_ALL=C sort | paste -sd' ')" = \
			"./pod2 ./pod2/.podboot ./pod2/snponly.efi ./pod2/undionly.kpxe ./pod3 ./pod3/.podboot ./pod3/snponly.efi ./pod3/undionly.kpxe ./snponly.efi ./undionly.kpxe" ]
	check "pxe: serve's plain listener serves pod2's unsigned ipxe.efi at /boot/fw/pod2/ipxe.efi" \
		sh -c "ip netns exec '$PXE_C' curl -sf 'http://10.99.0.1:$PXE_PLAIN_PORT/boot/fw/pod2/ipxe.efi' | sha256sum |
			grep -q \"^\$(awk '\$2 == \"ipxe.efi\" {print \$1}' '$PXE_DIR/fw-pod2/SHA256SUMS') \""
	url=http://10.99.0.1:$PXE_PLAIN_PORT/boot/fw/demo/ipxe.efi
	check "pxe: serve's plain listener serves the build's ipxe.efi at $url" \
		sh -c "ip netns exec '$PXE_C' curl -sf '$url' | sha256sum |
			grep -q \"^\$(awk '\$2 == \"ipxe.efi\" {print \$1}' '$fw/SHA256SUMS') \""
	check "pxe: the digests are recorded as an event" sh -c \
		"sqlite3 '$PXE_SITE/data/podboot.db' \"SELECT detail FROM events WHERE kind = 'firmware'\" |
			grep -q \"\$(awk '\$2 == \"undionly.kpxe\" {print \$1}' '$fw/SHA256SUMS')\""
}

# pxe_acks_check NAME MAC FILE [ADDR]: the first two DHCPACKs to MAC in
# NAME's capture: the firmware's named FILE, stage1's (user class
# podboot) none; both gave ADDR when it is set.
pxe_acks_check() {
	local got want="$3 -" what="Kea's ACK to the firmware named $3, to podboot's stage1 nothing"
	if [ -n "${4:-}" ]; then
		got=$(python3 "$HERE/dhcp-acks" --addr --mac "$2" "$RUN/$1.pcap" 2>&1 |
			head -2 | paste -sd' ')
		want="$4 $3 $4 -" what="$what, both $4"
	else
		got=$(python3 "$HERE/dhcp-acks" --mac "$2" "$RUN/$1.pcap" 2>&1 |
			head -2 | paste -sd' ')
	fi
	if [ "$got" = "$want" ]; then
		ok "pxe: $1: $what"
	else
		bad "pxe: $1: $what" "the ACKs: ${got:-none}"
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

# pxe_machine_start NAME MAC TAP NIC LIMIT STOP [QEMU ARGS...]: one
# machine (QEMU device NIC and its options, MAC, on TAP) boots in the
# background until it powers off, LIMIT seconds pass, or STOP (a regex,
# or "") shows on its console.  QEMU's status lands in $PXE_DIR/NAME.rc;
# the job's PID in PXE_JOB and PXE_JOBS.  PXE_QEMU_COMMON, when set,
# replaces boot.sh's QEMU_COMMON (the machine type) for this one.
pxe_machine_start() {
	local name=$1 mac=$2 tap=$3 nic=$4 limit=$5 stop=$6
	shift 6
	rm -f "$PXE_DIR/$name.rc"
	(
		# shellcheck disable=SC2034  # read by qemu_run (boot.sh)
		MAC=$mac QEMU_NIC=${nic%%,*} NIC_OPTS=
		QEMU_COMMON=${PXE_QEMU_COMMON:-$QEMU_COMMON}
		case $nic in *,*) NIC_OPTS=,${nic#*,} ;; esac
		# shellcheck disable=SC2034
		QEMU_NETDEV="tap,id=n0,ifname=$tap,script=no,downscript=no"
		qemu_run "$name" "$limit" "$stop" "$@"
		echo "$QEMU_RC" >"$PXE_DIR/$name.rc"
	) &
	PXE_JOB=$!
	PXE_JOBS="$PXE_JOBS $PXE_JOB"
}

# pxe_machine_wait NAME PID: machine job PID has ended; QEMU_RC is its
# status (124 when it ran out of time or never ran).
pxe_machine_wait() {
	wait "$2" 2>/dev/null
	QEMU_RC=$(cat "$PXE_DIR/$1.rc" 2>/dev/null || echo 124)
}

# pxe_bios_start NAME MAC TAP LIMIT STOP: a SeaBIOS machine with the
# e1000's PXE ROM network-boots (pxe_machine_start).
pxe_bios_start() {
	pxe_machine_start "$1" "$2" "$3" e1000 "$4" "$5" \
		-boot order=n,reboot-timeout=0
}

# pxe_uefi_start NAME NODE MAC TAP NIC STOP [QEMU ARGS...]: an OVMF
# machine (its NIC first in the boot order, QEMU device NIC and its
# options) installs NODE in the background, on TAP, until it powers off
# or STOP (a regex, or "") shows on its console.
pxe_uefi_start() {
	local name=$1 node=$2 mac=$3 tap=$4 nic=$5 stop=$6 limit=$BOOT_TIMEOUT
	shift 6
	[ -z "$stop" ] || limit=$SEC_TIMEOUT
	[ -r "$OVMF_CODE" ] && [ -r "$OVMF_VARS" ] ||
		{ bad "pxe: $name: OVMF at $OVMF_CODE (Debian package ovmf)"; return; }
	check "pxe: $name: node $node starts armed" \
		[ "$(NODE=$node node_state)" = armed ]
	pxe_ovmf_start "$name" "$mac" "$tap" "$nic" "$limit" "$stop" "$@"
}

# pxe_ovmf_start NAME MAC TAP NIC LIMIT STOP [QEMU ARGS...]: an OVMF
# machine (Secure Boot off, its own copy of the variables) boots in the
# background (pxe_machine_start).
pxe_ovmf_start() {
	local name=$1 mac=$2 tap=$3 nic=$4 limit=$5 stop=$6
	shift 6
	cp "$OVMF_VARS" "$PXE_DIR/$name-vars.fd"
	pxe_machine_start "$name" "$mac" "$tap" "$nic" "$limit" "$stop" \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$PXE_DIR/$name-vars.fd" "$@"
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
	pxe_echo_check "$name" "$mac" "offer - ack - offer - ack -" \
		"no vendor class (option 60) in Kea's OFFERs and ACKs to UEFI PXE"
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	check "pxe: $name: Kea leased it in pod demo's subnet" \
		grep -q "^10\.10\.1\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	NODE=$node sec_install_checks "$name"
	PXE_TR2=$(NODE=$node node_transitions | paste -sd, -)
}

# pxe_uefi_again_start NAME FROM MAC TAP: the UEFI PXE machine of boot
# FROM boots again in the background, on its own variables (OVMF keeps
# the boot options it made the first time), until stage2 says it has no
# install for it.
pxe_uefi_again_start() {
	local name=$1 from=$2 mac=$3 tap=$4
	pxe_machine_start "$name" "$mac" "$tap" e1000,bootindex=1 "$SEC_TIMEOUT" \
		"no install pending for this machine; booting the local disk" \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$PXE_DIR/$from-vars.fd"
}

# pxe_uefi_again_checks NAME NODE MAC: the UEFI PXE machine's second boot
# got snponly.efi again and then the local-boot script (back to the
# firmware's boot order); no installer, no new transition of NODE.
pxe_uefi_again_checks() {
	local name=$1 node=$2 mac=$3 log=$RUN/serial-$1.log
	check "pxe: $name: ended within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $name: the ROM fetched snponly.efi by TFTP again" \
		sh -c "grep -aq 'tftp://10\.99\.0\.1/snponly\.efi' '$log' &&
			grep -aq 'snponly.efi : [0-9]* bytes \[EFI\]' '$log'"
	pxe_acks_check "$name" "$mac" snponly.efi
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	pxe_local_boot_checks "$name" "$node" "$PXE_TR2"
}

# pxe_local_boot_checks NAME NODE TRANSITIONS: a second boot of an
# installed machine: stage1 verified stage2, which was the local-boot
# script; no installer ran, NODE is still installed and its transitions
# are still TRANSITIONS (as after its install).
pxe_local_boot_checks() {
	local name=$1 node=$2 log=$RUN/serial-$1.log n
	check "pxe: $name: stage1 verified stage2" in_file "podboot: stage2 verified" "$log"
	check "pxe: $name: stage2 was the local-boot script, handed back to the firmware" \
		sh -c "grep -aq 'podboot: no install pending for this machine' '$log' &&
			grep -aq 'podboot: stage2 ended without booting' '$log'"
	check "pxe: $name: no installer ran" \
		sh -c "! grep -aqE 'PODBOOT-E2E|podboot: installing' '$log'"
	check "pxe: $name: $node is still installed" [ "$(NODE=$node node_state)" = installed ]
	n=$(NODE=$node node_transitions | paste -sd, -)
	check "pxe: $name: no new transition of $node" [ "$n" = "$3" ]
}

# pxe_http_checks NAME NODE MAC: UEFI HTTP Boot got ipxe.efi from podboot
# serve by the URL Kea handed out, and podboot's chain ran in it to
# installed (the initrd drives OVMF's virtio-net too).
pxe_http_checks() {
	local name=$1 node=$2 mac=$3 log=$RUN/serial-$1.log url
	url=http://10.99.0.1:$PXE_PLAIN_PORT/boot/fw/demo/ipxe.efi
	[ -f "$PXE_DIR/$name-vars.fd" ] || return 0
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	check "pxe: $name: Kea leased it in pod demo's subnet" \
		grep -q "^10\.10\.1\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	pxe_echo_check "$name" "$mac" "offer HTTPClient ack HTTPClient offer - ack -" \
		"Kea's OFFER and ACK to the firmware echoed vendor class HTTPClient (option 60), to stage1 none"
	pxe_acks_check "$name" "$mac" "$url"
	check "pxe: $name: OVMF fetched ipxe.efi from podboot serve (HTTP Boot)" \
		in_file "GET /boot/fw/demo/ipxe\\.efi HTTP/1\\.1" "$RUN/$name.pcap"
	check "pxe: $name: iPXE's request for autoexec.ipxe beside it got 404" \
		grep -q "GET /boot/fw/demo/autoexec.ipxe -> 404" "$PXE_SITE/serve.log"
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	check "pxe: $name: the kernel drove the virtio-net NIC (its module from the initrd)" \
		in_file "PODBOOT-E2E: network up: 10\\.10\\.1\\." "$log"
	NODE=$node sec_install_checks "$name" "$PXE_HTTP_PLAIN"
	PXE_TR3=$(NODE=$node node_transitions | paste -sd, -)
}

# pxe_http_again_checks NAME NODE: the HTTP Boot machine's second boot
# got local boot (back to the firmware's boot order), nothing moved.
pxe_http_again_checks() {
	local name=$1 node=$2 log=$RUN/serial-$1.log
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	check "pxe: $name: ended within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $name: OVMF fetched ipxe.efi by UEFI HTTP Boot again" \
		in_file "GET /boot/fw/demo/ipxe\\.efi HTTP/1\\.1" "$RUN/$name.pcap"
	pxe_local_boot_checks "$name" "$node" "$PXE_TR3"
}

# pxe_sb_start NAME NODE MAC TAP LIMIT STOP [QEMU ARGS...]: a Secure Boot
# machine (secboot.sh's: q35 with SMM, Debian's OVMF secboot code on a
# secure pflash, its own copy of the snakeoil variables), OVMF's own
# virtio-net first in its boot order with no ROM and IPv6 PXE off, boots
# NODE in the background on TAP (pxe_machine_start).
pxe_sb_start() {
	local name=$1 node=$2 mac=$3 tap=$4 limit=$5 stop=$6
	shift 6
	[ -r "$SB_OVMF_CODE" ] && [ -r "$SB_OVMF_VARS" ] ||
		{ bad "pxe: $name: OVMF Secure Boot at $SB_OVMF_CODE (Debian package ovmf)"; return; }
	check "pxe: $name: node $node starts armed" \
		[ "$(NODE=$node node_state)" = armed ]
	cp "$SB_OVMF_VARS" "$PXE_DIR/$name-vars.fd"
	PXE_QEMU_COMMON="-machine q35,smm=on -m 512 -smp 1 -no-user-config
		-nodefaults -display none -monitor none -no-reboot
		-global driver=cfi.pflash01,property=secure,value=on" \
		pxe_machine_start "$name" "$mac" "$tap" \
		virtio-net-pci,romfile=,bootindex=1 "$limit" "$stop" \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$SB_OVMF_CODE" \
		-drive "if=pflash,format=raw,unit=1,file=$PXE_DIR/$name-vars.fd" \
		-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n "$@"
}

# pxe_sb_install_checks NAME NODE MAC HOW: a Secure Boot machine (profile
# secure) went to installed through the relay: OVMF verified podboot's
# signed first stage (HOW: pxe, snponly.efi by TFTP; http, ipxe.efi by
# UEFI HTTP Boot) and the kernel's uefi variant.
pxe_sb_install_checks() {
	local name=$1 node=$2 mac=$3 how=$4 log=$RUN/serial-$1.log url
	url=http://10.99.0.1:$PXE_PLAIN_PORT/boot/fw/demo/ipxe.efi
	[ -f "$PXE_DIR/$name-vars.fd" ] || return 0
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	if [ "$how" = pxe ]; then
		check "pxe: $name: OVMF fetched snponly.efi by TFTP (UEFI PXE) through the relay" \
			in_file "NBP filename is snponly\\.efi" "$log"
		check "pxe: $name: OVMF verified and started it under Secure Boot" \
			in_file 'starting Boot[0-9A-F]{4} "UEFI PXEv4' "$log"
		pxe_acks_check "$name" "$mac" snponly.efi
	else
		check "pxe: $name: OVMF fetched ipxe.efi from podboot serve (UEFI HTTP Boot)" \
			in_file "GET /boot/fw/demo/ipxe\\.efi HTTP/1\\.1" "$RUN/$name.pcap"
		check "pxe: $name: OVMF verified and started it under Secure Boot" \
			in_file 'starting Boot[0-9A-F]{4} "UEFI HTTPv4' "$log"
		pxe_acks_check "$name" "$mac" "$url"
		pxe_echo_check "$name" "$mac" "offer HTTPClient ack HTTPClient offer - ack -" \
			"Kea's OFFER and ACK to the firmware echoed vendor class HTTPClient (option 60), to stage1 none"
	fi
	check "pxe: $name: no boot option was refused on the way" \
		sh -c "! grep -aq 'Access Denied' '$log'"
	check "pxe: $name: podboot's stage1 ran as UEFI (efi x86_64)" \
		in_file "podboot stage1: .*\\(efi x86_64\\)" "$log"
	check "pxe: $name: the kernel (its uefi variant, loaded by UEFI's LoadImage) saw Secure Boot on" \
		in_file "secureboot: Secure boot enabled" "$log"
	check "pxe: $name: Kea leased it in pod demo's subnet" \
		grep -q "^10\\.10\\.1\\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	if [ "$how" = pxe ]; then
		NODE=$node sec_install_checks "$name"
	else
		NODE=$node sec_install_checks "$name" "$PXE_HTTP_PLAIN"
	fi
}

# pxe_echo_check NAME MAC WANT WHAT: the vendor classes (option 60) of the
# first two exchanges' OFFERs and ACKs to MAC in NAME's capture, repeats
# folded ("offer X ack X offer Y ack Y", "-" for none), are WANT.
pxe_echo_check() {
	local got
	got=$(python3 "$HERE/dhcp-acks" --vendor --mac "$2" "$RUN/$1.pcap" 2>&1 |
		uniq | head -4 | paste -sd' ')
	if [ "$got" = "$3" ]; then
		ok "pxe: $1: $4"
	else
		bad "pxe: $1: $4" "the replies' vendor classes: ${got:-none}"
	fi
}

# pxe_sb_refused_checks NAME NODE MAC POD HOW: the Secure Boot machine
# behind router2 got POD's snponly.efi (HOW: unsigned, or tampered) by
# UEFI PXE and its ipxe.efi by UEFI HTTP Boot; OVMF refused both, nothing
# of podboot's ran, and NODE stays armed.
pxe_sb_refused_checks() {
	local name=$1 node=$2 mac=$3 pod=$4 how=$5 log=$RUN/serial-$1.log m net
	local url=http://10.99.0.1:$PXE_PLAIN_PORT/boot/fw/$4/ipxe.efi
	m=$(echo "$mac" | tr -d : | tr 'a-f' 'A-F')
	net=${pod#pod}
	[ -f "$PXE_DIR/$name-vars.fd" ] || return 0
	QEMU_RC=$(cat "$PXE_DIR/$name.rc" 2>/dev/null || echo 124)
	check "pxe: $name: OVMF tried both within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $name: Kea leased it in $pod's subnet" \
		grep -q "^10\\.10\\.$net\\.[0-9]*,$mac," "$PXE_DIR/leases.csv"
	check "pxe: $name: Kea's ACKs named $pod's snponly.efi (UEFI PXE), then $pod's ipxe.efi (HTTP Boot)" \
		[ "$(python3 "$HERE/dhcp-acks" --mac "$mac" "$RUN/$name.pcap" | uniq | paste -sd' ')" = \
			"$pod/snponly.efi $url" ]
	pxe_echo_check "$name" "$mac" "offer - ack - offer HTTPClient ack HTTPClient" \
		"Kea echoed vendor class HTTPClient to HTTP Boot only (option 60 of the OFFERs and ACKs)"
	check "pxe: $name: OVMF fetched $pod's $how snponly.efi by TFTP (UEFI PXE)" \
		sh -c "grep -aq 'NBP filename is $pod/snponly.efi' '$log' &&
			grep -aq 'NBP file downloaded successfully' '$log'"
	check "pxe: $name: and refused it: \"Access Denied\"" \
		in_file "failed to load Boot[0-9A-F]{4} \"UEFI PXEv4 \\(MAC:$m\\)\".*: Access Denied" "$log"
	check "pxe: $name: OVMF fetched $pod's $how ipxe.efi from podboot serve (UEFI HTTP Boot)" \
		in_file "GET /boot/fw/$pod/ipxe\\.efi HTTP/1\\.1" "$RUN/$name.pcap"
	check "pxe: $name: and refused it: \"Access Denied\"" \
		in_file "failed to load Boot[0-9A-F]{4} \"UEFI HTTPv4 \\(MAC:$m\\)\".*: Access Denied" "$log"
	check "pxe: $name: iPXE never ran (no banner, no podboot line)" \
		sh -c "! grep -aqE 'iPXE [0-9]|podboot' '$log'"
	check "pxe: $name: $node stays armed" [ "$(NODE=$node node_state)" = armed ]
	check "pxe: $name: no transition of $node" [ -z "$(NODE=$node node_transitions)" ]
}

# pxe_pod2_checks NAME: the machine behind router2 got pod2's address and
# pod2's stage2.
pxe_pod2_checks() {
	local name=$1 log=$RUN/serial-$1.log
	check "pxe: $name: stage2 ran within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "pxe: $name: Kea leased it in pod2's subnet" \
		grep -q "^10\.10\.2\.[0-9]*,$PXE_POD2_MAC," "$PXE_DIR/leases.csv"
	check "pxe: $name: the ROM took pod2's address (10.10.2.100-150)" \
		in_file "10\\.10\\.2\\.(1[0-4][0-9]|150)" "$log"
	check "pxe: $name: its answers came back through router2's relay" \
		grep -q "Forwarded BOOTREPLY for $PXE_POD2_MAC" "$PXE_DIR/relay2.log"
	check "pxe: $name: not through pod demo's" \
		sh -c "! grep -q 'for $PXE_POD2_MAC' '$PXE_DIR/relay.log'"
	pxe_acks_check "$name" "$PXE_POD2_MAC" pod2/undionly.kpxe
	check "pxe: $name: stage1 verified pod2's stage2: the install script of pod2-1 in pod pod2" \
		sh -c "grep -aq 'podboot: stage2 verified' '$log' &&
			grep -aq 'podboot: installing pod2-1 in pod pod2' '$log'"
	check "pxe: $name: the API shows pod2-1 of pod pod2 booting" \
		[ "$(api /api/v1/nodes/pod2-1 | jq -r '"\(.pod) \(.state)"')" = "pod2 booting" ]
}

# pxe_discovered ID: the status API lists ID among the discovered nodes.
pxe_discovered() {
	api "/api/v1/nodes?state=discovered" | jq -e --arg id "$1" \
		'[.[] | .id] | index($id) != null' >/dev/null
}

# pxe_kea_same: the kea-dhcp4 started at first still runs and its PID
# file names it (never restarted).
pxe_kea_same() {
	kill -0 "$PXE_KEA_PID" 2>/dev/null &&
		[ "$(cat "$PXE_DIR/kea.kea-dhcp4.pid" 2>/dev/null)" = "$PXE_KEA_PID" ]
}

# pxe_new_first NAME: the unknown machine's first boot, stopped as its ROM
# starts fetching undionly.kpxe (after Kea's ACK, before any stage2): its
# lease alone makes it discovered.
pxe_new_first() {
	local name=$1 id=mac-${PXE_NEW_MAC//:/}
	check "pxe: $name: $PXE_NEW_MAC is not a node yet" \
		sh -c "! sqlite3 '$PXE_SITE/data/podboot.db' \"SELECT 1 FROM nodes WHERE id = '$id'\" | grep -q 1"
	pxe_bios_start "$name" "$PXE_NEW_MAC" tap4 "$SEC_TIMEOUT" \
		"tftp://10\\.99\\.0\\.1/undionly\\.kpxe"
	pxe_machine_wait "$name" "$PXE_JOB"
	check "pxe: $name: the ROM got a lease and started its TFTP fetch" \
		in_file "tftp://10\\.99\\.0\\.1/undionly\\.kpxe" "$RUN/serial-$name.log"
	check "pxe: $name: Kea leased it from pod demo's pool" \
		grep -qE "^10\.10\.1\.(1[0-4][0-9]|150),$PXE_NEW_MAC," "$PXE_DIR/leases.csv"
	check "pxe: $name: /api/v1/nodes?state=discovered lists $id from its lease" \
		wait_up 30 "$PXE_SERVE_PID" pxe_discovered "$id"
	check "pxe: $name: recorded from its DHCP lease, not a stage2 request" \
		sh -c "sqlite3 '$PXE_SITE/data/podboot.db' \
			\"SELECT detail FROM events WHERE kind = 'discover' AND subject = '$id'\" |
			grep -q '^from its DHCP lease 10\.10\.1\.'"
}

# pxe_new_reload: podboot.conf names the new machine (demo-9, reserved
# 10.10.1.19); a SIGHUP reaches the same kea-dhcp4.
pxe_new_reload() {
	local c=$PXE_SITE/podboot.conf
	perl -0pi -e 's/(\nnodes = \(\n.*?)\n\);/$1,\n  { mac = "'"$PXE_NEW_MAC"'"; hostname = "demo-9"; pod = "demo";\n    address = "10.10.1.19"; }\n);/s' "$c"
	check "pxe: podboot.conf names $PXE_NEW_MAC as demo-9 now" \
		grep -q 'hostname = "demo-9"' "$c"
	kill -HUP "$PXE_SERVE_PID"
	check "pxe: a SIGHUP reaches Kea (configuration 2 applied, /healthz)" \
		wait_up 60 "$PXE_SERVE_PID" pxe_dhcp_applied 2
	check "pxe: the same kea-dhcp4 runs it (PID $PXE_KEA_PID, never restarted)" \
		pxe_kea_same
	check "pxe: Kea's own file holds the reservation now (config-write)" \
		grep -q '"10.10.1.19"' "$PXE_DIR/kea.json"
}

# pxe_new_again_checks NAME: the new machine's next boot got its
# reservation and its install script.
pxe_new_again_checks() {
	local name=$1 log=$RUN/serial-$1.log
	check "pxe: $name: stage2 ran within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	pxe_acks_check "$name" "$PXE_NEW_MAC" undionly.kpxe 10.10.1.19
	check "pxe: $name: Kea leased it its reserved 10.10.1.19" \
		grep -q "^10\.10\.1\.19,$PXE_NEW_MAC," "$PXE_DIR/leases.csv"
	check "pxe: $name: stage1 verified stage2: the install script of demo-9" \
		sh -c "grep -aq 'podboot: stage2 verified' '$log' &&
			grep -aq 'podboot: installing demo-9 in pod demo' '$log'"
	check "pxe: $name: kea-dhcp4 is still the one started first" pxe_kea_same
}

# pxe_bios_install_checks NAME: the BIOS machine's install (demo-1).
pxe_bios_install_checks() {
	local name=$1 log=$RUN/serial-$1.log
	check "pxe: the BIOS ROM asked for undionly.kpxe by TFTP (architecture 0)" \
		in_file "undionly\.kpxe" "$RUN/$name.pcap"
	check "pxe: the e1000's PXE ROM took an address of pod demo through the relay" \
		in_file "10\\.10\\.1\\.(1[0-4][0-9]|150)" "$log"
	check "pxe: the ROM fetched undionly.kpxe from the central by TFTP" \
		in_file "tftp://10\\.99\\.0\\.1/undionly\\.kpxe" "$log"
	check "pxe: podboot's stage1 ran from it" in_file "podboot stage1:" "$log"
	check "pxe: Kea leased it in pod demo's subnet" \
		grep -q '^10\.10\.1\.[0-9]*,52:54:00:00:00:01,' "$PXE_DIR/leases.csv"
	check "pxe: its answers came back through the relay" \
		grep -q "Forwarded BOOTREPLY for $MAC" "$PXE_DIR/relay.log"
	pxe_acks_check "$name" "$MAC" undionly.kpxe
	sec_install_checks "$name"
	PXE_TR1=$(node_transitions | paste -sd, -)
}

# pxe_jobs_wait: the background machines have ended.
pxe_jobs_wait() {
	local p
	for p in $PXE_JOBS; do wait "$p" 2>/dev/null; done
	PXE_JOBS=
}

# pxe_boots: first the BIOS and UEFI installs, pod2's machine, the
# Secure Boot machine behind router2 (refused) and the new machine's
# first boot side by side; the reload that names the new machine; then
# its next boot, pod3's Secure Boot machine (refused) in pod2's machine's
# place, the BIOS machine's second boot, UEFI HTTP Boot and the two
# Secure Boot installs side by side; the UEFI PXE machine's second boot
# beside HTTP Boot's second boot.
pxe_boots() {
	local bios pod2 new http uefi='' tampered=''
	check "pxe: node $NODE starts armed" [ "$(node_state)" = armed ]
	if [ "${PXE_UEFI:-1}" != 0 ]; then
		pxe_uefi_start pxe-uefi-install demo-2 52:54:00:00:00:02 tap1 \
			e1000,bootindex=1 ""
		[ ! -f "$PXE_DIR/pxe-uefi-install-vars.fd" ] || uefi=$PXE_JOB
	fi
	pxe_bios_start pxe-bios-install "$MAC" tap0 "$BOOT_TIMEOUT" ""
	bios=$PXE_JOB
	pxe_bios_start pxe-pod2 "$PXE_POD2_MAC" tap3 "$SEC_TIMEOUT" \
		"podboot: installing pod2-1 in pod pod2"
	pod2=$PXE_JOB
	# Secure Boot behind router2: UEFI PXE, then UEFI HTTP Boot of pod2's
	# unsigned build (OVMF's boot order); stopped once it refused the
	# second (what is left is HTTP Boot over IPv6, which has no server).
	[ "${PXE_SB:-1}" = 0 ] ||
		pxe_sb_start pxe-sb-refused pod2-2 "$PXE_SB_BAD_MAC" tap7 \
			"$SEC_TIMEOUT" 'failed to load Boot[0-9A-F]{4} "UEFI HTTPv4 .*: Access Denied'
	pxe_new_first pxe-new-first
	pxe_new_reload
	lap "pxe: the new machine's first boot, discovered, reload"
	pxe_bios_start pxe-new-again "$PXE_NEW_MAC" tap4 "$SEC_TIMEOUT" \
		"podboot: installing demo-9 in pod demo"
	new=$PXE_JOB
	pxe_machine_wait pxe-pod2 "$pod2"
	pxe_pod2_checks pxe-pod2
	# the same, pod3's build: each EFI file signed, then one byte changed
	if [ "${PXE_SB:-1}" != 0 ]; then
		pxe_sb_start pxe-sb-tampered pod3-1 "$PXE_SB_TAMPERED_MAC" tap8 \
			"$SEC_TIMEOUT" 'failed to load Boot[0-9A-F]{4} "UEFI HTTPv4 .*: Access Denied'
		[ ! -f "$PXE_DIR/pxe-sb-tampered-vars.fd" ] || tampered=$PXE_JOB
	fi
	pxe_machine_wait pxe-bios-install "$bios"
	pxe_bios_install_checks pxe-bios-install
	lap "pxe: BIOS PXE install (and pod2's machine)"
	# UEFI HTTP Boot: OVMF's own network stack (virtio-net, no iPXE ROM)
	# with its PXE turned off, to installed (the initrd loads virtio_net).
	http=
	if [ "${PXE_HTTP:-1}" != 0 ]; then
		pxe_uefi_start pxe-http-boot demo-3 52:54:00:00:00:03 tap2 \
			virtio-net-pci,romfile=,bootindex=1 "" \
			-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n \
			-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n
		http=$PXE_JOB
	fi
	# Secure Boot (profile secure) in pod demo: UEFI PXE of the signed
	# snponly.efi, and UEFI HTTP Boot of the signed ipxe.efi.
	if [ "${PXE_SB:-1}" != 0 ]; then
		pxe_sb_start pxe-sb-pxe demo-4 "$PXE_SB_PXE_MAC" tap5 \
			"$((BOOT_TIMEOUT + 120))" ""
		pxe_sb_start pxe-sb-http demo-5 "$PXE_SB_HTTP_MAC" tap6 \
			"$((BOOT_TIMEOUT + 120))" "" \
			-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n
	fi
	if [ "$(node_state)" = installed ]; then
		pxe_bios_start pxe-bios-again "$MAC" tap0 "$SEC_TIMEOUT" \
			"stage2 ended without booting"
		pxe_machine_wait pxe-bios-again "$PXE_JOB"
		pxe_again_checks pxe-bios-again
		lap "pxe: BIOS PXE again"
	else
		bad "pxe: pxe-bios-again: skipped, the install did not complete"
	fi
	pxe_machine_wait pxe-new-again "$new"
	pxe_new_again_checks pxe-new-again
	# UEFI PXE's install, then its second boot (its own variables) beside
	# HTTP Boot's
	if [ -n "$uefi" ]; then
		pxe_machine_wait pxe-uefi-install "$uefi"
		pxe_uefi_checks pxe-uefi-install demo-2 52:54:00:00:00:02 \
			"OVMF asked for snponly.efi by TFTP (architecture 7)" "snponly\\.efi"
		lap "pxe: UEFI PXE install (waited for)"
		if [ "$(NODE=demo-2 node_state)" = installed ]; then
			pxe_uefi_again_start pxe-uefi-again pxe-uefi-install \
				52:54:00:00:00:02 tap1
			uefi=$PXE_JOB
		else
			uefi=
			bad "pxe: pxe-uefi-again: skipped, the install did not complete"
		fi
	fi
	if [ -n "$http" ]; then
		pxe_machine_wait pxe-http-boot "$http"
		pxe_http_checks pxe-http-boot demo-3 52:54:00:00:00:03
		lap "pxe: UEFI HTTP Boot install"
		if [ "$(NODE=demo-3 node_state)" = installed ]; then
			# (stopped by stage2's line: stage1's own lines are in
			# ipxe.efi, which the capture holds)
			pxe_ovmf_start pxe-http-again 52:54:00:00:00:03 tap2 \
				virtio-net-pci,romfile=,bootindex=1 "$SEC_TIMEOUT" \
				"no install pending for this machine; booting the local disk" \
				-fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=n \
				-fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=n
			pxe_machine_wait pxe-http-again "$PXE_JOB"
			pxe_http_again_checks pxe-http-again demo-3
			lap "pxe: UEFI HTTP Boot again"
		else
			bad "pxe: pxe-http-again: skipped, the install did not complete"
		fi
	fi
	if [ -n "$uefi" ]; then
		pxe_machine_wait pxe-uefi-again "$uefi"
		pxe_uefi_again_checks pxe-uefi-again demo-2 52:54:00:00:00:02
		lap "pxe: UEFI PXE again (waited for)"
	fi
	pxe_jobs_wait
	pxe_sb_install_checks pxe-sb-pxe demo-4 "$PXE_SB_PXE_MAC" pxe
	pxe_sb_install_checks pxe-sb-http demo-5 "$PXE_SB_HTTP_MAC" http
	pxe_sb_refused_checks pxe-sb-refused pod2-2 "$PXE_SB_BAD_MAC" pod2 unsigned
	[ -z "$tampered" ] ||
		pxe_sb_refused_checks pxe-sb-tampered pod3-1 "$PXE_SB_TAMPERED_MAC" pod3 tampered
	lap "pxe: Secure Boot installs and refusals (waited for)"
}

# pxe_leg: wait for the firmware, build the network, start the servers,
# boot.  The status API is reached inside the central namespace.
pxe_leg() {
	local why fw
	leg_has_ipxe pxe || return
	why=$(pxe_can)
	if [ -n "$why" ]; then
		leg_skip pxe "$why"
		return
	fi
	pxe_can >/dev/null	# (again in this shell: PXE_LEASE_CMDS)
	# (pxe_prepare said why)
	[ -n "$PXE_SITE" ] && [ -n "$PXE_FW_PID" ] || return
	WAN_LINK=$TOP/test/integration/tools/wan-link
	wait "$PXE_FW_PID"
	PXE_FW_PID=
	say "pxe: make firmware: $(cat "$RUN/fw-pxe.secs" 2>/dev/null)s (log $RUN/firmware-pxe.log)"
	fw=$PXE_DIR/fw/firmware
	check "pxe: make firmware built undionly.kpxe" [ -s "$fw/undionly.kpxe" ] ||
		{ bad "pxe: firmware" "$(tail -10 "$RUN/firmware-pxe.log")"; return; }
	check "pxe: pod2's own build: the same files, unsigned" pxe_pod2_build "$fw"
	check "pxe: pod3's own build: the same files, one byte changed under each EFI file's signature" \
		pxe_pod3_build "$fw"
	pxe_build_checks "$fw"
	pxe_dhcp_conf
	check "pxe: podboot serve --check takes the dhcp group" \
		"$PODBOOT" serve --check --config "$PXE_SITE/podboot.conf"
	lap "pxe: firmware (waited for)"
	if ! pxe_net >"$PXE_DIR/net.log" 2>&1; then
		bad "pxe: namespaces, WAN and pod bridges" "$(tail -5 "$PXE_DIR/net.log")"
		return
	fi
	pxe_wan_say
	check "pxe: the WAN ($PXE_WAN, ${PXE_WAN_DELAY} ms each way) carries traffic" \
		wait_up 20 "" pxe_nsx "$PXE_C" busybox ping -c 1 -W 2 10.99.0.2
	check "pxe: so does pod2's WAN link" \
		wait_up 20 "" pxe_nsx "$PXE_C" busybox ping -c 1 -W 2 10.99.2.2
	if ! pxe_servers >"$PXE_DIR/servers.log" 2>&1; then
		bad "pxe: kea-dhcp4, dhcrelay, in.tftpd and podboot serve started" \
			"$(tail -5 "$PXE_DIR/servers.log"; tail -n 3 "$PXE_DIR"/*.log)"
		return
	fi
	ok "pxe: kea-dhcp4, two dhcrelays, in.tftpd and podboot serve run in their namespaces"
	pxe_placed_checks "$fw"
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
	pxe_boots
	QEMU_IN=
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
	for n in "$PXE_C" "$PXE_R" "$PXE_R2" "$PXE_P" "$PXE_W"; do
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
