#!/bin/bash
# boot.sh: end-to-end test of podboot serve with a real machine in QEMU.
#
# CI variant (always runs): QEMU's own network boot ROM (Debian's ipxe-qemu,
# an old iPXE without HTTPS or imgverify) DHCPs from QEMU's user network,
# fetches a tiny stand-in stage1 by TFTP, and chains stage2 from the plain
# HTTP listener (loopback; the demo pod allows unverified boot).  Stage2
# boots a Debian kernel and a busybox initrd (test/e2e/init.sh) that fetches
# the kickstart and reports "installed".  A second boot of the same machine
# must get the local-boot script and no installer.
#
# Secure leg (IPXE_SRC=/path/to/upstream/ipxe or its tarball;
# test/e2e/secure.sh, sourced): podboot's own firmware from "make firmware"
# and "make media", BIOS and UEFI, RSA and ECDSA sites, every tampering
# refused with iPXE's error code; E2E_REQUIRE_SECURE=1 (CI) fails the run
# without IPXE_SRC.
#
# Debian iPXE leg (runs when the Debian archive of the system's apt sources
# answers, or from E2E_CACHE):
# Debian trixie's own iPXE build (with HTTPS, without imgverify), fetched
# with apt-get by scripts/fetch-debian-ipxe, trusting the site's root.  It
# fetches stage2 and its signature from podboot serve over HTTPS and boots
# them into the test initrd, which prints their bytes: they must equal what
# curl gets and verify.  Trusting another root, or against a certificate
# that does not name 10.0.2.2, iPXE must refuse the server and the node
# stays armed.
# This proves real iPXE completes TLS with podboot serve; signature
# checking in firmware is covered only by the secure variant.
#
# Networking is QEMU user mode (slirp) only: the guest reaches the host's
# 127.0.0.1 as 10.0.2.2.  Every QEMU run has a hard timeout; the server and
# QEMU are stopped by PID.  Prints ok/FAIL lines, ends with
# "e2e: N passed, M failed" and exits non-zero on any failure.
#
# PXE leg (IPXE_SRC; test/e2e/pxe.sh, sourced): a stock SeaBIOS machine
# PXE-boots through a pod's dhcrelay and an emulated WAN from Kea with
# podboot's generated configuration, tftpd-hpa and podboot serve in network
# namespaces, into podboot's signed chain.
#
# Secure Boot leg (IPXE_SRC; test/e2e/secboot.sh, sourced): OVMF with
# Secure Boot on boots podboot's UEFI-signed iPXE to installed; unsigned
# and tampered EFI binaries, and a kernel with a broken signature, refused.
#
# BMC leg (IPXE_SRC; test/e2e/bmc.sh, sourced): "podboot bmc reinstall"
# takes a libvirt QEMU machine behind sushy-tools (Redfish) from installed
# through the pod's ISO as a virtual DVD and the signed chain to installed.
#
# Pod cache leg (IPXE_SRC; test/e2e/cache.sh, sourced): two machines at
# once through the signed chain, in pods whose stage2 tries a cache first:
# one installs with kernel and initrd from podboot-agent --relay
# --cache-dir; the other's cache is a compromised relay serving a kernel
# with one byte changed, which the firmware refuses before stage2 fetches
# it from the central server and the machine installs.
#
# Environment: E2E_ONLY (secure: only the secure leg; pxe: only the PXE
# leg; secboot: only the Secure Boot leg; bmc: only the BMC leg; cache:
# only the pod cache leg), PODBOOT (default
# build/podboot), E2E_CACHE (build/e2e-cache:
# kernel package and Debian's iPXE, kept across runs), E2E_RUN
# (build/e2e-run: this run's site, logs and packet captures, kept for
# inspection), E2E_NIC (e1000 or virtio), E2E_ACCEL (kvm or tcg; default
# kvm if a probe boot under KVM works, which it does not in every nested
# VM), E2E_TIMEOUT (seconds for the install boot), IPXE_SRC,
# E2E_DEBIAN_IPXE (0: skip the Debian iPXE leg), E2E_DEBIAN_IPXE_VERSION
# (that version of Debian's ipxe package; default: the one in E2E_CACHE,
# else trixie's current one), E2E_REQUIRE_DEBIAN_IPXE (1: an unreachable
# archive fails the run instead of skipping the leg), DEBIAN_MIRROR (for
# scripts/fetch-debian-ipxe).
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/test/e2e
# port_pick, wait_up: starting servers, as the other suites do.
. "$TOP/test/start-lib.sh"
PODBOOT=${PODBOOT:-$TOP/build/podboot}
AGENT_STATIC=${AGENT_STATIC:-$TOP/build/podboot-agent-static}
CACHE=${E2E_CACHE:-$TOP/build/e2e-cache}
RUN=${E2E_RUN:-$TOP/build/e2e-run}
NIC=${E2E_NIC:-e1000}
MAC=52:54:00:00:00:01
MAC_RE=52%3A54%3A00%3A00%3A00%3A01	# as iPXE sends it in a query
NODE=demo-1

PASS=0
FAIL=0
SERVER_PID=
QEMU_PID=
NIC_OPTS=	# more -device options of the NIC
T_START=$(date +%s)

say() { echo "e2e: $*"; }

