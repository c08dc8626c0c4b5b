# shellcheck shell=bash
# bmc.sh: the BMC leg of test/e2e/boot.sh (sourced by it; uses its
# helpers: check, ok, bad, say, lap, server_start, api, node_state,
# node_transitions; secure.sh's secure_site_make, secure_build, site_use).
#
# "podboot bmc NODE reinstall" takes a real machine from installed back
# through the pod's ISO and the signed chain to installed.  The machine is
# a libvirt QEMU guest (TCG, BIOS, an IDE CD drive, an e1000 NIC on QEMU's
# user network: it reaches podboot serve on the host's loopback as
# 10.0.2.2), its BMC OpenStack's sushy-tools over libvirt
# (test/bmc-lib.sh, shared with test/integration/bmc.test.sh), which
# fetches the image it is told to insert itself, checking podboot's
# certificate against the site's root.  The ISO is the pod's, from "make
# media" (static address, no DHCP in iPXE), published as media/demo.iso.
# The node starts installed (the installer's requests, made with curl);
# the reinstall re-arms it, inserts the ISO by URL, sets the one-time boot
# to Cd and power-cycles; the machine boots podboot's iPXE from the
# virtual DVD, which verifies stage2, the kernel and the initrd, and the
# test initrd reports installed; reinstall sees that and ejects the media.
# Asserted: the steps in order on the terminal and in the audit trail,
# the lifecycle installed -> armed -> booting -> installing -> installed,
# the image the machine booted byte for byte the one make media built, the
# drive empty at the end, a second boot from the ISO served local boot
# (one-shot), and the BMC password in no event, log or output.
# Then the reinstall again through three vendor-shaped Redfish fronts
# (Supermicro, Dell iDRAC, HPE iLO), the last two as one pod-wide
# reinstall of this machine and a second one at once, each with its
# quirks asserted on the front's own record of what it was sent
# (bmc_e2e_vendor_check).
#
# Skipped without IPXE_SRC, or without libvirt or sushy-tools; with
# E2E_REQUIRE_SECURE=1 (CI) either is a failure.  Every wait is bounded
# (BOOT_TIMEOUT for the install); the libvirt domain and everything
# started are removed by bmc_e2e_cleanup (boot.sh's exit trap).

. "$TOP/test/bmc-lib.sh"
BMC_E2E_FW_PID=
BMC_E2E_SITE=
BMC_E2E_DOM=podboot-e2e-bmc-$$
# The second machine: node demo-2 behind the iLO-shaped front, reinstalled
# with demo-1 in one pod-wide command (bmc_e2e_pod).
BMC_E2E_DOM2=podboot-e2e-bmc2-$$
BMC_E2E_MAC2=52:54:00:00:00:02
BMC_E2E_NODE2=demo-2
BMC_E2E_IP2=10.0.2.78
BMC_E2E_DIR=$RUN/bmc	# libvirt's and sushy-tools' files
BMC_E2E_OWN_DIR=	# a directory of our own for them (bmc_e2e_place)

