#!/usr/bin/env bash
# Benchmark: DHCP transactions per second through a relay against Kea, with podboot's generated configuration against a minimal one.
#
# The namespaces are test/integration/dhcp.test.sh's (dhcp-ns.sh): kea-dhcp4
# in "central", ISC dhcrelay in "router", perfdhcp (shipped with Kea) as the
# load generator on a pod's link.  The WAN between central and router is a
# plain veth pair, without delay or loss: the figure is Kea's cost, not
# the link's.  The two configurations:
#   podboot  `podboot dhcp render` of a podboot.conf with BENCH_DHCP_PODS
#            pods, BENCH_DHCP_RESERVED reserved machines in each, router,
#            DNS and NTP options and all of podboot's client classes;
#   minimal  one subnet and one pool, no options, no classes, no
#            reservations (written here), with the same lease database
#            settings and lifetimes.
# They are measured interleaved: each run (round) measures both, one after
# the other, the order alternating from run to run (podboot minimal,
# minimal podboot, ...), so that a drift of the machine's load weighs on
# both alike; each measurement is a fresh kea-dhcp4 and lease file, which
# perfdhcp loads twice:
#   fixed      BENCH_DHCP_FIXED_RATE exchanges a second offered, below what
#              Kea answers (every exchange answered): kea-dhcp4's CPU time
#              (user + system, from /proc) per ACK.  The headline: the cost
#              of the configuration itself, which another process on the
#              machine does not change, where a rate does.
#   saturated  BENCH_DHCP_RATE offered, more than Kea answers: the
#              exchanges a second it completes (its capacity here), and its
#              CPU per ACK under that load.
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
#   BENCH_DHCP_FIXED_RATE DORA exchanges a second offered for the CPU figure
#                         (default 500: a fifth of what Kea 2.2 answers on
#                         this 2-core machine with either configuration)
#   BENCH_DHCP_RATE       DORA exchanges a second offered for the saturation
#                         figure (default 8000: more than Kea answers)
#   BENCH_DHCP_SECONDS    length of each load (default 10)
#   BENCH_DHCP_PODS       pods in podboot.conf (default 4)
#   BENCH_DHCP_RESERVED   reserved machines a pod (default 100)
#   BENCH_DHCP_CALLGRIND  1: after the runs, count kea-dhcp4's instructions
#                         per ACK under valgrind's callgrind, once per
#                         configuration (default 0).  Start-up and shut-down
#                         are left out (instrumentation is on for the load
#                         only); the count does not move with the machine's
#                         load, so it shows a change of a few percent that
#                         the CPU times cannot
#   BENCH_DHCP_CALLGRIND_RATE  DORA exchanges a second offered to Kea under
#                         callgrind (default 10: it runs some 50 times
#                         slower, and must answer every exchange)
#   BENCH_DHCP_EDIT       a jq filter applied to podboot's rendered file
#                         before each measurement: a change tried here
#                         before it is made in kea_render.c, e.g.
#                         '.Dhcp4["client-classes"] = []' (default: none)
#
# Output: per configuration, the median and [min-max] range over the runs
# of Kea's CPU per ACK at the fixed rate and of the saturation rate, and
# of the per-run ratios podboot/minimal; the raw figures go to
# build/bench/dhcp-bench-DATE.tsv (see lib.sh).  Goals (reported, never
# enforced; podboot's classes and reservations cost at most 10%): CPU per
# ACK ratio <= 1.10, rate ratio >= 0.90.  Fixed-rate loads that lost
# more than one exchange in 200 are flagged: then the rate was not below
# saturation.  On a shared machine the saturation rate moves with what
# else runs (Kea gets what the scheduler leaves it); its CPU per ACK, and
# more so the fixed-rate one, do not.
# Needs kea-dhcp4, perfdhcp (kea-admin), dhcrelay and jq (scripts/deps
# bench), and root (it says it skipped, and exits 0, without).

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
RATE=${BENCH_DHCP_RATE:-8000}
FIXED=${BENCH_DHCP_FIXED_RATE:-500}
EDIT=${BENCH_DHCP_EDIT:-}
CG=${BENCH_DHCP_CALLGRIND:-0}
CG_RATE=${BENCH_DHCP_CALLGRIND_RATE:-10}
SECS=${BENCH_DHCP_SECONDS:-10}
PODS=${BENCH_DHCP_PODS:-4}
RESERVED=${BENCH_DHCP_RESERVED:-100}