ok() { PASS=$((PASS + 1)); echo "ok   - $1"; }
bad() {
	FAIL=$((FAIL + 1)); echo "FAIL - $1"
	[ $# -gt 1 ] && printf '%s\n' "$2" | head -20 | sed 's/^/       | /'
	return 0
}
# check DESC CMD...: CMD must succeed.
# leg_skip LEG WHY: LEG cannot run here because WHY.  With
# E2E_REQUIRE_SECURE=1 (CI) that is a failure, else a skip that says so.
leg_skip() {
	if [ "${E2E_REQUIRE_SECURE:-0}" = 1 ]; then
		bad "$1: $2 (E2E_REQUIRE_SECURE=1: this leg may not skip)"
	else
		say "$1 leg skipped: $2"
	fi
}

# leg_has_ipxe LEG: 0 when IPXE_SRC names the iPXE source LEG builds
# from; else LEG is skipped (leg_skip) and 1.
leg_has_ipxe() {
	[ -n "${IPXE_SRC:-}" ] && return 0
	leg_skip "$1" "IPXE_SRC is not set (the path to iPXE's source or its tarball)"
	return 1
}

check() {
	local desc=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else bad "$desc"; fi
}

finish() {
	say "wall time $(($(date +%s) - T_START))s"
	echo "e2e: $PASS passed, $FAIL failed"
	[ "$FAIL" = 0 ]
	exit
}

# die WHY: a step the rest depends on failed; show what there is, stop.
die() {
	bad "$1" "${2:-}"
	diagnostics
	finish
}

# tail_of FILE [N]: the end of a log, indented, or a note that it is empty.
tail_of() {
	if [ -s "$1" ]; then
		echo "    --- last ${2:-25} lines of $1"
		tail -n "${2:-25}" "$1" | tr -d '\r' |
			sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b[c=>]//g' |
			cut -c1-300 | sed 's/^/    | /'
	else
		echo "    --- $1: empty or missing"
	fi
}

diagnostics() {
	say "diagnostics (run directory $RUN)"
	local f
	for f in "$RUN"/serial-*.log; do
		case $f in *kvmprobe*) continue ;; esac
		[ -e "$f" ] && tail_of "$f" 30
	done
	tail_of "${SITE:-$RUN/site}/serve.log" 20
}

cleanup() {
	if [ -n "${PROBE_PID:-}" ]; then
		kill "$PROBE_PID" 2>/dev/null
		wait "$PROBE_PID" 2>/dev/null
	fi
	if [ -n "$QEMU_PID" ]; then
		kill "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	sec_cleanup
	! declare -F pxe_cleanup >/dev/null || pxe_cleanup
	! declare -F secboot_cleanup >/dev/null || secboot_cleanup
	! declare -F bmc_e2e_cleanup >/dev/null || bmc_e2e_cleanup
	! declare -F cache_e2e_cleanup >/dev/null || cache_e2e_cleanup
	server_stop
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

phase_t=$T_START
# lap NAME: print how long the phase that just ended took.
lap() {
	local now
	now=$(date +%s)
	say "time: $1 $((now - phase_t))s"
	phase_t=$now
}

# ---- 0. Prerequisites ------------------------------------------------------

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "prerequisite: $1 not found (scripts/deps installs it)"
}
for c in qemu-system-x86_64 busybox cpio gzip curl jq timeout apt-get \
	dpkg-deb openssl; do
	need "$c"
done
[ -x "$PODBOOT" ] || die "prerequisite: $PODBOOT not built (make all)"
BUSYBOX=$(command -v busybox)
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "prerequisite: $BUSYBOX is dynamically linked (install busybox-static)"
fi

case $NIC in
e1000) QEMU_NIC=e1000 ;;
virtio) QEMU_NIC=virtio-net-pci ;;
*) die "E2E_NIC must be e1000 or virtio, not $NIC" ;;
esac
# The initrd drives both NIC models the legs give machines, whichever
# E2E_NIC names (the pxe leg's UEFI HTTP Boot machine has OVMF's own
# virtio-net beside e1000 machines): each module, with the kernel
# configuration symbol that says when it is built in instead.  init.sh
# loads them all; the one whose device is there binds it.
NIC_MODULES="e1000:CONFIG_E1000 virtio_pci:CONFIG_VIRTIO_PCI virtio_net:CONFIG_VIRTIO_NET"

rm -rf "$RUN"
mkdir -p "$RUN" "$CACHE" || die "cannot create $RUN and $CACHE"

# Common QEMU arguments.  graphics=off makes SeaBIOS copy the BIOS text
# console (its own and iPXE's) to the serial port; reboot-timeout=0 with
# -no-reboot ends QEMU when the BIOS finds nothing left to boot.
QEMU_COMMON="-machine pc,graphics=off -m 512 -smp 1 -no-user-config
	-display none -monitor none -no-reboot"

# KVM if it works: /dev/kvm can be there and still fail guests (nested
# virtualization), so the probe boots iPXE up to a TFTP script, within
# 15 s, in the background while the kernel and initrd are prepared.
PROBE_PID=
ACCEL=${E2E_ACCEL:-}
if [ -z "$ACCEL" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	mkdir -p "$RUN/probe"
	printf '#!ipxe\necho podboot-e2e kvm probe ok\nexit 1\n' \
		>"$RUN/probe/probe.ipxe"
	# shellcheck disable=SC2086
	timeout -k 5 15 qemu-system-x86_64 -accel kvm $QEMU_COMMON \
		-serial "file:$RUN/serial-kvmprobe.log" \
		-netdev "user,id=n0,tftp=$RUN/probe,bootfile=probe.ipxe" \
		-device "$QEMU_NIC,netdev=n0" -boot order=n,reboot-timeout=0 \
		</dev/null >"$RUN/qemu-kvmprobe.log" 2>&1 &
	PROBE_PID=$!
elif [ -z "$ACCEL" ]; then
	ACCEL=tcg
fi
accel_decide() {
	[ -n "$PROBE_PID" ] || return 0
	wait "$PROBE_PID"
	PROBE_PID=
	if grep -aq "podboot-e2e kvm probe ok" "$RUN/serial-kvmprobe.log"; then
		ACCEL=kvm
	else
		ACCEL=tcg
		say "KVM is there but does not boot iPXE here: emulating (TCG)"
	fi
}

# ---- 1. A Debian kernel, from the package cache ----------------------------

# as_root CMD...: CMD as root (directly, or by sudo without a password).
as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ {print $2; exit}'
}

# mod_deps FILE: the modules FILE depends on (from its .modinfo).
mod_deps() {
	local cat=cat
	case $1 in
	*.xz) cat="xz -dc" ;;
	*.zst) cat="zstd -dc" ;;
	*.gz) cat="gzip -dc" ;;
	esac
	$cat "$1" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

# mod_add NAME: copy module NAME (after its dependencies) into $KSTAGE,
# decompressed (busybox insmod reads plain .ko only), and note the order.
mod_add() {
	local name=$1 f d
	grep -qx "$name" "$KSTAGE/load-order" 2>/dev/null && return 0
	f=$(find "$MODTREE" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) \
		-print -quit)
	[ -n "$f" ] || { echo "module $name not in the package" >&2; return 1; }
	for d in $(mod_deps "$f"); do
		mod_add "$d" || return 1
	done
	case $f in
	*.xz) xz -dc "$f" ;;
	*.zst) zstd -dc "$f" ;;
	*.gz) gzip -dc "$f" ;;
	*) cat "$f" ;;
	esac >"$KSTAGE/$name.ko" || return 1
	echo "$name" >>"$KSTAGE/load-order"
}