# bmc_e2e_prepare: the leg's site and the pod's media built in the
# background (a relink once the iPXE tree is cached).
bmc_e2e_prepare() {
	BMC_E2E_SITE=$RUN/bmc-site
	[ -n "${IPXE_SRC:-}" ] || return 0
	case $IPXE_SRC in /*) ;; *) IPXE_SRC=$TOP/$IPXE_SRC ;; esac
	export IPXE_SRC
	mkdir -p "$RUN/bmc-pod" || return 1
	{
		secure_site_make "$BMC_E2E_SITE" rsa &&
			printf '%s\n' "# pod demo: the BMC leg's machines, static addresses" \
				"$MAC  $SEC_STATIC_IP/24  10.0.2.2  -" \
				"$BMC_E2E_MAC2  $BMC_E2E_IP2/24  10.0.2.2  -" >"$RUN/bmc-pod/demo.static"
	} >>"$RUN/init.log" 2>&1 || { BMC_E2E_SITE=; return 1; }
	(
		SEC_MAKE_PID=
		trap '[ -n "$SEC_MAKE_PID" ] && kill "$SEC_MAKE_PID" 2>/dev/null; exit 1' TERM
		secure_build bmc media "$BMC_E2E_SITE" POD_STATIC="$RUN/bmc-pod/demo.static"
	) </dev/null &
	BMC_E2E_FW_PID=$!
	say "bmc: building the pod's media in the background (pid $BMC_E2E_FW_PID)"
}

# bmc_e2e_cleanup: the build, the domain, sushy-tools and our libvirt
# daemons (boot.sh's exit trap); a directory of our own goes too, its logs
# kept in $RUN/bmc.
bmc_e2e_cleanup() {
	if [ -n "$BMC_E2E_FW_PID" ]; then
		kill "$BMC_E2E_FW_PID" 2>/dev/null
		wait "$BMC_E2E_FW_PID" 2>/dev/null
		BMC_E2E_FW_PID=
	fi
	bmc_lib_cleanup
	if [ -n "$BMC_E2E_OWN_DIR" ]; then
		mkdir -p "$RUN/bmc" &&
			cp "$BMC_E2E_OWN_DIR"/*.log "$BMC_E2E_OWN_DIR"/*.json "$RUN/bmc/" 2>/dev/null
		rm -rf "$BMC_E2E_OWN_DIR"
		BMC_E2E_OWN_DIR=
	fi
}

# bmc_e2e_open DIR: every directory from DIR up is searchable by others,
# as QEMU needs (libvirt runs it as its own user).
bmc_e2e_open() {
	local d=$1 m
	while [ -n "$d" ] && [ "$d" != / ]; do
		m=$(stat -c %A "$d" 2>/dev/null) || return 1
		case ${m:9:1} in x|t) ;; *) return 1 ;; esac
		d=$(dirname "$d")
	done
}

# bmc_e2e_place: BMC_E2E_DIR made, in $RUN when QEMU can reach it there,
# else a directory of our own under /tmp (scripts/mutants runs a copy of
# the tree inside a private one, where QEMU could not open the disk and
# every reinstall would fail whatever the mutation).
bmc_e2e_place() {
	mkdir -p "$BMC_E2E_DIR" && chmod 755 "$BMC_E2E_DIR" || return 1
	bmc_e2e_open "$BMC_E2E_DIR" && return 0
	BMC_E2E_OWN_DIR=$(mktemp -d /tmp/podboot-e2e-bmc.XXXXXX) || return 1
	BMC_E2E_DIR=$BMC_E2E_OWN_DIR
	chmod 755 "$BMC_E2E_DIR"
}

# bmc_e2e_cmd NAME ARGS...: podboot bmc ARGS on the leg's site (its
# configuration, or BMC_E2E_CONF), output in
# $RUN/bmc-NAME.out, errors in $RUN/bmc-NAME.err; its status.
bmc_e2e_cmd() {
	local name=$1
	shift
	timeout -k 5 $((BOOT_TIMEOUT + 120)) "$PODBOOT" bmc \
		--config "${BMC_E2E_CONF:-$BMC_E2E_SITE/podboot.conf}" "$@" \
		>"$RUN/bmc-$name.out" 2>"$RUN/bmc-$name.err"
}

# bmc_e2e_domstate STATE [DOMAIN]: libvirt says the machine (the first
# unless DOMAIN) is in STATE.
bmc_e2e_domstate() { [ "$($BMC_VIRSH domstate "${2:-$BMC_E2E_DOM}" 2>/dev/null)" = "$1" ]; }

# bmc_e2e_cd [UUID]: the Redfish view of the CD ("Inserted Image") of the
# machine UUID (the first's by default), as sushy-tools answers it.
bmc_e2e_cd() {
	# (the password on curl's standard input, not its command line)
	printf 'user = "admin:%s"\n' "$BMC_E2E_PASS" |
		curl -sS --max-time 10 -K - --cacert "$BMC_E2E_DIR/one.crt" \
		"https://127.0.0.1:$BMC_E2E_PORT/redfish/v1/Systems/${1:-$BMC_E2E_UUID}/VirtualMedia/Cd" |
		jq -r '"\(.Inserted) \(.Image // "")"'
}

BMC_E2E_DISK_SAYS="PODBOOT-DISK: local disk booted"
# bmc_e2e_disk FILE: a 1 MiB disk whose boot sector prints
# $BMC_E2E_DISK_SAYS (BIOS teletype, which SeaBIOS copies to the serial
# port) and halts: the installed system, as far as the firmware can tell.
bmc_e2e_disk() {
	# xor ax,ax; mov ds,ax; mov si,0x7c1a; cld; next: lodsb; or al,al;
	# jz end; mov ah,0x0e; mov bx,7; int 0x10; jmp next; end: cli; hlt;
	# jmp end+1; then the text at 0x7c1a, and the 0x55aa signature.
	{
		printf '\061\300\216\330\276\032\174\374\254\010\300\164\011'
		printf '\264\016\273\007\000\315\020\353\362\372\364\353\375'
		# (a line after it: the serial console holds back the last
		# few characters of a machine that halts)
		printf '%s\r\n................\r\n\000' "$BMC_E2E_DISK_SAYS"
	} >"$1" || return 1
	truncate -s 510 "$1" && printf '\125\252' >>"$1" && truncate -s 1M "$1"
}

# bmc_e2e_domain NAME MAC DISK SERIAL: libvirt domain NAME (BIOS with its
# text console on file SERIAL, DISK that boots first, an IDE CD drive, the
# NIC MAC on its own user network, no NIC boot ROM: only the CD's iPXE
# runs) defined.
bmc_e2e_domain() {
	bmc_e2e_disk "$3" || return 1
	cat >"$BMC_E2E_DIR/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/><bios useserial='yes'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>$(command -v qemu-system-x86_64)</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$3'/><target dev='hda' bus='ide'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/><target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='user'>
      <mac address='$2'/><model type='e1000'/><rom enabled='no'/>
    </interface>
    <serial type='file'><source path='$4'/></serial>
  </devices>
</domain>
EOF
	bmc_define "$BMC_E2E_DIR/$1.xml" "$1"
}

# bmc_e2e_machine: the two libvirt machines (TCG, BIOS, a CD drive, each
# NIC on a user network of its own) and sushy-tools in front of both.
bmc_e2e_machine() {
	bmc_e2e_place || return 1
	bmc_libvirt_up "$BMC_E2E_DIR" || return 1
	bmc_e2e_domain "$BMC_E2E_DOM" "$MAC" "$BMC_E2E_DIR/disk.img" \
		"$BMC_E2E_DIR/serial.log" &&
		bmc_e2e_domain "$BMC_E2E_DOM2" "$BMC_E2E_MAC2" "$BMC_E2E_DIR/disk2.img" \
			"$BMC_E2E_DIR/serial2.log" || return 1
	BMC_E2E_UUID=$($BMC_VIRSH domuuid "$BMC_E2E_DOM") || return 1
	BMC_E2E_UUID2=$($BMC_VIRSH domuuid "$BMC_E2E_DOM2") || return 1
	BMC_E2E_PASS="bmc-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
	# The BMC checks podboot's certificate when it fetches the image.
	bmc_sushy_setup "$TOP" "$BMC_E2E_DIR" "$BMC_E2E_PASS" "$BMC_E2E_DOM" \
		"$BMC_E2E_UUID" "$BMC_E2E_DOM2" "$BMC_E2E_UUID2" -- \
		"SUSHY_EMULATOR_VMEDIA_VERIFY_SSL = True" || return 1
	BMC_E2E_PORT=$(port_pick) || return 1
	bmc_sushy_start "$BMC_E2E_DIR" "$BMC_E2E_PORT" one \
		"REQUESTS_CA_BUNDLE=$BMC_E2E_SITE/keys/root.crt"
}

# bmc_e2e_conf: nodes demo-1 and demo-2 of the leg's site get their bmc
# groups (sushy-tools, each its machine; one line each, which
# bmc_e2e_front_conf rewrites), the password in a 0600 file beside the
# configuration.
bmc_e2e_conf() {
	local c=$BMC_E2E_SITE/podboot.conf
	(umask 077 && printf '%s\n' "$BMC_E2E_PASS" >"$BMC_E2E_SITE/bmc.pass") || return 1
	sed -i "s|^  { mac = \"$MAC\"; hostname = \"$NODE\"; pod = \"demo\";\$|&\\
    bmc = { url = \"https://127.0.0.1:$BMC_E2E_PORT\"; user = \"admin\"; password_file = \"$BMC_E2E_SITE/bmc.pass\"; system = \"$BMC_E2E_UUID\"; };|
		s|^  { mac = \"$BMC_E2E_MAC2\"; hostname = \"$BMC_E2E_NODE2\"; pod = \"demo\";\$|&\\
    bmc = { url = \"https://127.0.0.1:$BMC_E2E_PORT\"; user = \"admin\"; password_file = \"$BMC_E2E_SITE/bmc.pass\"; system = \"$BMC_E2E_UUID2\"; };|" "$c"
	grep -q "system = \"$BMC_E2E_UUID\"" "$c" && grep -q "system = \"$BMC_E2E_UUID2\"" "$c"
}

# bmc_e2e_installed [MAC]: the node of MAC (the first machine's by
# default) goes armed -> booting -> installing -> installed by the
# installer's own requests, made with curl: stage2 for its MAC, the
# kickstart that names, the installed report with the kickstart's token.
bmc_e2e_installed() {
	local s2 ks url tok mac=${1:-$MAC}
	s2=$(curl -sS --fail --max-time 10 --cacert "$ROOT" \
		"$BASE/boot/stage2.ipxe?mac=${mac//:/-}") || return 1
	url=$(printf '%s\n' "$s2" | grep -o 'ks=https://10\.0\.2\.2:[0-9]*/ks/[^ ]*' |
		head -1 | sed "s#^ks=https://10\\.0\\.2\\.2:#https://localhost:#")
	[ -n "$url" ] || return 1
	ks=$(curl -sS --fail --max-time 10 --cacert "$ROOT" "$url") || return 1
	url=$(printf '%s\n' "$ks" | sed -n 's/^INSTALLED=//p' |
		sed "s#^https://10\\.0\\.2\\.2:#https://localhost:#")
	tok=$(printf '%s\n' "$ks" | sed -n 's/^TOKEN=//p')
	[ -n "$url" ] && [ -n "$tok" ] || return 1
	curl -sS --fail --max-time 10 --cacert "$ROOT" -X POST \
		-H "Authorization: Bearer $tok" -o /dev/null "$url"
}

