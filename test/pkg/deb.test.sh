#!/bin/bash
# deb.test.sh: make deb, then the packages as an operator meets them:
# lintian, dpkg -i of both, systemd-analyze verify and security of the
# installed units, podboot init into /var/lib/podboot as the podboot user,
# the installed unit's ExecStartPre and ExecStart lines run directly as
# that user (systemd need not be PID 1), /healthz over loopback, the
# unit's ExecReload lines, the installed agent, man pages and completion;
# then everything it installed or created is purged.  Needs root; run by
# "make deb-check" (too slow for make check: the package build alone
# takes about a minute).
. "$(dirname "$0")/../integration/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
UNITS=/lib/systemd/system
PKGS="podboot podboot-agent"
USERS="podboot podboot-agent podboot-relay"

if [ "$(id -u)" != 0 ]; then
	skip "deb.test.sh needs root (dpkg -i)"
	finish
	rc=$?
	echo "deb-check: $PASS passed, $FAIL failed"
	exit $rc
fi
for p in $PKGS; do
	if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
		echo "FAIL - $p is installed on this machine already: the test" \
			"would purge it; remove it first"
		FAIL=$((FAIL + 1))
		finish
		echo "deb-check: $PASS passed, $FAIL failed"
		exit 1
	fi
done

# What was here before, so that cleanup removes only what the test made.
new_users=""
for u in $USERS; do
	getent passwd "$u" >/dev/null || new_users+=" $u"
done
state_before=no
[ -e /var/lib/podboot ] && state_before=yes
SERVER_PID=""

cleanup() {
	if [ -n "$SERVER_PID" ] && proc_alive "$SERVER_PID"; then
		kill -TERM "$SERVER_PID"
		wait "$SERVER_PID" 2>/dev/null
	fi
	dpkg --purge $PKGS >"$T/purge.log" 2>&1 ||
		echo "cleanup: dpkg --purge failed: $(tail -3 "$T/purge.log")"
	[ "$state_before" = yes ] || rm -rf /var/lib/podboot
	for u in $new_users; do
		getent passwd "$u" >/dev/null && userdel "$u"
		getent group "$u" >/dev/null && groupdel "$u"
	done
	rm -rf "$T"
}
trap cleanup EXIT

# 1. The packages.
ok "make deb" make -C "$top" -s deb
DEB=$top/build/deb
check "podboot package built" [ -f "$DEB/podboot_1.0_amd64.deb" ]
check "podboot-agent package built" [ -f "$DEB/podboot-agent_1.0_amd64.deb" ]
check "the tree stays clean (no build products beside debian/)" \
	sh -c "cd '$top' && ! ls debian/tmp debian/podboot debian/files ../podboot_*.deb 2>/dev/null | grep -q ."

# 2. lintian: no errors, and the warnings shown.  No override is shipped.
lintian --fail-on error "$DEB"/podboot_1.0_amd64.deb \
	"$DEB"/podboot-agent_1.0_amd64.deb >"$T/lintian" 2>&1
lrc=$?
sed 's/^/       lintian: /' "$T/lintian" | grep -v 'root privileges' | head -20
check "lintian reports no error" [ "$lrc" = 0 ]
check "lintian: no E: line" sh -c "! grep -q '^E:' '$T/lintian'"

# 3. Install both.
ok "dpkg -i podboot podboot-agent" dpkg -i "$DEB/podboot_1.0_amd64.deb" \
	"$DEB/podboot-agent_1.0_amd64.deb"
for u in $USERS; do
	check "system user $u exists, without a login shell" sh -c \
		"getent passwd $u | grep -qE ':/(usr/)?s?bin/(nologin|false)$'"
done
check "/var/lib/podboot is podboot's, mode 0700" \
	[ "$(stat -c '%U %a' /var/lib/podboot 2>/dev/null)" = "podboot 700" ]
check "podboot in /usr/bin" [ -x /usr/bin/podboot ]
check "podboot-agent in /usr/sbin" [ -x /usr/sbin/podboot-agent ]
for f in podboot.conf agent.conf relay.conf; do
	check "/etc/podboot/$f is a conffile" grep -qx "/etc/podboot/$f" \
		/var/lib/dpkg/info/podboot.conffiles \
		/var/lib/dpkg/info/podboot-agent.conffiles
done
check "no key, certificate or token is shipped" sh -c \
	"! dpkg -L $PKGS | grep -E '\\.(key|crt|pem)$|token'"
for m in man8/podboot.8 man5/podboot.conf.5 man8/podboot-agent.8; do
	check "man page $m installed" [ -f "/usr/share/man/$m.gz" ]