# Sets KERNEL (vmlinuz), KVER and KMODS (modules to load, or empty).
kernel_get() {
	local pkg deb x
	pkg=$(kernel_package)
	if [ -z "$pkg" ]; then
		as_root apt-get update -qq >/dev/null 2>&1
		pkg=$(kernel_package)
	fi
	mkdir -p "$CACHE/debs"
	if [ -n "$pkg" ]; then
		deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | tail -1)
		if [ -z "$deb" ]; then
			say "downloading $pkg"
			(cd "$CACHE/debs" && apt-get download -q "$pkg") \
				>"$RUN/apt.log" 2>&1 ||
				die "apt-get download $pkg failed" "$(tail -5 "$RUN/apt.log")"
			deb=$(ls "$CACHE/debs/${pkg}_"*.deb 2>/dev/null | tail -1)
			# Keep one kernel: drop packages of older versions.
			for x in "$CACHE/debs/"*.deb; do
				[ "$x" = "$deb" ] || rm -f "$x"
			done
		fi
	else
		# No package lists (offline?): a kernel downloaded before will do.
		deb=$(ls -t "$CACHE/debs/"linux-image-*.deb 2>/dev/null | head -1)
	fi
	[ -n "$deb" ] && [ -f "$deb" ] ||
		die "no Debian kernel package (apt-cache depends linux-image-amd64 found none)"
	KDIR=$CACHE/$(basename "$deb" .deb)-nics
	# Extracted kernels of other packages (or with another module set,
	# such as the one-NIC "-e1000" of before) are stale.
	for x in "$CACHE"/linux-image-*; do
		[ -d "$x" ] && [ "$x" != "$KDIR" ] && rm -rf "$x"
	done
	if [ ! -f "$KDIR/ready" ]; then
		say "extracting $(basename "$deb")"
		rm -rf "$KDIR" "$CACHE/extract"
		mkdir -p "$KDIR/modules" "$CACHE/extract"
		dpkg -x "$deb" "$CACHE/extract" || die "dpkg -x $deb failed"
		x=$(ls "$CACHE/extract/boot/"vmlinuz-* 2>/dev/null | head -1)
		[ -n "$x" ] || die "no boot/vmlinuz-* in $deb"
		cp "$x" "$KDIR/vmlinuz"
		basename "$x" | sed 's/^vmlinuz-//' >"$KDIR/version"
		KVER=$(cat "$KDIR/version")
		MODTREE=$(ls -d "$CACHE/extract/lib/modules/$KVER" \
			"$CACHE/extract/usr/lib/modules/$KVER" 2>/dev/null | head -1)
		KSTAGE=$KDIR/modules
		for x in $NIC_MODULES; do
			# built in: nothing to load
			! grep -q "^${x#*:}=y" "$CACHE/extract/boot/config-$KVER" \
				2>/dev/null || continue
			[ -n "$MODTREE" ] || die "no modules tree for $KVER in $deb"
			mod_add "${x%%:*}" 2>"$RUN/modules.err" ||
				die "NIC driver modules" "$(cat "$RUN/modules.err")"
		done
		rm -rf "$CACHE/extract"
		touch "$KDIR/ready"
	fi
	KERNEL=$KDIR/vmlinuz
	KVER=$(cat "$KDIR/version")
	KMODS=$KDIR/modules
}

kernel_get
say "kernel $KVER ($(stat -c %s "$KERNEL") bytes), modules: $(tr '\n' ' ' <"$KMODS/load-order" 2>/dev/null)"
lap kernel

# ---- 2. The installer initrd ------------------------------------------------

initrd_build() {
	local d=$RUN/initrd-root
	mkdir -p "$d/bin" "$d/dev" "$d/etc" "$d/lib/modules" "$d/proc" \
		"$d/sys" "$d/tmp" || return 1
	cp "$BUSYBOX" "$d/bin/busybox" &&
	cp "$HERE/init.sh" "$d/init" &&
	cp "$HERE/udhcpc.script" "$d/etc/udhcpc.script" &&
	chmod 0755 "$d/init" "$d/etc/udhcpc.script" || return 1
	# The statically linked agent runs in the installed node.
	if [ -x "$AGENT_STATIC" ]; then
		cp "$AGENT_STATIC" "$d/bin/podboot-agent" || return 1
	fi
	ln -s busybox "$d/bin/sh"
	if [ -s "$KMODS/load-order" ]; then
		cp "$KMODS/"* "$d/lib/modules/" || return 1
	fi
	# The kernel opens /dev/console before /init runs (init mounts
	# devtmpfs and reopens it anyway, so this is only for early errors).
	[ "$(id -u)" = 0 ] && mknod -m 0600 "$d/dev/console" c 5 1
	(cd "$d" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -9 >"$RUN/initrd.img"
}
initrd_build || die "building the initrd failed"
INITRD=$RUN/initrd.img
say "initrd $(stat -c %s "$INITRD") bytes"
lap initrd

# ---- 3. The site and the server ---------------------------------------------

SITE=$RUN/site
site_setup() {
	"$PODBOOT" init --dir "$SITE" --server-name localhost \
		--server-ip 127.0.0.1 --server-ip 10.0.2.2 \
		>"$RUN/init.log" 2>&1 || return 1
	PORT=$(port_pick) && PPORT=$(port_pick "$PORT") || return 1
	local c=$SITE/podboot.conf
	sed -i "s/port = 8443;/port = $PORT;/; s#https://localhost:8443#https://localhost:$PORT#" "$c"
	sed -i "s/^  data_dir = /  plain_port = $PPORT; plain_base_url = \"http:\/\/10.0.2.2:$PPORT\";\n  data_dir = /" "$c"
	sed -i 's/^  { name = "demo";$/  { name = "demo"; allow_unverified = true;/' "$c"
	grep -q "plain_port = $PPORT;" "$c" &&
		grep -q 'allow_unverified = true;' "$c" &&
		grep -q "port = $PORT;" "$c" || {
		echo "podboot.conf is not laid out as the test expects" >&2
		return 1
	}
	sed "s/@HTTPS_PORT@/$PORT/" "$HERE/e2e.ks" >"$SITE/default.ks"
	"$PODBOOT" publish --config "$c" demo-vmlinuz "$KERNEL" &&
		"$PODBOOT" publish --config "$c" demo-initrd.img "$INITRD" &&
		"$PODBOOT" serve --check --config "$c"
} >>"$RUN/init.log" 2>&1
site_setup || die "setting up the site" "$(tail -5 "$RUN/init.log")"
ROOT=$SITE/keys/root.crt
BASE=https://localhost:$PORT
PLAIN=http://127.0.0.1:$PPORT
OP_TOKEN=$(awk '$1 == "operator" {print $2}' "$SITE/tokens")

# server_start [CONFIG]: podboot serve on $SITE's podboot.conf (or CONFIG).
server_start() {
	"$PODBOOT" serve --config "${1:-$SITE/podboot.conf}" >>"$SITE/serve.log" 2>&1 &
	SERVER_PID=$!
	wait_up 10 "$SERVER_PID" curl -s --cacert "$ROOT" -o /dev/null \
		"$BASE/healthz"
}
server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}
# api PATH [CURL ARGS...]: the status API over HTTPS, as the operator.
api() {
	local path=$1
	shift
	curl -sS --fail-with-body --max-time 10 --cacert "$ROOT" \
		-H "Authorization: Bearer $OP_TOKEN" "$@" "$BASE$path"
}
node_state() { api "/api/v1/nodes/$NODE" | jq -r .state; }
# node_transitions: the node's state events as "FROM -> TO", oldest first.
node_transitions() {
	api "/api/v1/events?limit=1000" | jq -r --arg n "$NODE" \
		'.[] | select(.kind == "state" and .subject == $n) | .detail' |
		sed 's/:.*//'
}