# bmc_e2e_lifecycle [NODE]: the node's transitions ($NODE by default),
# re-arms included ("FROM -> TO"), oldest first.
bmc_e2e_lifecycle() {
	api "/api/v1/events?limit=1000" | jq -r --arg n "${1:-$NODE}" 'sort_by(.id) | .[] |
		select((.kind == "state" or .kind == "rearm") and .subject == $n) |
		.detail' | sed 's/:.*//'
}

# bmc_e2e_steps: the reinstall's steps ("reinstall: ..." lines on the
# standard input), numbers and paths generalized, one a line.  reinstall
# follows the node by its lifecycle events, so each state the machine
# passes is a step, in order, however fast the installer.
bmc_e2e_steps() {
	grep -ao 'reinstall: .*' |
		sed -E 's/generation [0-9]+/generation N/; s#https://[^ ]*#URL#g;
			s#/redfish/v1/[^ ]*#PATH#g'
}
BMC_E2E_WANT="reinstall: re-armed (generation N)
reinstall: media insert URL into PATH
reinstall: boot-once Cd
reinstall: power cycle: ResetType On
reinstall: node state booting
reinstall: node state installing
reinstall: node state installed
reinstall: media eject: PATH
reinstall: done: installed"

# bmc_e2e_before FILE A B: in FILE, the last line that holds A comes
# before the first line after it that holds B (fixed strings; both there).
bmc_e2e_before() {
	local a
	a=$(grep -nF -- "$2" "$1" | tail -1 | cut -d: -f1)
	[ -n "$a" ] && tail -n +"$((a + 1))" "$1" | grep -qF -- "$3"
}

