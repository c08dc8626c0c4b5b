# shellcheck shell=bash
# cache.sh: the pod cache leg of test/e2e/boot.sh (sourced by it; uses its
# helpers: check, ok, bad, say, lap, qemu_run, server_start, api, in_file;
# secure.sh's secure_site_make, secure_build, site_use, sec_code_on,
# sec_count).
#
# Issue 14's "done when" with real firmware: podboot's own iPXE (built from
# IPXE_SRC for a site of its own, a relink once the tree is cached) boots
# two machines at once through the signed chain, each in a pod whose
# stage2 lists a cache first (cache_url):
#   demo-1, pod demo: the cache is podboot-agent --relay --cache-dir --pod
#     demo on loopback, with a certificate from "podboot keys issue-server"
#     naming 10.0.2.2 (the host as the guest sees it).  Its upstream
#     (--server) is the pod's WAN: test/integration/tools/wanlink.py
#     between the relay and the central server (50 Mbit/s shared, 40 ms
#     round trip, counting the bytes it carries towards the pod).  The
#     machine installs with kernel and initrd from the relay: the relay
#     fetched each once and reported serving them to demo-1 (the pod
#     view's served_from_cache); the WAN's count shows each crossed it
#     once (at least kernel + initrd, less than that plus the smaller of
#     the two), none of it during the boots; the capture shows the central
#     server sent the guest less than the initrd's size (stage2, .sig
#     files, kickstart), the relay at least kernel and initrd.
#   demo-2, pod edge: the cache is a compromised relay (test/e2e/
#     hostile-cache with the relay's own certificate and key) serving the
#     kernel with one byte changed at its pinned path, and the genuine
#     initrd.  The firmware refuses the kernel (imgverify, iPXE error
#     0227e13c on the console), stage2 says in one line that the cache's
#     copy was refused, fetches the kernel from the central server (the
#     capture: at least the kernel's size from it, less than kernel and
#     initrd together), keeps the cache's verified initrd, and installs.
# Skipped without IPXE_SRC (a failure with E2E_REQUIRE_SECURE=1).  Every
# wait has a deadline; the relay, the WAN link and the hostile server stop
# by their PIDs (cache_e2e_cleanup, boot.sh's exit trap), the hostile
# server also by itself after its lifetime.

CACHE_E2E_SITE=
CACHE_E2E_FW_PID=
CACHE_E2E_RELAY_PID=
CACHE_E2E_HOSTILE_PID=
CACHE_E2E_WAN_PID=
CACHE_E2E_WAN_MBIT=50		# the pod's WAN: bandwidth
CACHE_E2E_WAN_RTT=40		# and round trip, ms
CACHE_E2E_BG_PID=	# the background machine's qemu_run
CACHE_E2E_MAC2=52:54:00:00:00:02	# demo-2, the hostile cache's machine

# cache_e2e_conf: the site's relay token (scope relay), pod demo's cache
# (the relay), a pod edge whose cache is the hostile server, demo-2 in it.
cache_e2e_conf() {
	local c=$CACHE_E2E_SITE/podboot.conf secret
	secret=pbt_$(openssl rand -hex 32) || return 1
	(umask 077 && printf '%s\n' "$secret" >"$CACHE_E2E_SITE/relay.tok") ||
		return 1
	python3 - "$c" "$(printf %s "$secret" | sha256sum | cut -c1-64)" \
		"$CACHE_E2E_RPORT" "$CACHE_E2E_HPORT" <<'EOF' || return 1
import re, sys
path, sha, rport, hport = sys.argv[1:]
s = open(path).read()
s = s.replace('scopes = [ "rearm", "status", "bmc" ]; }',
              'scopes = [ "rearm", "status", "bmc" ]; },\n'
              '  { name = "relay"; sha256 = "%s"; scopes = [ "relay" ]; }'
              % sha, 1)
demo = re.search(r'\n  \{ name = "demo";.*?\n  \}', s, re.S).group(0)
edge = demo.replace('name = "demo";', 'name = "edge";').replace(
    'site = "lab rack 1";', 'site = "lab rack 2";')
edge = edge.replace('profile = "default";', 'profile = "default";\n'
                    '    cache_url = "https://10.0.2.2:%s";' % hport)
demo2 = demo.replace('profile = "default";', 'profile = "default";\n'
                     '    cache_url = "https://10.0.2.2:%s";' % rport)
s = s.replace(demo, demo2 + "," + edge, 1)
s = s.replace('hostname = "demo-2"; pod = "demo";',
              'hostname = "demo-2"; pod = "edge";', 1)
open(path, "w").write(s)
EOF
	grep -q "cache_url = \"https://10.0.2.2:$CACHE_E2E_RPORT\";" "$c" &&
		grep -q "cache_url = \"https://10.0.2.2:$CACHE_E2E_HPORT\";" "$c" &&
		grep -q 'hostname = "demo-2"; pod = "edge";' "$c" &&
		grep -q 'scopes = \[ "relay" \]' "$c" &&
		"$PODBOOT" serve --check --config "$c"
}

