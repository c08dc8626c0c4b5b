#!/usr/bin/env bash
# Benchmark: seconds from a stock machine's power-on to podboot's stage2 verified, PXE through a relay over an emulated WAN, against the same chain with a plain, unsigned script.
#
# The machine boots as in test/e2e/pxe.sh, in network namespaces this script
# creates and removes (dhcp-ns.sh's helpers):
#   central  10.99.0.1: kea-dhcp4 with `podboot dhcp render`'s file,
#            tftpd-hpa, podboot serve (HTTPS, 8443) and busybox httpd (the
#            peer's static server, 8080)
#   wan      test/integration/tools/wan-link between the central's and the
#            router's veths: each WAN of BENCH_PXE_WANS (milliseconds each
#            way, default "0 40"), no loss (this kernel has no sch_netem;
#            0 ms still crosses the same userspace link)
#   router   10.99.0.2 and 10.10.1.1: dhcrelay, IPv4 forwarding
#   pod      a bridge joining the pod link and QEMU's tap
# Two firmware paths (QEMU, its e1000 and the option ROM of Debian's
# ipxe-qemu):
#   bios  SeaBIOS, the ROM's PXE -> undionly.kpxe by TFTP
#   uefi  OVMF, its UEFI PXE -> snponly.efi by TFTP
# and on each, two chains, measured back to back in each run, the order
# alternating from run to run:
#   podboot  podboot's firmware (make firmware for this site): stage1's
#            DHCP, stage2 over HTTPS from podboot serve, its detached CMS
#            signature checked by imgverify.  Stops at the console line
#            "podboot: stage2 verified".
#   peer     the same iPXE build and firmware path with a plain script
#            embedded instead (scripts/build-firmware --embed): the same
#            DHCP (user class podboot), then it chains an unsigned script
#            from busybox httpd over plain HTTP.  Stops at that script's
#            first line.
# So the ratio podboot/peer is what podboot's TLS and CMS verification add
# to a bare chain on the same machine, firmware and WAN.
#
# Timing: QEMU's serial console goes through a pipe; each line is stamped
# as it arrives (bash's EPOCHREALTIME), from the moment QEMU is started
# (power-on).  Only the console line decides; a boot that does not reach
# it within BENCH_PXE_TIMEOUT seconds counts as n/a.  Three spans, each
# to that end line:
#   power-on  the whole boot; the stock firmware's part (its DHCP, which
#             also waits some 13 s for an IPv6 router the pod link lacks,
#             and TFTP) is the same in both chains
#   iPXE      from the first line of the iPXE script (stage1 or the
#             peer's): its DHCP and the fetch
#   fetch     from the script's line before it fetches: podboot's two
#             HTTPS requests (stage2, its signature) and imgverify, the
#             peer's one plain HTTP request: what TLS and CMS cost
# QEMU runs under TCG unless
# BENCH_PXE_ACCEL says otherwise (this machine has no usable KVM): the
# firmware's own computation, TLS and signature checking included, runs
# emulated, many times slower than on hardware.
#
# Environment:
#   IPXE_SRC            upstream iPXE, a checkout or a tarball (make bench
#                       passes the vendored one); unset: skipped
#   FIRMWARE_CACHE      where iPXE builds are kept (default: the Makefile's,
#                       build/firmware/.cache); each build here is a relink
#   PODBOOT             podboot binary (default: build/podboot)
#   BENCH_PXE_RUNS      runs (default: BENCH_RUNS, else 3)
#   BENCH_PXE_WANS      the WANs' one-way delays in ms (default "0 40")
#   BENCH_PXE_FIRMWARE  the paths (default "bios uefi")
#   BENCH_PXE_TIMEOUT   seconds a boot may take (default 300)
#   BENCH_PXE_ACCEL     QEMU accelerator (default tcg)
#   OVMF_CODE, OVMF_VARS  OVMF's images (default Debian's ovmf, 4M)
#   BENCH_RESULTS_DIR   where the per-run results go (default build/bench)
#   BENCH_PXE_KEEP      1: keep the scratch directory (consoles, logs) and
#                       capture each machine's traffic there (NAME.pcap)
#
# Output: per path and WAN and for each of the three spans, podboot's and
# the peer's seconds, the per-run ratio podboot/peer and the seconds
# podboot adds, as the median and [min-max] range over the runs (the
# ratio of a span of a tenth of a second says less than the seconds it
# adds); the raw figures go to build/bench/pxe-bench-DATE.tsv (see lib.sh).
# No goal: the issue asks for the figure.  Needs root (namespaces, taps),
# qemu-system-x86_64, ovmf, ipxe-qemu, kea-dhcp4, dhcrelay, in.tftpd,
# busybox and python3 (scripts/deps); says it skipped, and exits 0,
# without root or IPXE_SRC.

