#!/usr/bin/python3
"""cutproxy.py: a loopback TCP proxy that counts and can cut a transfer.

Usage: cutproxy.py PORT UPSTREAM_PORT COUNT_FILE [CUT_AFTER [RATE]]
Listens on 127.0.0.1:PORT and relays each connection to
127.0.0.1:UPSTREAM_PORT (TLS passes through untouched).  After every
chunk it rewrites COUNT_FILE with "CONNECTIONS BYTES": connections
accepted and bytes sent from upstream to clients, all connections
together (linkcount.py, shared with wanlink.py).  With CUT_AFTER > 0, the first connection that carries more
than CUT_AFTER bytes from upstream is cut there (both sides closed): a
WAN drop in the middle of a download, once.  RATE (bytes/s, 0 for none)
slows what upstream sends, so that a download takes long enough to be
watched.  Prints "listening" once it listens.

When a connection ends, a line "records R down B" is appended to
COUNT_FILE.conns: R the TLS application-data records the client sent on
it (TLS 1.2 record headers, read as they pass), B the bytes upstream
sent on it.  A client that writes two requests at once sends one record.
"""
import socket
import sys
import threading
import time

from linkcount import Count, serve_forever

port, up_port, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cut_after = int(sys.argv[4]) if len(sys.argv) > 4 else 0
rate = int(sys.argv[5]) if len(sys.argv) > 5 else 0
lock = threading.Lock()
state = {"cut": cut_after <= 0}
count = Count(count_file)
conns = {}      # the client's socket: [records, down bytes, directions done]


def records(buf, n):
    """Application-data records whose headers are in @buf (the client's
    bytes not yet parsed); returns (count, bytes still to skip in the
    current record or -missing header bytes, rest of @buf unparsed)."""
    found = 0
    while True:
        if n > 0:
            skip = min(n, len(buf))
            buf, n = buf[skip:], n - skip
            if n:
                return found, n, buf
        if len(buf) < 5:
            return found, 0, buf
        if buf[0] == 23:
            found += 1
        n = 5 + int.from_bytes(buf[3:5], "big")


def done(key, recs, down):
    """One direction of connection @key ended; the second writes its line."""
    with lock:
        c = conns.setdefault(key, [0, 0, 0])
        c[0] += recs
        c[1] += down
        c[2] += 1
        if c[2] < 2:
            return
        del conns[key]
        with open(count_file + ".conns", "a") as f:
            f.write("records %d down %d\n" % (c[0], c[1]))


def pipe(src, dst, down):
    """Carry @src to @dst; towards the client (@down) slowed, counted and
    cut once, as the options say."""
    sent = recs = skip = 0
    head = b""
    try:
        while True:
            data = src.recv(16384)
            if not data:
                break
            if not down:
                found, skip, head = records(head + data, skip)
                recs += found
            if down:
                with lock:
                    cut = not state["cut"] and sent + len(data) > cut_after
                    if cut:
                        state["cut"] = True
                if cut:
                    keep = cut_after - sent
                    dst.sendall(data[:keep])
                    count.add(keep)
                    break
                if rate:
                    time.sleep(len(data) / rate)
                dst.sendall(data)
                sent += len(data)
                count.add(len(data))
            else:
                dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    done(dst if down else src, recs, sent)


serve_forever(port, up_port, count, pipe, backlog=64)