BENCH=dhcp-bench
. "$script_dir/lib.sh"
. "$repo_dir/test/integration/dhcp-ns.sh"
bench_runs_init

# --- Check the environment before creating anything -------------------------

need_whole BENCH_DHCP_RATE "$RATE" 1 1000000 "of exchanges a second"
need_whole BENCH_DHCP_FIXED_RATE "$FIXED" 1 1000000 "of exchanges a second"
need_whole BENCH_DHCP_CALLGRIND "$CG" 0 1
need_whole BENCH_DHCP_CALLGRIND_RATE "$CG_RATE" 1 1000 "of exchanges a second"
need_whole BENCH_DHCP_SECONDS "$SECS" 1 3600 "of seconds"
need_whole BENCH_DHCP_PODS "$PODS" 1 60
need_whole BENCH_DHCP_RESERVED "$RESERVED" 1 250
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_tools kea-dhcp4 perfdhcp dhcrelay jq ip
((CG == 0)) || need_tools valgrind callgrind_control
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
			--lease-file "$leases" --out "$work/podboot.json" &&
			if [[ -n $EDIT ]]; then
				jq "$EDIT" "$work/podboot.json" >"$work/edited.json" &&
					mv -- "$work/edited.json" "$work/podboot.json"
			fi
		;;
	minimal)
		minimal_json "$leases" >"$work/minimal.json"
		;;
	esac
}

kea_json podboot || die "podboot dhcp render failed"
[[ -n $EDIT ]] || jq -e --argjson n "$((PODS * RESERVED))" \
	'[.Dhcp4.subnet4[].reservations | length] | add == $n' \
	"$work/podboot.json" >/dev/null ||
	die "the rendered configuration lacks the $((PODS * RESERVED)) reservations"
classes=$(jq '.Dhcp4["client-classes"] | length' "$work/podboot.json")


# --- One measurement ----------------------------------------------------------

# kea_listening: kea-dhcp4 has opened its DHCP socket on wan-c.
kea_listening() {
	nsx "$C" ss -Hlun 'sport = :67' | grep -q 10.99.0.1
}

# perf_count FILE EXCHANGE WHAT: the count named WHAT (sent packets,
# received packets, drops) of EXCHANGE (DISCOVER-OFFER, REQUEST-ACK) in
# the perfdhcp statistics in FILE.
perf_count() {
	awk -v ex="$2" -v what="$3" '/^\*\*\*Statistics for/ { x = index($0, ex) > 0 }
		x && index($0, what ": ") == 1 { sub(/.*: /, ""); print; exit }' "$1"
}

# load PHASE RATE NAME RUN: perfdhcp offers RATE DORA exchanges a second
# for SECS seconds through the relay to the running kea-dhcp4; RATE_GOT is
# the 4-way exchanges a second perfdhcp saw (n/a when it failed), US the
# CPU time kea-dhcp4 spent per ACK it sent, in microseconds, DROPS the
# exchanges perfdhcp gave up on.  Its output stays in
# $work/NAME-RUN-PHASE.perf.
load() {
	local out=$work/$3-$4-$1.perf t0 t1 acks d1 d2
	t0=$(cpu_ticks "$KEA_PID")
	# 0x3c: PXEClient:Arch:00000:UNDI:002001; 0x5d: architecture 0 (BIOS)
	nsx "$P" perfdhcp -4 -l eth0 -r "$2" -p "$SECS" -R "$clients" \
		-M "$work/macs" -s "$4" \
		-o 60,505845436c69656e743a417263683a30303030303a554e44493a303032303031 \
		-o 93,0000 >"$out" 2>&1 || true
	t1=$(cpu_ticks "$KEA_PID")
	RATE_GOT=$(sed -n 's/^Rate: \([0-9.]*\) 4-way.*/\1/p' "$out" | head -1)
	RATE_GOT=${RATE_GOT:-n/a}
	acks=$(perf_count "$out" REQUEST-ACK 'received packets')
	d1=$(perf_count "$out" DISCOVER-OFFER drops)
	d2=$(perf_count "$out" REQUEST-ACK drops)
	DROPS=$((${d1:-0} + ${d2:-0}))
	US=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v n="${acks:-0}" \
		'BEGIN { if (n > 0) printf "%.1f\n", t * 1e6 / hz / n; else print "n/a" }')
}