set -euo pipefail
export LC_ALL=C	# EPOCHREALTIME with a decimal point

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
WANS=${BENCH_PXE_WANS:-0 40}
FIRMWARES=${BENCH_PXE_FIRMWARE:-bios uefi}
LIMIT=${BENCH_PXE_TIMEOUT:-300}
ACCEL=${BENCH_PXE_ACCEL:-tcg}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
FIRMWARE_CACHE=${FIRMWARE_CACHE:-$repo_dir/build/firmware/.cache}
WAN_LINK=$repo_dir/test/integration/tools/wan-link
PEER_PORT=8080

BENCH=pxe-bench
. "$script_dir/lib.sh"
. "$repo_dir/test/integration/dhcp-ns.sh"
BENCH_RUNS=${BENCH_PXE_RUNS:-${BENCH_RUNS:-3}}
bench_runs_init

# --- Check the environment before creating anything -------------------------

need_whole BENCH_PXE_TIMEOUT "$LIMIT" 10 3600 "of seconds"
for d in $WANS; do need_whole "a delay of BENCH_PXE_WANS" "$d" 0 1000 ms; done
for f in $FIRMWARES; do
	[[ $f == bios || $f == uefi ]] ||
		die "BENCH_PXE_FIRMWARE holds bios and uefi only, got '$f'"
done
[[ $ACCEL =~ ^(tcg|kvm)$ ]] || die "BENCH_PXE_ACCEL must be tcg or kvm, got '$ACCEL'"
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
if [[ -z ${IPXE_SRC:-} ]]; then
	echo "$BENCH: skipped: set IPXE_SRC=/path/to/ipxe or its tarball (make bench passes the vendored one)"
	exit 0
fi
if [[ $(id -u) != 0 ]]; then
	echo "$BENCH: skipped: its network namespaces and tap need root"
	exit 0
fi
need_tools qemu-system-x86_64 kea-dhcp4 dhcrelay in.tftpd busybox python3 ip curl
[[ " $FIRMWARES " != *" uefi "* ]] || [[ -r $OVMF_CODE && -r $OVMF_VARS ]] ||
	die "OVMF not found at $OVMF_CODE and $OVMF_VARS (Debian package ovmf)"

# --- Scratch space and namespaces, all gone at exit --------------------------

NS=pbp$$
C=$NS-c R=$NS-r P=$NS-p W=$NS-w
KEA_PID='' RELAY_PID='' TFTPD_PID='' HTTPD_PID='' SERVE_PID='' WAN_PID=''
QEMU_PID=''
bench_servers QEMU_PID KEA_PID RELAY_PID TFTPD_PID HTTPD_PID SERVE_PID WAN_PID
# bench_cleanup_hook: the namespaces go; the scratch directory too, unless
# BENCH_PXE_KEEP=1 (consoles, logs and captures to look at).
bench_cleanup_hook() {
	dhcp_ns_del "$C" "$R" "$P" "$W"
	if [[ ${BENCH_PXE_KEEP:-0} == 1 && -n $work ]]; then
		echo "$BENCH: kept $work" >&2
		work=
	fi
}
bench_workdir pxe-bench
site=$work/site

# --- The site and the two firmware builds ------------------------------------