# bmc_e2e_reinstall: podboot bmc reinstall, through the pod ISO, and the
# checks of it.
bmc_e2e_reinstall() {
	local iso=$1 log=$BMC_E2E_DIR/serial.log tr steps vol
	local url=https://127.0.0.1:$PORT/artifacts/media/demo.iso
	bmc_e2e_cmd reinstall "$NODE" reinstall --iso "$url" --timeout "$BOOT_TIMEOUT"
	check "bmc: podboot bmc $NODE reinstall ended with success" [ $? = 0 ]
	steps=$(bmc_e2e_steps <"$RUN/bmc-reinstall.out")
	if [ "$steps" = "$BMC_E2E_WANT" ]; then
		ok "bmc: reinstall printed each step, in order (re-arm, insert, boot-once, power, booting, installing, installed, eject, done)"
	else
		bad "bmc: reinstall printed each step, in order" "got: $(echo "$steps" | paste -sd '|' -)"
	fi
	check "bmc: reinstall inserted $url into the system's virtual CD" \
		grep -qF "reinstall: media insert $url into /redfish/v1/Systems/$BMC_E2E_UUID/VirtualMedia/Cd" \
		"$RUN/bmc-reinstall.out"
	check "bmc: reinstall followed the node: booting or installing seen before installed" \
		grep -qE '^'"$NODE"': reinstall: node state (booting|installing)$' "$RUN/bmc-reinstall.out"
	# The audit trail, oldest first: kind|subject|detail.
	api "/api/v1/events?limit=1000" >"$RUN/bmc-events.json" 2>/dev/null
	jq -r 'sort_by(.id) | .[] | "\(.kind)|\(.subject)|\(.detail)"' \
		"$RUN/bmc-events.json" >"$RUN/bmc-events.txt"
	steps=$(grep "^bmc|$NODE|reinstall" "$RUN/bmc-events.txt" | cut -d'|' -f3- | bmc_e2e_steps)
	if [ "$steps" = "$BMC_E2E_WANT" ]; then
		ok "bmc: each step is a bmc event of $NODE, in order"
	else
		bad "bmc: each step is a bmc event of $NODE, in order" "got: $(echo "$steps" | paste -sd '|' -)"
	fi
	tr=$(grep -E "^(state|rearm)\|$NODE\|" "$RUN/bmc-events.txt" | cut -d'|' -f3 |
		sed 's/:.*//' | paste -sd, -)
	if [ "$tr" = "armed -> booting,booting -> installing,installing -> installed,installed -> armed,armed -> booting,booting -> installing,installing -> installed" ]; then
		ok "bmc: lifecycle installed -> armed -> booting -> installing -> installed (state events)"
	else
		bad "bmc: lifecycle installed -> armed -> booting -> installing -> installed (state events)" "got: $tr"
	fi
	# What caused what, in the trail: re-armed before the media went in,
	# the machine asked for stage2 only after the power cycle, the media
	# ejected only after the node reported installed.
	check "bmc: trail: re-arm (installed -> armed) before the media insert" \
		bmc_e2e_before "$RUN/bmc-events.txt" "rearm|$NODE|installed -> armed" "|reinstall: media insert"
	check "bmc: trail: stage2 served (armed -> booting) only after the power cycle" \
		bmc_e2e_before "$RUN/bmc-events.txt" "|reinstall: power cycle" "|$NODE|armed -> booting"
	check "bmc: trail: media ejected only after the node reported installed" \
		bmc_e2e_before "$RUN/bmc-events.txt" "|$NODE|installing -> installed" "|reinstall: media eject"
	check "bmc: API: $NODE is installed" [ "$(node_state)" = installed ]
	# The machine's side, on its serial console.
	check "bmc: console: the machine booted from the virtual DVD (BIOS)" \
		in_file "Booting from DVD/CD" "$log"
	check "bmc: console: the pod ISO's iPXE took the static address $SEC_STATIC_IP" \
		in_file "podboot: static address $SEC_STATIC_IP netmask 255.255.255.0" "$log"
	check "bmc: console: stage1 verified stage2" in_file "podboot: stage2 verified" "$log"
	check "bmc: console: stage2 ran the install script of $NODE" \
		in_file "podboot: installing $NODE in pod demo" "$log"
	check "bmc: console: the verified kernel $KVER ran the test initrd" \
		in_file "PODBOOT-E2E: init started, kernel $KVER" "$log"
	check "bmc: console: kickstart ok, installed reported" sh -c "
		grep -aqE 'PODBOOT-E2E: kickstart ok \\(node $NODE\\)' '$log' &&
		grep -aq 'PODBOOT-E2E: installed reported' '$log'"
	check "bmc: console: no install step failed" \
		sh -c "! grep -aqE 'PODBOOT-E2E: FAILED|could not start the installer' '$log'"
	check "bmc: the machine powered itself off after the install (libvirt)" \
		wait_up 30 "" bmc_e2e_domstate "shut off"
	# What the BMC fetched and gave the machine: the ISO make media built.
	vol=$($BMC_VIRSH vol-list default --details 2>/dev/null |
		awk -v u="-$BMC_E2E_UUID.img" 'index($1, u) {print $2}' | head -1)
	check "bmc: the image the BMC gave the machine is make media's ipxe.iso, byte for byte" \
		cmp -s "$vol" "$iso"
	check "bmc: the BMC fetched it from podboot serve, checking its certificate" \
		grep -q "SUSHY_EMULATOR_VMEDIA_VERIFY_SSL = True" "$BMC_E2E_DIR/sushy.conf"
	check "bmc: the media is ejected at the end (Redfish: not inserted, no image)" \
		[ "$(bmc_e2e_cd)" = "false " ]
	check "bmc: the machine's CD drive is empty for its next boot (libvirt)" \
		sh -c "! $BMC_VIRSH domblklist $BMC_E2E_DOM --details --inactive | grep -q 'cdrom.*/'"
}

# bmc_e2e_again: a second boot from the ISO (inserted again by hand):
# stage2 is the local-boot script, the node stays installed.
bmc_e2e_again() {
	local log=$BMC_E2E_DIR/serial.log tr1 tr
	local url=https://127.0.0.1:$PORT/artifacts/media/demo.iso
	tr1=$(node_transitions)
	: >"$log"
	bmc_e2e_cmd again-insert "$NODE" media insert "$url" &&
		bmc_e2e_cmd again-boot "$NODE" boot-once Cd &&
		bmc_e2e_cmd again-on "$NODE" power on
	check "bmc: second boot: media insert, boot-once Cd, power on" [ $? = 0 ]
	check "bmc: second boot: stage2 booted the local disk (within ${SEC_TIMEOUT}s)" \
		wait_up "$SEC_TIMEOUT" "" in_file "$BMC_E2E_DISK_SAYS" "$log"
	check "bmc: second boot: stage1 verified stage2, the local-boot script" sh -c "
		grep -aq 'podboot: stage2 verified' '$log' &&
		grep -aq 'podboot: no install pending for this machine' '$log'"
	check "bmc: second boot: no installer ran" \
		sh -c "! grep -aqE 'PODBOOT-E2E|podboot: installing' '$log'"
	check "bmc: second boot: $NODE is still installed" [ "$(node_state)" = installed ]
	tr=$(node_transitions)
	check "bmc: second boot: no new transition of $NODE" [ "$tr" = "$tr1" ]
	bmc_e2e_cmd again-off "$NODE" power off &&
		bmc_e2e_cmd again-eject "$NODE" media eject
	check "bmc: second boot: power off, media eject" [ $? = 0 ]
}

