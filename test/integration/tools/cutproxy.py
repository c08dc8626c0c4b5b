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


def pipe(src, dst, down):
    """Carry @src to @dst; towards the client (@down) slowed, counted and
    cut once, as the options say."""
    sent = 0
    try:
        while True:
            data = src.recv(16384)
            if not data:
                break
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


serve_forever(port, up_port, count, pipe, backlog=64)
