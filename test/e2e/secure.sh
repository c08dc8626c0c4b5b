# shellcheck shell=bash
# secure.sh: the secure leg of test/e2e/boot.sh (sourced by it; uses its
# helpers: check, ok, bad, qemu_run, server_start, api, node_state, ...).
#
# podboot's own firmware, built from upstream iPXE (IPXE_SRC, a checkout or
# the release tarball; IPXE_SHA256 checked) by "make firmware" and "make
# media": TLS to podboot serve, stage2, kernel and initrd each verified by
# imgverify under the site's root, the whole chain as a real machine runs
# it.  Three firmware configurations, built in the background while the
# other legs boot (each after the first is a relink: scripts/build-firmware
# caches the iPXE tree by source digest):
#   rsa    site A (podboot init, RSA): BIOS ipxe.lkrn by -kernel
#   ecdsa  site B (podboot init --algo ecdsa): UEFI, OVMF with ipxe-efi.iso
#   media  site A's pod media with a static address table (make media
#          POD_STATIC=...): the BIOS+UEFI ipxe.iso as a CD, no DHCP
# Boots, site A: install to installed; a second boot gets local boot (no
# installer, no transition); a tampered kernel and a tampered initrd each
# refused by stage2 (iPXE error 0227e13c on the console, one clear line,
# one fallback, the node stays booting, no kickstart fetched); then, with
# a stand-in server (test/e2e/stage2-server) on the same address and
# certificate, stage1 refusing a tampered stage2 (0227e13c), a stage2
# signed under a foreign root (0216eb3c) and one by a wrong signer under
# the right root (022ae43c).  Site B: UEFI install to installed.  Media:
# static address, stage2 verified, installer started, BIOS then UEFI.
# Every capture of every boot: the guest sent IP packets to 10.0.2.2 (the
# host, podboot's address as the guest sees it) and DHCP broadcasts only.
#
# IPXE_SRC unset: the leg is skipped, or fails with E2E_REQUIRE_SECURE=1
# (.ci/run sets it: CI never skips it).  E2E_SECURE_TIMEOUT bounds each
# refusal boot (default 150 s); BOOT_TIMEOUT each install.

OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
SEC_TIMEOUT=${E2E_SECURE_TIMEOUT:-150}
SEC_STATIC_IP=10.0.2.77	# the media pod's address: DHCP would give .15
SEC_FW_PID=
SEC_PY_PID=

# The iPXE error codes the leg asserts (https://ipxe.org/ERRORCODE).
SEC_EBADSIG=0227e13c	# EACCES_VERIFY: the signature does not match
SEC_EUNTRUSTED=0216eb3c	# EACCES_UNTRUSTED: chain does not lead to the root
SEC_EWRONGNAME=022ae43c	# EACCES_WRONG_NAME: signer is not the one required

# secure_site_make DIR ALGO: a site (podboot init) whose certificate names
# 10.0.2.2 and whose base_url is https://10.0.2.2:PORT (the host as the
# guest sees it), with the test kernel and initrd published; PORT in
# DIR/port.
secure_site_make() {
	local dir=$1 algo=$2 port
	"$PODBOOT" init --dir "$dir" --server-name localhost \
		--server-ip 127.0.0.1 --server-ip 10.0.2.2 --algo "$algo" || return 1
	port=$(port_pick) || return 1
	sed -i "s/port = 8443;/port = $port;/; s#https://localhost:8443#https://10.0.2.2:$port#" \
		"$dir/podboot.conf"
	grep -q "base_url = \"https://10.0.2.2:$port\"" "$dir/podboot.conf" ||
		return 1
	sed "s/@HTTPS_PORT@/$port/" "$HERE/e2e.ks" >"$dir/default.ks"
	"$PODBOOT" publish --config "$dir/podboot.conf" demo-vmlinuz "$KERNEL" &&
		"$PODBOOT" publish --config "$dir/podboot.conf" demo-initrd.img "$INITRD" ||
		return 1
	echo "$port" >"$dir/port"
}