# site_make: podboot init for a central at 10.99.0.1 (base_url and listener
# there), pod demo's provisioning network behind the router, a kickstart
# and stand-in kernel and initrd (never booted: the boots stop at stage2).
site_make() {
	local c=$site/podboot.conf
	"$PODBOOT" init --dir "$site" --server-name central \
		--server-ip 10.99.0.1 >/dev/null || return 1
	sed -i 's#listen = "127.0.0.1";#listen = "10.99.0.1";#
		s#https://central:8443#https://10.99.0.1:8443#
		s#provisioning = { cidr = "192.0.2.0/24"; gateway = "192.0.2.1";#provisioning = { cidr = "10.10.1.0/24"; gateway = "10.10.1.1"; pool_start = "10.10.1.100"; pool_end = "10.10.1.150";#
		s#vlan = 0; dns = \[ "192.0.2.1" \]; };#vlan = 0; };#' "$c"
	grep -q 'listen = "10.99.0.1";' "$c" &&
		grep -q 'base_url = "https://10.99.0.1:8443"' "$c" &&
		grep -q 'pool_start = "10.10.1.100"' "$c" &&
		grep -q 'vlan = 0; };' "$c" || {
		echo "podboot.conf is not laid out as the benchmark expects" >&2
		return 1
	}
	echo "# pxe-bench: never fetched" >"$site/default.ks"
	head -c 65536 /dev/urandom >"$work/vmlinuz"
	head -c 65536 /dev/urandom >"$work/initrd.img"
	"$PODBOOT" publish --config "$c" demo-vmlinuz "$work/vmlinuz" &&
		"$PODBOOT" publish --config "$c" demo-initrd.img "$work/initrd.img" &&
		"$PODBOOT" serve --check --config "$c"
}

# peer_scripts: the peer's embedded script (what stage1 does up to its
# fetch, without trust or TLS) and the plain script its static server
# serves.  A second line follows each marker: SeaBIOS copies the console
# to the serial port a line late.
peer_scripts() {
	cat >"$work/peer-stage1.ipxe" <<EOF
#!ipxe
echo pxe-bench peer stage1: \${manufacturer} \${product} (\${platform} \${buildarch})
set user-class podboot ||
echo pxe-bench peer: DHCP on net0 (\${net0/mac})
dhcp net0 || goto failed
echo pxe-bench peer: fetching the plain script
chain http://10.99.0.1:$PEER_PORT/stage2.ipxe || goto failed
:failed
echo pxe-bench peer: failed
exit 1
EOF
	mkdir -p "$work/www"
	cat >"$work/www/stage2.ipxe" <<'EOF'
#!ipxe
echo pxe-bench peer: plain stage2 running
echo pxe-bench peer: done, powering off
poweroff
EOF
}

# firmware_build NAME ARGS...: scripts/build-firmware (what make firmware
# runs) into $work/fw-NAME, with the settings in the environment ARGS
# (VAR=VALUE...) and the script's own options after --.
firmware_build() {
	local name=$1
	shift
	env IPXE_SRC="$IPXE_SRC" FIRMWARE_CACHE="$FIRMWARE_CACHE" \
		OUT="$work/fw-$name" "$@" >"$work/fw-$name.log" 2>&1 || {
		tail -n 15 "$work/fw-$name.log" >&2
		return 1
	}
}

site_make >"$work/site.log" 2>&1 || die "the site: $(tail -3 "$work/site.log")"
peer_scripts
t0=$SECONDS
firmware_build podboot PODBOOT_CONFIG="$site/podboot.conf" \
	"$repo_dir/scripts/build-firmware" ||
	die "podboot's firmware did not build (log above)"
firmware_build peer KEYS="$site/keys" \
	"$repo_dir/scripts/build-firmware" --embed "$work/peer-stage1.ipxe" ||
	die "the peer's firmware did not build (log above)"
echo "$BENCH: firmware built in $((SECONDS - t0)) s (podboot's and the peer's, FIRMWARE_CACHE=$FIRMWARE_CACHE)"

# --- Namespaces, WAN, pod bridge ----------------------------------------------

# net_make: the namespaces, the WAN's veths into the wan namespace (the
# link itself comes with wan_start), the pod link and a bridge with tap0.
net_make() {
	dhcp_ns_add "$C" "$R" "$P" "$W" &&
		ip link add wan-c netns "$C" type veth peer name wl-c netns "$W" &&
		ip link add wan-r netns "$R" type veth peer name wl-r netns "$W" &&
		nsx "$W" ip link set wl-c up && nsx "$W" ip link set wl-r up &&
		nsx "$C" python3 "$WAN_LINK" csum-off wan-c &&
		nsx "$R" python3 "$WAN_LINK" csum-off wan-r &&
		dhcp_ns_wan_addr "$C" "$R" &&
		nsx "$R" sysctl -qw net.ipv4.ip_forward=1 &&
		dhcp_ns_pod_link "$R" pod-r "$P" 10.10.1.1/24 &&
		nsx "$P" ip link add br0 type bridge &&
		nsx "$P" ip link set eth0 master br0 &&
		nsx "$P" ip tuntap add dev tap0 mode tap &&
		nsx "$P" ip link set tap0 master br0 &&
		nsx "$P" ip link set tap0 up &&
		nsx "$P" ip link set br0 up
}

