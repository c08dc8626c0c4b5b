#!/bin/bash
# shellcheck shell=bash
# secboot.sh: the Secure Boot leg of test/e2e/boot.sh (sourced by it, after
# secure.sh, whose helpers it uses: check, ok, bad, secure_site_make,
# site_use, server_start, api...).  Run alone, it runs boot.sh with
# E2E_ONLY=secboot (IPXE_SRC defaults to the vendored iPXE tarball then).
#
# The machine's own firmware verifies podboot's iPXE: OVMF built for
# Secure Boot (Debian's ovmf: OVMF_CODE_4M.secboot.fd, q35 with SMM and a
# secure pflash) with the snakeoil variables (OVMF_VARS_4M.snakeoil.fd:
# Secure Boot on, PK, KEK and db holding the key Debian ships beside them,
# PkKek-1-snakeoil.{key,pem}).  "podboot keys import-uefi" imports that
# key into the run directory and "make firmware UEFI_KEYS=DIR" signs
# ipxe.efi and snponly.efi with it (podboot sign --uefi; sbverify must
# accept them too).
# The test kernel (Debian's, its own signature removed) is signed with
# that key too, and published by podboot (CMS) in three forms, one per
# profile: signed; its signature value with one byte changed (badsig,
# node demo-2); unsigned (nosig, node demo-3); signed, then one byte of
# its code changed under the intact signature (tampered, node demo-6:
# "podboot publish" signs those bytes afresh with CMS, so iPXE's
# imgverify accepts them and only the firmware can refuse them).
# Four machines boot at once:
#   install     the signed build's ipxe.usb: stage1, the signed stage2, the
#               kernel (verified by iPXE's imgverify and by UEFI's
#               LoadImage: the kernel reports Secure Boot on) and the
#               initrd (imgverify) to installed
#   badsig      demo-2, by UEFI PXE: OVMF fetches the signed snponly.efi by
#               TFTP (virtio-net, the firmware's own driver) and runs it;
#               iPXE verifies the kernel (its CMS signature is good),
#               UEFI's LoadImage refuses it; the installer never runs and
#               demo-2 stays booting
#   nosig       demo-3: the same with the unsigned kernel
#   tampered    demo-6, after them (beside the operator path's boots, so
#               no more than four machines at once): the signed kernel with
#               one byte of a hashed region changed, its signature block
#               byte for byte the signed kernel's; iPXE's imgverify accepts
#               it (fresh CMS signature), UEFI's LoadImage refuses it
#               (Access Denied: the image's digest is not the signed one)
#   firmware    two disks: the signed ipxe.efi with its signature removed
#               (sbattach --remove), and with one byte changed; OVMF
#               refuses both ("Access Denied") and iPXE never runs
# The operator path (sb_op_*): variables holding the test's own keys, not
# Debian's.  "podboot keys issue-uefi" makes the operator's db key;
# scripts/uefi-enrol-media makes a new PK and KEK and an EFI system
# partition with systemd-boot and the signed updates.  Beside the four boots:
#   enrol       blank variables (OVMF_VARS_4M.fd: Setup Mode) boot that
#               partition; systemd-boot writes db, KEK and PK and resets
#               the machine; the variable store then holds the three
#               certificates (and not the snakeoil one)
# then, with copies of the enrolled variables, once the four are done:
#   op-install  ipxe.efi signed again with the operator's key, node demo-4
#               whose kernel carries that key's signature: to installed,
#               the kernel reporting Secure Boot on
#   op-refused  three disks: the snakeoil-signed ipxe.efi (what the
#               snakeoil machines boot), it unsigned, and the enrolment
#               partition itself (unsigned systemd-boot); all refused
#   op-foreign  the operator-signed ipxe.efi, node demo-5, whose kernel
#               is the snakeoil-signed one (a good signature by a key
#               these variables do not hold): iPXE verifies it (CMS),
#               UEFI's LoadImage refuses it, demo-5 stays booting
# Kernels are signed through one function, sb_uefi_sign (podboot sign
# --uefi).  E2E_SECBOOT_TIMEOUT bounds each refusal
# boot (default 90 s); BOOT_TIMEOUT the install.  IPXE_SRC unset: the leg
# is skipped, or fails with E2E_REQUIRE_SECURE=1 (as the secure leg).