# site_use DIR: make DIR the site the helpers talk to (SITE, PORT, BASE,
# ROOT, OP_TOKEN).
site_use() {
	SITE=$1
	PORT=$(cat "$SITE/port")
	ROOT=$SITE/keys/root.crt
	BASE=https://localhost:$PORT	# the host's view; same certificate
	OP_TOKEN=$(awk '$1 == "operator" {print $2}' "$SITE/tokens")
}

# secure_build NAME TARGET SITE [MAKE VARS...]: make TARGET (firmware or
# media) for SITE into $RUN/fw-NAME/firmware; the log in
# $RUN/firmware-NAME.log, its time in $RUN/fw-NAME.secs.
secure_build() {
	local name=$1 target=$2 site=$3 t0
	shift 3
	t0=$(date +%s)
	nice -n 10 make -C "$TOP" "$target" IPXE_SRC="$IPXE_SRC" \
		PODBOOT_CONFIG="$site/podboot.conf" BUILD="$RUN/fw-$name" "$@" \
		>"$RUN/firmware-$name.log" 2>&1 &
	SEC_MAKE_PID=$!
	local rc=0
	wait "$SEC_MAKE_PID" || rc=$?
	echo "$(($(date +%s) - t0))" >"$RUN/fw-$name.secs"
	return $rc
}

