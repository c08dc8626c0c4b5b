#!/bin/busybox sh
# shellcheck shell=dash
# /init of the e2e test's installer initrd (busybox only).  Stands in for a
# real installer: network up by DHCP, kickstart from ks= on the kernel
# command line, report "installed" with the node token, power off.
# Every line for the test starts with "PODBOOT-E2E: " on the serial console.

/bin/busybox mkdir -p /dev /proc /sys /tmp /sbin /usr/bin /usr/sbin /run
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys

say() { echo "PODBOOT-E2E: $*"; }
# Never return from /init (the kernel would panic): say why and power off.
fail() {
	say "FAILED: $*"
	sync
	poweroff -f
	sleep 60
}

# A stuck step must not hold the machine until the host's timeout.
(sleep 120; fail "init watchdog fired") &

say "init started, kernel $(uname -r)"

# The Debian iPXE leg of boot.sh ("podboot_e2e=tls" on the command line):
# iPXE fetched stage2 and its signature over HTTPS and passed them in as
# /stage2.ipxe and /stage2.ipxe.sig (named initrds).  Print the query and
# their bytes (base64) for the test to compare and verify on the host,
# then power off: no network, no kickstart.
case " $(cat /proc/cmdline) " in
*" podboot_e2e=tls "*)
	# The query iPXE sent (stage1's), passed on the command line.
	for w in $(cat /proc/cmdline); do
		case $w in podboot_q=*) echo "PODBOOT-TLS: query ${w#podboot_q=}" ;; esac
	done
	for f in stage2.ipxe stage2.ipxe.sig; do
		if [ -f "/$f" ]; then
			echo "PODBOOT-TLS: sha256 $(sha256sum "/$f")"
			echo "PODBOOT-TLS: begin $f"
			base64 "/$f"
			echo "PODBOOT-TLS: end $f"
		else
			echo "PODBOOT-TLS: missing /$f"
		fi
	done
	echo "PODBOOT-TLS: powering off"
	sync
	poweroff -f
	sleep 60
	;;
esac

# Driver modules (and their dependencies, in load order), if the kernel has
# the NIC driver as a module.
if [ -f /lib/modules/load-order ]; then
	for m in $(cat /lib/modules/load-order); do
		insmod "/lib/modules/$m.ko" || fail "insmod $m"
	done
fi
i=0
while [ ! -e /sys/class/net/eth0 ]; do
	i=$((i + 1))
	[ "$i" -gt 100 ] && fail "no eth0 (NIC driver missing?)"
	sleep 0.1
done
ip link set lo up
ip link set eth0 up
udhcpc -i eth0 -s /etc/udhcpc.script -f -q -n -t 10 -T 2 ||
	fail "no DHCP lease on eth0"
say "network up: $(ip -4 -o addr show eth0 | awk '{print $4}')"

ks=
for w in $(cat /proc/cmdline); do
	case $w in ks=*) ks=${w#ks=} ;; esac
done
[ -n "$ks" ] || fail "no ks= on the kernel command line: $(cat /proc/cmdline)"
say "kickstart url $ks"
timeout 30 wget -q -O /tmp/ks "$ks" || fail "kickstart fetch failed"
INSTALLED=$(sed -n 's/^INSTALLED=//p' /tmp/ks)
TOKEN=$(sed -n 's/^TOKEN=//p' /tmp/ks)
NODE=$(sed -n 's/^NODE=//p' /tmp/ks)
[ -n "$INSTALLED" ] && [ -n "$TOKEN" ] ||
	fail "kickstart lacks INSTALLED= or TOKEN=: $(head -c 300 /tmp/ks)"
say "kickstart ok (node $NODE)"

# The "install": nothing to write; report it done.
timeout 30 wget -q -O /tmp/reply --header "Authorization: Bearer $TOKEN" \
	--post-data "" "$INSTALLED" || fail "installed report to $INSTALLED failed"
say "installed reported: $(cat /tmp/reply)"

# The installed node's agent: one collection pushed over HTTPS, trusting
# only the podboot root the kickstart carried, with the node token.
AGENT_SERVER=$(sed -n 's/^AGENT_SERVER=//p' /tmp/ks)
sed -n '/^-----BEGIN PODBOOT ROOT-----$/,/^-----END PODBOOT ROOT-----$/p' /tmp/ks |
	sed '1d;$d' >/tmp/root.crt
sed -n '/-----BEGIN CERTIFICATE-----/,$p' /tmp/ks | grep -q END ||
	say "kickstart carries no root certificate"
umask 077
printf '%s\n' "$TOKEN" >/tmp/token
mkdir -p /tmp/spool
if [ -x /bin/podboot-agent ] && [ -n "$AGENT_SERVER" ]; then
	if timeout 60 /bin/podboot-agent --once --server "$AGENT_SERVER" \
		--ca /tmp/root.crt --token-file /tmp/token --spool /tmp/spool; then
		say "agent pushed"
	else
		say "agent push failed (status $?)"
	fi
fi
say "powering off"
sync
poweroff -f
sleep 60