SB_OVMF_CODE=${SB_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
SB_OVMF_VARS=${SB_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd}
SB_SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SB_SNAKEOIL_CRT=/usr/share/ovmf/PkKek-1-snakeoil.pem
SB_SNAKEOIL_PASS=snakeoil	# /usr/share/doc/ovmf/README.Debian
SB_TIMEOUT=${E2E_SECBOOT_TIMEOUT:-90}
# iPXE's error when UEFI's LoadImage refuses an image by policy: "Could not
# load image" (efi_image.c's EEFI_LOAD) with EFI_ACCESS_DENIED, which is
# what OVMF returns for a signature that db does not admit.  Any other
# reason (not a PE image, out of memory) has another code.
SB_EDENIED=7f04818f
SB_MAC2=52:54:00:00:00:02	# demo-2: the broken kernel's node
SB_DIR='' SB_SITE='' SB_FW=''
SB_FW_PID=
SB_MAC3=52:54:00:00:00:03	# demo-3: the unsigned kernel's node
SB_MAC4=52:54:00:00:00:04	# demo-4: the operator path's node
SB_MAC5=52:54:00:00:00:05	# demo-5: the operator path, the snakeoil kernel
SB_MAC6=52:54:00:00:00:06	# demo-6: the kernel tampered under its signature
# Blank variables: no PK, so Setup Mode (the operator path enrols into it).
SB_OVMF_BLANK=${SB_OVMF_BLANK:-/usr/share/OVMF/OVMF_VARS_4M.fd}
SB_BOOTS=''	# the boots started: their names
SB_BOOT_PIDS=''	# and the PIDs of their watchers

# sb_uefi_sign KEY CERT IN OUT: OUT is IN (PE/COFF) with an Authenticode
# signature by KEY and CERT (podboot's own; any signature IN had is
# replaced).
sb_uefi_sign() {
	"$PODBOOT" sign --uefi --key "$1" --cert "$2" "$3" -o "$4"
}

# sb_keys: the snakeoil key imported as a UEFI key directory
# ($SB_DIR/uefi: uefi-db.key 0600, unencrypted; uefi-db.crt, uefi-db.cer).
sb_keys() {
	SB_PASS=$SB_SNAKEOIL_PASS "$PODBOOT" keys import-uefi --dir "$SB_DIR/uefi" \
		--key "$SB_SNAKEOIL_KEY" --cert "$SB_SNAKEOIL_CRT" --pass-env SB_PASS
}

# sb_break_sig IN OUT: OUT is IN with one byte of its Authenticode
# signature value changed (the last bytes of the PKCS#7 blob in the
# certificate table, which the image digest does not cover).
sb_break_sig() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", b, 0x3c)[0]
magic = struct.unpack_from("<H", b, pe + 24)[0]
dd = pe + 24 + (112 if magic == 0x20b else 96)
off, size = struct.unpack_from("<II", b, dd + 4 * 8)
if not off or not size:
    sys.exit("no certificate table")
der = off + 8
if b[der] != 0x30 or b[der + 1] != 0x82:
    sys.exit("the certificate table holds no PKCS#7 SEQUENCE")
end = der + 4 + struct.unpack_from(">H", b, der + 2)[0]
b[end - 16] ^= 0x01
open(sys.argv[2], "wb").write(b)
EOF
}

# sb_tamper IN OUT: OUT is IN with one byte changed in a region the
# Authenticode digest covers: the middle of its largest section's raw
# data (the kernel's code and compressed payload); the certificate table
# is left as it is.  Prints the offset changed.
sb_tamper() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", b, 0x3c)[0]
magic = struct.unpack_from("<H", b, pe + 24)[0]
nsec, optsize = struct.unpack_from("<H", b, pe + 6)[0], struct.unpack_from("<H", b, pe + 20)[0]
dd = pe + 24 + (112 if magic == 0x20b else 96)
off, size = struct.unpack_from("<II", b, dd + 4 * 8)
if not off or not size:
    sys.exit("no certificate table")
secs = [struct.unpack_from("<II", b, pe + 24 + optsize + 40 * i + 16) for i in range(nsec)]
raw, ptr = max(secs)
at = ptr + raw // 2
if not raw or at >= off:
    sys.exit("no section's raw data before the certificate table")
b[at] ^= 0x20
open(sys.argv[2], "wb").write(b)
print(at)
EOF
}

# sb_cert_table FILE: the bytes of FILE's certificate table (its
# Authenticode signature block), on stdout.
sb_cert_table() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", b, 0x3c)[0]
magic = struct.unpack_from("<H", b, pe + 24)[0]
dd = pe + 24 + (112 if magic == 0x20b else 96)
off, size = struct.unpack_from("<II", b, dd + 4 * 8)
sys.stdout.buffer.write(b[off:off + size])
EOF
}

# sb_esp EFI IMG: a raw disk image (a FAT file system, no partition table)
# holding EFI/BOOT/BOOTX64.EFI = EFI, which OVMF boots as removable media.
sb_esp() {
	rm -f "$2"
	truncate -s 4M "$2" &&
		PATH=$PATH:/usr/sbin:/sbin mkfs.vfat -n SBTEST "$2" >/dev/null &&
		MTOOLS_SKIP_CHECK=1 mmd -i "$2" ::/EFI ::/EFI/BOOT &&
		MTOOLS_SKIP_CHECK=1 mcopy -i "$2" "$1" ::/EFI/BOOT/BOOTX64.EFI
}

# sb_site_conf CONF: profiles badsig (demo-2), nosig (demo-3), op
# (demo-4) and tampered (demo-6), each booting its own kernel artifact;
# nodes demo-3, demo-4, demo-6 and demo-5 (the default profile, as
# demo-1).
sb_site_conf() {
	local p n
	for p in nosig badsig op tampered; do
		sed -i "s/^profiles = (\$/profiles = (\n  { name = \"$p\"; kernel = \"demo-vmlinuz-$p\"; initrd = \"demo-initrd.img\";\n    cmdline = \"console=ttyS0 ks={{ks_url}}\"; kickstart = \"default.ks\"; },/" "$1"
	done
	sed -i 's/hostname = "demo-2"; pod = "demo";/hostname = "demo-2"; pod = "demo"; profile = "badsig";/
		s/address = "198.51.100.12"; }/address = "198.51.100.12"; },\n  { mac = "'"$SB_MAC3"'"; hostname = "demo-3"; pod = "demo"; profile = "nosig";\n    address = "198.51.100.13"; },\n  { mac = "'"$SB_MAC4"'"; hostname = "demo-4"; pod = "demo"; profile = "op";\n    address = "198.51.100.14"; },\n  { mac = "'"$SB_MAC6"'"; hostname = "demo-6"; pod = "demo"; profile = "tampered";\n    address = "198.51.100.16"; },\n  { mac = "'"$SB_MAC5"'"; hostname = "demo-5"; pod = "demo";\n    address = "198.51.100.15"; }/' "$1"
	for n in 'profile = "badsig";' 'profile = "nosig";' 'profile = "op";' 'hostname = "demo-5";' \
		'profile = "tampered";' 'name = "badsig"' 'name = "nosig"' 'name = "op"' \
		'name = "tampered"'; do
		grep -q "$n" "$1" || return 1
	done
}

