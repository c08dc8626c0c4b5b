# lib.sh: assertions for the shell integration tests (sourced, not run).
# Each check prints "ok" or "FAIL" and is counted; the runner adds them up.
set -u

PODBOOT=${PODBOOT:-$(cd "$(dirname "$0")/../.." && pwd)/build/podboot}
PODBOOT_FAST=${PODBOOT_FAST:-$PODBOOT}
T=$(mktemp -d /tmp/podboot-it.XXXXXX)
trap 'rm -rf "$T"' EXIT
PASS=0
FAIL=0
OUT=$T/.out
ERR=$T/.err

# TEST_SLOWDOWN: a whole factor for every deadline the tests wait out (the
# stress leg sets it: under full CPU load each event comes later, but must
# still come).  It only stretches how long a wait may poll; no outcome
# depends on it.
SLOWDOWN=${TEST_SLOWDOWN:-1}
case $SLOWDOWN in ''|*[!0-9]*|0) SLOWDOWN=1 ;; esac

# deadline SECONDS: SECONDS stretched by TEST_SLOWDOWN.
deadline() { echo $(($1 * SLOWDOWN)); }

# port_pick, port_open, proc_alive and wait_up (test/start-lib.sh): no
# port is handed out twice in one test file.
. "$(dirname "${BASH_SOURCE[0]}")/../start-lib.sh"
PORT_PICK_FILE=$T/.ports

# TEST_FAIL_FAST=1 (scripts/mutants sets it): the first failed check ends
# the file, exit 1 (the EXIT trap still stops what the test started).  A
# mutant is killed by one failure; the checks after it, and the deadlines
# a broken server makes them wait out, cannot change that verdict.
# Unset (make check, test/integration/one): every check runs.

# _report STATUS DESC: print and count one check's result.
_report() {
	if [ "$1" = 0 ]; then
		PASS=$((PASS + 1)); echo "ok   - $2"
	else
		FAIL=$((FAIL + 1)); echo "FAIL - $2"
		sed 's/^/       | /' "$OUT" "$ERR" | head -20
		if [ "${TEST_FAIL_FAST:-}" = 1 ]; then
			echo "# TEST_FAIL_FAST: stopping at the first failure"
			exit 1
		fi
	fi
}

# ok DESC CMD...: CMD must succeed.
ok() {
	local desc=$1; shift
	"$@" >"$OUT" 2>"$ERR"
	_report $? "$desc"
}

# refused DESC TEXT CMD...: CMD must exit 1 and say TEXT on stderr.
refused() {
	local desc=$1 text=$2 rc; shift 2
	"$@" >"$OUT" 2>"$ERR"
	rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$text" "$ERR"; then
		_report 0 "$desc"
	else
		echo "exit $rc, expected 1 and: $text" >>"$ERR"
		_report 1 "$desc"
	fi
}

# check DESC: the previous command's stdout/stderr, tested by a condition.
check() {
	local desc=$1; shift
	"$@" >/dev/null 2>&1
	_report $? "$desc"
}

# wait_for SECONDS CMD...: poll CMD (every 0.1 s) until it succeeds or
# SECONDS (times TEST_SLOWDOWN) pass; its status is CMD's last.  Waits for
# an event, never decides by the clock: a slow machine only makes it poll
# longer.
wait_for() {
	local secs=$1
	shift
	wait_up "$secs" "" "$@"
}

# skip DESC: a leg that cannot run here.  Outside CI it is reported and
# counted as neither pass nor fail; in CI (CI=true) every leg must run,
# so a skip is a failure.
skip() {
	if [ "${CI:-}" = true ]; then
		FAIL=$((FAIL + 1)); echo "FAIL - skipped in CI: $1"
	else
		echo "skip - $1"
	fi
}

# Called last by every test file: hands the counts to the runner.
finish() {
	. "$(dirname "${BASH_SOURCE[0]}")/secrets.sh" && secrets_check "$T"
	echo "$PASS $FAIL" >"${RESULTS:-/dev/null}"
	[ "$FAIL" = 0 ]
}