# cache_e2e_prepare: the leg's site, the relay's certificate, and the
# firmware built in the background.
cache_e2e_prepare() {
	CACHE_E2E_SITE=$RUN/cache-site
	[ -n "${IPXE_SRC:-}" ] || return 0
	case $IPXE_SRC in /*) ;; *) IPXE_SRC=$TOP/$IPXE_SRC ;; esac
	export IPXE_SRC
	{
		secure_site_make "$CACHE_E2E_SITE" rsa &&
			CACHE_E2E_RPORT=$(port_pick "$(cat "$CACHE_E2E_SITE/port")") &&
			CACHE_E2E_HPORT=$(port_pick "$(cat "$CACHE_E2E_SITE/port")" \
				"$CACHE_E2E_RPORT") &&
			CACHE_E2E_WPORT=$(port_pick "$(cat "$CACHE_E2E_SITE/port")" \
				"$CACHE_E2E_RPORT" "$CACHE_E2E_HPORT") &&
			cache_e2e_conf &&
			"$PODBOOT" keys issue-server --dir "$CACHE_E2E_SITE/keys" \
				--name relay.edge.test --ip 10.0.2.2 --ip 127.0.0.1 \
				--out "$CACHE_E2E_SITE/relay"
	} >>"$RUN/init.log" 2>&1 || { CACHE_E2E_SITE=; return 1; }
	(
		SEC_MAKE_PID=
		trap '[ -n "$SEC_MAKE_PID" ] && kill "$SEC_MAKE_PID" 2>/dev/null; exit 1' TERM
		secure_build cache firmware "$CACHE_E2E_SITE"
	) </dev/null &
	CACHE_E2E_FW_PID=$!
	say "cache: building the site's firmware in the background (pid $CACHE_E2E_FW_PID)"
}

# cache_e2e_stop VAR: stop the process whose PID is in VAR, by that PID.
cache_e2e_stop() {
	local pid=${!1}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	printf -v "$1" '%s' ""
}

# cache_e2e_cleanup: the build, the background machine, the relay and the
# hostile server (boot.sh's exit trap).
cache_e2e_cleanup() {
	cache_e2e_stop CACHE_E2E_FW_PID
	cache_e2e_stop CACHE_E2E_BG_PID
	cache_e2e_stop CACHE_E2E_RELAY_PID
	cache_e2e_stop CACHE_E2E_HOSTILE_PID
	cache_e2e_stop CACHE_E2E_WAN_PID
}

# cache_e2e_wan: the pod's WAN between the relay and the central server:
# 127.0.0.1:WPORT to the server's port, its count in $RUN/cache-wan.count
# ("CONNECTIONS BYTES", bytes towards the pod).
cache_e2e_wan() {
	: >"$RUN/cache-wan.log"
	python3 "$TOP/test/integration/tools/wanlink.py" "$CACHE_E2E_WPORT" \
		"$PORT" "$RUN/cache-wan.count" "$CACHE_E2E_WAN_MBIT" \
		"$CACHE_E2E_WAN_RTT" >>"$RUN/cache-wan.log" 2>&1 &
	CACHE_E2E_WAN_PID=$!
	wait_up 10 "$CACHE_E2E_WAN_PID" grep -q '^listening' "$RUN/cache-wan.log"
}

# cache_e2e_wan_bytes: the bytes the WAN carried towards the pod so far.
cache_e2e_wan_bytes() { cut -d' ' -f2 "$RUN/cache-wan.count"; }

# cache_e2e_relay: podboot-agent --relay caching pod demo's set on
# 127.0.0.1:RPORT (the guest's 10.0.2.2:RPORT), fetching from the central
# server across the WAN (cache_e2e_wan); its log $RUN/cache-relay.log.
cache_e2e_relay() {
	local s=$CACHE_E2E_SITE
	"$TOP/build/podboot-agent" --relay -v \
		--listen "127.0.0.1:$CACHE_E2E_RPORT" --cert "$s/relay-chain.crt" \
		--key "$s/relay.key" --relay-token-file "$s/relay.tok" \
		--ca "$ROOT" --timeout 10 --spool "$RUN/cache-relay.spool" \
		--cache-dir "$RUN/cache-relay.cache" --pod demo \
		--server "https://127.0.0.1:$CACHE_E2E_WPORT" \
		>>"$RUN/cache-relay.log" 2>&1 &
	CACHE_E2E_RELAY_PID=$!
	wait_up 10 "$CACHE_E2E_RELAY_PID" curl -fs --cacert "$ROOT" \
		"https://127.0.0.1:$CACHE_E2E_RPORT/healthz"
}

# cache_e2e_hostile: the compromised relay on 127.0.0.1:HPORT, with the
# relay's certificate and key, serving $RUN/hostile/ (the tampered kernel
# and the genuine initrd under their digests); log $RUN/hostile-cache.log.
cache_e2e_hostile() {
	local d=$RUN/hostile blob off b
	mkdir -p "$d" || return 1
	cp "$INITRD" "$d/$CACHE_E2E_IH" && cp "$KERNEL" "$d/$CACHE_E2E_KH" ||
		return 1
	blob=$d/$CACHE_E2E_KH
	off=$(($(stat -c %s "$blob") / 2))
	b=$(od -An -tu1 -j "$off" -N1 "$blob" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
		dd of="$blob" bs=1 seek="$off" conv=notrunc status=none || return 1
	: >"$RUN/hostile-cache.log"
	python3 "$HERE/hostile-cache" --port "$CACHE_E2E_HPORT" \
		--cert "$CACHE_E2E_SITE/relay-chain.crt" \
		--key "$CACHE_E2E_SITE/relay.key" --dir "$d" \
		--lifetime $((BOOT_TIMEOUT + 120)) >>"$RUN/hostile-cache.log" 2>&1 &
	CACHE_E2E_HOSTILE_PID=$!
	wait_up 10 "$CACHE_E2E_HOSTILE_PID" grep -q '^listening' \
		"$RUN/hostile-cache.log"
}

# cache_e2e_state NODE: the node's lifecycle state.
cache_e2e_state() { api "/api/v1/nodes/$1" | jq -r .state; }

# cache_e2e_events NODE: the node's state events, "FROM -> TO,...".
cache_e2e_events() {
	api "/api/v1/events?limit=1000" | jq -r --arg n "$1" \
		'.[] | select(.kind == "state" and .subject == $n) | .detail' |
		sed 's/:.*//' | paste -sd, -
}

