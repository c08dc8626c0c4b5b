# lib.sh: what the benchmarks in test/bench share (bash, sourced).
#
# Set BENCH (the name that prefixes messages, e.g. "serve-bench") before
# sourcing.  Then:
#   bench_workdir NAME        scratch directory in $work, removed at exit
#   bench_servers VAR...      variables holding PIDs to stop at exit
#   bench_ports VAR...        variables holding ports free_port must skip
# An optional function bench_cleanup_hook runs at exit after the servers
# are stopped and before $work goes.

# die MESSAGE: a benchmark that cannot go on says why and stops.
die() {
	echo "$BENCH: $*" >&2
	exit 1
}

# need_whole NAME VALUE MIN MAX [UNIT]: VALUE is a whole number in range.
need_whole() {
	local name=$1 v=$2 min=$3 max=$4 unit=${5:+ $5}
	[[ $v =~ ^[0-9]{1,9}$ ]] && ((10#$v >= min && 10#$v <= max)) ||
		die "$name must be a whole number$unit from $min to $max, got '$v'"
}

# need_algo VALUE: a key algorithm `podboot init` and `keys init` take.
need_algo() {
	[[ $1 == rsa || $1 == ecdsa ]] ||
		die "BENCH_ALGO must be rsa or ecdsa, got '$1'"
}

# need_exec PATH HINT: an executable the benchmark runs, or how to get it.
need_exec() {
	[[ -x $1 ]] || die "$1 not found: $2"
}

# need_tools TOOL...: commands found in PATH.
need_tools() {
	local tool
	for tool; do
		command -v "$tool" >/dev/null ||
			die "$tool not found in PATH: run 'scripts/deps bench'"
	done
}

# alive PID: the process exists and is not a zombie waiting for us.
alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]
}

# stop_pid PID: TERM, up to 10 s to finish, then KILL; reap it.
stop_pid() {
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

BENCH_SERVER_VARS=()
BENCH_PORT_VARS=()
work=

bench_servers() { BENCH_SERVER_VARS+=("$@"); }
bench_ports() { BENCH_PORT_VARS+=("$@"); }

bench_cleanup() {
	local pid var servers=" "
	for var in "${BENCH_SERVER_VARS[@]}"; do
		servers+="${!var:-} "
	done
	# Our own background jobs still running (curl, wrk) after an interrupt.
	for pid in $(jobs -pr); do
		[[ $servers == *" $pid "* ]] || kill -TERM "$pid" 2>/dev/null || true
	done
	for var in "${BENCH_SERVER_VARS[@]}"; do
		stop_pid "${!var:-}"
	done
	if declare -F bench_cleanup_hook >/dev/null; then
		bench_cleanup_hook
	fi
	[[ -z $work ]] || rm -rf -- "$work"
}

# bench_workdir NAME: a fresh scratch directory in $work; everything the
# benchmark started, and the directory, go when the script exits.
bench_workdir() {
	work=$(mktemp -d "${TMPDIR:-/tmp}/podboot-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# listening PORT: something listens on PORT.
listening() {
	[[ -n $(ss -Htln "sport = :$1") ]]
}

# free_port: a random TCP port nothing listens on and no server of this
# run was given (it runs in a subshell: the given ones are in variables).
# Below the kernel's ephemeral range, so that no client's connection holds
# it by the time the server binds.
free_port() {
	local p i var taken low=32768
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	((low > 10000)) || die "ephemeral ports start at $low: no room below for servers"
	for ((i = 0; i < 100; i++)); do
		p=$(shuf -i "10000-$((low - 1))" -n 1)
		taken=
		for var in "${BENCH_PORT_VARS[@]}"; do
			[[ $p == "${!var:-}" ]] && taken=1
		done
		[[ -z $taken ]] && ! listening "$p" && { echo "$p"; return 0; }
	done
	die "no free port found"
}

# cpu_ticks PID...: user+system CPU time of the processes, in clock ticks.
cpu_ticks() {
	local pid total=0 t
	for pid; do
		t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null |
			awk '{ print $12 + $13 }') || t=0
		total=$((total + ${t:-0}))
	done
	echo "$total"
}
HZ=$(getconf CLK_TCK)

now() { date +%s.%N; }

# median VALUE...: the middle value, or the mean of the two middle ones.
median() {
	printf '%s\n' "$@" | sort -g |
		awk '{ v[NR] = $1 }
		     END { if (NR % 2) print v[(NR + 1) / 2];
			   else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# tls_line BASE: the protocol and cipher suite a client negotiates with
# https://localhost:PORT, trusting $root_crt.
tls_line() {
	local hostport=${1#https://}
	openssl s_client -brief -connect "127.0.0.1:${hostport#*:}" \
		-servername localhost -CAfile "$root_crt" </dev/null 2>&1 |
		awk -F': ' '/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 }
			    END { print p " " c }'
}