# sb_kernels: the test kernel without Debian's signature (nosig), signed
# with the db key (signed), that with its signature broken (badsig), and
# that with a byte of its code changed under the signature (tampered;
# the offset in $SB_DIR/tampered.at).
sb_kernels() {
	cp "$KERNEL" "$SB_DIR/vmlinuz.nosig" &&
		sbattach --remove "$SB_DIR/vmlinuz.nosig" &&
		sb_uefi_sign "$SB_DIR/uefi/uefi-db.key" "$SB_DIR/uefi/uefi-db.crt" \
			"$SB_DIR/vmlinuz.nosig" "$SB_DIR/vmlinuz.signed" &&
		sb_break_sig "$SB_DIR/vmlinuz.signed" "$SB_DIR/vmlinuz.badsig" &&
		sb_tamper "$SB_DIR/vmlinuz.signed" "$SB_DIR/vmlinuz.tampered" >"$SB_DIR/tampered.at"
}

# sb_op_keys: the operator path's keys and media: its own UEFI db key
# ($SB_DIR/op), a new platform owner (PK, KEK: $SB_DIR/owner), the
# enrolment partition ($SB_DIR/enrol.img) and the kernel signed with the
# operator's key alone ($SB_DIR/vmlinuz.op).
sb_op_keys() {
	"$PODBOOT" keys issue-uefi --dir "$SB_DIR/op" --cn "podboot e2e operator db" &&
		"$TOP/scripts/uefi-enrol-media" --owner "$SB_DIR/owner" --new-owner \
			--db "$SB_DIR/op/uefi-db.cer" -o "$SB_DIR/enrol.img" &&
		sb_uefi_sign "$SB_DIR/op/uefi-db.key" "$SB_DIR/op/uefi-db.crt" \
			"$SB_DIR/vmlinuz.nosig" "$SB_DIR/vmlinuz.op"
}