server_start || die "podboot serve did not start" "$(tail -5 "$SITE/serve.log")"
say "server on $BASE, plain listener on $PLAIN (pid $SERVER_PID)"
lap site

# The secure leg's sites and its firmware builds (in the background, so
# that they overlap the boots of the legs before it).
. "$HERE/secure.sh"
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = secure ]; then
	secure_prepare || bad "secure: sites set up" "$(tail -5 "$RUN/init.log")"
	lap "secure: sites"
fi
# The Secure Boot leg's helpers (test/e2e/secboot.sh: the pxe leg's
# Secure Boot machines use its OVMF files and snakeoil key too).
. "$HERE/secboot.sh"
# The PXE leg's site and firmware (test/e2e/pxe.sh), built in the same way.
. "$HERE/pxe.sh"
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = pxe ]; then
	pxe_prepare || bad "pxe: site set up" "$(tail -5 "$RUN/init.log")"
fi
# The Secure Boot leg's site and signed firmware.
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = secboot ]; then
	secboot_prepare || bad "secboot: site set up" "$(tail -5 "$RUN/init.log")"
fi
# The BMC leg's site and pod media (test/e2e/bmc.sh).
. "$HERE/bmc.sh"
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = bmc ]; then
	bmc_e2e_prepare || bad "bmc: site set up" "$(tail -5 "$RUN/init.log")"
fi
# The pod cache leg's site, relay certificate and firmware (test/e2e/cache.sh).
. "$HERE/cache.sh"
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = cache ]; then
	cache_e2e_prepare || bad "cache: site set up" "$(tail -5 "$RUN/init.log")"
	lap "cache: site"
fi

accel_decide
# A boot takes some 20 s emulated; the limits leave room for a slow host.
BOOT_TIMEOUT=${E2E_TIMEOUT:-240}
say "QEMU with $ACCEL, NIC $QEMU_NIC, install boot timeout ${BOOT_TIMEOUT}s"
lap "kvm probe"

# ---- 4. Boot the machine ----------------------------------------------------

# The CI stand-in for the real stage1 (which needs HTTPS and imgverify).
TFTP=$RUN/tftp
TFTP_BOOT=stage1.ipxe	# the boot file name DHCP hands out
mkdir -p "$TFTP"
# One try only, so that each boot fetches stage2 exactly once.
cat >"$TFTP/stage1.ipxe" <<EOF
#!ipxe
echo podboot-e2e stage1: chain stage2 for \${net0/mac}
chain http://10.0.2.2:$PPORT/boot/stage2.ipxe?mac=\${net0/mac}&platform=\${platform}&buildarch=\${buildarch} || goto failed
exit 0
:failed
echo podboot-e2e stage1: stage2 failed
exit 1
EOF

# qemu_run NAME TIMEOUT [STOP_REGEX] [QEMU ARGS...]: boot the machine once.
# Serial console to $RUN/serial-NAME.log, guest traffic to $RUN/NAME.pcap.
# Returns when QEMU exits, when STOP_REGEX shows up in the serial log or
# the capture (then QEMU is stopped), or after TIMEOUT seconds.
# DHCP hands out $TFTP_BOOT from $TFTP as the boot file.  QEMU_NETDEV
# replaces that user network (the pxe leg's tap), QEMU_IN runs QEMU through
# a command that execs it (ip netns exec NS).
# Sets QEMU_RC (124: timed out) and QEMU_SECS.
qemu_run() {
	local name=$1 limit=$2 stop=${3:-} t0 stopped=
	shift 3
	local serial=$RUN/serial-$name.log pcap=$RUN/$name.pcap
	t0=$(date +%s)
	# shellcheck disable=SC2086
	timeout -k 5 "$limit" ${QEMU_IN:-} qemu-system-x86_64 \
		-name "podboot-e2e-$name" -accel "$ACCEL" $QEMU_COMMON \
		-serial "file:$serial" \
		-netdev "${QEMU_NETDEV:-user,id=n0,tftp=$TFTP,bootfile=$TFTP_BOOT}" \
		-device "$QEMU_NIC,netdev=n0,mac=$MAC$NIC_OPTS" \
		-object "filter-dump,id=dump0,netdev=n0,file=$pcap" \
		"$@" </dev/null >"$RUN/qemu-$name.log" 2>&1 &
	QEMU_PID=$!
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		if [ -n "$stop" ] && { grep -aqE "$stop" "$serial" ||
			grep -aqE "$stop" "$pcap"; } 2>/dev/null; then
			stopped=1
			sleep 2
			kill "$QEMU_PID" 2>/dev/null
			break
		fi
		sleep 0.5
	done
	wait "$QEMU_PID"
	QEMU_RC=$?
	QEMU_PID=
	[ -n "$stopped" ] && QEMU_RC=0
	QEMU_SECS=$(($(date +%s) - t0))
	say "boot $name: QEMU ended after ${QEMU_SECS}s (status $QEMU_RC${stopped:+, stopped by the test})"
}

