#!/usr/bin/env bash
# Benchmark: time and peak memory of `podboot sign` against `openssl cms -sign` on one large file.
#
# Both signers sign the same file with the same freshly generated key and
# certificate, alternating round by round, with the file already in the page
# cache.  Wall time and peak RSS come from GNU time.  The script only reports:
# it exits 0 whatever the timings, and non-zero only when something broke
# (a signer failed, or a signature does not verify).
#
# Environment:
#   PODBOOT        podboot binary (default: build/podboot in this repository)
#   BENCH_SIZE_MB  size of the test file in MiB (default 1024)
#   BENCH_RUNS     runs; each runs both signers once, in alternating order
#                  (default 5; BENCH_ROUNDS is its old name)
#   BENCH_RESULTS_DIR  where the per-run results go (default build/bench)
#   BENCH_ALGO     key algorithm for `keys init`: rsa or ecdsa (default rsa)
#
# Output: each figure and the podboot/openssl time ratio of each run (both
# timed in the same run) as the median and [min-max] range over the runs;
# the raw figures of every run go to build/bench/sign-bench-DATE.tsv with
# the load average (see lib.sh, and test/bench/summary for a day's runs).
#
# Goals (reported, never enforced): podboot/openssl time ratio <= 1.0 and
# podboot peak RSS <= 16 MiB; the summary says whether the median meets each.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
SIZE_MB=${BENCH_SIZE_MB:-1024}
ALGO=${BENCH_ALGO:-rsa}
GNU_TIME=/usr/bin/time

BENCH=sign-bench
. "$script_dir/lib.sh"
bench_runs_init
ROUNDS=$RUNS

# --- Check the environment before creating anything -------------------------

need_whole BENCH_SIZE_MB "$SIZE_MB" 1 9999999 "of MiB"
need_algo "$ALGO"
need_exec "$PODBOOT" "run 'make all' or set PODBOOT"
need_exec "$GNU_TIME" "install the 'time' package"
need_tools openssl

# --- Scratch space: keys and the test file live only here --------------------

bench_workdir sign-bench
keys=$work/keys
data=$work/data.bin
size_bytes=$((SIZE_MB * 1024 * 1024))

"$PODBOOT" keys init --dir "$keys" --server-name bench.invalid \
	--algo "$ALGO" >/dev/null ||
	die "podboot keys init failed"

# AES-CTR over zeros gives incompressible bytes far faster than /dev/urandom;
# the key and IV are fixed because the content only has to be non-trivial.
head -c "$size_bytes" /dev/zero |
	openssl enc -aes-128-ctr -nosalt \
		-K 000102030405060708090a0b0c0d0e0f \
		-iv 00000000000000000000000000000000 >"$data" ||
	die "could not create the ${SIZE_MB} MiB test file"
[[ $(stat -c %s "$data") -eq $size_bytes ]] ||
	die "test file has the wrong size"

# Read the file once so every timed run reads it from the page cache.
cat "$data" >/dev/null

# --- The two signers, in the same form ---------------------------------------

# signer_cmd NAME OUT: set the array cmd to the command line that makes NAME
# sign the test file into OUT.  Run directly under GNU time (no wrapper
# shell) so the peak RSS measured is the signer's own.
signer_cmd() {
	case $1 in
	podboot)
		cmd=("$PODBOOT" sign "$data" -o "$2" --keys "$keys") ;;
	openssl)
		cmd=(openssl cms -sign -binary -noattr -outform DER -md sha256
			-signer "$keys/codesign.crt" -inkey "$keys/codesign.key"
			-certfile "$keys/root.crt" -in "$data" -out "$2") ;;
	esac
}

# timed NAME: run NAME's signer under GNU time, writing $work/NAME.sig, and
# set t_s (wall seconds) and t_kib (peak RSS in KiB).  Dies if the signer
# fails.  Runs in this shell, not a subshell, so die stops the script and an
# interrupt waits for the signer instead of orphaning it.
timed() {
	local name=$1 sig=$work/$1.sig tfile=$work/$1.time cmd
	rm -f -- "$sig" "$tfile"
	signer_cmd "$name" "$sig"
	"$GNU_TIME" -f '%e %M' -o "$tfile" "${cmd[@]}" \
		>"$work/$name.log" 2>&1 || {
		cat "$work/$name.log" >&2
		die "$name sign failed"
	}
	read -r t_s t_kib <"$tfile"
}

