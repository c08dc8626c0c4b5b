#!/bin/bash
# bmc.test.sh: podboot bmc against a Redfish service podboot did not
# write: OpenStack's sushy-tools (unpacked from ../shared/vendor into the
# scratch directory, never into the project) over libvirt, driving a real
# QEMU machine (TCG).  Power, virtual media, a boot override, the pinned
# TLS identity learned on first use, and the attacker's side: an unpinned
# or changed certificate, a wrong password, a readable password file; the
# password never in events, logs or output.  python3-sushy (Debian's
# Redfish client) checks what the service holds after each action.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
# libvirt and sushy-tools set up as the e2e leg does (test/bmc-lib.sh);
# SUSHY_TOOLS: the sushy-tools tarball (scripts/mutants' copies of the
# tree have no ../shared beside them).
. "$top/test/bmc-lib.sh"
VIRSH=$BMC_VIRSH

command -v genisoimage >/dev/null || { skip "bmc: genisoimage is not installed (scripts/deps)"; finish; exit; }
missing=$(bmc_lib_missing "$top")
if [ -n "$missing" ]; then
	skip "bmc: $missing"
	finish; exit
fi

# Everything this file starts, stopped by PID (and libvirt objects by the
# names made here) whatever way it ends.
PIDS=()
DOM=podboot-bmc-$$
cleanup() {
	local p
	bmc_lib_cleanup
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		wait_up 10 "" bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
chmod 755 "$T"

ok "libvirtd answers, a storage pool named default is active" bmc_libvirt_up "$T"

cat >"$T/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='cdrom'/><boot dev='hd'/></os>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <serial type='file'><source path='$T/console.log'/></serial>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <!-- no NIC: the machine has nothing to reach -->
  </devices>
</domain>
EOF
ok "a qemu (TCG) machine with a CD-ROM is defined" bmc_define "$T/dom.xml" "$DOM"
# sushy-tools names a system by its libvirt UUID.
UUID=$($VIRSH domuuid "$DOM")

# ---- the BMC: sushy-tools on 127.0.0.1, TLS, basic-auth users ----
PASS_BMC="bmc-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
bmc_sushy_setup "$top" "$T" "$PASS_BMC" "$DOM" "$UUID"
BMC_PORT=$(port_pick)
# sushy_start CERT: the emulator with certificate CERT; its PID in SUSHY.
sushy_start() {
	bmc_sushy_start "$T" "$BMC_PORT" "$1" || return 1
	SUSHY=$BMC_SUSHY
}
ok "sushy-tools serves Redfish over TLS on 127.0.0.1" sushy_start one

# ---- podboot's side: a configuration, the password file ----
mkdir -p "$T/data"
printf '%s\n' "$PASS_BMC" >"$T/bmc.pass"
chmod 600 "$T/bmc.pass"
# conf FILE BMC-EXTRA: a configuration whose node n1 has a bmc group.
conf() {
	cat >"$1" <<EOF
server = { base_url = "https://127.0.0.1:1"; tls_cert = "t"; tls_key = "k";
  codesign_cert = "c"; codesign_key = "ck"; root_cert = "r";
  data_dir = "$T/data"; };
profiles = ( { name = "p"; kernel = "k"; initrd = "i"; kickstart = "p.ks"; } );
pods = ( { name = "a"; profile = "p";
  provisioning = { cidr = "192.0.2.0/24"; };
  management = { cidr = "198.51.100.0/24"; }; } );
nodes = ( { hostname = "n1"; mac = "52:54:00:00:00:01"; pod = "a";
  bmc = { url = "https://127.0.0.1:$BMC_PORT"; user = "admin";
          password_file = "$T/bmc.pass"; system = "$UUID"; $2 }; } );
EOF
}
conf "$T/podboot.conf" ""
export PODBOOT_CONFIG=$T/podboot.conf
# bmc ARGS...: podboot bmc, its stderr kept in bmc.log (searched below).
bmc() {
	local rc
	"$PODBOOT" bmc "$@" 2>"$T/.bmc-err"
	rc=$?
	cat "$T/.bmc-err" >>"$T/bmc.log"
	cat "$T/.bmc-err" >&2
	return $rc
}
# sushy_check EXPR: Debian's python3-sushy reads the service and prints
# what EXPR (Python, over "system" and "cd") says.
sushy_check() {
	env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE /usr/bin/python3 - "$BMC_PORT" "$PASS_BMC" "$T/one.crt" "$UUID" "$1" <<'EOF'
import sys, sushy
from sushy.resources.manager.virtual_media import VirtualMedia
port, pw, ca, dom, expr = sys.argv[1:]
s = sushy.Sushy("https://127.0.0.1:%s/redfish/v1" % port, username="admin",
                password=pw, verify=ca)
system = s.get_system("/redfish/v1/Systems/" + dom)
# sushy 4.3 reads VirtualMedia under a Manager; the resource is the same.
cd = VirtualMedia(s._conn, "/redfish/v1/Systems/%s/VirtualMedia/Cd" % dom,
                  redfish_version=s.redfish_version)
print(eval(expr))
EOF
}

# ---- pinned identity: nothing works before trust ----
refused "no command runs before the BMC's identity is pinned" \
	"no pinned identity" bmc n1 power status
ok "trust learns the key on first use" bmc n1 trust
check "the fingerprint is kept in the data directory" \
	grep -q "^sha256 [0-9a-f]\{64\}$" "$T/data/bmc/n1.pin"
fp=$(openssl x509 -in "$T/one.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	sha256sum | cut -d' ' -f1)
check "it is the SHA-256 of the certificate's public key" \
	grep -qx "sha256 $fp" "$T/data/bmc/n1.pin"
ok "trust again: unchanged" bmc n1 trust
check "  and says so" grep -q "already trusted" "$OUT"

# ---- power ----
ok "power status" bmc n1 power status
check "  the machine is off" grep -qx "n1: Off" "$OUT"
ok "power on" bmc n1 power on
check "  sent ResetType On" grep -q "power on: ResetType On" "$OUT"
ok "  the machine runs (libvirt)" wait_for 30 bash -c "$VIRSH domstate $DOM | grep -qx running"
ok "power status says On" bmc n1 power status
check "  On" grep -qx "n1: On" "$OUT"
check "python3-sushy sees it on" test "$(sushy_check 'system.power_state.value')" = On
ok "power cycle" bmc n1 power cycle
check "  with ForceRestart (the service allows no PowerCycle)" \
	grep -q "ResetType ForceRestart" "$OUT"
ok "power off" bmc n1 power off
check "  sent ForceOff" grep -q "ResetType ForceOff" "$OUT"
ok "  the machine is off (libvirt)" wait_for 30 bash -c "$VIRSH domstate $DOM | grep -qx 'shut off'"

# ---- virtual media: an ISO from a loopback HTTP server ----
mkdir -p "$T/www/iso"
echo "podboot bmc test medium" >"$T/www/iso/README"
genisoimage -quiet -V PODTEST -o "$T/www/pod.iso" "$T/www/iso" 2>/dev/null
WEB_PORT=$(port_pick)
(cd "$T/www" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$WEB_PORT" \
	>"$T/web.log" 2>&1) &
PIDS+=("$!")
ok "a loopback HTTP server serves the ISO" wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$WEB_PORT/pod.iso"
ISO_URL="http://127.0.0.1:$WEB_PORT/pod.iso"
ok "media insert" bmc n1 media insert "$ISO_URL"
check "  into the system's virtual CD" grep -q "into /redfish/v1/Systems/$UUID/VirtualMedia/Cd" "$OUT"
check "python3-sushy sees the image inserted" \
	test "$(sushy_check '(cd.inserted, cd.image)')" = "(True, '$ISO_URL')"
check "  the machine's CD-ROM holds it (libvirt)" bash -c \
	"$VIRSH domblklist $DOM | grep -q hdc.*/"
ok "media insert again (a drive that holds one: eject first)" bmc n1 media insert "$ISO_URL"
ok "boot-once Cd" bmc n1 boot-once Cd
check "python3-sushy sees a one-time boot from the CD" \
	test "$(sushy_check 'system.boot.target.value')" = Cd
refused "boot-once to a target the system does not allow" \
	"does not allow BootSourceOverrideTarget UefiHttp" \
	bmc n1 boot-once UefiHttp --uri "$ISO_URL"
ok "media eject" bmc n1 media eject
check "python3-sushy sees the drive empty" test "$(sushy_check 'cd.inserted')" = False
bmc n1 media insert "http://u:secret@127.0.0.1:$WEB_PORT/pod.iso" >"$OUT" 2>"$ERR"
check "a media URL with a password in it is refused (usage, exit 2)" \
	bash -c "[ $? = 2 ] && grep -q 'without user or password' '$ERR'"

# ---- the attacker's side ----
# A password file others may read.
chmod 640 "$T/bmc.pass"
refused "a password file group or others may read is refused" \
	"group or others may read" bmc n1 power status
chmod 600 "$T/bmc.pass"
# A wrong password fails cleanly, and the right one is never shown.
printf 'wrong-%s\n' "$PASS_BMC" >"$T/wrong.pass"
chmod 600 "$T/wrong.pass"
conf "$T/wrong.conf" ""
sed -i "s|$T/bmc.pass|$T/wrong.pass|" "$T/wrong.conf"
refused "a wrong password fails with the BMC's 401" "HTTP 401" \
	bmc --config "$T/wrong.conf" n1 power on
# A password in the configuration is refused without quoting it.
conf "$T/inline.conf" "password = \"$PASS_BMC\";"
refused "a password in the configuration is refused" \
	"is not taken in the configuration" bmc --config "$T/inline.conf" n1 power status
check "  without quoting it" bash -c "! grep -qF -- '$PASS_BMC' '$ERR'"
# A pinned fingerprint that is not the BMC's.
conf "$T/pinned.conf" "tls_fingerprint = \"$(printf '%064d' 0)\";"
refused "a BMC whose key is not the pinned one is refused" \
	"not the pinned one" bmc --config "$T/pinned.conf" n1 power status
# CA verification: the right CA works, another CA is refused.
conf "$T/ca.conf" "tls_ca = \"$T/one.crt\";"
ok "tls_ca: a certificate chaining to the CA, for 127.0.0.1" \
	bmc --config "$T/ca.conf" n1 power status
conf "$T/otherca.conf" "tls_ca = \"$T/two.crt\";"
refused "tls_ca: a certificate of another CA is refused" "" \
	bmc --config "$T/otherca.conf" n1 power status
# The BMC's certificate changes: refused until --accept-change.
bmc_sushy_stop
ok "sushy-tools restarted with another certificate" sushy_start two
refused "a changed certificate is refused" "not the pinned one" bmc n1 power on
refused "trust without --accept-change refuses the new key" \
	"certificate key changed" bmc n1 trust
ok "trust --accept-change takes the new key" bmc n1 trust --accept-change
ok "  and commands work again" bmc n1 power status

# ---- the audit trail, and where the password must not be ----
sqlite3 "$T/data/podboot.db" "SELECT kind, subject, detail FROM events;" >"$T/events.txt"
check "each action is a bmc event of n1" bash -c "
	grep -q '^bmc|n1|power on: ResetType On' '$T/events.txt' &&
	grep -q '^bmc|n1|power off: ResetType ForceOff' '$T/events.txt' &&
	grep -q '^bmc|n1|power cycle: ResetType ForceRestart' '$T/events.txt' &&
	grep -q '^bmc|n1|media insert: $ISO_URL into' '$T/events.txt' &&
	grep -q '^bmc|n1|media eject: ' '$T/events.txt' &&
	grep -q '^bmc|n1|boot-once: Cd' '$T/events.txt' &&
	grep -q '^bmc|n1|trust: learned sha256 $fp' '$T/events.txt' &&
	grep -q '^bmc|n1|trust refused: ' '$T/events.txt' &&
	grep -q '^bmc|n1|trust: changed to sha256' '$T/events.txt' &&
	grep -q '^bmc|n1|power on failed: .*HTTP 401' '$T/events.txt'"
check "every request was logged" bash -c \
	"grep -q 'bmc n1: POST /redfish/v1/Systems/$UUID/Actions/ComputerSystem.Reset: HTTP 204' '$T/bmc.log'"
check "the password is in no event, log or output" bash -c "
	! grep -rqF -- '$PASS_BMC' '$T/events.txt' '$T/bmc.log' '$T/data' '$OUT' '$ERR'"
# The password the wrong file held is a password too.
check "nor the wrong one" bash -c "! grep -qF -- 'wrong-$PASS_BMC' '$T/events.txt' '$T/bmc.log'"
finish
