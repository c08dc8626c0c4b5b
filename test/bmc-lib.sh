# shellcheck shell=bash
# bmc-lib.sh: a BMC that podboot did not write, for tests: libvirt
# (qemu:///system; our own virtlogd and libvirtd when none answers, with
# no usable /dev/kvm: TCG), a storage pool named default, and OpenStack's
# sushy-tools (unpacked from ../shared/vendor into a scratch directory,
# never into the project) serving Redfish over TLS on 127.0.0.1 with one
# basic-auth user.  Sourced by test/integration/bmc.test.sh and the e2e
# leg test/e2e/bmc.sh; needs test/start-lib.sh (wait_up).  Functions
# only; everything started is stopped by PID and every libvirt object
# made here undefined by bmc_lib_cleanup.

BMC_VIRSH="virsh -q -c qemu:///system"
BMC_PIDS=()	# what bmc_libvirt_up and bmc_sushy_start started
BMC_OWN_POOL=0	# 1: the pool "default" is ours, undefined at the end
BMC_DOMS=()	# libvirt domains to destroy and undefine at the end
BMC_SUSHY=	# the running sushy-tools' PID

# bmc_lib_tarball TOP: the sushy-tools tarball (SUSHY_TOOLS, else the
# vendored one beside checkout TOP), printed; fails when there is none.
bmc_lib_tarball() {
	local t=${SUSHY_TOOLS:-$1/../shared/vendor/sushy-tools/sushy-tools-2b51921.tar.xz}
	[ -f "$t" ] && echo "$t"
}

# bmc_lib_missing TOP: what this needs and the host lacks, one line; empty
# when all is there.
bmc_lib_missing() {
	local need
	for need in libvirtd virtlogd virsh qemu-system-x86_64; do
		command -v "$need" >/dev/null || { echo "$need is not installed (scripts/deps)"; return; }
	done
	bmc_lib_tarball "$1" >/dev/null ||
		{ echo "the sushy-tools tarball is missing (SUSHY_TOOLS)"; return; }
	/usr/bin/python3 -c 'import flask, libvirt, bcrypt, tenacity, webob' 2>/dev/null ||
		echo "sushy-tools' Python packages are missing (scripts/deps)"
}

# bmc_libvirt_up DIR: libvirt answering on qemu:///system, our daemons
# (pid files in DIR) unless one answers already, and an active storage
# pool named default (ours in DIR/pool unless one exists).  0 when both.
bmc_libvirt_up() {
	local dir=$1
	if ! $BMC_VIRSH version >/dev/null 2>&1; then
		mkdir -p /var/log/libvirt /run/libvirt
		virtlogd -d -p "$dir/virtlogd.pid" &&
			wait_up 10 "" test -s "$dir/virtlogd.pid" &&
			BMC_PIDS+=("$(cat "$dir/virtlogd.pid")")
		# A /dev/kvm that the qemu user may not open makes libvirt
		# probe QEMU again at every define (half a minute each: "KVM
		# was enabled when probing, but it is not available now").
		# The machines are TCG: in its own mount namespace, libvirtd
		# sees no usable /dev/kvm (a device node: libvirt copies
		# /dev/kvm into each machine's /dev).
		rm -f "$dir/nokvm"
		mknod -m 600 "$dir/nokvm" c 1 3
		unshare -m bash -c '[ -e /dev/kvm ] && mount --bind "$1" /dev/kvm
			exec libvirtd -d -p "$2"' - "$dir/nokvm" "$dir/libvirtd.pid" &&
			wait_up 10 "" test -s "$dir/libvirtd.pid" &&
			BMC_PIDS+=("$(cat "$dir/libvirtd.pid")")
	fi
	wait_up 30 "" $BMC_VIRSH version || return 1
	if ! $BMC_VIRSH pool-info default >/dev/null 2>&1; then
		mkdir -p "$dir/pool"
		$BMC_VIRSH pool-define-as default dir --target "$dir/pool" >/dev/null &&
			BMC_OWN_POOL=1 && $BMC_VIRSH pool-start default >/dev/null
	fi
	$BMC_VIRSH pool-info default 2>/dev/null | grep -q 'State:.*running'
}

# bmc_define XML NAME: define libvirt domain NAME from file XML (undefined
# by bmc_lib_cleanup).
bmc_define() {
	BMC_DOMS+=("$2")
	$BMC_VIRSH define "$1" >/dev/null
}