# The vendor-shaped fronts of the machines, each a reinstall of its own:
# test/integration/tools/redfish-session.py with REDFISH_BACKEND, in front
# of sushy-tools, which carries out power, media and boot on the machine.
# Every front has sushy-tools' certificate: the pinned key is the same.
# Supermicro and Dell front the first machine (demo-1), iLO the second
# (demo-2).
BMC_E2E_SHAPES="supermicro dell ilo"
declare -A BMC_E2E_FRONT	# shape -> port
declare -A BMC_E2E_FRONT_PID	# shape -> the front's PID

# bmc_e2e_fronts: every vendor-shaped front started at once, in advance
# (while the plain reinstall runs they wait); 0 once all listen.
bmc_e2e_fronts() {
	local shape port pid uuid ports=("$BMC_E2E_PORT" "$PORT")
	for shape in $BMC_E2E_SHAPES; do
		port=$(port_pick "${ports[@]}") || return 1
		ports+=("$port")
		BMC_E2E_FRONT[$shape]=$port
		uuid=$BMC_E2E_UUID
		[ "$shape" != ilo ] || uuid=$BMC_E2E_UUID2
		: >"$BMC_E2E_DIR/front-$shape.log"
		REDFISH_BACKEND="https://127.0.0.1:$BMC_E2E_PORT/redfish/v1/Systems/$uuid" \
			REDFISH_BACKEND_CA="$BMC_E2E_DIR/one.crt" \
			/usr/bin/python3 "$TOP/test/integration/tools/redfish-session.py" "$port" \
			"$BMC_E2E_DIR/one.crt" "$BMC_E2E_DIR/one.key" admin "$BMC_E2E_PASS" \
			"$BMC_E2E_DIR/front-$shape.json" "$shape" \
			>>"$BMC_E2E_DIR/front-$shape.log" 2>&1 &
		pid=$!
		BMC_PIDS+=("$pid")
		BMC_E2E_FRONT_PID[$shape]=$pid
	done
	for shape in $BMC_E2E_SHAPES; do
		wait_up 20 "${BMC_E2E_FRONT_PID[$shape]}" \
			grep -q '^listening' "$BMC_E2E_DIR/front-$shape.log" || return 1
	done
}

# bmc_e2e_front_conf NAME [UUID SHAPE SYSTEM]...: the site's configuration
# with the bmc group of machine UUID's node at the SHAPE front, its system
# SYSTEM, in podboot-NAME.conf beside the site's (data_dir is relative to
# it); its path printed.
bmc_e2e_front_conf() {
	local c=$BMC_E2E_SITE/podboot-$1.conf expr="" want=()
	shift
	while [ $# -ge 3 ]; do
		expr="$expr/system = \"$1\"/ {
			s|url = \"https://127.0.0.1:$BMC_E2E_PORT\"|url = \"https://127.0.0.1:${BMC_E2E_FRONT[$2]}\"|
			s|system = \"$1\"|system = \"$3\"|
		}
"
		want+=("url = \"https://127.0.0.1:${BMC_E2E_FRONT[$2]}\".*system = \"$3\"")
		shift 3
	done
	sed "$expr" "$BMC_E2E_SITE/podboot.conf" >"$c" || return 1
	for expr in "${want[@]}"; do grep -q "$expr" "$c" || return 1; done
	echo "$c"
}

# bmc_e2e_front_state SHAPE JQ: the SHAPE front's state file passes JQ.
bmc_e2e_front_state() { jq -e "$2" "$BMC_E2E_DIR/front-$1.json" >/dev/null; }

BMC_E2E_ISO_PATH=/artifacts/media/demo.iso

# bmc_e2e_ilo_quirk_start: the iLO front in front of the second machine: a
# one-time Cd, as an operator would set it, and a power-on.  Its outcome
# is checked by bmc_e2e_ilo_quirk_end, once the Supermicro reinstall of
# the first machine is over (the two machines run side by side).
bmc_e2e_ilo_quirk_start() {
	local url=https://127.0.0.1:$PORT$BMC_E2E_ISO_PATH
	: >"$BMC_E2E_DIR/serial2.log"
	BMC_E2E_CONF=$(bmc_e2e_front_conf ilo "$BMC_E2E_UUID2" ilo 1) ||
		{ bad "bmc: ilo: configuration"; return; }
	bmc_e2e_cmd ilo-quirk-insert "$BMC_E2E_NODE2" media insert "$url" &&
		bmc_e2e_cmd ilo-quirk-boot "$BMC_E2E_NODE2" boot-once Cd &&
		bmc_e2e_cmd ilo-quirk-on "$BMC_E2E_NODE2" power on
	check "bmc: ilo: the quirk: media insert, boot-once Cd, power on ($BMC_E2E_NODE2)" [ $? = 0 ]
	BMC_E2E_CONF=
}

