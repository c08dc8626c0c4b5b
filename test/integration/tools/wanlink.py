#!/usr/bin/python3
"""wanlink.py: a pod's WAN link in userspace (test/bench/cache.sh, the
QEMU cache leg test/e2e/cache.sh).

Usage: wanlink.py PORT UPSTREAM_PORT COUNT_FILE MBIT RTT_MS

Listens on 127.0.0.1:PORT and relays each TCP connection to
127.0.0.1:UPSTREAM_PORT (TLS passes through untouched), as the one link
between a pod and the central site:
  - every byte from upstream (central -> pod), whatever its connection,
    takes tokens from one bucket of MBIT megabits a second: the link's
    capacity is shared, as a real link's is;
  - every chunk, both ways, is delivered RTT_MS / 2 after it was read.
COUNT_FILE holds "CONNECTIONS BYTES" (connections accepted, bytes sent
from upstream to the pod side), rewritten after every chunk (linkcount.py,
shared with cutproxy.py).  Prints "listening" once it listens.  The kernel of the test machine has no
sch_netem; this needs nothing but loopback.
"""
import collections
import socket
import sys
import threading
import time

from linkcount import Count, serve_forever

port, up_port, count_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rate = float(sys.argv[4]) * 1e6 / 8          # bytes per second
delay = float(sys.argv[5]) / 2000.0          # one way, seconds
CHUNK = 16384
BURST = 64 * 1024                            # what the link queues at once

lock = threading.Lock()
bucket = {"tokens": float(BURST), "t": time.monotonic()}
count = Count(count_file)


def take(n):
    """Take @n bytes from the shared bucket; sleep for what is owed."""
    with lock:
        now = time.monotonic()
        bucket["tokens"] = min(BURST, bucket["tokens"] +
                               (now - bucket["t"]) * rate)
        bucket["t"] = now
        bucket["tokens"] -= n
        owed = -bucket["tokens"] / rate if bucket["tokens"] < 0 else 0.0
    if owed > 0:
        time.sleep(owed)


def deliver(q, cv, dst):
    """Send each queued chunk once its time has come; None ends it."""
    while True:
        with cv:
            while not q:
                cv.wait()
            at, data = q.popleft()
        if data is None:
            break
        wait = at - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            dst.sendall(data)
        except OSError:
            break
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def pipe(src, dst, down):
    """Read @src, pace (towards the pod) and delay, write to @dst."""
    q, cv = collections.deque(), threading.Condition()
    writer = threading.Thread(target=deliver, args=(q, cv, dst), daemon=True)
    writer.start()
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            if down:
                take(len(data))
                count.add(len(data))
            with cv:
                q.append((time.monotonic() + delay, data))
                cv.notify()
    except OSError:
        pass
    with cv:
        q.append((0, None))
        cv.notify()
    writer.join()


serve_forever(port, up_port, count, pipe)