# ns_bg VAR NS LOG CMD...: CMD in namespace NS in the background, its
# output in LOG; VAR is set to its PID.  ip netns exec execs CMD, so that
# is CMD's own PID (nsx, a function, in the background would be a subshell).
ns_bg() {
	local var=$1 ns=$2 log=$3
	shift 3
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	printf -v "$var" %s "$!"
}

# wan_start MS: wan-link forwarding between the two veths with MS
# milliseconds each way and no loss; the previous one stopped first.
wan_start() {
	stop_pid "$WAN_PID"
	WAN_PID=
	ns_bg WAN_PID "$W" "$work/wan-$1.log" \
		python3 "$WAN_LINK" link wl-c wl-r "$1" 0 12 86400
	wait_up 10 "$WAN_PID" grep -q '^forwarding wl-c <-> wl-r' "$work/wan-$1.log" &&
		wait_up 20 "" nsx "$C" busybox ping -c 1 -W 2 10.10.1.1
}

# servers_start: Kea, the relay, tftpd-hpa, podboot serve and the peer's
# busybox httpd, each waited for.
servers_start() {
	mkdir -p "$work/tftp" && chmod 0755 "$work/tftp" || return 1
	"$PODBOOT" dhcp render --config "$site/podboot.conf" \
		--socket "$work/kea.sock" --interface wan-c --next-server 10.99.0.1 \
		--boot-url "http://10.99.0.1:$PEER_PORT/ipxe.efi" \
		--lease-file "$work/leases.csv" --out "$work/kea.json" || return 1
	wait_up 10 "" sh -c "ip -n '$C' link show wan-c | grep -q 'state UP'" ||
		{ echo "wan-c is not up"; return 1; }
	dhcp_kea_start "$C" "$work/kea.json" "$work" "$work/kea.log"
	wait_up 20 "$KEA_PID" test -S "$work/kea.sock" ||
		{ echo "kea-dhcp4 did not start"; return 1; }
	dhcp_relay_start "$R" "$work/relay.log" pod-r
	wait_up 10 "$RELAY_PID" grep -q pod-r "$work/relay.log" ||
		{ echo "dhcrelay did not start"; return 1; }
	ns_bg TFTPD_PID "$C" "$work/tftpd.log" \
		in.tftpd -L -s -a 10.99.0.1:69 "$work/tftp"
	wait_up 10 "$TFTPD_PID" sh -c \
		"ip netns exec '$C' ss -Hlun 'sport = :69' | grep -q 10.99.0.1" ||
		{ echo "in.tftpd did not start"; return 1; }
	ns_bg HTTPD_PID "$C" "$work/httpd.log" \
		busybox httpd -f -p "10.99.0.1:$PEER_PORT" -h "$work/www"
	wait_up 10 "$HTTPD_PID" nsx "$C" curl -sf -o /dev/null \
		"http://10.99.0.1:$PEER_PORT/stage2.ipxe" ||
		{ echo "busybox httpd did not start"; return 1; }
	ns_bg SERVE_PID "$C" "$work/serve.log" \
		"$PODBOOT" serve --config "$site/podboot.conf"
	wait_up 20 "$SERVE_PID" nsx "$C" curl -s --cacert "$site/keys/root.crt" \
		-o /dev/null "https://10.99.0.1:8443/healthz" ||
		{ echo "podboot serve did not start"; return 1; }
}

net_make >"$work/net.log" 2>&1 || die "namespaces and links: $(tail -3 "$work/net.log")"
wan_start 0 || die "the WAN link does not carry traffic: $(tail -3 "$work/wan-0.log")"
servers_start >"$work/servers.log" 2>&1 ||
	die "the servers: $(tail -3 "$work/servers.log"; tail -n 2 "$work"/*.log)"

# --- One boot -----------------------------------------------------------------