# in_file REGEX FILE: grep -E through text and binary alike.
in_file() { grep -aqE "$1" "$2" 2>/dev/null; }

# The plain leg (E2E_ONLY=secure skips it: the secure leg's mutants).
plain_leg() {
# -- first boot: the install --
check "node $NODE starts armed" [ "$(node_state)" = armed ]
qemu_run install "$BOOT_TIMEOUT" "" -boot order=n,reboot-timeout=0
S1=$RUN/serial-install.log
if [ "$QEMU_RC" = 124 ]; then
	bad "install boot ended by itself (timed out after ${BOOT_TIMEOUT}s)"
else
	ok "install boot ended by itself (the installer powered off)"
fi
check "iPXE asked for stage2 over plain HTTP with the NIC's MAC" \
	in_file "GET /boot/stage2\\.ipxe\\?mac=$MAC_RE" "$RUN/install.pcap"
check "stage2 was the install script over the plain listener" \
	in_file "kernel --name kernel http://10\\.0\\.2\\.2:$PPORT/artifacts/demo-vmlinuz@sha256:[0-9a-f]{64} console=ttyS0 ks=http://10\\.0\\.2\\.2:$PPORT/ks/$NODE\\." \
	"$RUN/install.pcap"
check "console: iPXE ran the install script of $NODE" \
	in_file "podboot: installing $NODE in pod demo" "$S1"
check "the Debian kernel $KVER ran the test initrd" \
	in_file "PODBOOT-E2E: init started, kernel $KVER" "$S1"
check "the installer got a DHCP lease" in_file "PODBOOT-E2E: network up" "$S1"
check "console: kickstart ok" in_file "PODBOOT-E2E: kickstart ok \\(node $NODE\\)" "$S1"
check "console: installed reported" in_file "PODBOOT-E2E: installed reported" "$S1"
check "console: the node's agent pushed its metrics" in_file "PODBOOT-E2E: agent pushed" "$S1"
curl -sS --max-time 10 --cacert "$ROOT" -H "Authorization: Bearer $OP_TOKEN" \
	-o "$RUN/node.json" "$BASE/api/v1/nodes/$NODE" 2>/dev/null
check "API: the server holds the agent's push (sequence 1 or more)" \
	sh -c "jq -e '.health.pushes >= 1 and .health.last_seq >= 1 and .health.series > 10' '$RUN/node.json' >/dev/null"
if in_file "PODBOOT-E2E: FAILED" "$S1"; then
	bad "the installer reported no failure" "$(grep -a 'PODBOOT-E2E: FAILED' "$S1")"
else
	ok "the installer reported no failure"
fi
st=$(node_state)
check "API: $NODE is installed (is $st)" [ "$st" = installed ]
tr1=$(node_transitions)
want="armed -> booting
booting -> installing
installing -> installed"
if [ "$tr1" = "$want" ]; then
	ok "events: armed -> booting -> installing -> installed, in order"
else
	bad "events: armed -> booting -> installing -> installed, in order" \
		"got: $(echo "$tr1" | paste -sd, -)"
fi
ks_and_report_plain() {
	in_file "GET /ks/$NODE\\." "$RUN/install.pcap" &&
		in_file "POST /api/v1/nodes/$NODE/installed" "$RUN/install.pcap"
}
check "the kickstart and the report came over the plain listener" \
	ks_and_report_plain
lap "install boot"

# -- second boot: the one-shot rule --
# iPXE gets the local-boot script, finds no disk and gives up; the BIOS
# finds nothing else to boot and, with -no-reboot, QEMU exits.
# is_local_boot FILE: FILE holds the local-boot script (the install script
# has the same sanboot line as its fallback, so look for both markers).
is_local_boot() {
	in_file "podboot: no install pending for this machine" "$1" &&
		in_file "sanboot --no-describe --drive 0x80" "$1" &&
		! in_file "kernel --name kernel" "$1"
}
second_boot() {
	qemu_run again 120 "" -boot order=n,reboot-timeout=0
	S2=$RUN/serial-again.log
	n=$(grep -ao "GET /boot/stage2\\.ipxe?mac=$MAC_RE" "$RUN/again.pcap" | wc -l)
	check "second boot asked for stage2 once (asked $n times)" [ "$n" = 1 ]
	check "second boot was served the local-boot script" \
		is_local_boot "$RUN/again.pcap"
	check "console: iPXE said no install is pending" \
		in_file "podboot: no install pending for this machine" "$S2"
	check "no kernel, initrd or kickstart fetched on the second boot" \
		sh -c "! grep -aqE 'GET /(ks|artifacts)/' '$RUN/again.pcap'"
	check "no installer ran on the second boot" \
		sh -c "! grep -aq PODBOOT-E2E '$S2'"
	curl -sS --max-time 10 -H "Host: 10.0.2.2:$PPORT" -o "$RUN/stage2-again.ipxe" \
		"$PLAIN/boot/stage2.ipxe?mac=$MAC"
	check "stage2 for $MAC is now the local-boot script" \
		is_local_boot "$RUN/stage2-again.ipxe"
	st=$(node_state)
	check "API: $NODE is still installed (is $st)" [ "$st" = installed ]
	tr2=$(node_transitions)
	if [ "$tr2" = "$tr1" ]; then
		ok "events: no new transition of $NODE"
	else
		bad "events: no new transition of $NODE" \
			"got: $(echo "$tr2" | paste -sd, -)"
	fi
	check "server log: no kickstart request refused" \
		sh -c "! grep -q ' /ks/' '$SITE/serve.log'"
}
if [ "$st" = installed ]; then
	second_boot
else
	say "second boot skipped: the install did not complete"
fi
lap "second boot"
}
if [ -n "${E2E_ONLY:-}" ]; then
	say "plain leg skipped (E2E_ONLY=$E2E_ONLY)"