# cache_e2e_cached: the pod view of demo shows the relay holding both.
cache_e2e_cached() {
	api /api/v1/pods/demo | jq -e --arg k "$CACHE_E2E_KH" \
		--arg i "$CACHE_E2E_IH" '[.artifacts[] | select((.sha256 == $k or
		.sha256 == $i) and .cached_at != null)] | length == 2' >/dev/null
}

# cache_e2e_served: the pod view of demo counts one whole kernel and one
# whole initrd served by the relay, both to demo-1.
cache_e2e_served() {
	api /api/v1/pods/demo | jq -e --arg k "$CACHE_E2E_KH" \
		--arg i "$CACHE_E2E_IH" '
		([.artifacts[] | select(.sha256 == $k or .sha256 == $i) |
		  .served_from_cache] | length == 2 and all(. == 1)) and
		([.cache.served[] | select(.node == "demo-1" and .count == 1 and
		  (.sha256 == $k or .sha256 == $i))] | length == 2)' >/dev/null
}

# cache_e2e_armed: demo-1 and demo-2 are both armed.
cache_e2e_armed() {
	[ "$(cache_e2e_state demo-1)" = armed ] &&
		[ "$(cache_e2e_state demo-2)" = armed ]
}

# cache_e2e_between N LOW HIGH: LOW <= N < HIGH.
cache_e2e_between() { [ "$1" -ge "$2" ] && [ "$1" -lt "$3" ]; }