# measure NAME RUN: a fresh kea-dhcp4 with configuration NAME, loaded at
# the fixed rate, then saturated, then stopped.  Sets FIX_US, FIX_DROPS
# (fixed) and SAT_RATE, SAT_US (saturated).  Not in a subshell: KEA_PID
# must reach the cleanup.
measure() {
	local name=$1 run=$2
	kea_json "$name" || die "cannot write the $name configuration"
	dhcp_kea_start "$C" "$work/$name.json" "$work" "$work/$name-kea.log"
	wait_up 20 "$KEA_PID" kea_listening ||
		die "kea-dhcp4 ($name) did not start: $(tail -3 "$work/$name-kea.log")"
	load fixed "$FIXED" "$name" "$run"
	FIX_US=$US FIX_DROPS=$DROPS
	load saturated "$RATE" "$name" "$run"
	SAT_RATE=$RATE_GOT SAT_US=$US
	stop_pid "$KEA_PID"
	KEA_PID=
}

# count NAME: kea-dhcp4 with configuration NAME under valgrind's callgrind,
# its instrumentation off while it starts, on for one load at CG_RATE,
# off again before it stops.  CG_IR: the instructions it executed per
# ACK (n/a when none).  Deterministic: the same packets cost the same
# instructions whatever else the machine runs.
count() {
	local name=$1 out=$work/$1.callgrind ir acks
	kea_json "$name" || die "cannot write the $name configuration"
	KEA_PIDFILE_DIR=$work KEA_LOCKFILE_DIR=$work ip netns exec "$C" \
		valgrind --tool=callgrind --instr-atstart=no \
		--callgrind-out-file="$out" kea-dhcp4 -c "$work/$name.json" \
		>"$work/$name-cg.log" 2>&1 &
	KEA_PID=$!
	wait_up 180 "$KEA_PID" kea_listening ||
		die "kea-dhcp4 ($name) did not start under callgrind: $(tail -3 "$work/$name-cg.log")"
	callgrind_control -i on "$KEA_PID" >/dev/null 2>&1 ||
		die "callgrind_control could not reach kea-dhcp4 ($name)"
	load callgrind "$CG_RATE" "$name" 0
	callgrind_control -i off "$KEA_PID" >/dev/null 2>&1 ||
		die "callgrind_control could not reach kea-dhcp4 ($name)"
	stop_pid "$KEA_PID"
	KEA_PID=
	ir=$(awk '$1 == "totals:" { print $2; exit }' "$out")
	acks=$(perf_count "$work/$name-0-callgrind.perf" REQUEST-ACK 'received packets')
	CG_IR=$(awk -v i="${ir:-0}" -v n="${acks:-0}" \
		'BEGIN { if (n > 0 && i > 0) printf "%.0f\n", i / n; else print "n/a" }')
	CG_ACKS=${acks:-0} CG_DROPS=$DROPS
}

echo "dhcp-bench: kea-dhcp4 $(kea-dhcp4 -v), perfdhcp through dhcrelay, $clients clients, $RUNS runs of two loads of $SECS s: $FIXED DORA/s offered (Kea CPU per ACK), then $RATE (saturation)"
echo "dhcp-bench: podboot: $PODS pods, $((PODS * RESERVED)) reservations, $classes client classes${EDIT:+, edited by jq '$EDIT'}; minimal: one subnet, one pool"

# --- Runs: the two configurations interleaved ---------------------------------