else
	plain_leg
fi

# ---- 5. The secure leg (test/e2e/secure.sh) --------------------------------

# secure_site [DIR]: a second site (in DIR, default $RUN/secure-site) for
# the customized firmware and for Debian's iPXE.  Its TLS certificate also
# names 10.0.2.2, the host as the guest sees it, and its base_url is
# https://10.0.2.2:PORT, so that iPXE's TLS check passes.  The plain
# listener is off.  Sets SITE, PORT, BASE, ROOT, OP_TOKEN (secure.sh).
secure_site() {
	secure_site_make "${1:-$RUN/secure-site}" rsa &&
		site_use "${1:-$RUN/secure-site}"
}

server_stop
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = secure ]; then
	secure_leg
	server_stop
	lap "secure leg"
fi
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = secboot ]; then
	secboot_leg
	server_stop
	lap "secboot leg"
fi
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = bmc ]; then
	bmc_leg
	server_stop
	lap "bmc leg"
fi
if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = cache ]; then
	cache_leg
	server_stop
	lap "cache leg"
fi

# ---- 6. Debian's iPXE over HTTPS ---------------------------------------------

# Real iPXE firmware against podboot serve's TLS, without an iPXE checkout:
# Debian's own build (package "ipxe" of trixie, built with HTTPS), which
# scripts/fetch-debian-ipxe downloads with apt-get into $CACHE (kept).
# That build has no imgverify and no embedded root.  It takes its trusted
# root from the "trust" setting (DHCP option 175.90), but only from
# settings that exist when it starts: a "set trust" in a script comes too
# late (iPXE's crypto/rootcert.c).  So it is chainloaded: the NIC's boot
# ROM (Debian 12's ipxe-qemu) runs a first script by TFTP that stores the
# root's fingerprint (175.90) and a scriptlet (175.81) in net0's settings,
# then chains Debian's ipxe.pxe, which starts from that PXE stack's cached
# DHCPACK, where both are.  The scriptlet opens net0 (with the cached
# address) and runs the test script by TFTP.  That fetches stage2 and its
# signature over HTTPS with stage1's query, then the kernel and initrd
# artifacts, and boots them with stage2 and its signature as named
# initrds: the test initrd prints their bytes on the console.  Three
# boots: trusting a root that is not the server's (must be refused), with
# a server certificate that does not name 10.0.2.2 (must be refused), and
# with the server's root (must fetch and boot).
DIPXE=$RUN/dipxe	# TFTP root of these boots, throwaway keys, guest bytes
DIPXE_UUID=5eed0e2e-7e57-4b00-8000-00000000d1b1
DIPXE_SMBIOS="-smbios type=1,manufacturer=podboot-e2e,product=debian-ipxe,serial=E2E-TLS-1,uuid=$DIPXE_UUID
	-smbios type=3,asset=e2e-tls"

# hex_colons STRING: STRING's bytes in the form iPXE's hex settings take.
hex_colons() {
	printf '%s' "$1" | od -An -v -tx1 | tr -s ' \n' '::' |
		sed 's/^://; s/:$//'
}
# fingerprint CERT: SHA-256 of CERT, lower-case hex with colons.
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//' |
		tr 'A-F' 'a-f'
}
# has_text TEXT FILE: FILE holds TEXT (fixed string, not a regex).
has_text() { grep -aqF -- "$1" "$2" 2>/dev/null; }

# dipxe_chainloader NAME FINGERPRINT: the first script ($DIPXE/NAME), run by
# the NIC's boot ROM.  The scriptlet goes in hex, because that old iPXE
# would take a quoted "&&" or "||" as its own.
dipxe_chainloader() {
	cat >"$DIPXE/$1" <<EOF
#!ipxe
echo PODBOOT-TLS: chainloader iPXE \${version}
set net0/175.90:hex $2
set net0/175.81:hex $(hex_colons "ifopen net0 && chain tftp://10.0.2.2/tls.ipxe || poweroff")
chain tftp://10.0.2.2/ipxe.pxe || goto failed
:failed
echo PODBOOT-TLS: could not chainload Debian's iPXE
exit 1
EOF
}

# dipxe_script: the test script ($DIPXE/tls.ipxe) that Debian's iPXE runs.
# The query is stage1's own (firmware/stage1.ipxe), on net0.
dipxe_script() {
	local b=https://10.0.2.2:$PORT q
	q=$(sed -n 's/^set podboot_q //p' "$TOP/firmware/stage1.ipxe" |
		sed 's/\${podboot_if}/net0/g')
	case $q in "mac=\${net0/mac:hexhyp}&"*) ;; *) return 1 ;; esac
	cat >"$DIPXE/tls.ipxe" <<EOF
#!ipxe
echo PODBOOT-TLS: script runs in iPXE \${version}
set podboot_q $q
imgfetch --name stage2 $b/boot/stage2.ipxe?\${podboot_q} stage2.ipxe || goto failed
echo PODBOOT-TLS: stage2 fetched over HTTPS
imgfetch --name sig $b/boot/stage2.ipxe.sig?\${podboot_q} stage2.ipxe.sig || goto failed
echo PODBOOT-TLS: signature fetched over HTTPS
imgstat ||
kernel $b/artifacts/demo-vmlinuz console=ttyS0 quiet podboot_e2e=tls podboot_q=\${podboot_q} || goto failed
initrd $b/artifacts/demo-initrd.img || goto failed
echo PODBOOT-TLS: kernel and initrd fetched over HTTPS
boot || goto failed
:failed
echo PODBOOT-TLS: failed with error \${errno:hexraw}
sleep 1 ||
poweroff
EOF
}

