#!/usr/bin/env python3
"""dhcp-sniff.py IFACE SECONDS: print one line per DHCPv4 packet seen on
IFACE (either way) until SECONDS pass:

    op=request|reply giaddr=A chaddr=MAC type=N circuit=C remote=R

circuit and remote are option 82's sub-options 1 and 2 as text ("-" when
the packet carries none).  It only reads frames (a packet socket); for
the integration tests' namespaces."""
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003


def options(data):
    """The DHCP options after the magic cookie, as {code: bytes}."""
    out, i = {}, 0
    while i < len(data):
        code = data[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(data):
            break
        n = data[i + 1]
        out[code] = data[i + 2:i + 2 + n]
        i += 2 + n
    return out


def suboptions(data):
    """Option 82's sub-options, as {code: bytes}."""
    out, i = {}, 0
    while i + 1 < len(data):
        out[data[i]] = data[i + 2:i + 2 + data[i + 1]]
        i += 2 + data[i + 1]
    return out


def text(b):
    """Sub-option bytes as printable text, "-" when absent."""
    if b is None:
        return "-"
    return "".join(chr(c) if 0x21 <= c <= 0x7e else "\\x%02x" % c for c in b)


def describe(frame):
    """One line for a DHCP frame, or None for any other frame."""
    if len(frame) < 14 + 20 + 8 + 240 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0f) * 4
    if ip[9] != 17:
        return None
    sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
    if 67 not in (sport, dport):
        return None
    bootp = ip[ihl + 8:]
    if len(bootp) < 240 or bootp[236:240] != b"\x63\x82\x53\x63":
        return None
    opts = options(bootp[240:])
    rai = suboptions(opts.get(82, b""))
    op = "request" if bootp[0] == 1 else "reply"
    mac = ":".join("%02x" % c for c in bootp[28:34])
    mtype = opts.get(53, b"\x00")[0]
    return "op=%s giaddr=%s chaddr=%s type=%d circuit=%s remote=%s" % (
        op, socket.inet_ntoa(bootp[24:28]), mac, mtype,
        text(rai.get(1)), text(rai.get(2)))


def main():
    iface, secs = sys.argv[1], float(sys.argv[2])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    end = time.monotonic() + secs
    print("sniffing %s" % iface, flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return 0
        s.settimeout(left)
        try:
            frame = s.recv(65535)
        except socket.timeout:
            return 0
        line = describe(frame)
        if line:
            print(line, flush=True)


if __name__ == "__main__":
    sys.exit(main())
