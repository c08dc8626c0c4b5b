#!/usr/bin/env bash
# Benchmark: DHCP transactions per second through a relay against Kea, with podboot's generated configuration against a minimal one.
#
# The namespaces are test/integration/dhcp.test.sh's (dhcp-ns.sh): kea-dhcp4
# in "central", ISC dhcrelay in "router", perfdhcp (shipped with Kea) as the
# load generator on a pod's link.  The WAN between central and router is a
# plain veth pair, without delay or loss: the figure is Kea's rate, not
# the link's.  Each run measures the same kea-dhcp4 twice, back to back,
# in alternating order, a fresh process and lease file each time:
#   podboot  `podboot dhcp render` of a podboot.conf with BENCH_DHCP_PODS
#            pods, BENCH_DHCP_RESERVED reserved machines in each, router,
#            DNS and NTP options and all of podboot's client classes;
#   minimal  one subnet and one pool, no options, no classes, no
#            reservations (written here), with the same lease database
#            settings and lifetimes.
# perfdhcp does full DORA exchanges as a legacy BIOS PXE client (options 60
# and 93, so a class matches and adds its boot file) from a list of MACs,
# half of them reserved in podboot.conf, half unknown (pool addresses).
# perfdhcp always acts as a first relay itself (it sets giaddr to its own
# 10.10.4.2 on the pod link): its requests cross dhcrelay as a second hop,
# and Kea answers giaddr directly, routed back by the router, as a chain of
# two relays does.  Only the namespaces' 10.x addresses carry traffic.
#
# Environment:
#   PODBOOT               podboot binary (default: build/podboot)
#   BENCH_RUNS            runs, each measuring both configurations (default 5)
#   BENCH_RESULTS_DIR     where the per-run results go (default build/bench)
#   BENCH_DHCP_RATE       DORA exchanges a second perfdhcp offers (default
#                         8000: more than Kea answers on two cores, so the
#                         figure is Kea's capacity)
#   BENCH_DHCP_SECONDS    length of each measurement (default 10)
#   BENCH_DHCP_PODS       pods in podboot.conf (default 4)
#   BENCH_DHCP_RESERVED   reserved machines a pod (default 100)
#
# Output: each configuration's exchanges a second and the per-run ratio
# podboot/minimal, as the median and [min-max] range over the runs; the raw
# figures go to build/bench/dhcp-bench-DATE.tsv (see lib.sh).  Goal
# (reported, never enforced): ratio >= 0.9 (podboot's classes and
# reservations cost at most 10%).  Also each configuration's CPU time of
# kea-dhcp4 per ACK and their ratio, steadier than the rates on a shared
# machine.  Needs kea-dhcp4, perfdhcp (kea-admin), dhcrelay and jq
# (scripts/deps bench), and root (it says it skipped, and exits 0, without).

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
RATE=${BENCH_DHCP_RATE:-8000}
SECS=${BENCH_DHCP_SECONDS:-10}
PODS=${BENCH_DHCP_PODS:-4}
RESERVED=${BENCH_DHCP_RESERVED:-100}

BENCH=dhcp-bench
. "$script_dir/lib.sh"
. "$repo_dir/test/integration/dhcp-ns.sh"
bench_runs_init

# --- Check the environment before creating anything -------------------------

need_whole BENCH_DHCP_RATE "$RATE" 1 1000000 "of exchanges a second"
need_whole BENCH_DHCP_SECONDS "$SECS" 1 3600 "of seconds"
need_whole BENCH_DHCP_PODS "$PODS" 1 60
need_whole BENCH_DHCP_RESERVED "$RESERVED" 1 250
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_tools kea-dhcp4 perfdhcp dhcrelay jq ip
if [[ $(id -u) != 0 ]]; then
	echo "$BENCH: skipped: its network namespaces need root"
	exit 0
fi

# --- Scratch space and namespaces, all gone at exit --------------------------

NS=pbb$$
C=$NS-c R=$NS-r P=$NS-p
KEA_PID='' RELAY_PID=''
bench_servers KEA_PID RELAY_PID
bench_cleanup_hook() { dhcp_ns_del "$C" "$R" "$P"; }
bench_workdir dhcp-bench

dhcp_ns_add "$C" "$R" "$P" || die "cannot create network namespaces"
ip link add wan-c netns "$C" type veth peer name wan-r netns "$R" &&
	dhcp_ns_wan_addr "$C" "$R" ||
	die "cannot build the WAN link"
# the measured pod is pod-1: 10.10.4.0/22, its router 10.10.4.1
dhcp_ns_pod_link "$R" pa-r "$P" 10.10.4.1/22 &&
	nsx "$P" ip addr add 10.10.4.2/22 dev eth0 &&
	nsx "$P" ip route add 10.99.0.0/24 via 10.10.4.1 &&
	nsx "$R" sysctl -qw net.ipv4.ip_forward=1 ||
	die "cannot build the pod link"