# dipxe_keys: a throwaway root CA (not the server's), and a TLS
# certificate from the site's root that names localhost and 127.0.0.1 but
# not 10.0.2.2, with podboot-noname.conf to serve it.
dipxe_keys() {
	local k=$SITE/keys
	(
		umask 077
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj "/CN=e2e throwaway root" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign \
			-keyout "$DIPXE/other-root.key" -out "$DIPXE/other-root.crt" &&
		printf '%s\n' basicConstraints=CA:FALSE \
			keyUsage=critical,digitalSignature,keyEncipherment \
			extendedKeyUsage=serverAuth \
			subjectAltName=DNS:localhost,IP:127.0.0.1 >"$DIPXE/noname.ext" &&
		openssl req -new -newkey rsa:3072 -nodes \
			-subj "/CN=localhost/O=podboot" -keyout "$k/noname.key" |
		openssl x509 -req -CA "$k/root.crt" -CAkey "$k/root.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 2 -extfile "$DIPXE/noname.ext" -out "$k/noname.crt"
	) || return 1
	cat "$k/noname.crt" "$k/root.crt" >"$k/noname-chain.crt" &&
	sed 's#"keys/server-chain.crt"#"keys/noname-chain.crt"#; s#"keys/server.key"#"keys/noname.key"#' \
		"$SITE/podboot.conf" >"$SITE/podboot-noname.conf" &&
	grep -q '"keys/noname-chain.crt"' "$SITE/podboot-noname.conf" &&
	grep -q '"keys/noname.key"' "$SITE/podboot-noname.conf"
}

# dipxe_error LOG: the error the test script reported (8 hex digits).
dipxe_error() {
	tr -d '\r' <"$1" |
		sed -n 's/.*PODBOOT-TLS: failed with error \([0-9a-f]\{8\}\).*/\1/p' |
		head -1
}
# is_eacces CODE UNIQ: CODE is iPXE's "Permission denied" (POSIX part
# 0x02, bits 24-31) with disambiguator UNIQ (bits 8-12).  In iPXE's
# crypto/x509.c, 0x0a is "Incorrect certificate name" and 0x0b "No usable
# certificates" (no certificate of the chain leads to a trusted root).
is_eacces() {
	[ -n "$1" ] && [ $((0x$1 >> 24)) = 2 ] &&
		[ $(((0x$1 >> 8) & 0x1f)) = $(($2)) ]
}
# guest_file LOG NAME: the bytes of NAME as the test initrd printed them
# (a kernel message between the lines is left out; the SHA-256 check
# catches anything worse).
guest_file() {
	tr -d '\r' <"$1" |
		sed -n "/^PODBOOT-TLS: begin $2\$/,/^PODBOOT-TLS: end $2\$/p" |
		sed '1d;$d' | grep -E '^[A-Za-z0-9+/=]+$' | base64 -d
}
# guest_sha256 LOG NAME: NAME's SHA-256 as the test initrd computed it.
guest_sha256() {
	tr -d '\r' <"$1" |
		sed -n "s#^PODBOOT-TLS: sha256 \([0-9a-f]\{64\}\)  /$2\$#\1#p" |
		head -1
}
# node_unmoved: the node is armed and has no state transition.
node_unmoved() { [ "$(node_state)" = armed ] && [ -z "$(node_transitions)" ]; }

# dipxe_refused NAME WHY UNIQ: the checks of a boot that must be refused.
dipxe_refused() {
	local name=$1 why=$2 uniq=$3 log=$RUN/serial-$1.log code
	check "debian-ipxe: $name: boot ended by itself" [ "$QEMU_RC" != 124 ]
	check "debian-ipxe: $name: Debian's iPXE $DIPXE_VERSION ran the test script" \
		has_text "PODBOOT-TLS: script runs in iPXE $DIPXE_VERSION" "$log"
	code=$(dipxe_error "$log")
	if is_eacces "$code" "$uniq" &&
		! has_text "PODBOOT-TLS: stage2 fetched" "$log"; then
		ok "debian-ipxe: $name: iPXE refused the server: $why (error $code)"
	else
		bad "debian-ipxe: $name: iPXE refused the server: $why" \
			"error ${code:-none}; console: $(tr -d '\r' <"$log" |
				grep -a 'PODBOOT-TLS\|ipxe.org' | tail -4)"
	fi
	check "debian-ipxe: $name: $NODE is still armed, no transition" node_unmoved
}

# dipxe_query_ok Q: Q is stage1's query with the NIC's MAC and the UUID
# QEMU gave the machine.
dipxe_query_ok() {
	case $1 in
	"mac=52-54-00-00-00-01&uuid=$DIPXE_UUID&serial=E2E-TLS-1&"*) return 0 ;;
	esac
	return 1
}

