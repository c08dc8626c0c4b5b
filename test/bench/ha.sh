#!/usr/bin/env bash
# Benchmark: podboot serve on PostgreSQL against SQLite on one replica,
# and two replicas behind HAProxy against one; boot storm and ingest.
#
# Four set-ups, measured back to back in every run on this machine:
#   sqlite   one replica on SQLite, clients straight to it
#   pg       one replica on PostgreSQL (scripts/pg-scratch), straight
#   pg-ha1   that replica behind HAProxy (podboot haproxy): the hop alone
#   pg-ha2   two replicas on that PostgreSQL behind HAProxy
# Each measures:
#   storm    BENCH_NODES armed machines of its own fetch stage2.ipxe and
#            then stage2.ipxe.sig once each, as iPXE does (one curl
#            --parallel for the scripts, then one for the signatures:
#            curl cannot order the two transfers of one machine within
#            one run; at most BENCH_CONNS transfers at a time,
#            connections reused).  Machines/s = machines / wall time of
#            both.  The replica's configuration holds only that run's
#            machines, so a start signs only their stage2 ahead.
#   ingest   BENCH_PUSHES pushes from BENCH_PUSH_NODES of those machines
#            (a sequence each, gzip, as the agent sends them), by one
#            curl --parallel: each machine's pushes in order and one at a
#            time, as its agent sends them, the machines' pushes
#            interleaved.  Pushes/s.  For pg, also the claims per
#            statement (podboot_push_claims_total over
#            podboot_push_claim_batches_total on its /metrics): how many
#            pushes each PostgreSQL transaction of the claimer took.
# The defaults make each figure a few seconds of work on 2 cores (a run
# of a fraction of a second is mostly noise); the output says the sizes
# and each figure's seconds.
# Ratios: pg/sqlite (goal >= 0.7, issue 15 item 6), pg-ha1/pg and
# pg-ha2/pg.  On a 2-core machine the clients, HAProxy, PostgreSQL and the
# replicas share the same two cores: two replicas cannot be faster than
# one here, and the figure shows the overhead of the hop and of the
# second process, not scale.  On real hardware each replica has its own
# cores and the storm (a private-key signature per stage2) grows with
# the replicas until PostgreSQL's row updates (one per hand-out) or the
# shared storage bound it.
#
# Output: the median and [min-max] of each figure and ratio over
# BENCH_RUNS runs; raw figures to build/bench/ha-bench-DATE.tsv (lib.sh).
# It only reports: exit 0 whatever the timings, non-zero when something
# broke (a server does not start, a request fails).
#
# Environment:
#   PODBOOT        podboot binary (default: build/podboot here)
#   BENCH_RUNS     runs (default 3)
#   BENCH_NODES    machines per set-up and run (default 8000)
#   BENCH_PUSHES   pushes per set-up and run (default 30000)
#   BENCH_PUSH_NODES  machines that push, at most BENCH_NODES (default
#                  256); 1 is one machine pushing many at a time,
#                  which no agent does (on PostgreSQL its claims then
#                  contend for one index page)
#   BENCH_CONNS    transfers at a time, a list: each set-up is measured
#                  at each (default "16 64").  PostgreSQL's push claims
#                  go in batches of those waiting at once (claimer.c):
#                  the more clients at a time, the larger the batches
#                  and the less a claim costs; SQLite has nothing to
#                  batch.  A central server's load comes from many
#                  clients at once (a storm, relays flushing their
#                  spools after a WAN cut), so both are shown.
#   BENCH_SETUPS   the set-ups to measure, among the four above (default
#                  all; "sqlite pg" is issue 15 item 6 alone); a ratio is
#                  printed when both its set-ups ran
#   BENCH_PG_LOG   a file: PostgreSQL logs every statement there (with
#                  its backend's PID), to count round trips per boot and
#                  per push; the logging slows PostgreSQL, so figures
#                  taken with it are not the benchmark's
#   BENCH_PG_LOG_MS  with BENCH_PG_LOG, only statements that took this
#                  many milliseconds or more (default 0: all)