pb_us=() mn_us=() us_ratios=() pb_rates=() mn_rates=() ratios=()
pb_sus=() mn_sus=() sus_ratios=() drops=0
for ((run = 1; run <= RUNS; run++)); do
	for name in $( ((run % 2)) && echo podboot minimal || echo minimal podboot); do
		measure "$name" "$run"
		drops=$((drops + FIX_DROPS))
		case $name in
		podboot) pbu=$FIX_US pb=$SAT_RATE pbs=$SAT_US pbd=$FIX_DROPS ;;
		*) mnu=$FIX_US mn=$SAT_RATE mns=$SAT_US mnd=$FIX_DROPS ;;
		esac
	done
	ru=$(ratio "$pbu" "$mnu")
	r=$(ratio "$pb" "$mn")
	pb_us+=("$pbu") mn_us+=("$mnu") us_ratios+=("$ru")
	pb_rates+=("$pb") mn_rates+=("$mn") ratios+=("$r")
	pb_sus+=("$pbs") mn_sus+=("$mns") sus_ratios+=("$(ratio "$pbs" "$mns")")
	record "$run" podboot_kea_us_per_ack "$pbu" \
		minimal_kea_us_per_ack "$mnu" kea_cpu_ratio "$ru" \
		podboot_fixed_drops "$pbd" minimal_fixed_drops "$mnd" \
		podboot_dora_per_s "$pb" minimal_dora_per_s "$mn" ratio "$r" \
		podboot_sat_us_per_ack "$pbs" minimal_sat_us_per_ack "$mns" \
		sat_cpu_ratio "${sus_ratios[-1]}"
	printf 'run %d: at %d/s Kea podboot %s us/ACK, minimal %s, ratio %s; saturated podboot %s/s, minimal %s/s, ratio %s\n' \
		"$run" "$FIXED" "$pbu" "$mnu" "$ru" "$pb" "$mn" "$r"
	[[ $r != n/a && $ru != n/a ]] || {
		tail -n 20 "$work"/*-"$run"-*.perf "$work/relay.log" >&2
		die "perfdhcp measured nothing in run $run"
	}
done

# --- Instructions (BENCH_DHCP_CALLGRIND=1) ------------------------------------

if ((CG)); then
	count podboot
	pb_ir=$CG_IR pb_acks=$CG_ACKS cg_drops=$CG_DROPS
	count minimal
	mn_ir=$CG_IR mn_acks=$CG_ACKS cg_drops=$((cg_drops + CG_DROPS))
	ir_ratio=$(ratio "$pb_ir" "$mn_ir")
	record 0 podboot_kea_instr_per_ack "$pb_ir" \
		minimal_kea_instr_per_ack "$mn_ir" kea_instr_ratio "$ir_ratio"
fi

# --- Summary ------------------------------------------------------------------

mu=$(stats "${us_ratios[@]}")
m=$(stats "${ratios[@]}")
echo "dhcp-bench: median [min-max] over $RUNS interleaved runs ($(load_span)):"
echo "  at $FIXED DORA/s offered: Kea CPU per ACK podboot $(span %.1f "${pb_us[@]}") us, minimal $(span %.1f "${mn_us[@]}") us"
echo "    ratio  $(span %.2f "${us_ratios[@]}") podboot/minimal; goal <= 1.10: $(goal "${mu%% *}" '<=' 1.1)"
# more than one exchange in 200 lost: that rate was not below saturation
((drops * 200 <= FIXED * SECS * RUNS * 2)) ||
	echo "    (perfdhcp lost $drops of $((FIXED * SECS * RUNS * 2)) exchanges at that rate: it was not below saturation everywhere; lower BENCH_DHCP_FIXED_RATE)"
echo "  saturated ($RATE/s offered): podboot $(span %.0f "${pb_rates[@]}"), minimal $(span %.0f "${mn_rates[@]}") DORA exchanges/s"
echo "    ratio  $(span %.2f "${ratios[@]}") podboot/minimal; goal >= 0.90: $(goal "${m%% *}" '>=' 0.9)"
echo "    Kea CPU per ACK podboot $(span %.1f "${pb_sus[@]}") us, minimal $(span %.1f "${mn_sus[@]}") us, ratio $(span %.2f "${sus_ratios[@]}")"
((CG == 0)) ||
	echo "  callgrind, $CG_RATE DORA/s offered for $SECS s: Kea instructions per ACK podboot $pb_ir ($pb_acks ACKs), minimal $mn_ir ($mn_acks ACKs), ratio $ir_ratio; goal <= 1.10: $(goal "$ir_ratio" '<=' 1.1)"
((CG == 0 || cg_drops == 0)) ||
	echo "    (perfdhcp lost $cg_drops exchanges: Kea under callgrind fell behind, and the work of the lost ones inflates the count; lower BENCH_DHCP_CALLGRIND_RATE)"
echo "dhcp-bench: results in ${bench_results#"$repo_dir"/}"