done
check "man finds podboot.conf(5)" sh -c "man -w 5 podboot.conf | grep -q podboot.conf.5"
check "bash completion of podboot installed and loads" bash -c \
	'. /usr/share/bash-completion/completions/podboot && complete -p podboot'
check "bash completion of podboot-agent installed and loads" bash -c \
	'. /usr/share/bash-completion/completions/podboot-agent && complete -p podboot-agent'
check "no service was enabled by the install" sh -c \
	"! ls /etc/systemd/system/multi-user.target.wants/ 2>/dev/null | grep -q podboot"

# 4. The units.
for u in podboot podboot-agent podboot-relay; do
	ok "systemd-analyze verify $u.service" \
		systemd-analyze verify "$UNITS/$u.service"
	check "verify printed nothing for $u.service" [ ! -s "$ERR" ]
	systemd-analyze security --offline=true "$UNITS/$u.service" \
		>"$T/sec-$u" 2>&1
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/sec-$u")
	echo "       systemd-analyze security $u.service: exposure ${score:-?}"
	check "$u.service: exposure below 2.5 (OK)" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.5) }'
	for key in "User=$u$" ProtectSystem=strict ProtectHome= PrivateTmp=yes \
		NoNewPrivileges=yes 'CapabilityBoundingSet=$' \
		RestrictAddressFamilies= SystemCallFilter=@system-service \
		"StateDirectory=$u$"; do
		check "$u.service has $key" grep -q "^$key" "$UNITS/$u.service"
	done
done
check "podboot.service reloads with SIGHUP" \
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNITS/podboot.service"

# 5. Run it as the unit would: podboot init into /var/lib/podboot as the
# podboot user, the installed configuration on a free port, then the
# unit's own ExecStartPre and ExecStart lines as podboot.
AS_PODBOOT="setpriv --reuid=podboot --regid=podboot --init-groups --"
ok "podboot init --dir /var/lib/podboot as podboot" $AS_PODBOOT \
	/usr/bin/podboot init --dir /var/lib/podboot \
	--server-name boot.example.net --server-ip 127.0.0.1
check "its keys are podboot's" \
	[ "$(stat -c %U /var/lib/podboot/keys/server.key)" = podboot ]
PORT=$(port_pick)
sed -i "s/^  port = 8443;/  port = $PORT;/; s#https://boot.example.net:8443#https://boot.example.net:$PORT#" \
	/etc/podboot/podboot.conf
check "the conffile now names port $PORT" grep -q "port = $PORT;" \
	/etc/podboot/podboot.conf
unit_env=$(sed -n 's/^Environment=//p' "$UNITS/podboot.service")
pre=$(sed -n 's/^ExecStartPre=//p' "$UNITS/podboot.service")
start=$(sed -n 's/^ExecStart=//p' "$UNITS/podboot.service")
check "ExecStart is podboot serve on /etc/podboot/podboot.conf" \
	[ "$start" = "/usr/bin/podboot serve --config /etc/podboot/podboot.conf" ]
# shellcheck disable=SC2086
ok "ExecStartPre ($pre) as podboot" env -i $unit_env $AS_PODBOOT $pre
check "it checked the installed configuration" grep -q \
	'^/etc/podboot/podboot.conf: ok' "$OUT"
# shellcheck disable=SC2086
(cd / && umask 0077 && exec env -i $unit_env $AS_PODBOOT $start) \
	>"$T/serve.log" 2>&1 &
SERVER_PID=$!
healthz() {
	curl -sf --cacert /var/lib/podboot/keys/root.crt \
		--resolve "boot.example.net:$PORT:127.0.0.1" \
		"https://boot.example.net:$PORT/healthz"
}
wait_up "$(deadline 30)" "$SERVER_PID" healthz
check "/healthz answers over loopback" healthz
healthz >"$OUT" 2>"$ERR"
check "/healthz says ok, configuration 1" jq -e \
	'.status == "ok" and .configuration == 1' "$OUT"
check "it runs as podboot" [ "$(ps -o user= -p "$SERVER_PID")" = podboot ]
check "its data directory is where the conffile says" \
	[ -f /var/lib/podboot/data/serve.lock ]