# bmc_e2e_ilo_quirk_end: what the power-on booted: the machine's disk (a
# "physical drive"), not the ISO in the virtual CD, which is what makes
# the reinstall's handling of the quirk necessary; then the machine off
# and the CD empty again.
bmc_e2e_ilo_quirk_end() {
	local log=$BMC_E2E_DIR/serial2.log
	check "bmc: ilo: the quirk: the machine booted its disk, not the virtual CD (console, within ${SEC_TIMEOUT}s)" \
		wait_up "$SEC_TIMEOUT" "" in_file "$BMC_E2E_DISK_SAYS" "$log"
	check "bmc: ilo: the quirk: no iPXE ran, the front recorded a physical drive booted" sh -c "
		! grep -aq 'podboot:' '$log' &&
		jq -e '.booted == [\"physical drive\"]' '$BMC_E2E_DIR/front-ilo.json' >/dev/null"
	BMC_E2E_CONF=$BMC_E2E_SITE/podboot-ilo.conf
	bmc_e2e_cmd ilo-quirk-off "$BMC_E2E_NODE2" power off &&
		bmc_e2e_cmd ilo-quirk-eject "$BMC_E2E_NODE2" media eject
	check "bmc: ilo: the quirk: power off, media eject" [ $? = 0 ]
	BMC_E2E_CONF=
	check "bmc: ilo: the quirk: the machine is off again (libvirt)" \
		wait_up 30 "" bmc_e2e_domstate "shut off" "$BMC_E2E_DOM2"
}

# bmc_e2e_vendor_check SHAPE NODE MACHINE OUT: the checks every shape
# shares, for NODE on machine MACHINE (1 or 2) reinstalled through the
# SHAPE front (its output in OUT), then SHAPE's own quirks asserted on the
# front's state file:
# - supermicro (with iLO's ids "1"): the CD under the Manager after a
#   floppy, ResetTypes only in ActionInfo, a reset answered 202 with a
#   task monitor, If-Match required on PATCH, Inserted and WriteProtected
#   refused in InsertMedia, Image kept on eject;
# - dell (iDRAC 6 and later): ids System.Embedded.1 and iDRAC.Embedded.1,
#   the virtual media under the System while the Manager still lists its
#   former ones (which refuse), ResetTypes in the action itself without
#   PowerCycle, a reset answered 204, no ETag;
# - ilo: a one-time Cd boots a physical drive (bmc_e2e_ilo_quirk_* show it
#   on the machine), the medium's Oem.Hpe.BootOnNextServerReset boots the
#   virtual CD; the override mode and UefiTargetBootSourceOverride refuse
#   changes.
bmc_e2e_vendor_check() {
	local shape=$1 node=$2 m=$3 out=$4 cd=/redfish/v1/Managers/1/VirtualMedia/CD1
	local url=https://127.0.0.1:$PORT$BMC_E2E_ISO_PATH tr steps want log dom uuid
	log=$BMC_E2E_DIR/serial.log dom=$BMC_E2E_DOM uuid=$BMC_E2E_UUID
	if [ "$m" = 2 ]; then
		log=$BMC_E2E_DIR/serial2.log dom=$BMC_E2E_DOM2 uuid=$BMC_E2E_UUID2
	fi
	want=$BMC_E2E_WANT
	case $shape in
	dell) cd=/redfish/v1/Systems/System.Embedded.1/VirtualMedia/1 ;;
	ilo) want=${want/reinstall: boot-once Cd/reinstall: boot-once: PATH at the next reset (Oem.Hpe.BootOnNextServerReset)} ;;
	esac
	steps=$(grep -a "^$node: " "$out" | bmc_e2e_steps)
	if [ "$steps" = "$want" ]; then
		ok "bmc: $shape: each step of $node printed, in order"
	else
		bad "bmc: $shape: each step of $node printed, in order" "got: $(echo "$steps" | paste -sd '|' -)"
	fi
	check "bmc: $shape: the CD found at $cd" \
		grep -qF "$node: reinstall: media insert $url into $cd" "$out"
	tr=$(bmc_e2e_lifecycle "$node" | tail -4 | paste -sd, -)
	check "bmc: $shape: $node went installed -> armed -> booting -> installing -> installed again ($tr)" \
		[ "$tr" = "installed -> armed,armed -> booting,booting -> installing,installing -> installed" ]
	check "bmc: $shape: API: $node is installed" [ "$(NODE=$node node_state)" = installed ]
	check "bmc: $shape: console: booted the virtual DVD, the pod ISO's iPXE verified stage2, the installer of $node reported installed" sh -c "
		grep -aq 'Booting from DVD/CD' '$log' &&
		grep -aq 'podboot: stage2 verified' '$log' &&
		grep -aq 'podboot: installing $node in pod demo' '$log' &&
		grep -aq 'PODBOOT-E2E: installed reported' '$log'"
	check "bmc: $shape: the machine powered itself off after the install (libvirt)" \
		wait_up 30 "" bmc_e2e_domstate "shut off" "$dom"
	check "bmc: $shape: every session deleted, no request without a token, no basic auth" \
		bmc_e2e_front_state "$shape" '.sessions_opened >= 2 and
			.sessions_opened == .sessions_deleted and .unauthorized == 0 and .basic_seen == 0'
	check "bmc: $shape: the media ejected at the end (the real machine's drive)" \
		[ "$(bmc_e2e_cd "$uuid")" = "false " ]
	"bmc_e2e_vendor_$shape"
}

# bmc_e2e_vendor_supermicro: the Supermicro front's quirks, handled.
bmc_e2e_vendor_supermicro() {
	check "bmc: supermicro: the reset was the allowed On (ActionInfo; the machine was off), its task followed to its end" \
		bmc_e2e_front_state supermicro '.resets == ["On"] and .polls >= 2'
	check "bmc: supermicro: the boot PATCH carried the ETag (If-Match)" \
		bmc_e2e_front_state supermicro '(.if_match | length) >= 1 and all(.if_match[]; startswith("W/"))'
	check "bmc: supermicro: InsertMedia with Inserted refused, the Image alone then taken" \
		bmc_e2e_front_state supermicro '.refused_inserts >= 1'
}