set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(cd "$script_dir/../.." && pwd)
BENCH=ha-bench
. "$script_dir/lib.sh"

PODBOOT=${PODBOOT:-$repo_dir/build/podboot}
NODES=${BENCH_NODES:-8000}
PUSHES=${BENCH_PUSHES:-30000}
CONNS_LIST=${BENCH_CONNS:-16 64}
PNODES=${BENCH_PUSH_NODES:-256}
need_whole BENCH_NODES "$NODES" 10 60000
need_whole BENCH_PUSHES "$PUSHES" 10 1000000
for c in $CONNS_LIST; do need_whole BENCH_CONNS "$c" 1 256; done
need_whole BENCH_PUSH_NODES "$PNODES" 1 "$NODES"
need_exec "$PODBOOT" "run make all first"
need_exec /usr/lib/postgresql/15/bin/initdb "run scripts/deps"
need_tools haproxy curl gzip awk
BENCH_RUNS=${BENCH_RUNS:-3}
bench_runs_init

bench_workdir ha-bench
PG=$(mktemp -d /tmp/podboot-ha-bench-pg.XXXXXX)
rmdir "$PG"
bench_cleanup_hook() {
	"$repo_dir/scripts/pg-scratch" stop "$PG" >/dev/null 2>&1 || true
	[[ -z ${BENCH_PG_LOG:-} || ! -f $PG/server.log ]] || cp "$PG/server.log" "$BENCH_PG_LOG"
	rm -rf "$PG"
}
R1=; R2=; HA=
bench_servers R1 R2 HA
P1=$(free_port); bench_ports P1
P2=$(free_port); bench_ports P2
PH=$(free_port); bench_ports PH
SETUPS=${BENCH_SETUPS:-sqlite pg pg-ha1 pg-ha2}
for s in $SETUPS; do
	[[ " sqlite pg pg-ha1 pg-ha2 " == *" $s "* ]] ||
		die "BENCH_SETUPS: unknown set-up '$s' (sqlite pg pg-ha1 pg-ha2)"
done

# ---- one site; its nodes in blocks, one per set-up and run ----
site=$work/site
"$PODBOOT" init --dir "$site" --server-name localhost --server-ip 127.0.0.1 >/dev/null ||
	die "podboot init failed"
root_crt=$site/keys/root.crt
sed 's/max_per_client = [0-9]*;/max_per_client = 100000;/' "$site/podboot.conf" >"$work/base.conf"

# mac N: machine N's MAC address.
mac() { printf '52:54:03:%02x:%02x:%02x' $(($1 / 65536)) $(($1 / 256 % 256)) $(($1 % 256)); }

# conf_block FIRST: the site's configuration with machines FIRST ..
# FIRST + NODES - 1 and no other.
conf_block() {
	{
		sed -n '1,/^nodes = (/p' "$work/base.conf"
		awk -v a="$1" -v n="$NODES" 'BEGIN { for (i = a; i < a + n; i++)
			printf "  { mac = \"52:54:03:%02x:%02x:%02x\"; hostname = \"hb-%d\"; pod = \"demo\"; },\n",
				int(i / 65536), int(i / 256) % 256, i % 256, i }'
		sed -n '/^nodes = (/,$p' "$work/base.conf" | sed 1d
	} >"$site/podboot.conf"
}
conf_block 1
url=$("$repo_dir/scripts/pg-scratch" start "$PG") || die "PostgreSQL did not start"
if [[ -n ${BENCH_PG_LOG:-} ]]; then
	need_whole BENCH_PG_LOG_MS "${BENCH_PG_LOG_MS:-0}" 0 100000
	psql -q -h "$PG" -U podboot podboot -c "ALTER SYSTEM SET log_min_duration_statement = ${BENCH_PG_LOG_MS:-0}" \
		-c "ALTER SYSTEM SET log_line_prefix = '%p '" -c "SELECT pg_reload_conf()" >/dev/null ||
		die "PostgreSQL's statement log could not be turned on"