# bmc_vols_delete UUID: delete the pool's volumes that sushy-tools made for
# the machine UUID (it names them IMAGE-UUID.img and leaves them there).
bmc_vols_delete() {
	local v
	for v in $($BMC_VIRSH vol-list default 2>/dev/null | awk '{print $1}' |
		grep -- "-$1\.img\$"); do
		$BMC_VIRSH vol-delete --pool default "$v" >/dev/null 2>&1
	done
}

# bmc_cert DIR NAME: a self-signed certificate for 127.0.0.1 (its own CA)
# in DIR/NAME.crt, its key in DIR/NAME.key.
bmc_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1/$2.key" -out "$1/$2.crt" -days 2 -subj "/CN=bmc-$2" \
		-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
}

# bmc_sushy_setup TOP DIR PASSWORD SYSTEM... [-- CONFIG LINES...]:
# sushy-tools unpacked into DIR/sushy, user admin with PASSWORD (bcrypt in
# DIR/htusers), DIR/sushy.conf allowing only the named SYSTEMs (domain
# names or UUIDs), the pool default, and CONFIG LINES (Python) after
# "--".  Certificates one and two for 127.0.0.1 in DIR.
bmc_sushy_setup() {
	local top=$1 dir=$2 pass=$3 list="" tar
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		list="$list${list:+, }'$1'"
		shift
	done
	[ $# -gt 0 ] && shift
	tar=$(bmc_lib_tarball "$top") || return 1
	mkdir -p "$dir/sushy" &&
		tar -xJf "$tar" -C "$dir/sushy" --strip-components=1 || return 1
	/usr/bin/python3 - "$pass" >"$dir/htusers" <<'EOF' || return 1
import bcrypt, sys
print("admin:" + bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(rounds=4)).decode())
EOF
	{
		echo "SUSHY_EMULATOR_AUTH_FILE = '$dir/htusers'"
		echo "SUSHY_EMULATOR_ALLOWED_INSTANCES = [$list]"
		echo "SUSHY_EMULATOR_STORAGE_POOL = 'default'"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$dir/sushy.conf"
	bmc_cert "$dir" one && bmc_cert "$dir" two
}

# bmc_sushy_start DIR PORT CERT [ENV=VALUE...]: the emulator on
# 127.0.0.1:PORT with certificate DIR/CERT.crt, in the environment ENV
# (e.g. REQUESTS_CA_BUNDLE, what it trusts when it fetches an image), its
# log in DIR/sushy.log; its PID in BMC_SUSHY.  0 once it answers.
bmc_sushy_start() {
	local dir=$1 port=$2 cert=$3
	shift 3
	(cd "$dir/sushy" && exec env "$@" PYTHONPATH=. PBR_VERSION=2.2.0 \
		/usr/bin/python3 -m sushy_tools.emulator.main \
		--config "$dir/sushy.conf" --interface 127.0.0.1 --port "$port" \
		--libvirt-uri qemu:///system --ssl-certificate "$dir/$cert.crt" \
		--ssl-key "$dir/$cert.key" >>"$dir/sushy.log" 2>&1) &
	BMC_SUSHY=$!
	BMC_PIDS+=("$BMC_SUSHY")
	wait_up 60 "$BMC_SUSHY" curl -sfk "https://127.0.0.1:$port/redfish/v1/"
}

# bmc_sushy_stop: stop the running sushy-tools (by its PID).
bmc_sushy_stop() {
	[ -n "$BMC_SUSHY" ] || return 0
	kill "$BMC_SUSHY" 2>/dev/null
	wait "$BMC_SUSHY" 2>/dev/null
	BMC_SUSHY=
}

# bmc_lib_cleanup: the domains destroyed and undefined, our pool removed,
# everything started stopped by PID (SIGKILL after 10 s).
bmc_lib_cleanup() {
	local d p
	for d in "${BMC_DOMS[@]}"; do
		$BMC_VIRSH destroy "$d" >/dev/null 2>&1
		bmc_vols_delete "$($BMC_VIRSH domuuid "$d" 2>/dev/null)"
		$BMC_VIRSH undefine "$d" >/dev/null 2>&1
	done
	BMC_DOMS=()
	if [ "$BMC_OWN_POOL" = 1 ]; then
		$BMC_VIRSH pool-destroy default >/dev/null 2>&1
		$BMC_VIRSH pool-undefine default >/dev/null 2>&1
		BMC_OWN_POOL=0
	fi
	for p in "${BMC_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${BMC_PIDS[@]}"; do
		wait_up 10 "" bash -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null
	done
	BMC_PIDS=()
	BMC_SUSHY=
}