# cache_e2e_bytes NAME PORT: TCP payload bytes the guest of boot NAME got
# from 10.0.2.2:PORT (0 when none).
cache_e2e_bytes() {
	local mac=$MAC n
	[ "$1" = cache-hostile ] && mac=$CACHE_E2E_MAC2
	n=$(python3 "$HERE/pcap-bytes" --mac "$mac" --from 10.0.2.2 \
		"$RUN/$1.pcap" | awk -v p="$2" '$1 == p {print $2}')
	echo "${n:-0}"
}

# cache_e2e_installed NAME NODE: the checks of a boot to installed.
cache_e2e_installed() {
	local name=$1 node=$2 log=$RUN/serial-$1.log ev
	check "cache: $name: console: stage1 verified stage2" \
		in_file "podboot: stage2 verified" "$log"
	check "cache: $name: console: iPXE ran the install script of $node" \
		in_file "podboot: installing $node in pod " "$log"
	check "cache: $name: console: kernel $KVER ran the test initrd" \
		in_file "PODBOOT-E2E: init started, kernel $KVER" "$log"
	check "cache: $name: console: installed reported" \
		in_file "PODBOOT-E2E: installed reported" "$log"
	ev=$(cache_e2e_events "$node")
	if [ "$ev" = "armed -> booting,booting -> installing,installing -> installed" ]; then
		ok "cache: $name: $node went armed -> booting -> installing -> installed"
	else
		bad "cache: $name: $node went armed -> booting -> installing -> installed" "got: $ev"
	fi
}

# cache_e2e_boots: both machines at once: demo-2 (the hostile cache) in
# the background, demo-1 (the relay) in the foreground.  Sets
# CACHE_E2E_RC2 (demo-2's QEMU_RC).
cache_e2e_boots() {
	local fw=$CACHE_E2E_FW/ipxe.lkrn
	(
		trap '[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null; exit 1' TERM
		MAC=$CACHE_E2E_MAC2
		qemu_run cache-hostile "$BOOT_TIMEOUT" "" -kernel "$fw" \
			-boot reboot-timeout=0
		echo "$QEMU_RC" >"$RUN/cache-hostile.rc"
	) &
	CACHE_E2E_BG_PID=$!
	qemu_run cache-relay "$BOOT_TIMEOUT" "" -kernel "$fw" -boot reboot-timeout=0
	wait "$CACHE_E2E_BG_PID"
	CACHE_E2E_BG_PID=
	CACHE_E2E_RC2=$(cat "$RUN/cache-hostile.rc" 2>/dev/null || echo 124)
}