# The unit's ExecReload lines, $MAINPID being the server.
while read -r line; do
	line=${line//\$MAINPID/$SERVER_PID}
	# shellcheck disable=SC2086
	ok "ExecReload: $line" env -i $unit_env $line
done < <(sed -n 's/^ExecReload=//p' "$UNITS/podboot.service")
reloaded() { healthz | jq -e '.configuration == 2'; }
wait_up "$(deadline 30)" "$SERVER_PID" reloaded
check "the reload reached the server: configuration 2" reloaded
kill -TERM "$SERVER_PID"
wait_up "$(deadline 60)" "" sh -c "! kill -0 $SERVER_PID 2>/dev/null"
wait "$SERVER_PID"
rc=$?
check "SIGTERM stops it, exit 0" [ "$rc" = 0 ]
SERVER_PID=""
check "its log went to stderr (the journal's): reloaded" grep -q reloaded "$T/serve.log"

# 6. The installed agent.
ok "podboot-agent --version" /usr/sbin/podboot-agent --version
ok "podboot-agent --print as podboot-agent" setpriv --reuid=podboot-agent \
	--regid=podboot-agent --init-groups -- /usr/sbin/podboot-agent --print
check "it collected node metrics" grep -q '^node_load1 ' "$OUT"
refused "the unconfigured agent.conf is refused by the unit's check" \
	"server" /usr/sbin/podboot-agent --check --config /etc/podboot/agent.conf

# 7. The agent's and the relay's units hand secrets over through
# LoadCredential=, which hides their files' modes from the agent: each
# unit's root check (ExecStartPre=+) must refuse a secret others can read.
# Then ExecStart, %d the credentials directory, as the unit's user.
mkdir -p "$T/cred" && chmod 0711 "$T" "$T/cred"
cp /var/lib/podboot/keys/root.crt /etc/podboot/root.crt
agent_pre=$(sed -n 's/^ExecStartPre=+//p' "$UNITS/podboot-agent.service")
agent_start=$(sed -n 's/^ExecStart=//p' "$UNITS/podboot-agent.service")
sed -i "s|^#server = .*|server = https://boot.example.net:$PORT|; s|^#token = .*|token = pbt_$(printf '%064d' 7)|" \
	/etc/podboot/agent.conf
chmod 0644 /etc/podboot/agent.conf
# shellcheck disable=SC2086
refused "agent unit: a token in an agent.conf others can read is refused" \
	"others can read" $agent_pre
chmod 0600 /etc/podboot/agent.conf
# shellcheck disable=SC2086
ok "agent unit: the same file, mode 0600, passes" $agent_pre
install -m 0400 -o podboot-agent /etc/podboot/agent.conf "$T/cred/agent.conf"
# shellcheck disable=SC2086
ok "agent unit: ExecStart as podboot-agent reads its credential" \
	setpriv --reuid=podboot-agent --regid=podboot-agent --init-groups -- \
	${agent_start//%d/$T/cred} --check
check "with the token and upstream of the file" grep -q \
	"ok: agent, 1 upstream, first https://boot.example.net:$PORT" "$OUT"

mkdir -p "$T/rcred" && chmod 0711 "$T/rcred"
relay_pre=$(sed -n 's/^ExecStartPre=+//p' "$UNITS/podboot-relay.service")
relay_start=$(sed -n 's/^ExecStart=//p' "$UNITS/podboot-relay.service")
cp /var/lib/podboot/keys/server-chain.crt /etc/podboot/relay.crt
install -m 0644 /var/lib/podboot/keys/server.key /etc/podboot/relay.key
printf 'pbt_%064d\n' 8 >/etc/podboot/relay.token
chmod 0600 /etc/podboot/relay.token
sed -i "s|^#server = .*|server = https://boot.example.net:$PORT|; s|^listen = .*|listen = 127.0.0.1:$(port_pick)|" \
	/etc/podboot/relay.conf
# shellcheck disable=SC2086
refused "relay unit: a relay key others can read is refused" \
	"others can read" $relay_pre
chmod 0600 /etc/podboot/relay.key
# shellcheck disable=SC2086
ok "relay unit: the key at mode 0600 passes" $relay_pre
install -m 0400 -o podboot-relay /etc/podboot/relay.key "$T/rcred/relay.key"
install -m 0400 -o podboot-relay /etc/podboot/relay.token "$T/rcred/relay.token"
# shellcheck disable=SC2086
ok "relay unit: ExecStart as podboot-relay reads its credentials" \
	setpriv --reuid=podboot-relay --regid=podboot-relay --init-groups -- \
	${relay_start//%d/$T/rcred} --check
check "as a relay" grep -q "ok: relay, 1 upstream" "$OUT"
rm -f /etc/podboot/root.crt /etc/podboot/relay.crt /etc/podboot/relay.key \
	/etc/podboot/relay.token

# 8. Purge: nothing of the packages stays.
ok "dpkg --purge podboot podboot-agent" dpkg --purge $PKGS
check "/usr/bin/podboot is gone" [ ! -e /usr/bin/podboot ]
check "/etc/podboot is gone" [ ! -e /etc/podboot ]
check "the units are gone" [ ! -e "$UNITS/podboot.service" ]
finish
rc=$?
echo "deb-check: $PASS passed, $FAIL failed"
exit $rc
