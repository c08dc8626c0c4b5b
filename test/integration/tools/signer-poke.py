#!/usr/bin/python3
"""signer-poke.py: send the signer process a raw request, as a compromised
request side could, and print the signer's answer.

Usage: signer-poke.py SERVE_PID KIND
Takes a copy of one of SERVE_PID's channels to its signer (an AF_UNIX
SOCK_SEQPACKET socket) with pidfd_getfd(2), sends one datagram and
prints the reply's type and result code ("reply type T rc R"), or
"no reply".  KIND is one of:
  unknown    a header with type 99 and no body
  oversized  a SIGN header followed by 70000 bytes
  short      3 bytes
  badhash    a SIGN request naming SHA-256 with a 31-byte hash
  ident      a well-formed IDENT request (the control: rc 0)
For tests only: run it while the server is idle, so that no request of
the server's own shares the channel.
"""
import ctypes
import os
import select
import socket
import struct
import sys

SYS_PIDFD_GETFD = 438
SEQPACKET = "0005"
SIGN, IDENT = 1, 2
MD_SHA256 = 6  # mbedtls_md_type_t


def seqpacket_inodes():
    inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[4] == SEQPACKET:
                inodes.add(fields[6])
    return inodes


def channel_fd(pid):
    inodes = seqpacket_inodes()
    for name in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return int(name)
    return None


def request(kind):
    if kind == "unknown":
        return struct.pack("=II", 99, 0)
    if kind == "oversized":
        return struct.pack("=II", SIGN, 70000) + b"\0" * 70000
    if kind == "short":
        return b"\1\0\0"
    body = struct.pack("=II", MD_SHA256, 31) + b"\x42" * 128
    if kind == "badhash":
        return struct.pack("=II", SIGN, len(body)) + body
    if kind == "ident":
        return struct.pack("=II", IDENT, 0)
    raise SystemExit("unknown KIND " + kind)


def main():
    pid, kind = int(sys.argv[1]), sys.argv[2]
    target = channel_fd(pid)
    if target is None:
        print("no channel found")
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, target, 0)
    if fd < 0:
        print("pidfd_getfd: %s" % os.strerror(ctypes.get_errno()))
        return 2
    s = socket.socket(fileno=fd)
    s.send(request(kind))
    r, _, _ = select.select([s], [], [], 10)
    if not r:
        print("no reply")
        return 1
    data = s.recv(70000)
    if len(data) < 16:
        print("short reply (%d bytes)" % len(data))
        return 1
    rtype, _, rc = struct.unpack("=IIi", data[:12])
    print("reply type %d rc %d" % (rtype, rc))
    s.detach()
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
