# demo.test.sh: what "make run" does, on the embedded default: the set of
# packages it installs (scripts/deps run: compilers and libraries, no
# PostgreSQL server, HAProxy, TSDB or other test peer), and scripts/run-demo
# serving a verifiable stage2 from SQLite, dev keys and the demo pod on
# loopback, reachable without any database server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve-lib.sh"

TOP=$(cd "$(dirname "$0")/../.." && pwd)
DEMO_PID=
trap '[ -n "$DEMO_PID" ] && kill -KILL "$DEMO_PID" 2>/dev/null; rm -rf "$T"' EXIT

# ---- the packages make run installs -----------------------------------------
ok "scripts/deps --list run prints the run set" "$TOP/scripts/deps" --list run
cp "$OUT" "$T/run.pkgs"
for p in postgresql-15 postgresql-client-15 haproxy victoria-metrics prometheus \
	qemu-system-x86 kea-dhcp4-server chromium; do
	check "make run installs no $p" sh -c "! grep -qx '$p' '$T/run.pkgs'"
done
check "the full set (make check) has PostgreSQL's server" grep -qx postgresql-15 \
	<("$TOP/scripts/deps" --list)
# Every library the Makefile links (server and agent) comes from a package
# of the run set: found by the file the linker would take.
libs=$(make -s -C "$TOP" -pn all 2>/dev/null | sed -n 's/^\(DEP_LIBS\|AGENT_LIBS\) :\?= //p' |
	tr ' ' '\n' | sed -n 's/^-l//p' | sort -u)
check "the Makefile links libraries ($(echo $libs | wc -w))" [ -n "$libs" ]
missing=""
for l in $libs; do
	f=$(gcc -print-file-name="lib$l.so")
	[ "$f" = "lib$l.so" ] && f=$(gcc -print-file-name="lib$l.a")
	# The development link (lib$l.so), not the runtime file it points to.
	pkg=$(dpkg -S "$(realpath -s "$f")" 2>/dev/null | head -1 | cut -d: -f1)
	case $pkg in
	libc6-dev | libgcc-*-dev) ;;	# gcc's own
	*) grep -qx "$pkg" "$T/run.pkgs" || missing="$missing -l$l($pkg)" ;;
	esac
done
check "each comes from a package make run installs${missing:+ (missing:$missing)}" [ -z "$missing" ]

# ---- scripts/run-demo -------------------------------------------------------
D=$T/demo
"$PODBOOT_FAST" init --dir "$D" --server-name localhost --server-ip 127.0.0.1 >/dev/null
PORT=$(port_pick)
sed -i "s/port = 8443;/port = $PORT;/; s#https://localhost:8443#https://localhost:$PORT#" \
	"$D/podboot.conf"
check "the demo's store is SQLite (no server.store)" sh -c "! grep -q '^ *store *=' '$D/podboot.conf'"
PODBOOT_DEMO_DIR=$D "$TOP/scripts/run-demo" >"$T/demo.log" 2>&1 &
DEMO_PID=$!
ROOT=$D/keys/root.crt
BASE=https://localhost:$PORT
ok "run-demo serves /healthz" wait_up 20 "$DEMO_PID" curl -sf --cacert "$ROOT" -o /dev/null "$BASE/healthz"
check "it printed the hints with its own address" grep -qF "podboot serve is starting on $BASE" "$T/demo.log"
ok "the demo pod's machine gets its stage2" curl -sf --cacert "$ROOT" -o "$T/stage2.ipxe" \
	"$BASE/boot/stage2.ipxe?mac=52:54:00:00:00:01"
ok "and its signature" curl -sf --cacert "$ROOT" -o "$T/stage2.ipxe.sig" \
	"$BASE/boot/stage2.ipxe.sig?mac=52:54:00:00:00:01"
ok "which verifies, as the hints say" "$PODBOOT_FAST" verify "$T/stage2.ipxe" "$T/stage2.ipxe.sig" \
	--root "$ROOT" --signer podboot-codesign
check "it installs demo-1" grep -q "^# podboot stage2 for demo-1 " "$T/stage2.ipxe"
check "the state is in SQLite under the demo directory" test -s "$D/data/podboot.db"
check "the hints name the tokens file, never a token" sh -c \
	"grep -q 'tokens)' '$T/demo.log' && ! grep -q 'pbt_' '$T/demo.log'"
grep -F 'nodes?format=text' "$T/demo.log" | sed 's/^ *//' >"$T/hint.sh"
ok "the node list hint, run as printed, lists demo-1" sh -c \
	"cd '$TOP' && sh '$T/hint.sh' | grep -q '^demo-1 '"
kill -TERM "$DEMO_PID"
wait "$DEMO_PID"
check "Ctrl-C (SIGTERM) stops it cleanly" [ $? = 0 ]
DEMO_PID=
finish