# cache_leg: the leg (E2E_ONLY=cache runs it alone).
cache_leg() {
	local k i central relay hostile line n log wan0 wan1 least
	leg_has_ipxe cache || return
	if [ -z "$CACHE_E2E_SITE" ] || [ -z "$CACHE_E2E_FW_PID" ]; then
		bad "cache: site set up" "$(tail -5 "$RUN/init.log")"
		return
	fi
	wait "$CACHE_E2E_FW_PID"
	CACHE_E2E_FW_PID=
	say "cache: make firmware: $(cat "$RUN/fw-cache.secs" 2>/dev/null)s (log $RUN/firmware-cache.log)"
	lap "cache: firmware build (waited for)"
	CACHE_E2E_FW=$RUN/fw-cache/firmware
	if [ ! -s "$CACHE_E2E_FW/ipxe.lkrn" ]; then
		bad "cache: make firmware built ipxe.lkrn" "$(tail -10 "$RUN/firmware-cache.log")"
		return
	fi
	site_use "$CACHE_E2E_SITE"
	CACHE_E2E_KH=$(sha256sum "$KERNEL" | cut -c1-64)
	CACHE_E2E_IH=$(sha256sum "$INITRD" | cut -c1-64)
	k=$(stat -c %s "$KERNEL")
	i=$(stat -c %s "$INITRD")
	NIC_OPTS=,romfile=
	server_start || { bad "cache: server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "cache: demo-1 (pod demo) and demo-2 (pod edge) start armed" \
		cache_e2e_armed
	cache_e2e_wan ||
		{ bad "cache: WAN link start" "$(tail -5 "$RUN/cache-wan.log")"; return; }
	ok "cache: the pod's WAN (wanlink.py, $CACHE_E2E_WAN_MBIT Mbit/s, $CACHE_E2E_WAN_RTT ms) between the relay and the central server"
	cache_e2e_relay ||
		{ bad "cache: relay start" "$(tail -5 "$RUN/cache-relay.log")"; return; }
	ok "cache: the relay (podboot-agent --relay --cache-dir --pod demo) listens with a certificate naming 10.0.2.2, its upstream across the WAN"
	if wait_up 30 "$CACHE_E2E_RELAY_PID" cache_e2e_cached; then
		ok "cache: the pod view shows the relay holding demo's kernel and initrd (prefetched)"
	else
		bad "cache: the pod view shows the relay holding demo's kernel and initrd (prefetched)" \
			"$(tail -5 "$RUN/cache-relay.log")"
	fi
	cache_e2e_hostile ||
		{ bad "cache: hostile cache start" "$(tail -5 "$RUN/hostile-cache.log")"; return; }
	check "cache: the hostile cache's kernel differs from the signed one by one byte" \
		[ "$(cmp -l "$KERNEL" "$RUN/hostile/$CACHE_E2E_KH" | wc -l)" = 1 ]
	lap "cache: server, WAN, relay (its prefetch across the WAN), hostile cache"

	wan0=$(cache_e2e_wan_bytes)
	cache_e2e_boots
	lap "cache: two machines"
	wan1=$(cache_e2e_wan_bytes)
	least=$((k < i ? k : i))
	say "cache: the WAN carried $wan1 bytes towards the pod in $(cut -d' ' -f1 "$RUN/cache-wan.count") connections ($wan0 before the boots; kernel $k, initrd $i)"
	check "cache: WAN: kernel and initrd crossed it ($wan1 bytes >= $((k + i)))" \
		[ "$wan1" -ge $((k + i)) ]
	check "cache: WAN: each crossed it once ($wan1 bytes < kernel + initrd + the smaller, $((k + i + least)))" \
		[ "$wan1" -lt $((k + i + least)) ]
	check "cache: WAN: all of it before the boots (prefetched; $((wan1 - wan0)) bytes during them < $least)" \
		[ $((wan1 - wan0)) -lt "$least" ]

	# -- demo-1: installed from the relay --
	log=$RUN/serial-cache-relay.log
	check "cache: relay: boot ended by itself (the installer powered off)" \
		[ "$QEMU_RC" != 124 ]
	cache_e2e_installed cache-relay demo-1
	check "cache: relay: no cache copy was refused" \
		sh -c "! grep -aq 'podboot: the pod cache copy' '$log'"
	for n in "$CACHE_E2E_KH (demo-vmlinuz)" "$CACHE_E2E_IH (demo-initrd.img)"; do
		check "cache: relay: the relay fetched and verified sha256:${n%% *} once" \
			[ "$(grep -c "sha256:$n fetched and verified" "$RUN/cache-relay.log")" = 1 ]
	done
	if wait_up 20 "$CACHE_E2E_RELAY_PID" cache_e2e_served; then
		ok "cache: relay: the pod view: the relay served one kernel and one initrd, to demo-1 (served_from_cache)"
	else
		bad "cache: relay: the pod view: the relay served one kernel and one initrd, to demo-1 (served_from_cache)" \
			"$(api /api/v1/pods/demo | jq -c '[.artifacts, .cache.served]')"
	fi
	central=$(cache_e2e_bytes cache-relay "$PORT")
	relay=$(cache_e2e_bytes cache-relay "$CACHE_E2E_RPORT")
	say "cache: demo-1 got $relay bytes from the relay, $central from the central server (kernel $k, initrd $i)"
	check "cache: relay: the central server sent demo-1 no kernel or initrd ($central bytes < the initrd's $i)" \
		[ "$central" -lt "$i" ]
	check "cache: relay: the relay sent demo-1 the kernel and the initrd ($relay bytes >= $((k + i)))" \
		[ "$relay" -ge $((k + i)) ]

	# -- demo-2: the hostile cache's kernel refused, fetched centrally --
	log=$RUN/serial-cache-hostile.log
	check "cache: hostile: boot ended by itself (the installer powered off)" \
		[ "$CACHE_E2E_RC2" != 124 ]
	check "cache: hostile: the hostile cache served its tampered kernel at the pinned path" \
		grep -q "^GET /node/demo-2/artifacts/demo-vmlinuz@sha256:$CACHE_E2E_KH 200 $k\$" \
		"$RUN/hostile-cache.log"
	check "cache: hostile: the firmware refused it (imgverify, error $SEC_EBADSIG on the console)" \
		sec_code_on "$log" "$SEC_EBADSIG"
	# The BIOS console wraps at 80 columns: the line and the one after it.
	line=$(tr -d '\r' <"$log" | grep -a -m1 -A1 "podboot: the pod cache copy of" |
		tr -d '\n')
	n=$(sec_count "podboot: the pod cache copy of" "$log")
	if [ "$n" = 1 ] && printf '%s' "$line" | grep -qF \
		"the pod cache copy of kernel demo-vmlinuz was refused (error 0x$SEC_EBADSIG); fetching it from the central server"; then
		ok "cache: hostile: one line: the cache copy of the kernel was refused (0x$SEC_EBADSIG), fetching it centrally"
	else
		bad "cache: hostile: one line: the cache copy of the kernel was refused (0x$SEC_EBADSIG), fetching it centrally" \
			"$n such lines; first: ${line:-none}"
	fi
	cache_e2e_installed cache-hostile demo-2
	central=$(cache_e2e_bytes cache-hostile "$PORT")
	hostile=$(cache_e2e_bytes cache-hostile "$CACHE_E2E_HPORT")
	say "cache: demo-2 got $hostile bytes from the hostile cache, $central from the central server (kernel $k, initrd $i)"
	check "cache: hostile: the kernel came from the central server ($central bytes >= $k, < $((k + i)): not the initrd)" \
		cache_e2e_between "$central" "$k" $((k + i))
	check "cache: hostile: the cache's genuine initrd was verified and kept (served, no refusal of it)" \
		sh -c "grep -q '^GET /node/demo-2/artifacts/demo-initrd.img@sha256:$CACHE_E2E_IH 200 $i\$' \
			'$RUN/hostile-cache.log' && ! grep -aq 'cache copy of initrd' '$log'"
	cache_e2e_stop CACHE_E2E_HOSTILE_PID
	cache_e2e_stop CACHE_E2E_RELAY_PID
	cache_e2e_stop CACHE_E2E_WAN_PID
	server_stop
	NIC_OPTS=
}