fi

# conf SETUP PORT: the configuration of SETUP's replica on PORT.
conf() {
	local f=$site/$1-$2.conf base=https://localhost:$2
	[[ $1 == pg-ha* ]] && base=https://localhost:$PH
	sed "s/port = 8443;/port = $2;/; s#https://localhost:8443#$base#" "$site/podboot.conf" >"$f"
	if [[ $1 == sqlite ]]; then
		sed -i 's#data_dir = "data";#data_dir = "data-sqlite";#' "$f"
	else
		sed -i "s#^server = {#server = {\n  store = \"$url\";\n  replicas = [ \"127.0.0.1:$P1\", \"127.0.0.1:$P2\" ];#;
			s#data_dir = \"data\";#data_dir = \"data-pg\";#" "$f"
	fi
	echo "$f"
}

# start VAR CONF PORT: a replica; ready when its start-up signatures are.
start() {
	local log=$work/serve-$3.log
	: >"$log"
	"$PODBOOT" serve --config "$2" >>"$log" 2>&1 &
	printf -v "$1" %s "$!"
	wait_up 120 "$!" grep -q 'stage2 signatures ready' "$log" ||
		die "the replica on port $3 did not start: $(tail -n 3 "$log")"
}

mkdir -p "$site/data-sqlite" "$site/data-pg"
for f in demo-vmlinuz demo-initrd.img; do
	"$PODBOOT" publish --config "$(conf sqlite "$P1")" "$f" "$site/$f" >/dev/null
	"$PODBOOT" publish --config "$(conf pg "$P1")" "$f" "$site/$f" >/dev/null
done
"$PODBOOT" haproxy --config "$(conf pg-ha2 "$P1")" --listen "127.0.0.1:$PH" \
	--check-interval 1 --out "$work/haproxy.cfg" || die "podboot haproxy failed"
sed "/server replica2/d" "$work/haproxy.cfg" >"$work/haproxy-1.cfg"

# storm BASE FIRST: machines FIRST.. FIRST+NODES-1 fetch stage2 and its
# signature; prints machines/s and the seconds taken, fails if one answer
# is not 200.
storm() {
	local base=$1 first=$2 t0 t1 f
	for f in stage2.ipxe stage2.ipxe.sig; do
		awk -v b="$base" -v a="$first" -v n="$NODES" -v f="$f" 'BEGIN { for (i = a; i < a + n; i++) {
			m = sprintf("52:54:03:%02x:%02x:%02x", int(i / 65536), int(i / 256) % 256, i % 256)
			printf "url = \"%s/boot/%s?mac=%s\"\noutput = \"/dev/null\"\n", b, f, m } }' >"$work/$f.k"
	done
	t0=$(now)
	for f in stage2.ipxe stage2.ipxe.sig; do
		curl -s --no-progress-meter --cacert "$root_crt" --parallel --parallel-max "$conns" -K "$work/$f.k" \
			-w '%{http_code}\n' || true
	done >"$work/storm.codes"
	t1=$(now)
	[[ $(grep -c '^200$' "$work/storm.codes") == $((2 * NODES)) ]] ||
		die "storm on $base: $(grep -vc '^200$' "$work/storm.codes") answers not 200"
	awk -v n="$NODES" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f %.2f", n / (b - a), b - a }'
}

