#!/usr/bin/python3
"""race-pair.py: ask two servers for the same thing at the same moment.

race-pair.py CAFILE PORT_A PORT_B OUTDIR PATH...: for each PATH (a URL
path with its query), one TLS connection to https://localhost:PORT_A and
one to PORT_B are opened first; then both threads wait on a barrier and
send their GET together, so that the two requests reach the servers within
a fraction of a millisecond of each other.  Each body is written to
OUTDIR/N-PORT (N counting the paths from 1); the exit status is 0 when
every request got an answer.
"""
import http.client
import ssl
import sys
import threading

CA, PA, PB, OUT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
PATHS = sys.argv[5:]
CTX = ssl.create_default_context(cafile=CA)
failed = []


def fetch(port, path, n, barrier):
    """One GET of path on port, sent when barrier releases."""
    try:
        c = http.client.HTTPSConnection("localhost", port, context=CTX,
                                        timeout=30)
        c.connect()
        barrier.wait()
        c.request("GET", path)
        body = c.getresponse().read()
        with open("%s/%d-%d" % (OUT, n, port), "wb") as f:
            f.write(body)
        c.close()
    except (OSError, threading.BrokenBarrierError, http.client.HTTPException):
        failed.append(path)


for n, path in enumerate(PATHS, 1):
    barrier = threading.Barrier(2, timeout=30)
    threads = [threading.Thread(target=fetch, args=(p, path, n, barrier))
               for p in (PA, PB)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
sys.exit(1 if failed else 0)