debian_ipxe_leg() {
	local rc args='' fw log q s2 sig tr
	[ -n "${E2E_DEBIAN_IPXE_VERSION:-}" ] &&
		args="--version $E2E_DEBIAN_IPXE_VERSION"
	# shellcheck disable=SC2086
	fw=$("$TOP/scripts/fetch-debian-ipxe" $args "$CACHE/debian-ipxe" \
		2>"$RUN/fetch-debian-ipxe.log")
	rc=$?
	if [ "$rc" = 3 ] && [ "${E2E_REQUIRE_DEBIAN_IPXE:-0}" != 1 ]; then
		say "Debian iPXE leg skipped: $(tail -1 "$RUN/fetch-debian-ipxe.log")"
		return
	fi
	if [ "$rc" != 0 ] || [ ! -f "$fw/usr/lib/ipxe/ipxe.pxe" ]; then
		bad "debian-ipxe: Debian's iPXE downloaded and unpacked" \
			"$(tail -3 "$RUN/fetch-debian-ipxe.log")"
		return
	fi
	DIPXE_VERSION=$(cat "$fw/VERSION")
	say "Debian iPXE $DIPXE_VERSION, $(cat "$fw/SHA256SUM")"
	lap "Debian iPXE download"

	mkdir -p "$DIPXE"
	if ! secure_site "$RUN/dipxe-site" >>"$RUN/init.log" 2>&1 ||
		! dipxe_keys >>"$RUN/init.log" 2>&1 || ! dipxe_script ||
		! cp "$fw/usr/lib/ipxe/ipxe.pxe" "$DIPXE/"; then
		bad "debian-ipxe: site, keys and scripts" "$(tail -5 "$RUN/init.log")"
		return
	fi
	dipxe_chainloader other-root.ipxe "$(fingerprint "$DIPXE/other-root.crt")"
	dipxe_chainloader root.ipxe "$(fingerprint "$ROOT")"
	# The NIC's boot ROM runs the chainloader: no romfile= here.
	TFTP=$DIPXE NIC_OPTS=

	# -- trusting another root: the server must be refused --
	server_start ||
		{ bad "debian-ipxe: server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "debian-ipxe: node $NODE starts armed" [ "$(node_state)" = armed ]
	TFTP_BOOT=other-root.ipxe
	# shellcheck disable=SC2086
	qemu_run dipxe-other-root 120 "" -boot order=n,reboot-timeout=0 $DIPXE_SMBIOS
	dipxe_refused dipxe-other-root "its chain does not lead to the trusted root" 0x0b
	server_stop
	lap "Debian iPXE, other root"

	# -- the server's root, a certificate that does not name 10.0.2.2 --
	server_start "$SITE/podboot-noname.conf" ||
		{ bad "debian-ipxe: server start (no 10.0.2.2)" "$(tail -5 "$SITE/serve.log")"; return; }
	TFTP_BOOT=root.ipxe
	# shellcheck disable=SC2086
	qemu_run dipxe-wrong-name 120 "" -boot order=n,reboot-timeout=0 $DIPXE_SMBIOS
	dipxe_refused dipxe-wrong-name "its certificate does not name 10.0.2.2" 0x0a
	server_stop
	lap "Debian iPXE, wrong name"

	# -- the server's root and certificate: stage2 over HTTPS --
	server_start ||
		{ bad "debian-ipxe: server start" "$(tail -5 "$SITE/serve.log")"; return; }
	# shellcheck disable=SC2086
	qemu_run dipxe-tls "$BOOT_TIMEOUT" "" -boot order=n,reboot-timeout=0 $DIPXE_SMBIOS
	log=$RUN/serial-dipxe-tls.log
	check "debian-ipxe: boot ended by itself (the test initrd powered off)" \
		[ "$QEMU_RC" != 124 ]
	check "debian-ipxe: Debian's iPXE $DIPXE_VERSION ran the test script" \
		has_text "PODBOOT-TLS: script runs in iPXE $DIPXE_VERSION" "$log"
	check "debian-ipxe: console: stage2 fetched over HTTPS" \
		has_text "PODBOOT-TLS: stage2 fetched over HTTPS" "$log"
	check "debian-ipxe: console: its signature fetched over HTTPS" \
		has_text "PODBOOT-TLS: signature fetched over HTTPS" "$log"
	check "debian-ipxe: console: kernel and initrd fetched over HTTPS, test initrd ran" \
		sh -c "grep -aqF 'PODBOOT-TLS: kernel and initrd fetched over HTTPS' '$log' &&
			grep -aqF 'PODBOOT-TLS: powering off' '$log'"
	tr=$(node_transitions | paste -sd, -)
	if [ "$tr" = "armed -> booting" ]; then
		ok "debian-ipxe: server: $NODE went armed -> booting (stage2 served)"
	else
		bad "debian-ipxe: server: $NODE went armed -> booting (stage2 served)" \
			"got: ${tr:-no transition}"
	fi
	check "debian-ipxe: no plain HTTP on the wire (all TLS)" \
		sh -c "! grep -aq 'GET /' '$RUN/dipxe-tls.pcap'"
	check "debian-ipxe: the wire shows a TLS 1.2 handshake with podboot's chain, not stage2" \
		sh -c "grep -aqF 'podboot root CA' '$RUN/dipxe-tls.pcap' &&
			! grep -aqF 'podboot stage2 for' '$RUN/dipxe-tls.pcap'"

	# The bytes iPXE fetched, out of the guest.
	s2=$DIPXE/guest-stage2.ipxe sig=$DIPXE/guest-stage2.ipxe.sig
	guest_file "$log" stage2.ipxe >"$s2" 2>/dev/null
	guest_file "$log" stage2.ipxe.sig >"$sig" 2>/dev/null
	if [ -s "$s2" ] && [ -s "$sig" ] &&
		[ "$(guest_sha256 "$log" stage2.ipxe)" = "$(sha256sum <"$s2" | cut -c1-64)" ] &&
		[ "$(guest_sha256 "$log" stage2.ipxe.sig)" = "$(sha256sum <"$sig" | cut -c1-64)" ]; then
		ok "debian-ipxe: stage2 and signature out of the guest whole (SHA-256 as in the guest)"
	else
		bad "debian-ipxe: stage2 and signature out of the guest whole (SHA-256 as in the guest)"
	fi
	q=$(tr -d '\r' <"$log" | sed -n 's/^PODBOOT-TLS: query //p' | head -1)
	if dipxe_query_ok "$q"; then
		ok "debian-ipxe: stage1's query carried the NIC's MAC and the machine's UUID"
	else
		bad "debian-ipxe: stage1's query carried the NIC's MAC and the machine's UUID" \
			"query: ${q:-none}"
		q="mac=$MAC"
	fi
	curl -sS --max-time 10 --cacert "$ROOT" -o "$DIPXE/curl-stage2.ipxe" \
		"$BASE/boot/stage2.ipxe?$q" 2>/dev/null
	check "debian-ipxe: stage2 from iPXE is byte for byte what curl gets for that query" \
		cmp -s "$s2" "$DIPXE/curl-stage2.ipxe"
	check "debian-ipxe: it is the install script of $NODE" \
		has_text "echo podboot: installing $NODE in pod demo" "$s2"
	check "debian-ipxe: podboot verify accepts it with the signature from iPXE" \
		"$PODBOOT" verify "$s2" "$sig" --root "$ROOT" --signer podboot-codesign
	check "debian-ipxe: openssl cms accepts them too" \
		openssl cms -verify -binary -inform DER -in "$sig" -content "$s2" \
		-CAfile "$ROOT" -purpose any -out /dev/null
	server_stop
	lap "Debian iPXE, server's root"
}

if [ "${E2E_DEBIAN_IPXE:-1}" = 0 ] || [ -n "${E2E_ONLY:-}" ]; then
	say "Debian iPXE leg skipped (E2E_DEBIAN_IPXE=0 or E2E_ONLY)"
else
	server_stop
	debian_ipxe_leg
	server_stop
	TFTP=$RUN/tftp TFTP_BOOT=stage1.ipxe NIC_OPTS=
fi

# ---- 7. Through a pod's relay (test/e2e/pxe.sh) -------------------------------

if [ -z "${E2E_ONLY:-}" ] || [ "$E2E_ONLY" = pxe ]; then
	server_stop
	pxe_leg
	lap "pxe leg"
fi

[ "$FAIL" = 0 ] || diagnostics
finish