# ingest BASE FIRST: PUSHES pushes from machines FIRST .. FIRST+PNODES-1
# (their tokens from their stage2), each machine's pushes in order, one
# after another, as its agent sends them; prints pushes/s and the seconds
# taken, fails if one answer is not 200.
ingest() {
	local base=$1 first=$2 i t0 t1
	awk -v b="$base" -v a="$first" -v n="$PNODES" -v w="$work" 'BEGIN { for (i = 0; i < n; i++) {
		m = sprintf("52:54:03:%02x:%02x:%02x", int((a + i) / 65536), int((a + i) / 256) % 256, (a + i) % 256)
		printf "url = \"%s/boot/stage2.ipxe?mac=%s\"\noutput = \"%s/tok.%d\"\n", b, m, w, i } }' >"$work/tok.k"
	curl -sf --no-progress-meter --cacert "$root_crt" --parallel --parallel-max "$conns" -K "$work/tok.k" ||
		die "stage2 of the pushing machines from $base failed"
	for ((i = 0; i < PNODES; i++)); do
		grep -o 'ks=[^ ]*' "$work/tok.$i" | sed 's#.*/##'
	done >"$work/tokens"
	[[ $(grep -c . "$work/tokens") == "$PNODES" ]] || die "a pushing machine got no token from $base"
	printf '# TYPE node_load1 gauge\nnode_load1 0.5\n# TYPE node_memory_MemFree_bytes gauge\nnode_memory_MemFree_bytes 1e9\n' |
		gzip -c >"$work/push.gz"
	# Push i is machine i % PNODES's push i / PNODES + 1: a machine's
	# next push is PNODES transfers later, never two of one at a time.
	awk -v b="$base" -v c="$root_crt" -v g="$work/push.gz" -v n="$PUSHES" -v k="$PNODES" '
		{ tok[NR - 1] = $0 }
		END { for (i = 0; i < n; i++) {
			printf "url = \"%s/api/v1/push\"\ncacert = \"%s\"\nsilent\noutput = \"/dev/null\"\n", b, c
			printf "write-out = \"%%{http_code}\\n\"\ndata-binary = \"@%s\"\n", g
			printf "header = \"Authorization: Bearer %s\"\nheader = \"Content-Encoding: gzip\"\n", tok[i % k]
			printf "header = \"X-Podboot-Seq: %d\"\nheader = \"X-Podboot-Interval: 15\"\n", int(i / k) + 1
			if (i < n - 1) print "next" } }' "$work/tokens" >"$work/push.k"
	t0=$(now)
	curl -s --no-progress-meter --parallel --parallel-max "$conns" -K "$work/push.k" >"$work/push.codes" 2>/dev/null || true
	t1=$(now)
	[[ $(grep -c '^200$' "$work/push.codes") == "$PUSHES" ]] ||
		die "ingest on $base: $(grep -vc '^200$' "$work/push.codes") answers not 200"
	awk -v n="$PUSHES" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f %.2f", n / (b - a), b - a }'
}

# claims_per_statement BASE: the replica's push claims over the statements
# that took them, from its /metrics (what ingest claimed; a storm claims
# nothing); "n/a" if it shows none.
op_token=$(awk '$1 == "operator" { print $2 }' "$site/tokens")
claims_per_statement() {
	curl -sf --cacert "$root_crt" -H "Authorization: Bearer $op_token" "$1/metrics" |
		awk '$1 == "podboot_push_claims_total" { c = $2 }
		     $1 == "podboot_push_claim_batches_total" { b = $2 }
		     END { if (b > 0) printf "%.1f", c / b; else printf "n/a" }'
}

