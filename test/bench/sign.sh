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
#   BENCH_ROUNDS   rounds; each round runs both signers once (default 5)
#   BENCH_ALGO     key algorithm for `keys init`: rsa or ecdsa (default rsa)
#
# Goals (reported, never enforced): podboot/openssl time ratio <= 1.0 and
# podboot peak RSS <= 16 MiB.

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
SIZE_MB=${BENCH_SIZE_MB:-1024}
ROUNDS=${BENCH_ROUNDS:-5}
ALGO=${BENCH_ALGO:-rsa}
GNU_TIME=/usr/bin/time

BENCH=sign-bench
. "$script_dir/lib.sh"

# --- Check the environment before creating anything -------------------------

need_whole BENCH_SIZE_MB "$SIZE_MB" 1 9999999 "of MiB"
need_whole BENCH_ROUNDS "$ROUNDS" 1 9999
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

echo "sign-bench: ${SIZE_MB} MiB file, ${ROUNDS} rounds, ${ALGO} key, $PODBOOT"
printf '%-6s %10s %12s %10s %12s\n' round podboot_s podboot_MiB openssl_s openssl_MiB

pb_times=() pb_rss=() os_times=() os_rss=()
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

	pb_times+=("$pt") pb_rss+=("$pr") os_times+=("$ot") os_rss+=("$or")
	printf '%-6s %10s %12.1f %10s %12.1f\n' "$round" \
		"$pt" "$(awk -v k="$pr" 'BEGIN { print k / 1024 }')" \
		"$ot" "$(awk -v k="$or" 'BEGIN { print k / 1024 }')"
done

# --- Medians and summary -----------------------------------------------------

pb_s=$(median "${pb_times[@]}")
os_s=$(median "${os_times[@]}")
pb_kib=$(median "${pb_rss[@]}")
os_kib=$(median "${os_rss[@]}")

# GNU time reports 10 ms steps, so tiny BENCH_SIZE_MB runs can time at 0.00:
# print "n/a" for any figure that would divide by such a time.  MB/s here
# is 10^6 bytes a second.
awk -v size_mb="$SIZE_MB" -v bytes="$size_bytes" -v rounds="$ROUNDS" \
	-v pb_s="$pb_s" -v os_s="$os_s" -v pb_kib="$pb_kib" -v os_kib="$os_kib" '
	function rate(s) { return s > 0 ? sprintf("%.0f", bytes / 1e6 / s) : "n/a" }
	BEGIN {
		ratio = pb_s > 0 && os_s > 0 ? sprintf("%.2f", pb_s / os_s) : "n/a"
		printf "median: podboot %.2fs %.1fMiB %sMB/s, openssl %.2fs %.1fMiB %sMB/s\n",
			pb_s, pb_kib / 1024, rate(pb_s), os_s, os_kib / 1024, rate(os_s)
		printf "sign-bench: size=%dMiB rounds=%d podboot=%.2fs openssl=%.2fs" \
			" ratio=%s (goal <=1.0) podboot_rss=%.1fMiB (goal <=16)" \
			" openssl_rss=%.1fMiB podboot_tput=%sMB/s openssl_tput=%sMB/s\n",
			size_mb, rounds, pb_s, os_s, ratio, pb_kib / 1024,
			os_kib / 1024, rate(pb_s), rate(os_s)
	}'
