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

# port_pick, proc_alive (a process that exists and is not a zombie
# waiting for us) and wait_up: starting servers, as the other suites do.
. "$(dirname "${BASH_SOURCE[0]}")/../start-lib.sh"

# stop_pid PID: TERM, up to 10 s to finish, then KILL; reap it.
stop_pid() {
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		proc_alive "$pid" || break
		sleep 0.1
	done
	proc_alive "$pid" && kill -KILL "$pid" 2>/dev/null
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

# free_port: a random TCP port nothing listens on and no server of this
# run was given (it runs in a subshell: the given ones are in variables).
free_port() {
	local var taken=()
	for var in "${BENCH_PORT_VARS[@]}"; do
		taken+=("${!var:-}")
	done
	port_pick "${taken[@]}" || die "no free port found"
}

# ngx_conf_head DIR WHAT: the head of an nginx.conf for a benchmark's
# nginx kept in DIR (pid, error log, temporary files under it), run as the
# current user (a root master would run its workers as nobody, who cannot
# read the scratch directory), up to and inside "http {" with what both
# nginx benchmarks set: no access log, sendfile, tcp_nopush.  WHAT says
# what this nginx is for, in the file's first line.  The caller writes the
# rest of the http block and closes it.
ngx_conf_head() {
	local dir=$1 user=
	((EUID == 0)) && user="user $(id -un) $(id -gn);"
	cat <<-EOF
		# nginx for $2.
		$user
		worker_processes auto;
		daemon off;
		pid $dir/nginx.pid;
		error_log $dir/logs/error.log warn;
		events { worker_connections 1024; }
		http {
		    access_log off;
		    sendfile on;
		    tcp_nopush on;
		    client_body_temp_path $dir/tmp/body;
		    proxy_temp_path $dir/tmp/proxy;
		    fastcgi_temp_path $dir/tmp/fastcgi;
		    uwsgi_temp_path $dir/tmp/uwsgi;
		    scgi_temp_path $dir/tmp/scgi;
	EOF
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

# tls_line BASE: the protocol, cipher suite, key exchange group and the
# server's signature type a client negotiates with https://localhost:PORT,
# trusting $root_crt.
tls_line() {
	local hostport=${1#https://}
	openssl s_client -brief -connect "127.0.0.1:${hostport#*:}" \
		-servername localhost -CAfile "$root_crt" </dev/null 2>&1 |
		awk -F': ' '/^Protocol version/ { p = $2 } /^Ciphersuite/ { c = $2 }
			    /^(Server|Peer) Temp Key/ {
				    n = split($2, f, ", ")
				    k = f[1] == "ECDH" && n > 1 ? f[2] : f[1] }
			    /^Signature type/ { g = $2 }
			    END { print p " " c " " k " " g }'
}

# --- Runs, ranges and the results file ----------------------------------------
#
# Each benchmark measures BENCH_RUNS times (default 5), each run measuring
# podboot and its peer back to back, so that every ratio compares two
# figures taken on the same machine under the same load.  It prints the
# median and the min-max range of each figure and of each per-run ratio,
# and appends every run's raw figures to
#   $BENCH_RESULTS_DIR/BENCH-YYYY-MM-DD.tsv   (default build/bench/, not committed)
# one line a figure:
#   time  bench  invocation  run  figure  value  load1
# (UTC time of the line, the benchmark, the UTC start of this invocation,
# the run number, the figure's name, its value, the 1-minute load average
# when it was recorded).  test/bench/summary prints the median and range
# of each figure over all the runs of a day.

# bench_runs_init: read BENCH_RUNS (BENCH_ROUNDS, its old name, when it is
# unset) into RUNS and name the results file.  Call after sourcing, with
# repo_dir set.
bench_runs_init() {
	RUNS=${BENCH_RUNS:-${BENCH_ROUNDS:-5}}
	need_whole BENCH_RUNS "$RUNS" 1 9999
	BENCH_RESULTS_DIR=${BENCH_RESULTS_DIR:-$repo_dir/build/bench}
	mkdir -p -- "$BENCH_RESULTS_DIR" ||
		die "cannot create the results directory $BENCH_RESULTS_DIR"
	bench_invocation=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	bench_results=$BENCH_RESULTS_DIR/$BENCH-$(date -u +%F).tsv
}

# load1: the 1-minute load average now.
load1() {
	local l _
	read -r l _ </proc/loadavg && echo "$l"
}

# record RUN FIGURE VALUE...: append FIGURE=VALUE pairs of run RUN to the
# results file, e.g. record 3 ratio 0.92 podboot_mbs 1557.
record() {
	local run=$1 t l
	shift
	t=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	l=$(load1)
	while (($# >= 2)); do
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$BENCH" \
			"$bench_invocation" "$run" "$1" "$2" "$l" >>"$bench_results"
		shift 2
	done
}

# stats VALUE...: "median min max" of the values ("n/a" ones are skipped;
# "n/a n/a n/a" when none is left).
stats() {
	printf '%s\n' "$@" | grep -Ev '^(n/a|-|)$' | sort -g |
		awk '{ v[NR] = $1 }
		     END { if (!NR) { print "n/a n/a n/a"; exit }
			   m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			   print m, v[1], v[NR] }'
}

# span FORMAT VALUE...: the median and [min-max] range of the values, each
# printed with the printf FORMAT, e.g. "0.92 [0.88-0.95]".
span() {
	local fmt=$1 m lo hi
	shift
	read -r m lo hi < <(stats "$@")
	if [[ $m == n/a ]]; then
		echo "n/a"
	else
		# shellcheck disable=SC2059
		printf "$fmt [$fmt-$fmt]\n" "$m" "$lo" "$hi"
	fi
}

# ratio A B: A/B with 2 decimals (4 when under 0.1), "n/a" when B is 0.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "n/a" || b == "n/a" || b + 0 <= 0) { print "n/a"; exit }
		printf (a / b < 0.1 ? "%.4f\n" : "%.2f\n"), a / b }'
}

# goal VALUE OP TARGET: "met" or "MISSED" (the median against the issue's
# goal; OP is >= or <=), "n/a" without a value.
goal() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "n/a") { print "n/a"; exit }
		ok = op == ">=" ? v + 0 >= t + 0 : v + 0 <= t + 0
		print ok ? "met" : "MISSED" }'
}

# load_span: the range of the 1-minute load average over this invocation's
# lines in the results file, e.g. "load 1.9-4.2".
load_span() {
	awk -F'\t' -v inv="$bench_invocation" '$3 == inv {
		if (lo == "" || $7 + 0 < lo + 0) lo = $7; if (hi == "" || $7 + 0 > hi + 0) hi = $7 }
		END { if (lo == "") print "load n/a"; else print "load " lo "-" hi }' \
		"$bench_results" 2>/dev/null
}