dhcp_relay_start "$R" "$work/relay.log" pa-r

# --- The two configurations ---------------------------------------------------

# mac POD N: the MAC of reserved machine N of pod POD.
mac() { printf '52:54:%02x:00:%02x:%02x' "$1" $(($2 / 256)) $(($2 % 256)); }

# podboot_conf: podboot.conf with PODS pods, pod k on 10.10.4k.0/22 (its
# reservations in the second /24, its pool in the fourth), RESERVED
# machines in each.
podboot_conf() {
	local k n b
	dhcp_conf_head
	echo "pods = ("
	for ((k = 1; k <= PODS; k++)); do
		b=$((4 * k))
		cat <<POD
  { name = "pod-$k"; profile = "p";
    provisioning = { cidr = "10.10.$b.0/22"; gateway = "10.10.$b.1"; vlan = $((100 + k));
      dns = [ "10.99.0.53", "10.99.0.54" ]; ntp = [ "10.99.0.123" ];
      pool_start = "10.10.$((b + 3)).1"; pool_end = "10.10.$((b + 3)).250"; };
    management = { cidr = "10.20.$k.0/24"; gateway = "10.20.$k.1"; }; }$( ((k < PODS)) && echo ,)
POD
	done
	echo ");"
	echo "nodes = ("
	for ((k = 1; k <= PODS; k++)); do
		for ((n = 1; n <= RESERVED; n++)); do
			printf '  { mac = "%s"; hostname = "p%d-%d"; pod = "pod-%d"; address = "10.10.%d.%d"; }%s\n' \
				"$(mac "$k" "$n")" "$k" "$n" "$k" $((4 * k + 1)) "$n" \
				"$( ((k < PODS || n < RESERVED)) && echo ,)"
		done
	done
	echo ");"
}

# minimal_json LEASES: Kea with one subnet (pod-1's) and a pool, nothing
# else but what both configurations need alike.
minimal_json() {
	cat <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "wan-c" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true,
                        "lfc-interval": 3600, "name": "$1" },
    "valid-lifetime": 3600, "renew-timer": 1800, "rebind-timer": 3150,
    "subnet4": [ { "id": 1, "subnet": "10.10.4.0/22",
                   "pools": [ { "pool": "10.10.7.1 - 10.10.7.250" } ] } ]
} }
JSON
}

podboot_conf >"$work/podboot.conf"
mkdir "$work/data"
# the clients: half of pod-1's reserved machines, as many unknown ones
half=$(((RESERVED + 1) / 2))
for ((n = 1; n <= half; n++)); do
	mac 1 "$n"
	echo
	printf '52:54:fe:00:%02x:%02x\n' $((n / 256)) $((n % 256))
done >"$work/macs"
clients=$((2 * half))

# kea_json NAME: write configuration NAME (podboot, minimal) to
# $work/NAME.json with a fresh lease file.
kea_json() {
	local leases=$work/$1-leases.csv
	rm -f -- "$leases" "$leases".*
	case $1 in
	podboot)
		"$PODBOOT" dhcp render --config "$work/podboot.conf" \
			--socket "$work/kea.sock" --interface wan-c \
			--lease-file "$leases" --out "$work/podboot.json"
		;;
	minimal)
		minimal_json "$leases" >"$work/minimal.json"
		;;
	esac
}

kea_json podboot || die "podboot dhcp render failed"
jq -e --argjson n "$((PODS * RESERVED))" \
	'[.Dhcp4.subnet4[].reservations | length] | add == $n' \
	"$work/podboot.json" >/dev/null ||
	die "the rendered configuration lacks the $((PODS * RESERVED)) reservations"
classes=$(jq '.Dhcp4["client-classes"] | length' "$work/podboot.json")

# --- One measurement ----------------------------------------------------------

# kea_listening: kea-dhcp4 has opened its DHCP socket on wan-c.
kea_listening() {
	nsx "$C" ss -Hlun 'sport = :67' | grep -q 10.99.0.1
}