# us: the time now in microseconds (EPOCHREALTIME without its point).
us() { echo "${EPOCHREALTIME/./}"; }

# secs T0 T1: T1 - T0 (microseconds) in seconds, two decimals; n/a when
# either is missing.
secs() {
	[[ -n $1 && -n $2 ]] || { echo n/a; return; }
	printf '%d.%02d\n' $((($2 - $1) / 1000000)) $((($2 - $1) % 1000000 / 10000))
}

# boot FW CHAIN NAME: power on the FW machine (bios, uefi) with CHAIN's
# (podboot, peer) first stage in the TFTP root, read its console until
# CHAIN's end line or BENCH_PXE_TIMEOUT, power it off.  Seconds to the end
# line: T_END from power-on, T_IPXE from the first line of the iPXE
# script (the part after the stock firmware), T_FETCH from the script's
# line before it fetches (podboot: stage2 and its signature over HTTPS,
# verified; peer: the plain script over HTTP); n/a when not seen.  The
# console, each line stamped (microseconds), stays in $work/NAME.console.
boot() {
	local fw=$1 chain=$2 name=$3 first fetch last fifo=$work/$3.fifo
	local mac=52:54:00:00:00:01 nic='' args=(-boot 'order=n,reboot-timeout=0')
	local t0 t1='' t2='' t3='' now line left
	case $chain in
	podboot) first='podboot stage1:' fetch='podboot: fetching stage2'
		last='podboot: stage2 verified' ;;
	*) first='pxe-bench peer stage1:' fetch='pxe-bench peer: fetching'
		last='pxe-bench peer: plain stage2 running' ;;
	esac
	install -m 0644 "$work/fw-$chain/undionly.kpxe" "$work/fw-$chain/snponly.efi" \
		"$work/tftp/" || die "cannot place $chain's firmware for TFTP"
	if [[ $fw == uefi ]]; then
		mac=52:54:00:00:00:02 nic=,bootindex=1
		cp -- "$OVMF_VARS" "$work/$name-vars.fd"
		args=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
			-drive "if=pflash,format=raw,file=$work/$name-vars.fd")
	fi
	[[ ${BENCH_PXE_KEEP:-0} != 1 ]] ||
		args+=(-object "filter-dump,id=dump0,netdev=n0,file=$work/$name.pcap")
	rm -f -- "$fifo"
	mkfifo "$fifo"
	t0=$(us)
	# ip netns exec, not nsx: a function in the background would be a
	# subshell, and QEMU_PID not QEMU's
	ip netns exec "$P" qemu-system-x86_64 -name "podboot-pxe-bench-$name" \
		-accel "$ACCEL" -machine pc,graphics=off -m 512 -smp 1 \
		-no-user-config -display none -monitor none -no-reboot \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device "e1000,netdev=n0,mac=$mac$nic" -serial stdio "${args[@]}" \
		</dev/null >"$fifo" 2>"$work/$name.qemu.log" &
	QEMU_PID=$!
	# Each line as it arrives; the deadline bounds every wait for one.
	while left=$((t0 + LIMIT * 1000000 - $(us))) && ((left > 0)) &&
		IFS= read -r -t "$(secs 0 "$left")" line; do
		now=$(us)
		printf '%s\t%s\n' "$now" "${line//$'\r'/}" >>"$work/$name.console"
		[[ -n $t1 || $line != *"$first"* ]] || t1=$now
		[[ -n $t2 || $line != *"$fetch"* ]] || t2=$now
		if [[ $line == *"$last"* ]]; then
			t3=$now
			break
		fi
	done <"$fifo"
	stop_pid "$QEMU_PID"
	QEMU_PID=
	rm -f -- "$fifo"
	T_END=n/a T_IPXE=n/a T_FETCH=n/a
	[[ -z $t3 ]] || T_END=$(secs "$t0" "$t3") T_IPXE=$(secs "$t1" "$t3") \
		T_FETCH=$(secs "$t2" "$t3")
}

# --- Runs ---------------------------------------------------------------------