# bmc_e2e_vendor_dell: the iDRAC front's quirks, handled.
bmc_e2e_vendor_dell() {
	check "bmc: dell: the System's VirtualMedia/1 used; the Manager's former media and medium 2 never acted on" \
		bmc_e2e_front_state dell '.manager_media == 0 and .other_media == 0'
	check "bmc: dell: the reset was On, allowed by the action's own list (no ActionInfo, no PowerCycle), answered 204 (no task polled)" \
		bmc_e2e_front_state dell '.resets == ["On"] and .polls == 0'
	check "bmc: dell: the boot PATCH went without If-Match (the system has no ETag) and was taken: once, Cd" \
		bmc_e2e_front_state dell '.if_match == [""] and .patches == [{"BootSourceOverrideTarget": "Cd",
			"BootSourceOverrideEnabled": "Once"}]'
}

# bmc_e2e_vendor_ilo: the iLO front's quirks, handled.
bmc_e2e_vendor_ilo() {
	check "bmc: ilo: the reset booted the virtual CD (after the quirk's physical drive), the medium's flag spent" \
		bmc_e2e_front_state ilo '.booted == ["physical drive", "virtual CD"] and .boot_next == false'
	check "bmc: ilo: the reinstall set Oem.Hpe.BootOnNextServerReset on the CD and sent no boot override (so no mode, no UefiTargetBootSourceOverride to refuse)" \
		bmc_e2e_front_state ilo '.patches[-1] == {"Oem": {"Hpe": {"BootOnNextServerReset": true}}} and
			.refused_uefi_targets == 0 and
			([.patches[] | select(has("BootSourceOverrideTarget"))] | length) == 1'
	check "bmc: ilo: the resets were the allowed On (ActionInfo) and ForceOff, tasks followed" \
		bmc_e2e_front_state ilo '.resets == ["On", "ForceOff", "On"] and .polls >= 2'
}

# bmc_e2e_supermicro: demo-1 reinstalled through the Supermicro front,
# while the second machine shows the iLO quirk.
bmc_e2e_supermicro() {
	local url=https://127.0.0.1:$PORT$BMC_E2E_ISO_PATH
	BMC_E2E_CONF=$(bmc_e2e_front_conf supermicro "$BMC_E2E_UUID" supermicro 1) ||
		{ bad "bmc: supermicro: configuration"; return; }
	: >"$BMC_E2E_DIR/serial.log"
	if bmc_e2e_cmd vendor-supermicro "$NODE" reinstall --iso "$url" --timeout "$BOOT_TIMEOUT"; then
		ok "bmc: supermicro: reinstall of $NODE through the supermicro-shaped front ended with success"
	else
		bad "bmc: supermicro: reinstall of $NODE through the supermicro-shaped front ended with success" \
			"$(tail -3 "$RUN/bmc-vendor-supermicro.err")"
	fi
	BMC_E2E_CONF=
	bmc_e2e_vendor_check supermicro "$NODE" 1 "$RUN/bmc-vendor-supermicro.out"
}

# bmc_e2e_pod: the pod's reinstall in one command, both machines at once:
# demo-1 through the Dell front, demo-2 through the iLO front.
bmc_e2e_pod() {
	local url=https://127.0.0.1:$PORT$BMC_E2E_ISO_PATH out=$RUN/bmc-vendor-pod.out
	BMC_E2E_CONF=$(bmc_e2e_front_conf pod "$BMC_E2E_UUID" dell System.Embedded.1 \
		"$BMC_E2E_UUID2" ilo 1) || { bad "bmc: pod: configuration"; return; }
	: >"$BMC_E2E_DIR/serial.log"
	: >"$BMC_E2E_DIR/serial2.log"
	if bmc_e2e_cmd vendor-pod --pod demo reinstall --parallel 2 --iso "$url" \
		--timeout "$BOOT_TIMEOUT"; then
		ok "bmc: pod: podboot bmc --pod demo reinstall (Dell- and iLO-shaped fronts) ended with success"
	else
		bad "bmc: pod: podboot bmc --pod demo reinstall (Dell- and iLO-shaped fronts) ended with success" \
			"$(tail -3 "$RUN/bmc-vendor-pod.err")"
	fi
	BMC_E2E_CONF=
	check "bmc: pod: the report names both nodes reinstalled" sh -c "
		grep -q '^pod demo: 2 of 2 nodes reinstalled' '$out' &&
		grep -q '^  $NODE: succeeded' '$out' && grep -q '^  $BMC_E2E_NODE2: succeeded' '$out'"
	check "bmc: pod: the two machines installed at the same time (each re-armed before either was installed)" \
		bmc_e2e_overlap
	bmc_e2e_vendor_check dell "$NODE" 1 "$out"
	bmc_e2e_vendor_check ilo "$BMC_E2E_NODE2" 2 "$out"
}

# bmc_e2e_overlap: in the audit trail, both nodes' last re-arms come
# before either's last "installed".
bmc_e2e_overlap() {
	api "/api/v1/events?limit=1000" | jq -e --arg a "$NODE" --arg b "$BMC_E2E_NODE2" '
		sort_by(.id) as $e |
		([$e[] | select(.kind == "rearm" and (.subject == $a or .subject == $b))] |
			group_by(.subject) | map(last.id) | max) as $armed |
		([$e[] | select(.kind == "state" and (.subject == $a or .subject == $b) and
			(.detail | startswith("installing -> installed")))] |
			group_by(.subject) | map(last.id) | min) as $first |
		$armed != null and $first != null and $armed < $first' >/dev/null
}