declare -A V	# V[FIGURE,SETUP@CONNS,RUN]: FIGURE storm, ingest or batch
echo "ha-bench: ${RUNS} runs, ${NODES} machines and ${PUSHES} pushes per set-up and run, at $CONNS_LIST transfers at a time; $(nproc) cores"
block=0
for ((run = 1; run <= RUNS; run++)); do
	for conns in $CONNS_LIST; do
	for s in $SETUPS; do
		k=$s@$conns
		first=$((block * NODES + 1))
		block=$((block + 1))
		conf_block "$first"
		case $s in
		sqlite) start R1 "$(conf sqlite "$P1")" "$P1"; base=https://localhost:$P1 ;;
		pg) start R1 "$(conf pg "$P1")" "$P1"; base=https://localhost:$P1 ;;
		pg-ha1 | pg-ha2)
			start R1 "$(conf "$s" "$P1")" "$P1"
			cfg=$work/haproxy-1.cfg
			if [[ $s == pg-ha2 ]]; then
				start R2 "$(conf "$s" "$P2")" "$P2"
				cfg=$work/haproxy.cfg
			fi
			haproxy -f "$cfg" -db >"$work/haproxy.log" 2>&1 &
			HA=$!
			base=https://localhost:$PH
			wait_up 20 "$HA" curl -sf --cacert "$root_crt" -o /dev/null "$base/healthz" ||
				die "HAProxy did not answer"
			;;
		esac
		out=$(storm "$base" "$first")
		read -r "V[storm,$k,$run]" ts <<<"$out"
		out=$(ingest "$base" "$first")
		read -r "V[ingest,$k,$run]" ti <<<"$out"
		record "$run" "${s}_${conns}_storm" "${V[storm,$k,$run]}" "${s}_${conns}_ingest" "${V[ingest,$k,$run]}"
		batch=
		if [[ $s == pg ]]; then
			V[batch,$k,$run]=$(claims_per_statement "$base") || die "no /metrics from $base"
			batch=", ${V[batch,$k,$run]} claims per statement"
		fi
		echo "  run $run $s, $conns at a time: storm ${V[storm,$k,$run]} machines/s (${ts} s), ingest ${V[ingest,$k,$run]} pushes/s (${ti} s$batch); load $(cut -d' ' -f1-3 /proc/loadavg)"
		stop_pid "$HA"; HA=
		stop_pid "$R2"; R2=
		stop_pid "$R1"; R1=
	done
	done
done

# ratio FIGURE A B RUN: A's FIGURE over B's in run RUN (A, B: SETUP@CONNS).
ratio() {
	awk -v a="${V[$1,$2,$4]}" -v b="${V[$1,$3,$4]}" \
		'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}
unit() { [[ $1 == storm ]] && echo machines/s || echo pushes/s; }
echo
printf '%-26s %s\n' figure "median [min-max]"
for conns in $CONNS_LIST; do
	for s in $SETUPS; do
		for f in storm ingest; do
			vals=()
			for ((run = 1; run <= RUNS; run++)); do vals+=("${V[$f,$s@$conns,$run]}"); done
			read -r m lo hi < <(stats "${vals[@]}")
			printf '%-26s %s [%s-%s] %s\n' "$s $f ($conns)" "$m" "$lo" "$hi" "$(unit $f)"
		done
		[[ $s == pg ]] || continue
		vals=()
		for ((run = 1; run <= RUNS; run++)); do vals+=("${V[batch,$s@$conns,$run]}"); done
		read -r m lo hi < <(stats "${vals[@]}")
		record 0 "pg_${conns}_claims_per_statement" "$m"
		printf '%-26s %s [%s-%s] in ingest\n' "pg claims/statement ($conns)" "$m" "$lo" "$hi"
	done
done
for conns in $CONNS_LIST; do
	for pair in "pg sqlite" "pg-ha1 pg" "pg-ha2 pg"; do
		set -- $pair
		[[ " $SETUPS " == *" $1 "* && " $SETUPS " == *" $2 "* ]] || continue
		for f in storm ingest; do
			vals=()
			for ((run = 1; run <= RUNS; run++)); do vals+=("$(ratio "$f" "$1@$conns" "$2@$conns" "$run")"); done
			read -r m lo hi < <(stats "${vals[@]}")
			record 0 "ratio_${1}_${2}_${conns}_$f" "$m"
			printf '%-26s %s [%s-%s]%s\n' "$1/$2 $f ($conns)" "$m" "$lo" "$hi" \
				"$([[ "$1 $2" == "pg sqlite" ]] && echo " (goal >= 0.7)")"
		done
	done
done
