#!/usr/bin/python3
"""stall-readers.py: machines that start a download and then stop reading.

Usage: stall-readers.py PORT CAFILE PATH N GO_FILE DEADLINE

Opens N TLS connections to 127.0.0.1:PORT (each with a small receive
buffer), asks GET PATH on each, and reads until the answer's head and
its first body bytes are in.  Then it stops reading, prints
"held N" and waits until GO_FILE exists; then it reads every answer to
its end and prints, per connection, "conn I status S bytes B sha256 HEX"
(B: the body bytes, against Content-Length), and at last
"whole W of N".  Exits 0 when all N got their whole body.  It stops by
itself after DEADLINE seconds whatever happened (exit 2).
"""
import hashlib
import os
import socket
import ssl
import sys
import time

port, cafile, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
n, go_file, deadline = int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
end = time.monotonic() + deadline
RCVBUF = 8192


def left():
    """Seconds until the deadline; exits 2 once it has passed."""
    t = end - time.monotonic()
    if t <= 0:
        print("deadline passed", flush=True)
        sys.exit(2)
    return t


def start(i):
    """Connection @i: the request sent, the head and a first byte read."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    raw.settimeout(left())
    raw.connect(("127.0.0.1", port))
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    s = ctx.wrap_socket(raw)
    s.sendall(("GET %s HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n"
               "\r\n" % path).encode())
    got = b""
    while b"\r\n\r\n" not in got or got.endswith(b"\r\n\r\n"):
        s.settimeout(left())
        data = s.recv(4096)
        if not data:
            break
        got += data
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    length = -1
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    h = hashlib.sha256(body)
    return {"sock": s, "status": status, "length": length,
            "bytes": len(body), "hash": h}


def finish(c):
    """Read connection @c to its end (Content-Length or close)."""
    s = c["sock"]
    while c["length"] < 0 or c["bytes"] < c["length"]:
        s.settimeout(left())
        try:
            data = s.recv(65536)
        except (OSError, ssl.SSLError):
            break
        if not data:
            break
        c["bytes"] += len(data)
        c["hash"].update(data)
    s.close()


conns = [start(i) for i in range(n)]
print("held %d" % n, flush=True)
while not os.path.exists(go_file):
    time.sleep(min(0.05, left()))
whole = 0
for i, c in enumerate(conns):
    finish(c)
    ok = c["status"] == 200 and c["bytes"] == c["length"]
    whole += ok
    print("conn %d status %d bytes %d sha256 %s" % (
        i, c["status"], c["bytes"], c["hash"].hexdigest()), flush=True)
print("whole %d of %d" % (whole, n), flush=True)
sys.exit(0 if whole == n else 1)