# measure NAME RUN: start kea-dhcp4 with configuration NAME, let perfdhcp
# load it through the relay for SECS seconds, stop it; MEASURED is the
# 4-way exchanges a second perfdhcp saw (n/a when it failed) and KEA_US
# the CPU time kea-dhcp4 spent per ACK it sent, in microseconds; the
# output stays in $work/NAME-RUN.perf.  Not in a subshell: KEA_PID must
# reach the cleanup.
measure() {
	local name=$1 run=$2 out=$work/$1-$2.perf t0 t1 acks
	kea_json "$name" || die "cannot write the $name configuration"
	dhcp_kea_start "$C" "$work/$name.json" "$work" "$work/$name-kea.log"
	wait_up 20 "$KEA_PID" kea_listening ||
		die "kea-dhcp4 ($name) did not start: $(tail -3 "$work/$name-kea.log")"
	t0=$(cpu_ticks "$KEA_PID")
	# 0x3c: PXEClient:Arch:00000:UNDI:002001; 0x5d: architecture 0 (BIOS)
	nsx "$P" perfdhcp -4 -l eth0 -r "$RATE" -p "$SECS" -R "$clients" \
		-M "$work/macs" -s "$run" \
		-o 60,505845436c69656e743a417263683a30303030303a554e44493a303032303031 \
		-o 93,0000 >"$out" 2>&1 || true
	t1=$(cpu_ticks "$KEA_PID")
	stop_pid "$KEA_PID"
	KEA_PID=
	MEASURED=$(sed -n 's/^Rate: \([0-9.]*\) 4-way.*/\1/p' "$out" | head -1)
	MEASURED=${MEASURED:-n/a}
	acks=$(perf_count "$name" "$run" REQUEST-ACK 'received packets')
	KEA_US=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${acks:-0}" \
		'BEGIN { if (n > 0) printf "%.1f\n", t * 1e6 / hz / n; else print "n/a" }')
}

# perf_count NAME RUN EXCHANGE WHAT: the count named WHAT (sent packets,
# received packets, drops) of EXCHANGE (DISCOVER-OFFER, REQUEST-ACK) in
# that measurement's perfdhcp statistics.
perf_count() {
	awk -v ex="$3" -v what="$4" '/^\*\*\*Statistics for/ { x = index($0, ex) > 0 }
		x && index($0, what ": ") == 1 { sub(/.*: /, ""); print; exit }' \
		"$work/$1-$2.perf"
}

echo "dhcp-bench: kea-dhcp4 $(kea-dhcp4 -v), perfdhcp through dhcrelay, $RUNS runs of $SECS s at $RATE DORA/s offered, $clients clients"
echo "dhcp-bench: podboot: $PODS pods, $((PODS * RESERVED)) reservations, $classes client classes; minimal: one subnet, one pool"

# --- Runs ---------------------------------------------------------------------

pb_rates=() min_rates=() ratios=() pb_us=() min_us=() us_ratios=()
for ((run = 1; run <= RUNS; run++)); do
	# alternate which goes first
	for name in $( ((run % 2)) && echo podboot minimal || echo minimal podboot); do
		measure "$name" "$run"
		case $name in
		podboot) pb=$MEASURED pbu=$KEA_US ;;
		*) mn=$MEASURED mnu=$KEA_US ;;
		esac
	done
	r=$(ratio "$pb" "$mn")
	ru=$(ratio "$pbu" "$mnu")
	pb_rates+=("$pb") min_rates+=("$mn") ratios+=("$r")
	pb_us+=("$pbu") min_us+=("$mnu") us_ratios+=("$ru")
	record "$run" podboot_dora_per_s "$pb" minimal_dora_per_s "$mn" \
		ratio "$r" podboot_kea_us_per_ack "$pbu" \
		minimal_kea_us_per_ack "$mnu" kea_cpu_ratio "$ru" \
		podboot_drops "$(perf_count podboot "$run" DISCOVER-OFFER drops)" \
		minimal_drops "$(perf_count minimal "$run" DISCOVER-OFFER drops)"
	printf 'run %d: podboot %s/s (Kea %s us/ACK), minimal %s/s (%s us/ACK), ratio %s\n' \
		"$run" "$pb" "$pbu" "$mn" "$mnu" "$r"
	[[ $r != n/a ]] || {
		tail -n 20 "$work/podboot-$run.perf" "$work/minimal-$run.perf" \
			"$work/relay.log" >&2
		die "perfdhcp measured nothing in run $run"
	}
done

# --- Summary ------------------------------------------------------------------

m=$(stats "${ratios[@]}")
echo "dhcp-bench: median [min-max] over $RUNS runs ($(load_span)):"
echo "  podboot  $(span %.0f "${pb_rates[@]}") DORA exchanges/s"
echo "  minimal  $(span %.0f "${min_rates[@]}") DORA exchanges/s"
echo "  ratio    $(span %.2f "${ratios[@]}") podboot/minimal; goal >= 0.90: $(goal "${m%% *}" '>=' 0.9)"
echo "  Kea CPU  podboot $(span %.1f "${pb_us[@]}") us/ACK, minimal $(span %.1f "${min_us[@]}") us/ACK, ratio $(span %.2f "${us_ratios[@]}")"
echo "dhcp-bench: results in ${bench_results#"$repo_dir"/}"