# secboot_prepare: the site (RSA, its certificate naming 10.0.2.2), the
# snakeoil key, the kernels, and the firmware build started in the
# background (the iPXE tree's lock orders it after the secure leg's).
secboot_prepare() {
	[ -n "${IPXE_SRC:-}" ] || return 0
	case $IPXE_SRC in /*) ;; *) IPXE_SRC=$TOP/$IPXE_SRC ;; esac
	export IPXE_SRC
	SB_DIR=$RUN/secboot SB_SITE=$RUN/secboot/site
	local c=$SB_SITE/podboot.conf t
	for t in sbattach sbverify python3 mcopy cert-to-efi-sig-list; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "secboot: $t not found (scripts/deps installs sbsigntool, mtools, efitools)" >>"$RUN/init.log"
			SB_SITE=''
			return 1
		}
	done
	{
		mkdir -p "$SB_DIR" && sb_keys &&
			secure_site_make "$SB_SITE" rsa && sb_kernels && sb_op_keys &&
			sb_site_conf "$c" &&
			"$PODBOOT" publish --config "$c" demo-vmlinuz "$SB_DIR/vmlinuz.signed" &&
			"$PODBOOT" publish --config "$c" demo-vmlinuz-badsig "$SB_DIR/vmlinuz.badsig" &&
			"$PODBOOT" publish --config "$c" demo-vmlinuz-nosig "$SB_DIR/vmlinuz.nosig" &&
			"$PODBOOT" publish --config "$c" demo-vmlinuz-op "$SB_DIR/vmlinuz.op" &&
			"$PODBOOT" publish --config "$c" demo-vmlinuz-tampered "$SB_DIR/vmlinuz.tampered" &&
			"$PODBOOT" serve --check --config "$c"
	} >>"$RUN/init.log" 2>&1 || { SB_SITE=; return 1; }
	(
		t0=$(date +%s)
		nice -n 10 make -C "$TOP" firmware IPXE_SRC="$IPXE_SRC" \
			PODBOOT_CONFIG="$c" BUILD="$SB_DIR/fw" UEFI_KEYS="$SB_DIR/uefi" \
			>"$RUN/firmware-secboot.log" 2>&1
		rc=$?
		echo "$(($(date +%s) - t0))" >"$SB_DIR/fw.secs"
		exit $rc
	) </dev/null &
	SB_FW_PID=$!
	say "secboot: building the UEFI-signed firmware in the background (pid $SB_FW_PID)"
}

# sb_boot NAME LIMIT STOP [QEMU ARGS...]: start one Secure Boot machine in
# the background (OVMF secboot code, its own copy of the snakeoil vars or
# of the file SB_VARS names, as $SB_DIR/vars-NAME.fd; serial console in
# $RUN/serial-sb-NAME.log).  It ends when QEMU does,
# when STOP shows on the console (QEMU stopped 2 s later) or after LIMIT
# seconds: then $SB_DIR/NAME.rc holds "STATUS SECONDS" (124: timed out).
sb_boot() {
	local name=$1 limit=$2 stop=$3
	shift 3
	local serial=$RUN/serial-sb-$name.log vars=$SB_DIR/vars-$name.fd
	cp "${SB_VARS:-$SB_OVMF_VARS}" "$vars" || return 1
	rm -f "$SB_DIR/$name.rc" "$SB_DIR/$name.qpid"
	: >"$serial"
	(
		t0=$(date +%s)
		# shellcheck disable=SC2086
		timeout -k 5 "$limit" qemu-system-x86_64 -name "podboot-e2e-sb-$name" \
			-machine q35,smm=on -accel "$ACCEL" -m 512 -smp 1 \
			-no-user-config -nodefaults -display none -monitor none -no-reboot \
			-global driver=cfi.pflash01,property=secure,value=on \
			-drive "if=pflash,format=raw,unit=0,readonly=on,file=$SB_OVMF_CODE" \
			-drive "if=pflash,format=raw,unit=1,file=$vars" \
			-serial "file:$serial" "$@" </dev/null >"$RUN/qemu-sb-$name.log" 2>&1 &
		qpid=$!
		echo "$qpid" >"$SB_DIR/$name.qpid"
		stopped=
		while kill -0 "$qpid" 2>/dev/null; do
			if [ -n "$stop" ] && tr -d '\r' <"$serial" | grep -aqE "$stop"; then
				stopped=1
				sleep 2
				kill "$qpid" 2>/dev/null
				break
			fi
			sleep 0.5
		done
		wait "$qpid"
		rc=$?
		rm -f "$SB_DIR/$name.qpid"
		[ -n "$stopped" ] && rc=0
		echo "$rc $(($(date +%s) - t0))" >"$SB_DIR/$name.rc.tmp"
		mv "$SB_DIR/$name.rc.tmp" "$SB_DIR/$name.rc"
	) &
	SB_BOOTS="$SB_BOOTS $name"
	SB_BOOT_PIDS="$SB_BOOT_PIDS $!"
}

# sb_wait: wait for every boot sb_boot started; say how each ended.
sb_wait() {
	local n
	wait_up $((BOOT_TIMEOUT + 30)) "" sh -c \
		"for n in $SB_BOOTS; do [ -f '$SB_DIR/'\$n.rc ] || exit 1; done"
	for n in $SB_BOOTS; do
		say "secboot: boot $n: $(cat "$SB_DIR/$n.rc" 2>/dev/null || echo 'no result') (status, seconds)"
	done
	# shellcheck disable=SC2086 # a list of PIDs
	wait $SB_BOOT_PIDS
	SB_BOOTS='' SB_BOOT_PIDS=''
}
# sb_rc NAME: the QEMU status of boot NAME (124: timed out).
sb_rc() { cut -d' ' -f1 "$SB_DIR/$1.rc" 2>/dev/null || echo none; }
# sb_log NAME: boot NAME's console, \r and escape sequences dropped.
sb_log() {
	tr -d '\r' <"$RUN/serial-sb-$1.log" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g'
}
# sb_has NAME REGEX: boot NAME's console shows REGEX.
sb_has() { sb_log "$1" | grep -aqE "$2"; }

# sb_build_checks: what "make firmware UEFI_KEYS=" wrote.
sb_build_checks() {
	local fw=$SB_FW crt=$SB_DIR/uefi/uefi-db.crt f m
	for f in ipxe.efi snponly.efi; do
		check "secboot: build: $f has an Authenticode signature that sbverify accepts under the db certificate" \
			sbverify --cert "$crt" "$fw/$f"
	done
	check "secboot: build: SHA256SUMS holds the signed files" \
		sh -c "cd '$fw' && sha256sum -c --quiet SHA256SUMS"
	check "secboot: build: BUILD-INFO names the UEFI signer" \
		grep -qx "uefi-signer-sha256: $(openssl x509 -in "$crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')" "$fw/BUILD-INFO"
	mkdir -p "$SB_DIR/media"
	check "secboot: build: ipxe.usb's EFI system partition holds the signed ipxe.efi" \
		sh -c "MTOOLS_SKIP_CHECK=1 mcopy -o -i '$fw/ipxe.usb@@2097152' ::/EFI/BOOT/BOOTX64.EFI '$SB_DIR/media/usb.efi' &&
			cmp -s '$SB_DIR/media/usb.efi' '$fw/ipxe.efi'"
	for m in ipxe.iso ipxe-efi.iso ipxe-efi.usb; do
		check "secboot: build: $m carries the signed ipxe.efi" \
			perl -e 'local $/; open(my $a, "<", $ARGV[0]) or exit 2; binmode $a;
				my $e = <$a>; open(my $b, "<", $ARGV[1]) or exit 2; binmode $b;
				exit(index(<$b>, $e) >= 0 ? 0 : 1)' "$fw/ipxe.efi" "$fw/$m"
	done
	# The key's own bytes (its base64 body) appear nowhere in the iPXE tree.
	check "secboot: build: no copy of the UEFI private key in the iPXE build tree" \
		sh -c "! grep -rqF '$(sed -n 2p "$SB_DIR/uefi/uefi-db.key")' '$fw/.ipxe-src/' 2>/dev/null"
}

# sb_fw_refused: the firmware refused both disks' ipxe.efi (each disk's
# serial number names it in OVMF's boot option) and ran nothing else.
sb_fw_refused() {
	local d
	check "secboot: firmware: OVMF gave up within ${SB_TIMEOUT}s" [ "$(sb_rc firmware)" = 0 ]
	for d in UNSIGNED:"ipxe.efi with its signature removed" \
		TAMPERED:"signed ipxe.efi with one byte changed"; do
		check "secboot: firmware: OVMF refused the ${d#*:}: \"Access Denied\"" \
			sb_has firmware "failed to load Boot[0-9A-F]{4} \"UEFI QEMU HARDDISK ${d%%:*} *\".*: Access Denied"
	done
	check "secboot: firmware: iPXE never ran (no banner, no stage1 line)" \
		sh -c "! grep -aqE 'iPXE [0-9]|podboot:' '$RUN/serial-sb-firmware.log'"
}

# sb_install_checks: the signed chain to installed.
sb_install_checks() {
	local tr
	check "secboot: install: boot ended by itself (the installer powered off)" \
		[ "$(sb_rc install)" = 0 ]
	check "secboot: install: OVMF started the signed ipxe.efi" \
		sb_has install 'starting Boot[0-9A-F]{4} "UEFI QEMU HARDDISK'
	check "secboot: install: iPXE ran as UEFI (platform efi)" \
		sb_has install '\(efi x86_64\)'
	check "secboot: install: stage1 verified stage2" sb_has install "podboot: stage2 verified"
	check "secboot: install: iPXE ran the install script of $NODE" \
		sb_has install "podboot: installing $NODE in pod demo"
	check "secboot: install: the kernel, loaded by UEFI's LoadImage, saw Secure Boot on" \
		sb_has install "secureboot: Secure boot enabled"
	check "secboot: install: kernel $KVER ran the test initrd" \
		sb_has install "PODBOOT-E2E: init started, kernel $KVER"
	check "secboot: install: installed reported" sb_has install "PODBOOT-E2E: installed reported"
	check "secboot: install: API: $NODE is installed" [ "$(node_state)" = installed ]
	tr=$(node_transitions | paste -sd, -)
	if [ "$tr" = "armed -> booting,booting -> installing,installing -> installed" ]; then
		ok "secboot: install: events armed -> booting -> installing -> installed"
	else
		bad "secboot: install: events armed -> booting -> installing -> installed" "got: $tr"
	fi
}

# sb_kernel_refused NAME NODE WHAT: iPXE verified NODE's kernel (WHAT),
# UEFI refused it.
sb_kernel_refused() {
	local name=$1 node=$2 what=$3 st
	check "secboot: $name: boot ended within ${SB_TIMEOUT}s" [ "$(sb_rc "$name")" = 0 ]
	check "secboot: $name: stage1 verified stage2" sb_has "$name" "podboot: stage2 verified"
	if [ "$name" = badsig ]; then
		check "secboot: badsig: OVMF fetched the signed snponly.efi by UEFI PXE and started it" \
			sh -c "grep -aq 'NBP filename is snponly.efi' '$RUN/serial-sb-badsig.log' &&
				grep -aqE 'starting Boot[0-9A-F]{4} \"UEFI PXEv4' '$RUN/serial-sb-badsig.log'"
	fi
	check "secboot: $name: iPXE ran $node's install script" \
		sb_has "$name" "podboot: installing $node in pod demo"
	check "secboot: $name: iPXE's imgverify accepted the $what (its CMS signature is good)" \
		sh -c "! grep -aq 'ipxe.org/$SEC_EBADSIG' '$RUN/serial-sb-$name.log'"
	check "secboot: $name: the firmware refused the $what (iPXE error $SB_EDENIED: LoadImage said Access Denied)" \
		sb_has "$name" "podboot: could not start the installer of $node: error 0x$SB_EDENIED;"
	check "secboot: $name: the kernel never ran" \
		sh -c "! grep -aqE 'Linux version|PODBOOT-E2E' '$RUN/serial-sb-$name.log'"
	st=$(api "/api/v1/nodes/$node" | jq -r .state)
	check "secboot: $name: $node stays booting (is $st)" [ "$st" = booting ]
}
# sb_vars_has VARS CERT: the variable store VARS holds CERT's DER bytes
# (an EFI_SIGNATURE_LIST keeps each certificate whole).
sb_vars_has() {
	python3 - "$1" "$2" <<'PY'
import subprocess, sys
der = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-outform", "DER"],
                     check=True, capture_output=True).stdout
sys.exit(0 if der and der in open(sys.argv[1], "rb").read() else 1)
PY
}

# sb_op_enrol_start: the enrolment boot (blank variables, the enrolment
# partition), started beside the snakeoil boots.
sb_op_enrol_start() {
	if sb_vars_has "$SB_OVMF_BLANK" "$SB_SNAKEOIL_CRT"; then
		bad "secboot: operator: $SB_OVMF_BLANK is blank (no snakeoil certificate)"
	else
		ok "secboot: operator: $SB_OVMF_BLANK is blank (no snakeoil certificate)"
	fi
	SB_VARS=$SB_OVMF_BLANK sb_boot enrol "$SB_TIMEOUT" "" \
		-drive "file=$SB_DIR/enrol.img,format=raw,if=none,id=d0,snapshot=on" \
		-device ide-hd,drive=d0
}

# sb_op_enrol: how the enrolment boot ended, and what it left in its
# variable store.  Returns non-zero when the store lacks a key: the
# operator boots would be pointless then.
sb_op_enrol() {
	local v=$SB_DIR/vars-enrol.fd c n=0
	check "secboot: operator: enrol: systemd-boot reset the machine by itself (QEMU -no-reboot ended)" \
		[ "$(sb_rc enrol)" = 0 ]
	check "secboot: operator: enrol: OVMF ran systemd-boot (Setup Mode: unsigned is allowed)" \
		sb_has enrol 'starting Boot[0-9A-F]{4} "UEFI QEMU HARDDISK'
	check "secboot: operator: enrol: systemd-boot enrolled from loader/keys/auto" \
		sb_has enrol 'Enrolling secure boot keys from directory: .loader.keys.auto'
	check "secboot: operator: enrol: no variable write failed" \
		sh -c "! grep -aqE 'Failed (to write|opening|reading)|Error' '$RUN/serial-sb-enrol.log'"
	for c in "$SB_DIR/owner/PK.crt" "$SB_DIR/owner/KEK.crt" "$SB_DIR/op/uefi-db.crt"; do
		sb_vars_has "$v" "$c" && n=$((n + 1))
	done
	check "secboot: operator: enrol: the variable store holds the new PK, KEK and the operator's db certificate" \
		[ "$n" = 3 ]
	if sb_vars_has "$v" "$SB_SNAKEOIL_CRT"; then
		bad "secboot: operator: enrol: the variable store holds no snakeoil certificate"
	else
		ok "secboot: operator: enrol: the variable store holds no snakeoil certificate"
	fi
	[ "$n" = 3 ]
}

# sb_op_media: the operator path's disks: ipxe.efi signed again with the
# operator's key (op.img), the snakeoil-signed build as is (snakeoil.img).
sb_op_media() {
	sb_uefi_sign "$SB_DIR/op/uefi-db.key" "$SB_DIR/op/uefi-db.crt" \
		"$SB_FW/ipxe.efi" "$SB_DIR/op.efi" &&
		sb_esp "$SB_DIR/op.efi" "$SB_DIR/op.img" &&
		sb_esp "$SB_FW/ipxe.efi" "$SB_DIR/snakeoil.img"
}

# sb_op_checks: the operator key's ipxe.efi to installed; the snakeoil
# and unsigned ones and the enrolment partition refused.
sb_op_checks() {
	local st d
	check "secboot: op-install: boot ended by itself (the installer powered off)" \
		[ "$(sb_rc op-install)" = 0 ]
	check "secboot: op-install: OVMF started the operator-signed ipxe.efi" \
		sb_has op-install 'starting Boot[0-9A-F]{4} "UEFI QEMU HARDDISK'
	check "secboot: op-install: stage1 verified stage2" sb_has op-install "podboot: stage2 verified"
	check "secboot: op-install: iPXE ran the install script of demo-4" \
		sb_has op-install "podboot: installing demo-4 in pod demo"
	check "secboot: op-install: the kernel (operator's signature only) saw Secure Boot on" \
		sb_has op-install "secureboot: Secure boot enabled"
	check "secboot: op-install: installed reported" sb_has op-install "PODBOOT-E2E: installed reported"
	st=$(api "/api/v1/nodes/demo-4" | jq -r .state)
	check "secboot: op-install: API: demo-4 is installed (is $st)" [ "$st" = installed ]
	check "secboot: op-refused: OVMF gave up within ${SB_TIMEOUT}s" [ "$(sb_rc op-refused)" = 0 ]
	for d in SNAKEOIL:"ipxe.efi signed with the snakeoil key" \
		UNSIGNED:"ipxe.efi without a signature" \
		ENROL:"enrolment partition's unsigned systemd-boot"; do
		check "secboot: op-refused: the operator's variables refuse the ${d#*:}: \"Access Denied\"" \
			sb_has op-refused "failed to load Boot[0-9A-F]{4} \"UEFI QEMU HARDDISK ${d%%:*} *\".*: Access Denied"
	done
	check "secboot: op-refused: nothing ran (no iPXE, no systemd-boot line)" \
		sh -c "! grep -aqE 'iPXE [0-9]|podboot:|Enrolling' '$RUN/serial-sb-op-refused.log'"
}

# sb_tamper_checks: the tampered kernel is the signed one with one byte
# changed, at the offset sb_tamper chose, its signature block untouched;
# sbverify and podboot verify --uefi refuse it.
sb_tamper_checks() {
	local signed=$SB_DIR/vmlinuz.signed t=$SB_DIR/vmlinuz.tampered at
	at=$(cat "$SB_DIR/tampered.at" 2>/dev/null)
	check "secboot: kernel-tampered: one byte changed (offset ${at:-?}), nothing else" \
		sh -c "[ \"\$(cmp -l '$signed' '$t' | awk '{ print \$1 - 1 }')\" = '$at' ]"
	sb_cert_table "$signed" >"$SB_DIR/signed.certs"
	sb_cert_table "$t" >"$SB_DIR/tampered.certs"
	check "secboot: kernel-tampered: its Authenticode signature block is the signed kernel's, byte for byte" \
		sh -c "[ -s '$SB_DIR/signed.certs' ] && cmp -s '$SB_DIR/signed.certs' '$SB_DIR/tampered.certs'"
	check "secboot: kernel-tampered: sbverify and podboot verify --uefi refuse it (digest mismatch)" \
		sh -c "! sbverify --cert '$SB_DIR/uefi/uefi-db.crt' '$t' &&
			! '$PODBOOT' verify --uefi '$t' --cert '$SB_DIR/uefi/uefi-db.crt'"
}

# sb_tamper_served: the server hands out those bytes with a CMS signature
# (podboot publish's, made afresh) that verifies as iPXE's imgverify would.
sb_tamper_served() {
	local d=$SB_DIR/served
	mkdir -p "$d" && rm -f "$d/k" "$d/k.sig"
	api /artifacts/demo-vmlinuz-tampered -o "$d/k" >/dev/null 2>&1
	api /artifacts/demo-vmlinuz-tampered.sig -o "$d/k.sig" >/dev/null 2>&1
	check "secboot: kernel-tampered: served as published, its fresh CMS signature good (podboot verify)" \
		sh -c "cmp -s '$d/k' '$SB_DIR/vmlinuz.tampered' && [ -s '$d/k.sig' ] &&
			'$PODBOOT' verify '$d/k' '$d/k.sig' --root '$ROOT'"
}

# secboot_leg: wait for the build, then the four boots and the operator
# path's enrolment at once, then the operator path's three boots beside
# the tampered kernel's.
secboot_leg() {
	leg_has_ipxe secboot || return
	if [ -z "$SB_SITE" ] || [ -z "$SB_FW_PID" ]; then
		bad "secboot: site set up" "$(tail -5 "$RUN/init.log")"
		return
	fi
	local t
	for t in "$SB_OVMF_CODE" "$SB_OVMF_VARS" "$SB_OVMF_BLANK" "$SB_SNAKEOIL_CRT"; do
		[ -r "$t" ] || { bad "secboot: $t (Debian package ovmf; scripts/deps)"; return; }
	done
	say "secboot: waiting for the firmware build"
	wait "$SB_FW_PID"
	t=$?
	SB_FW_PID=
	SB_FW=$SB_DIR/fw/firmware
	say "secboot: make firmware UEFI_KEYS=: $(cat "$SB_DIR/fw.secs" 2>/dev/null)s (log $RUN/firmware-secboot.log)"
	lap "secboot: firmware build (waited for)"
	if [ "$t" != 0 ] || [ ! -s "$SB_FW/ipxe.usb" ]; then
		bad "secboot: make firmware UEFI_KEYS= built" "$(tail -10 "$RUN/firmware-secboot.log")"
		return
	fi
	sb_build_checks
	# The refused ones: unsigned, and signed with one byte changed.
	cp "$SB_FW/ipxe.efi" "$SB_DIR/unsigned.efi"
	sbattach --remove "$SB_DIR/unsigned.efi" >/dev/null 2>&1 ||
		cp /dev/null "$SB_DIR/unsigned.efi"
	check "secboot: the unsigned ipxe.efi has no signature left" \
		sh -c "[ -s '$SB_DIR/unsigned.efi' ] && ! sbverify --list '$SB_DIR/unsigned.efi' 2>/dev/null | grep -q '^signature [0-9]'"
	check "secboot: the test kernels: signed (sbverify), nosig without a signature, badsig refused by sbverify" \
		sh -c "sbverify --cert '$SB_DIR/uefi/uefi-db.crt' '$SB_DIR/vmlinuz.signed' &&
			! sbverify --list '$SB_DIR/vmlinuz.nosig' | grep -q '^signature [0-9]' &&
			! sbverify --cert '$SB_DIR/uefi/uefi-db.crt' '$SB_DIR/vmlinuz.badsig'"
	# podboot verify --uefi must decide as the firmware does below.
	check "secboot: podboot verify --uefi: signed kernel verified, badsig and nosig refused" \
		sh -c "'$PODBOOT' verify --uefi '$SB_DIR/vmlinuz.signed' --cert '$SB_DIR/uefi/uefi-db.crt' &&
			! '$PODBOOT' verify --uefi '$SB_DIR/vmlinuz.badsig' --cert '$SB_DIR/uefi/uefi-db.crt' &&
			! '$PODBOOT' verify --uefi '$SB_DIR/vmlinuz.nosig' --cert '$SB_DIR/uefi/uefi-db.crt'"
	sb_tamper_checks
	cp "$SB_FW/ipxe.efi" "$SB_DIR/tampered.efi"
	printf 'X' | dd of="$SB_DIR/tampered.efi" bs=1 seek=$(($(stat -c %s "$SB_FW/ipxe.efi") / 3)) \
		conv=notrunc status=none
	check "secboot: the tampered ipxe.efi differs from the signed one by one byte" \
		[ "$(cmp -l "$SB_FW/ipxe.efi" "$SB_DIR/tampered.efi" | wc -l)" = 1 ]
	sb_esp "$SB_DIR/unsigned.efi" "$SB_DIR/unsigned.img" &&
		sb_esp "$SB_DIR/tampered.efi" "$SB_DIR/tampered.img" ||
		bad "secboot: EFI system partitions for the refused binaries"
	local op=0
	if sb_op_media; then
		check "secboot: operator: ipxe.efi re-signed with the operator's key verifies under its certificate only" \
			sh -c "'$PODBOOT' verify --uefi '$SB_DIR/op.efi' --cert '$SB_DIR/op/uefi-db.crt' >/dev/null &&
				! '$PODBOOT' verify --uefi '$SB_DIR/op.efi' --cert '$SB_SNAKEOIL_CRT' >/dev/null 2>&1"
		op=1
	else
		bad "secboot: operator: ipxe.efi signed with the operator's key, its disks"
	fi

	site_use "$SB_SITE"
	server_start || { bad "secboot: server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "secboot: $NODE starts armed" [ "$(node_state)" = armed ]
	sb_tamper_served
	local disk="format=raw,if=none,id=d0,snapshot=on"
	local nic="e1000,netdev=n0,romfile="
	sb_boot install "$BOOT_TIMEOUT" "" -drive "file=$SB_FW/ipxe.usb,$disk" \
		-device ide-hd,drive=d0 -netdev user,id=n0 -device "$nic,mac=$MAC"
	mkdir -p "$SB_DIR/tftp" && cp "$SB_FW/snponly.efi" "$SB_DIR/tftp/"
	sb_boot badsig "$SB_TIMEOUT" "stage2 ended without booting" \
		-netdev "user,id=n0,tftp=$SB_DIR/tftp,bootfile=snponly.efi" \
		-device "virtio-net-pci,netdev=n0,romfile=,mac=$SB_MAC2"
	sb_boot nosig "$SB_TIMEOUT" "stage2 ended without booting" \
		-drive "file=$SB_FW/ipxe.usb,$disk" -device ide-hd,drive=d0 \
		-netdev user,id=n0 -device "$nic,mac=$SB_MAC3"
	# Stopped once OVMF has tried both disks and its shell (also refused).
	sb_boot firmware "$SB_TIMEOUT" "No bootable option" \
		-drive "file=$SB_DIR/unsigned.img,$disk" \
		-device ide-hd,drive=d0,bus=ide.0,serial=UNSIGNED \
		-drive "file=$SB_DIR/tampered.img,format=raw,if=none,id=d1,snapshot=on" \
		-device ide-hd,drive=d1,bus=ide.1,serial=TAMPERED
	# The operator path's enrolment (short) runs beside them; its two boots
	# need the variables it leaves, and run after (no more machines at
	# once than the four: each refusal boot has a bounded time).
	[ "$op" = 0 ] || sb_op_enrol_start
	sb_wait
	lap "secboot: boots"
	sb_install_checks
	sb_kernel_refused badsig demo-2 "kernel with a broken Authenticode signature"
	sb_kernel_refused nosig demo-3 "kernel without an Authenticode signature"
	sb_fw_refused
	local op_ran=0
	if [ "$op" = 1 ] && sb_op_enrol; then
		op_ran=1
		SB_VARS=$SB_DIR/vars-enrol.fd sb_boot op-install "$BOOT_TIMEOUT" "" \
			-drive "file=$SB_DIR/op.img,$disk" -device ide-hd,drive=d0 \
			-netdev user,id=n0 -device "$nic,mac=$SB_MAC4"
		SB_VARS=$SB_DIR/vars-enrol.fd sb_boot op-refused "$SB_TIMEOUT" "No bootable option" \
			-drive "file=$SB_DIR/snakeoil.img,$disk" \
			-device ide-hd,drive=d0,bus=ide.0,serial=SNAKEOIL \
			-drive "file=$SB_DIR/unsigned.img,format=raw,if=none,id=d1,snapshot=on" \
			-device ide-hd,drive=d1,bus=ide.1,serial=UNSIGNED \
			-drive "file=$SB_DIR/enrol.img,format=raw,if=none,id=d2,snapshot=on" \
			-device ide-hd,drive=d2,bus=ide.2,serial=ENROL
		SB_VARS=$SB_DIR/vars-enrol.fd sb_boot op-foreign "$SB_TIMEOUT" "stage2 ended without booting" \
			-drive "file=$SB_DIR/op.img,$disk" -device ide-hd,drive=d0 \
			-netdev user,id=n0 -device "$nic,mac=$SB_MAC5"
	fi
	# The snakeoil variables; iPXE from the signed ipxe.usb as nosig.
	sb_boot kernel-tampered "$SB_TIMEOUT" "stage2 ended without booting" \
		-drive "file=$SB_FW/ipxe.usb,$disk" -device ide-hd,drive=d0 \
		-netdev user,id=n0 -device "$nic,mac=$SB_MAC6"
	sb_wait
	lap "secboot: second boots (operator path, kernel-tampered)"
	if [ "$op_ran" = 1 ]; then
		sb_op_checks
		sb_kernel_refused op-foreign demo-5 "kernel signed with the snakeoil key (not in this db)"
	fi
	sb_kernel_refused kernel-tampered demo-6 \
		"kernel with one byte changed under its intact Authenticode signature"
	server_stop
}

# secboot_cleanup: the background build and any machine still running
# (boot.sh's exit trap).
secboot_cleanup() {
	local f
	if [ -n "$SB_FW_PID" ]; then
		kill "$SB_FW_PID" 2>/dev/null
		wait "$SB_FW_PID" 2>/dev/null
		SB_FW_PID=
	fi
	[ -n "$SB_DIR" ] || return 0
	for f in "$SB_DIR"/*.qpid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	return 0
}

# Run alone: boot.sh runs this leg only.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	IPXE_SRC=${IPXE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/vendor/ipxe/ipxe-0ab2277c4.tar.xz}
	export IPXE_SRC
	E2E_ONLY=secboot exec "$(dirname "$0")/boot.sh" "$@"
fi