# secure_prepare: the sites, the static pod table, and the three firmware
# builds started in the background (they take the iPXE tree's lock one
# after the other).  Called early, so that the builds overlap the other
# legs' boots.
secure_prepare() {
	SEC_A=$RUN/secure-rsa SEC_B=$RUN/secure-ecdsa
	if [ -z "${IPXE_SRC:-}" ]; then
		return 0
	fi
	case $IPXE_SRC in /*) ;; *) IPXE_SRC=$TOP/$IPXE_SRC ;; esac
	export IPXE_SRC
	{
		secure_site_make "$SEC_A" rsa &&
			secure_site_make "$SEC_B" ecdsa &&
			printf '%s\n' "# e2e pod: the test machine's NIC, a static address" \
				"$MAC  $SEC_STATIC_IP/24  10.0.2.2  -" >"$RUN/e2epod.static"
	} >>"$RUN/init.log" 2>&1 || { SEC_A=; return 1; }
	(
		SEC_MAKE_PID=
		trap '[ -n "$SEC_MAKE_PID" ] && kill "$SEC_MAKE_PID" 2>/dev/null; exit 1' TERM
		secure_build rsa firmware "$SEC_A"
		secure_build ecdsa firmware "$SEC_B"
		secure_build media media "$SEC_A" POD_STATIC="$RUN/e2epod.static"
	) </dev/null &
	SEC_FW_PID=$!
	say "secure: building three firmware configurations in the background (pid $SEC_FW_PID)"
}

# sec_code_on LOG CODE: LOG (a serial console) shows iPXE's error CODE.
sec_code_on() { tr -d '\r' <"$1" | grep -aqF "ipxe.org/$2"; }
# sec_count REGEX FILE: how many lines of FILE match REGEX.
sec_count() { tr -d '\r' <"$2" | grep -acE "$1"; }

# sec_blob NAME: the blob file of artifact NAME's current version.
sec_blob() {
	local sha
	sha=$(api /api/v1/artifacts | jq -r --arg n "$1" \
		'.[] | select(.name == $n and .current) | .sha256')
	[ -n "$sha" ] && echo "$SITE/data/blobs/sha256/$sha"
}

# sec_tamper NAME: flip one byte in the middle of artifact NAME's blob (its
# signature unchanged); the original is kept as BLOB.orig.
sec_tamper() {
	local blob off b
	blob=$(sec_blob "$1") && [ -f "$blob" ] || return 1
	cp -p "$blob" "$blob.orig" || return 1
	off=$(($(stat -c %s "$blob") / 2))
	b=$(od -An -tu1 -j "$off" -N1 "$blob" | tr -d ' ')
	printf "$(printf '\\%03o' $(((b + 1) % 256)))" |
		dd of="$blob" bs=1 seek="$off" conv=notrunc status=none
	! cmp -s "$blob" "$blob.orig"
}
sec_untamper() {
	local blob
	blob=$(sec_blob "$1") && [ -f "$blob.orig" ] && mv "$blob.orig" "$blob"
}

# sec_refused_in_stage2 NAME WHAT: the checks of a boot whose stage2 must
# refuse WHAT: iPXE's error on the console, one clear line naming the node
# and the error, one fallback, the tampered file's installer never ran,
# the node stays booting, no kickstart fetched.
sec_refused_in_stage2() {
	local name=$1 what=$2 log=$RUN/serial-$1.log n line tr
	check "secure: $name: boot ended (stage1 handed back) within ${SEC_TIMEOUT}s" \
		[ "$QEMU_RC" != 124 ]
	check "secure: $name: stage1 verified stage2" \
		in_file "podboot: stage2 verified" "$log"
	check "secure: $name: iPXE refused the $what (error $SEC_EBADSIG on the console)" \
		sec_code_on "$log" "$SEC_EBADSIG"
	# Item 8: one clear line with the error, then one fallback.
	line=$(tr -d '\r' <"$log" | grep -a "podboot: could not start the installer of $NODE" | head -1)
	n=$(sec_count "podboot: could not start the installer of $NODE" "$log")
	if [ "$n" = 1 ] && printf '%s' "$line" | grep -qF "error 0x$SEC_EBADSIG"; then
		ok "secure: $name: one line: could not start the installer of $NODE (error 0x$SEC_EBADSIG)"
	else
		bad "secure: $name: one line: could not start the installer of $NODE (error 0x$SEC_EBADSIG)" \
			"$n such lines; first: ${line:-none}"
	fi
	n=$(sec_count "Booting from SAN device 0x80" "$log")
	check "secure: $name: one fallback: the local disk tried once (saw $n)" [ "$n" = 1 ]
	n=$(sec_count "podboot: stage2 ended without booting" "$log")
	check "secure: $name: stage1 handed back once, no second sanboot (saw $n)" [ "$n" = 1 ]
	n=$(sec_count "Could not boot" "$log")
	check "secure: $name: no \"Could not boot\" line from imgexec (saw $n)" [ "$n" = 0 ]
	check "secure: $name: the installer did not run" \
		sh -c "! grep -aq PODBOOT-E2E '$log'"
	check "secure: $name: $NODE stays booting" [ "$(node_state)" = booting ]
	tr=$(node_transitions | tail -1)
	check "secure: $name: last transition armed -> booting (no kickstart fetched; is $tr)" \
		[ "$tr" = "armed -> booting" ]
}

# sec_refused_in_stage1 NAME WHY CODE: stage1 refused the stand-in's stage2
# with iPXE error CODE and did not run it.
sec_refused_in_stage1() {
	local name=$1 why=$2 code=$3 log=$RUN/serial-$1.log
	check "secure: $name: stage1 refused stage2 within ${SEC_TIMEOUT}s" \
		[ "$QEMU_RC" != 124 ]
	check "secure: $name: the stand-in served stage2 and its signature" \
		sh -c "grep -q '^GET /boot/stage2.ipxe 200' '$RUN/stage2-server.log' &&
			grep -q '^GET /boot/stage2.ipxe.sig 200' '$RUN/stage2-server.log'"
	check "secure: $name: refused: $why (error $code on the console)" \
		sec_code_on "$log" "$code"
	check "secure: $name: stage1 said it FAILED its signature check" \
		in_file "podboot: stage2 from .* FAILED its signature check" "$log"
	check "secure: $name: stage2 did not run" \
		sh -c "! grep -aqE 'podboot: (stage2 verified|installing)' '$log'"
}

# sec_server_py: the stand-in stage2 server on the site's port.
sec_server_py() {
	: >"$RUN/stage2-server.log"
	python3 "$HERE/stage2-server" --port "$PORT" \
		--cert "$SITE/keys/server-chain.crt" --key "$SITE/keys/server.key" \
		--dir "$RUN/stage2-served" --lifetime 900 >>"$RUN/stage2-server.log" 2>&1 &
	SEC_PY_PID=$!
	wait_up 10 "$SEC_PY_PID" grep -q '^listening' "$RUN/stage2-server.log"
}
sec_server_py_stop() {
	[ -n "$SEC_PY_PID" ] || return 0
	kill "$SEC_PY_PID" 2>/dev/null
	wait "$SEC_PY_PID" 2>/dev/null
	SEC_PY_PID=
}

# sec_stage1_boot NAME: boot site A's firmware against the stand-in, until
# stage1 reports the refusal (or the boot's bound).
sec_stage1_boot() {
	: >"$RUN/stage2-server.log.$1"
	qemu_run "$1" "$SEC_TIMEOUT" "FAILED its signature check" \
		-kernel "$SEC_FW_A/ipxe.lkrn" -boot reboot-timeout=0
	cp "$RUN/stage2-server.log" "$RUN/stage2-server.log.$1"
}

# sec_keys_foreign: a stage2 signed under a root that is not the site's,
# and one signed by a code-signing certificate of the site's root whose
# name is not the signer stage1 requires.
sec_keys_foreign() {
	local d=$RUN/stage2-served k=$SITE/keys
	"$PODBOOT" keys init --dir "$RUN/foreign-keys" --server-name foreign \
		--algo rsa >/dev/null || return 1
	"$PODBOOT" sign "$d/good.ipxe" -o "$d/foreign.sig" \
		--keys "$RUN/foreign-keys" || return 1
	(
		umask 077
		printf '%s\n' basicConstraints=CA:FALSE \
			keyUsage=critical,digitalSignature \
			extendedKeyUsage=codeSigning >"$d/other-signer.ext" &&
		openssl req -new -newkey rsa:2048 -nodes -subj "/CN=podboot-other-signer" \
			-keyout "$d/other-signer.key" 2>/dev/null |
		openssl x509 -req -CA "$k/root.crt" -CAkey "$k/root.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 2 -extfile "$d/other-signer.ext" -out "$d/other-signer.crt" \
			2>/dev/null
	) || return 1
	"$PODBOOT" sign "$d/good.ipxe" -o "$d/other-signer.sig" \
		--key "$d/other-signer.key" --cert "$d/other-signer.crt" \
		--include "$k/root.crt"
}

# sec_pcap_only_server NAME PCAP...: every IP packet the guest sent in
# these captures went to the server (10.0.2.2) or was a DHCP broadcast.
sec_pcap_only_server() {
	local name=$1
	shift
	if python3 "$HERE/pcap-dests" --mac "$MAC" --allow 10.0.2.2 \
		--allow 255.255.255.255 --allow-ipv6-link-multicast "$@" \
		>"$RUN/pcap-dests-$name.txt" 2>&1; then
		ok "secure: $name: every packet from the guest went to 10.0.2.2 (or a DHCP broadcast, IPv6 link-local multicast): $(grep -c . "$RUN/pcap-dests-$name.txt") destinations"
	else
		bad "secure: $name: every packet from the guest went to 10.0.2.2 (or a DHCP broadcast)" \
			"$(grep DISALLOWED "$RUN/pcap-dests-$name.txt" | head -5)"
	fi
}

# sec_install_checks NAME [PLAIN]: the checks of an install boot to
# installed; PLAIN (an extended regex) matches the only paths the firmware
# may GET over plain HTTP (UEFI HTTP Boot's first stage), else none.
sec_install_checks() {
	local name=$1 plain=${2:-} log=$RUN/serial-$1.log tr
	check "secure: $name: boot ended by itself (the installer powered off)" \
		[ "$QEMU_RC" != 124 ]
	check "secure: $name: console: stage1 verified stage2" \
		in_file "podboot: stage2 verified" "$log"
	check "secure: $name: console: iPXE ran the install script of $NODE" \
		in_file "podboot: installing $NODE in pod demo" "$log"
	check "secure: $name: console: kernel $KVER ran the test initrd" \
		in_file "PODBOOT-E2E: init started, kernel $KVER" "$log"
	check "secure: $name: console: kickstart ok" \
		in_file "PODBOOT-E2E: kickstart ok \\(node $NODE\\)" "$log"
	check "secure: $name: console: installed reported" \
		in_file "PODBOOT-E2E: installed reported" "$log"
	check "secure: $name: API: $NODE is installed" [ "$(node_state)" = installed ]
	tr=$(node_transitions | paste -sd, -)
	if [ "$tr" = "armed -> booting,booting -> installing,installing -> installed" ]; then
		ok "secure: $name: events armed -> booting -> installing -> installed"
	else
		bad "secure: $name: events armed -> booting -> installing -> installed" "got: $tr"
	fi
	if [ -z "$plain" ]; then
		check "secure: $name: no plain HTTP on the wire (all TLS)" \
			sh -c "! grep -aq 'GET /' '$RUN/$name.pcap'"
	else
		check "secure: $name: no plain HTTP on the wire but UEFI HTTP Boot's GET $plain" \
			sh -c "! grep -ao 'GET /[^ ]*' '$RUN/$name.pcap' | grep -qvxE 'GET ($plain)'"
	fi
}

# sec_site_a: site A's boots (RSA, BIOS ipxe.lkrn).
sec_site_a() {
	local fw=$SEC_FW_A/ipxe.lkrn tr1 tr n
	site_use "$SEC_A"
	NIC_OPTS=,romfile=
	server_start || { bad "secure: site A server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "secure: rsa: node $NODE starts armed" [ "$(node_state)" = armed ]

	# -- install --
	qemu_run rsa-bios-install "$BOOT_TIMEOUT" "" -kernel "$fw" -boot reboot-timeout=0
	sec_install_checks rsa-bios-install
	tr1=$(node_transitions)

	# -- one-shot: the second boot gets local boot --
	if [ "$(node_state)" = installed ]; then
		qemu_run rsa-bios-again "$SEC_TIMEOUT" "stage2 ended without booting" \
			-kernel "$fw" -boot reboot-timeout=0
		S=$RUN/serial-rsa-bios-again.log
		check "secure: rsa-bios-again: boot ended within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
		check "secure: rsa-bios-again: stage1 verified stage2" \
			in_file "podboot: stage2 verified" "$S"
		check "secure: rsa-bios-again: stage2 was the local-boot script" \
			in_file "podboot: no install pending for this machine" "$S"
		check "secure: rsa-bios-again: no installer ran" \
			sh -c "! grep -aqE 'PODBOOT-E2E|podboot: installing' '$S'"
		n=$(sec_count "podboot: stage2 ended without booting" "$S")
		check "secure: rsa-bios-again: stage1 handed back once (no second sanboot; saw $n)" [ "$n" = 1 ]
		check "secure: rsa-bios-again: $NODE is still installed" [ "$(node_state)" = installed ]
		tr=$(node_transitions)
		check "secure: rsa-bios-again: no new transition of $NODE" [ "$tr" = "$tr1" ]
	else
		bad "secure: rsa-bios-again: skipped, the install did not complete"
	fi

	# -- tampered kernel, then tampered initrd: stage2 refuses each --
	local art what
	for art in vmlinuz initrd.img; do
		case $art in vmlinuz) what=kernel ;; *) what=initrd ;; esac
		if ! sec_tamper "demo-$art"; then
			bad "secure: tampered $what: blob of demo-$art found and changed"
			continue
		fi
		check "secure: tampered $what: re-arm $NODE" api "/api/v1/nodes/$NODE/rearm" -X POST
		qemu_run "rsa-bad-$what" "$SEC_TIMEOUT" "stage2 ended without booting" \
			-kernel "$fw" -boot reboot-timeout=0
		sec_refused_in_stage2 "rsa-bad-$what" "tampered $what"
		sec_untamper "demo-$art" ||
			bad "secure: tampered $what: original blob restored"
	done
	# What stage1 would get now: the stand-in's base for the next boots.
	mkdir -p "$RUN/stage2-served"
	check "re-arm $NODE for the stand-in's stage2" api "/api/v1/nodes/$NODE/rearm" -X POST
	curl -sS --max-time 10 --cacert "$ROOT" -o "$RUN/stage2-served/good.ipxe" \
		"$BASE/boot/stage2.ipxe?mac=52-54-00-00-00-01" 2>/dev/null
	curl -sS --max-time 10 --cacert "$ROOT" -o "$RUN/stage2-served/good.sig" \
		"$BASE/boot/stage2.ipxe.sig?mac=52-54-00-00-00-01" 2>/dev/null
	check "secure: the stand-in's stage2 verifies as served (podboot verify)" \
		"$PODBOOT" verify "$RUN/stage2-served/good.ipxe" \
		"$RUN/stage2-served/good.sig" --root "$ROOT" --signer podboot-codesign
	server_stop
	lap "secure: site A by podboot"

	# -- stage1 against the stand-in: tampered, foreign root, wrong signer --
	sec_keys_foreign >>"$RUN/init.log" 2>&1 ||
		bad "secure: foreign root and wrong signer signatures made" "$(tail -3 "$RUN/init.log")"
	local d=$RUN/stage2-served
	sec_server_py || { bad "secure: stand-in stage2 server start" "$(tail -3 "$RUN/stage2-server.log")"; return; }
	# One byte of the script changed, its signature unchanged.
	sed 's/^echo podboot: installing /echo podboot: installinG /' "$d/good.ipxe" >"$d/stage2.ipxe"
	cp "$d/good.sig" "$d/stage2.ipxe.sig"
	check "secure: tampered stage2 differs from the signed one by one byte" \
		[ "$(cmp -l "$d/good.ipxe" "$d/stage2.ipxe" | wc -l)" = 1 ]
	sec_stage1_boot rsa-bad-stage2
	sec_refused_in_stage1 rsa-bad-stage2 "tampered stage2" "$SEC_EBADSIG"

	cp "$d/good.ipxe" "$d/stage2.ipxe"
	cp "$d/foreign.sig" "$d/stage2.ipxe.sig"
	sec_stage1_boot rsa-foreign-root
	sec_refused_in_stage1 rsa-foreign-root "signed under a foreign root" "$SEC_EUNTRUSTED"

	cp "$d/other-signer.sig" "$d/stage2.ipxe.sig"
	sec_stage1_boot rsa-wrong-signer
	sec_refused_in_stage1 rsa-wrong-signer "signer podboot-other-signer, not podboot-codesign" "$SEC_EWRONGNAME"
	sec_server_py_stop
	lap "secure: site A stand-in"

	sec_pcap_only_server "site A (rsa, $(ls "$RUN"/rsa-*.pcap | wc -l) boots)" "$RUN"/rsa-*.pcap
	NIC_OPTS=
}

# sec_site_b: site B's boot (ECDSA, UEFI: OVMF with ipxe-efi.iso).
sec_site_b() {
	site_use "$SEC_B"
	NIC_OPTS=,romfile=
	cp "$OVMF_VARS" "$RUN/ovmf-vars.fd"
	server_start || { bad "secure: site B server start" "$(tail -5 "$SITE/serve.log")"; return; }
	check "secure: ecdsa: node $NODE starts armed" [ "$(node_state)" = armed ]
	check "secure: ecdsa: the site's root is an ECDSA key" \
		sh -c "openssl x509 -in '$ROOT' -noout -text | grep -q id-ecPublicKey"
	qemu_run ecdsa-uefi-install "$BOOT_TIMEOUT" "" \
		-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$RUN/ovmf-vars.fd" \
		-cdrom "$SEC_FW_B/ipxe-efi.iso" -boot order=d
	sec_install_checks ecdsa-uefi-install
	check "secure: ecdsa-uefi-install: iPXE ran as UEFI (platform efi)" \
		in_file "\\(efi x86_64\\)" "$RUN/serial-ecdsa-uefi-install.log"
	server_stop
	sec_pcap_only_server "site B (ecdsa, uefi)" "$RUN"/ecdsa-*.pcap
	NIC_OPTS=
}

# sec_media FIRMWARE KIND: pod media (static addresses) boots as a CD.
sec_media() {
	local kind=$1 name=media-$1 log
	shift
	log=$RUN/serial-$name.log
	check "secure: $name: re-arm $NODE" api "/api/v1/nodes/$NODE/rearm" -X POST
	# Stopped once stage2 runs: the installer itself is the other boots'.
	qemu_run "$name" "$SEC_TIMEOUT" "podboot: installing $NODE" \
		-cdrom "$SEC_FW_M/ipxe.iso" "$@"
	check "secure: $name: stage2 ran within ${SEC_TIMEOUT}s" [ "$QEMU_RC" != 124 ]
	check "secure: $name: stage1 took the static address $SEC_STATIC_IP" \
		in_file "podboot: static address $SEC_STATIC_IP netmask 255.255.255.0" "$log"
	check "secure: $name: stage1 verified stage2 and ran the install script" \
		sh -c "grep -aq 'podboot: stage2 verified' '$log' &&
			grep -aq 'podboot: installing $NODE in pod demo' '$log'"
	# (Linux, had it started in the moment before QEMU was stopped, would
	# send DHCP: then this fails, never passes wrongly.)
	check "secure: $name: iPXE sent no DHCP (static), no installer ran" \
		sh -c "! grep -aq PODBOOT-E2E '$log' &&
			! python3 '$HERE/pcap-dests' --mac '$MAC' --allow 10.0.2.2 \
			--allow-ipv6-link-multicast '$RUN/$name.pcap' | grep -q 'udp/67'"
	check "secure: $name: $NODE went booting (the server served its install script)" \
		[ "$(node_state)" = booting ]
}

# sec_site_media: the pod media of site A, BIOS then UEFI.
sec_site_media() {
	site_use "$SEC_A"
	NIC_OPTS=,romfile=
	server_start || { bad "secure: media server start" "$(tail -5 "$SITE/serve.log")"; return; }
	sec_media bios -boot order=d
	cp "$OVMF_VARS" "$RUN/ovmf-vars-media.fd"
	sec_media uefi -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
		-drive "if=pflash,format=raw,file=$RUN/ovmf-vars-media.fd" -boot order=d
	server_stop
	sec_pcap_only_server "media" "$RUN"/media-*.pcap
	NIC_OPTS=
}

# secure_leg: wait for the firmware builds, then boot.
secure_leg() {
	leg_has_ipxe secure || return
	if [ -z "${SEC_A:-}" ] || [ -z "$SEC_FW_PID" ]; then
		bad "secure: sites set up" "$(tail -5 "$RUN/init.log")"
		return
	fi
	[ -r "$OVMF_CODE" ] && [ -r "$OVMF_VARS" ] ||
		bad "secure: OVMF firmware at $OVMF_CODE (Debian package ovmf; scripts/deps)"
	say "secure: waiting for the firmware builds"
	wait "$SEC_FW_PID"
	SEC_FW_PID=
	local n
	for n in rsa ecdsa media; do
		say "secure: make firmware ($n): $(cat "$RUN/fw-$n.secs" 2>/dev/null)s (log $RUN/firmware-$n.log)"
	done
	lap "secure: firmware builds (waited for)"
	SEC_FW_A=$RUN/fw-rsa/firmware SEC_FW_B=$RUN/fw-ecdsa/firmware
	SEC_FW_M=$RUN/fw-media/firmware/e2epod
	check "secure: make firmware (RSA site) built ipxe.lkrn" [ -s "$SEC_FW_A/ipxe.lkrn" ]
	check "secure: make firmware (ECDSA site) built ipxe-efi.iso" [ -s "$SEC_FW_B/ipxe-efi.iso" ]
	check "secure: make media (static pod) built ipxe.iso" [ -s "$SEC_FW_M/ipxe.iso" ]
	if [ -f "$IPXE_SRC" ]; then
		check "secure: BUILD-INFO names the iPXE tarball's digest" \
			grep -q "sha256 $(sha256sum "$IPXE_SRC" | cut -c1-64)" "$SEC_FW_A/BUILD-INFO"
	fi
	if [ -s "$SEC_FW_A/ipxe.lkrn" ]; then
		sec_site_a
		lap "secure: site A"
	else
		diag_build rsa
	fi
	if [ -s "$SEC_FW_B/ipxe-efi.iso" ]; then
		sec_site_b
		lap "secure: site B"
	else
		diag_build ecdsa
	fi
	if [ -s "$SEC_FW_M/ipxe.iso" ]; then
		sec_site_media
		lap "secure: media"
	else
		diag_build media
	fi
}
# sec_cleanup: the background builds and the stand-in server (boot.sh's
# exit trap).
sec_cleanup() {
	if [ -n "$SEC_FW_PID" ]; then
		kill "$SEC_FW_PID" 2>/dev/null
		wait "$SEC_FW_PID" 2>/dev/null
		SEC_FW_PID=
	fi
	sec_server_py_stop
}
diag_build() {
	bad "secure: firmware $1 built" "$(tail -10 "$RUN/firmware-$1.log")"
}
