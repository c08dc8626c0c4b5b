#!/usr/bin/python3
"""hold-conns.py: a scanner that never finishes its TLS handshake.

Usage: hold-conns.py HOST PORT SOURCE N DEADLINE [TIMEOUT]
Opens N TCP connections from SOURCE to HOST:PORT; every other one sends
half a ClientHello, the rest nothing.  Then waits, at most DEADLINE
seconds, for the server to close each one.  Prints "accepted A closed C
seconds S" (A: connections the server did not refuse) and exits 0 when
every accepted connection was closed by the server in time.  A connection
closed sooner than TIMEOUT seconds (the server's idle timeout, default 2)
after it was opened cannot have timed out: it was refused by a limit.
That holds on a loaded machine too (the server's timer starts at accept,
after the connect began).
"""
import select
import socket
import sys
import time

host, port, source, n, deadline = (sys.argv[1], int(sys.argv[2]),
                                   sys.argv[3], int(sys.argv[4]),
                                   float(sys.argv[5]))
timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 2.0
# A TLS record header announcing 512 bytes of handshake, and only 5 of them.
HALF_HELLO = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03])
socks = []
opened = {}
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    # Stamped before the connect: the server's accept, and so its timer,
    # can only come later.
    opened[s] = time.monotonic()
    s.connect((host, port))
    if i % 2:
        s.sendall(HALF_HELLO)
    socks.append(s)
start = time.monotonic()
open_socks = set(socks)
closed = 0
refused = 0
while open_socks and time.monotonic() - start < deadline:
    ready, _, _ = select.select(list(open_socks), [], [], 0.2)
    for s in ready:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            open_socks.discard(s)
            # Closed before the idle timeout could fire: refused by a
            # limit, not timed out.
            if time.monotonic() - opened[s] < timeout:
                refused += 1
            else:
                closed += 1
elapsed = time.monotonic() - start
print("accepted %d closed %d seconds %.1f" % (n - refused, closed, elapsed))
sys.exit(0 if not open_socks else 1)
