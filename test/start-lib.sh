# start-lib.sh: starting servers for tests: free loopback ports and
# readiness waits, shared by test/integration, test/e2e and test/bench
# (bash, sourced; it defines functions and nothing else).

# port_open PORT: 0 if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_pick [TAKEN...]: a random TCP port on 127.0.0.1 that nothing accepts
# connections on and that is none of TAKEN.  With PORT_PICK_FILE set, no
# port is handed out twice in a run, even to a subshell ($(port_pick)):
# each is written there.  Below the kernel's ephemeral range, so that no
# client's connection can hold it when the server binds.  Fails after 100
# tries, or when the ephemeral range leaves no room below it.  With
# PORT_PICK_LANES=N (test/integration/run's JOBS), only ports p with
# p % N = PORT_PICK_LANE: tests running at once never race for one.
port_pick() {
	local low=32768 p i
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[ "$low" -gt 10001 ] || return 1
	for ((i = 0; i < 100; i++)); do
		p=$(shuf -i "10000-$((low - 1))" -n 1)
		case " $* " in *" $p "*) continue ;; esac
		# test/integration/run JOBS=N: each running test its own lane
		[ -n "${PORT_PICK_LANES:-}" ] &&
			[ $((p % PORT_PICK_LANES)) != "${PORT_PICK_LANE:-0}" ] && continue
		if [ -n "${PORT_PICK_FILE:-}" ]; then
			grep -qx "$p" "$PORT_PICK_FILE" 2>/dev/null && continue
		fi
		port_open "$p" && continue
		[ -z "${PORT_PICK_FILE:-}" ] || echo "$p" >>"$PORT_PICK_FILE"
		echo "$p"
		return 0
	done
	return 1
}

# proc_alive PID: 0 while process PID runs (a zombie does not).
proc_alive() {
	local s
	s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $s != Z* ]]
}

# wait_up SECONDS PID CMD...: poll CMD (every 0.1 s, its output dropped)
# until it succeeds; fail as soon as process PID has exited (no PID: ""),
# or after SECONDS times TEST_SLOWDOWN (SLOWDOWN, when the caller set it).
# The one start-and-wait loop: CMD is a server's readiness probe (curl of
# /healthz, port_open, a log line), and only an event decides, never the
# clock: a slow machine only makes it poll longer.
wait_up() {
	local end=$((SECONDS + $1 * ${SLOWDOWN:-1})) pid=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		[ -z "$pid" ] || proc_alive "$pid" || return 1
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}