echo "$BENCH: QEMU $(qemu-system-x86_64 --version | head -1 | sed 's/^QEMU emulator version //') with $ACCEL$([[ $ACCEL == tcg ]] && echo ' (no KVM: every instruction of the firmware is emulated)'), $RUNS runs, boots stopped at stage2; WANs of ${WANS// /, } ms each way (wan-link, no loss)"
echo "$BENCH: podboot: DHCP, TLS (podboot serve, $(openssl x509 -in "$site/keys/root.crt" -noout -text | grep -m1 -o 'Public Key Algorithm: [a-zA-Z]*' | sed 's/.*: //') keys) and imgverify of stage2; peer: the same DHCP, then a plain script from busybox httpd"

# diff_s A B: A - B in seconds, two decimals; n/a when either is.
diff_s() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.2f\n", a - b }'
}

# fig[PATH-WAN-SEGMENT-WHO]: a figure's values over the runs (WHO:
# podboot, peer, ratio, diff: podboot's seconds less the peer's; SEGMENT:
# end, ipxe, fetch as boot sets them).
# cur[WHO-SEGMENT]: this run's.
declare -A fig cur
SEGMENTS="end ipxe fetch"
for wan in $WANS; do
	wan_start "$wan" || die "the $wan ms WAN does not carry traffic: $(tail -3 "$work/wan-$wan.log")"
	for ((run = 1; run <= RUNS; run++)); do
		for fw in $FIRMWARES; do
			k=$fw-${wan}ms
			for chain in $( ((run % 2)) && echo podboot peer || echo peer podboot); do
				boot "$fw" "$chain" "$k-$chain-$run"
				fig[$k-end-$chain]+="$T_END " fig[$k-ipxe-$chain]+="$T_IPXE "
				fig[$k-fetch-$chain]+="$T_FETCH "
				record "$run" "${fw}_${wan}ms_${chain}_s" "$T_END" \
					"${fw}_${wan}ms_${chain}_ipxe_s" "$T_IPXE" \
					"${fw}_${wan}ms_${chain}_fetch_s" "$T_FETCH"
				cur[$chain-end]=$T_END cur[$chain-ipxe]=$T_IPXE
				cur[$chain-fetch]=$T_FETCH
			done
			for seg in $SEGMENTS; do
				r=$(ratio "${cur[podboot-$seg]}" "${cur[peer-$seg]}")
				d=$(diff_s "${cur[podboot-$seg]}" "${cur[peer-$seg]}")
				fig[$k-$seg-ratio]+="$r " fig[$k-$seg-diff]+="$d "
				record "$run" "${fw}_${wan}ms_${seg}_ratio" "$r" \
					"${fw}_${wan}ms_${seg}_added_s" "$d"
			done
			printf 'run %d: %s, %s ms WAN: podboot %s s (iPXE %s, fetch %s), peer %s s (iPXE %s, fetch %s)\n' \
				"$run" "$fw" "$wan" "${cur[podboot-end]}" "${cur[podboot-ipxe]}" \
				"${cur[podboot-fetch]}" "${cur[peer-end]}" "${cur[peer-ipxe]}" \
				"${cur[peer-fetch]}"
		done
	done
done

# --- Summary ------------------------------------------------------------------

# line K SEGMENT WHAT: one line of the summary.
line() {
	# shellcheck disable=SC2086 # lists of figures
	printf '    %-30s podboot %s s, peer %s s, ratio %s, podboot adds %s s\n' "$3" \
		"$(span %.2f ${fig[$1-$2-podboot]})" "$(span %.2f ${fig[$1-$2-peer]})" \
		"$(span %.2f ${fig[$1-$2-ratio]})" "$(span %.2f ${fig[$1-$2-diff]})"
}

echo "$BENCH: seconds, median [min-max] over $RUNS runs ($(load_span)); QEMU $ACCEL; ratio podboot/peer per run:"
for wan in $WANS; do
	for fw in $FIRMWARES; do
		k=$fw-${wan}ms
		echo "  $fw PXE, $wan ms WAN:"
		line "$k" end "power-on to stage2:"
		line "$k" ipxe "iPXE script's first line:"
		line "$k" fetch "fetch and verify (TLS+CMS):"
	done
done
echo "$BENCH: power-on: the stock firmware's own DHCP and TFTP are in both alike; iPXE: the script's DHCP and the fetch; fetch: podboot's HTTPS requests for stage2 and its signature and imgverify, the peer's plain HTTP request"
echo "$BENCH: results in ${bench_results#"$repo_dir"/}"