# bmc_leg: the leg (E2E_ONLY=bmc runs it alone).
bmc_leg() {
	local iso missing shape
	leg_has_ipxe bmc || return
	missing=$(bmc_lib_missing "$TOP")
	if [ -n "$missing" ]; then
		leg_skip bmc "$missing"
		return
	fi
	if [ -z "$BMC_E2E_SITE" ] || [ -z "$BMC_E2E_FW_PID" ]; then
		bad "bmc: site set up" "$(tail -5 "$RUN/init.log")"
		return
	fi
	wait "$BMC_E2E_FW_PID"
	BMC_E2E_FW_PID=
	say "bmc: make media: $(cat "$RUN/fw-bmc.secs" 2>/dev/null)s (log $RUN/firmware-bmc.log)"
	lap "bmc: media build (waited for)"
	iso=$RUN/fw-bmc/firmware/demo/ipxe.iso
	if [ ! -s "$iso" ]; then
		bad "bmc: make media (pod demo) built ipxe.iso" "$(tail -10 "$RUN/firmware-bmc.log")"
		return
	fi
	ok "bmc: make media (pod demo) built ipxe.iso"
	site_use "$BMC_E2E_SITE"
	"$PODBOOT" publish --config "$SITE/podboot.conf" media/demo.iso "$iso" \
		>>"$RUN/init.log" 2>&1
	check "bmc: the pod's ISO published as media/demo.iso" [ $? = 0 ]
	if ! bmc_e2e_machine >>"$RUN/init.log" 2>&1; then
		bad "bmc: libvirt machine and sushy-tools in front of it" \
			"$(tail -5 "$RUN/init.log"; tail -5 "$BMC_E2E_DIR/sushy.log" 2>/dev/null)"
		return
	fi
	ok "bmc: a libvirt QEMU machine (TCG, BIOS, CD drive, user-network NIC) behind sushy-tools"
	if ! bmc_e2e_fronts >>"$RUN/init.log" 2>&1; then
		bad "bmc: the vendor-shaped fronts ($BMC_E2E_SHAPES) listen" \
			"$(tail -n 3 "$BMC_E2E_DIR"/front-*.log)"
		return
	fi
	ok "bmc: the vendor-shaped fronts ($BMC_E2E_SHAPES) listen"
	bmc_e2e_conf || { bad "bmc: node $NODE's bmc settings written"; return; }
	server_start || { bad "bmc: server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "bmc: node $NODE starts armed" [ "$(node_state)" = armed ]
	api "/api/v1/nodes/$NODE/stage2" >"$RUN/bmc-stage2.json" 2>/dev/null
	check "bmc: its stage2 verifies the kernel and the initrd (imgverify)" sh -c "
		jq -r .script '$RUN/bmc-stage2.json' | grep -q 'imgverify --signer .* kernel ' &&
		jq -r .script '$RUN/bmc-stage2.json' | grep -q 'imgverify --signer .* initrd '"
	check "bmc: node $NODE installed (the installer's requests, by curl)" bmc_e2e_installed
	check "bmc: API: $NODE is installed" [ "$(node_state)" = installed ]
	check "bmc: node $BMC_E2E_NODE2 installed (the installer's requests, by curl)" \
		bmc_e2e_installed "$BMC_E2E_MAC2"
	check "bmc: API: $BMC_E2E_NODE2 is installed" [ "$(NODE=$BMC_E2E_NODE2 node_state)" = installed ]
	bmc_e2e_cmd trust "$NODE" trust && bmc_e2e_cmd trust2 "$BMC_E2E_NODE2" trust
	check "bmc: podboot bmc trust pins the BMC's key (both nodes)" [ $? = 0 ]
	lap "bmc: site, machine, BMC"

	bmc_e2e_reinstall "$iso"
	lap "bmc: reinstall"
	cp "$BMC_E2E_DIR/serial.log" "$RUN/serial-bmc-reinstall.log" 2>/dev/null
	if [ "$(node_state)" = installed ]; then
		bmc_e2e_again
		cp "$BMC_E2E_DIR/serial.log" "$RUN/serial-bmc-again.log" 2>/dev/null
	else
		bad "bmc: second boot skipped, the reinstall did not complete"
	fi
	lap "bmc: second boot"
	if [ "$(node_state)" = installed ]; then
		bmc_e2e_ilo_quirk_start
		bmc_e2e_supermicro
		cp "$BMC_E2E_DIR/serial.log" "$RUN/serial-bmc-supermicro.log" 2>/dev/null
		bmc_e2e_ilo_quirk_end
		cp "$BMC_E2E_DIR/serial2.log" "$RUN/serial-bmc-ilo-quirk.log" 2>/dev/null
	else
		bad "bmc: supermicro: reinstall skipped, $NODE is not installed"
	fi
	lap "bmc: reinstall through the Supermicro-shaped front (the iLO quirk beside it)"
	if [ "$(node_state)" = installed ]; then
		bmc_e2e_pod
		cp "$BMC_E2E_DIR/serial.log" "$RUN/serial-bmc-dell.log" 2>/dev/null
		cp "$BMC_E2E_DIR/serial2.log" "$RUN/serial-bmc-ilo.log" 2>/dev/null
	else
		bad "bmc: pod: reinstall skipped, $NODE is not installed"
	fi
	lap "bmc: the pod's reinstall through the Dell- and iLO-shaped fronts"

	# Where the password must not be.
	api "/api/v1/events?limit=1000" >"$RUN/bmc-events.json" 2>/dev/null
	check "bmc: the BMC password is in no event, log or output" sh -c "
		! grep -rqF -- '$BMC_E2E_PASS' '$RUN/bmc-events.json' '$SITE/serve.log' \
			'$SITE/data' '$RUN'/bmc-*.out '$RUN'/bmc-*.err '$BMC_E2E_DIR'/front-*.json"
	server_stop
	bmc_lib_cleanup
}