verify() {	# verify NAME: the signature from the last run of NAME must verify
	openssl cms -verify -binary -inform DER -in "$work/$1.sig" \
		-content "$data" -CAfile "$keys/root.crt" -purpose any \
		-out /dev/null >"$work/$1.verify" 2>&1 || {
		cat "$work/$1.verify" >&2
		die "$1 signature does not verify"
	}
}

# --- Rounds ------------------------------------------------------------------

echo "sign-bench: ${SIZE_MB} MiB file, ${ROUNDS} runs, ${ALGO} key, $PODBOOT; load $(load1)"
printf '%-6s %10s %12s %10s %12s %6s %6s\n' run podboot_s podboot_MiB openssl_s openssl_MiB ratio load1

pb_times=() pb_rss=() os_times=() os_rss=() ratios=()
for ((round = 1; round <= ROUNDS; round++)); do
	# Swap which signer goes first each round so neither always runs
	# on a machine the other has just warmed up or heated.
	if ((round % 2)); then
		timed podboot; pt=$t_s pr=$t_kib
		timed openssl; ot=$t_s or=$t_kib
	else
		timed openssl; ot=$t_s or=$t_kib
		timed podboot; pt=$t_s pr=$t_kib
	fi

	# A benchmark of a broken signer is meaningless: check both once.
	if ((round == 1)); then
		verify podboot
		verify openssl
	fi

	r=$(ratio "$pt" "$ot")
	pb_times+=("$pt") pb_rss+=("$pr") os_times+=("$ot") os_rss+=("$or") ratios+=("$r")
	record "$round" podboot_s "$pt" openssl_s "$ot" ratio "$r" \
		podboot_rss_kib "$pr" openssl_rss_kib "$or"
	printf '%-6s %10s %12.1f %10s %12.1f %6s %6s\n' "$round" \
		"$pt" "$(awk -v k="$pr" 'BEGIN { print k / 1024 }')" \
		"$ot" "$(awk -v k="$or" 'BEGIN { print k / 1024 }')" "$r" "$(load1)"
done

# --- Medians, ranges and summary -------------------------------------------

# GNU time reports 10 ms steps, so tiny BENCH_SIZE_MB runs can time at 0.00:
# such a run has no ratio ("n/a", left out of the range).  MB/s is 10^6
# bytes a second.
mibs() { local k; for k; do awk -v k="$k" 'BEGIN { printf "%.1f\n", k / 1024 }'; done; }
rates() { local t; for t; do awk -v b="$size_bytes" -v t="$t" 'BEGIN { print (t > 0 ? b / 1e6 / t : "n/a") }'; done; }
read -r ratio_m _ < <(stats "${ratios[@]}")
read -r pb_kib_m _ < <(stats "${pb_rss[@]}")
pb_mib_m=$(awk -v k="$pb_kib_m" 'BEGIN { printf "%.1f", k / 1024 }')
echo "median [min-max] over ${ROUNDS} runs: podboot $(span %.2f "${pb_times[@]}")s" \
	"$(span %.0f $(rates "${pb_times[@]}"))MB/s; openssl $(span %.2f "${os_times[@]}")s" \
	"$(span %.0f $(rates "${os_times[@]}"))MB/s; $(load_span)"
echo "sign-bench: size=${SIZE_MB}MiB runs=${ROUNDS} ratio=$(span %.2f "${ratios[@]}")" \
	"(goal <=1.0: $(goal "$ratio_m" '<=' 1.0)) podboot=$(span %.2f "${pb_times[@]}")s" \
	"openssl=$(span %.2f "${os_times[@]}")s"
echo "sign-bench: podboot_rss=$(span %.1f $(mibs "${pb_rss[@]}"))MiB" \
	"(goal <=16: $(goal "$pb_mib_m" '<=' 16)) openssl_rss=$(span %.1f $(mibs "${os_rss[@]}"))MiB" \
	"algo=${ALGO} $(load_span) results=${bench_results#"$repo_dir"/}"
