# shellcheck shell=bash disable=SC2034  # KEA_PID, RELAY_PID: for the caller
# dhcp-ns.sh: the network namespaces DHCP runs through, shared by
# test/integration/dhcp.test.sh and test/bench/dhcp.sh (bash, sourced).
#
# The topology: a "central" namespace running kea-dhcp4 on its WAN end
# wan-c (10.99.0.1/24), a "router" namespace running ISC dhcrelay between
# its WAN end wan-r (10.99.0.2/24) and one veth link a pod, and pod
# namespaces whose eth0 is the other end of their link.  The callers add
# what differs: the WAN's delay and loss, how many pods, the clients.

# nsx NS CMD...: CMD inside namespace NS (ip netns exec execs it, so a
# background one's $! is the command's own PID).
nsx() {
	local n=$1
	shift
	ip netns exec "$n" "$@"
}

# dhcp_ns_add NS...: new namespaces, each with its loopback up; non-zero
# when one cannot be made.
dhcp_ns_add() {
	local n
	for n; do
		ip netns add "$n" && nsx "$n" ip link set lo up || return 1
	done
}

# dhcp_ns_del NS...: remove the namespaces (those that exist).
dhcp_ns_del() {
	local n
	for n; do ip netns del "$n" 2>/dev/null; done
	return 0
}

# dhcp_ns_wan_addr C R: address and raise the WAN ends wan-c in C and
# wan-r in R (made by the caller, directly or through an emulator), and
# route the pods' 10.10.0.0/16 from C through the router.
dhcp_ns_wan_addr() {
	nsx "$1" ip addr add 10.99.0.1/24 dev wan-c &&
		nsx "$2" ip addr add 10.99.0.2/24 dev wan-r &&
		nsx "$1" ip link set wan-c up &&
		nsx "$2" ip link set wan-r up &&
		nsx "$1" ip route add 10.10.0.0/16 via 10.99.0.2
}

# dhcp_ns_pod_link R IF POD ADDR: a link from the router's IF (given ADDR,
# the relay address, e.g. 10.10.1.1/24) to POD's eth0, both up.
dhcp_ns_pod_link() {
	ip link add "$2" netns "$1" type veth peer name eth0 netns "$3" &&
		nsx "$1" ip addr add "$4" dev "$2" &&
		nsx "$1" ip link set "$2" up &&
		nsx "$3" ip link set eth0 up
}

# dhcp_kea_start C JSON DIR LOG: kea-dhcp4 in C with configuration JSON,
# its PID and lock files in DIR, its output in LOG; KEA_PID is its PID.
dhcp_kea_start() {
	KEA_PIDFILE_DIR=$3 KEA_LOCKFILE_DIR=$3 \
		ip netns exec "$1" kea-dhcp4 -c "$2" >"$4" 2>&1 &
	KEA_PID=$!
}

# dhcp_relay_start R LOG POD_IF...: dhcrelay in R relaying from the pod
# links POD_IF... over wan-r to the central's 10.99.0.1, its output in
# LOG; RELAY_PID is its PID.  With DHCP_RELAY_AGENT=1 it adds relay agent
# information (option 82, dhcrelay -a): circuit-id = the pod link's
# interface name, and finds a reply's link by it.
dhcp_relay_start() {
	local ns=$1 log=$2 args=() d
	shift 2
	[ "${DHCP_RELAY_AGENT:-0}" = 0 ] || args+=(-a)
	for d; do args+=(-id "$d"); done
	ip netns exec "$ns" dhcrelay -d -4 -iu wan-r "${args[@]}" 10.99.0.1 \
		>"$log" 2>&1 &
	RELAY_PID=$!
}

# dhcp_conf_head: the server, policy and profile settings of a podboot.conf
# for the central at 10.99.0.1 (what the test and the benchmark share; the
# pods follow).
dhcp_conf_head() {
	cat <<CONF
server = { base_url = "https://10.99.0.1:8443"; plain_port = 8080;
  plain_base_url = "http://10.99.0.1:8080";
  tls_cert = "k/t"; tls_key = "k/k"; codesign_cert = "k/c";
  codesign_key = "k/ck"; root_cert = "k/r"; data_dir = "data"; };
policy = { unknown = "discover"; };
profiles = ( { name = "p"; kernel = "k"; initrd = "i"; kickstart = "ks"; } );
CONF
}
