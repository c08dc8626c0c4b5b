#!/usr/bin/python3
"""keepalive.py: one HTTPS keep-alive client, for the drain tests.

Usage: keepalive.py PORT CA PATH STATE MODE
Connects to localhost:PORT (TLS, trusting only CA) and asks GET PATH.
STATE is rewritten after every answer with "answers N closes C cuts K".
MODE:
  loop       ask again and again on the one connection until an answer
             says "Connection: close" (exit 0) or the connection breaks
             without one (a cut: exit 1)
  reconnect  the same, but after an answer that closes, connect again and
             go on; stops when the file STATE.stop exists (exit 0), or at
             a cut or a refused connection (exit 1)
  idle       ask once, then hold the connection without a word until the
             server closes it: "idle-closed" is appended to STATE (exit 0)
"""
import http.client
import os
import ssl
import sys

port, ca, path, state, mode = (int(sys.argv[1]), sys.argv[2], sys.argv[3],
                               sys.argv[4], sys.argv[5])
ctx = ssl.create_default_context(cafile=ca)
tally = {"answers": 0, "closes": 0, "cuts": 0}


def write(extra=""):
    """Rewrite STATE with the tally (and @extra)."""
    with open(state + ".tmp", "w") as f:
        f.write("answers %(answers)d closes %(closes)d cuts %(cuts)d\n"
                % tally + extra)
    os.replace(state + ".tmp", state)


def ask(conn):
    """One GET on @conn; True when its answer closes the connection."""
    conn.request("GET", path, headers={"Connection": "keep-alive"})
    resp = conn.getresponse()
    resp.read()
    tally["answers"] += 1
    closes = (resp.getheader("Connection") or "").lower() == "close"
    tally["closes"] += closes
    write()
    return closes


conn = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=60)
if mode == "idle":
    ask(conn)
    try:
        while conn.sock.recv(1):
            pass
    except (OSError, ssl.SSLError):
        pass
    write("idle-closed\n")
    sys.exit(0)
while True:
    if mode == "reconnect" and os.path.exists(state + ".stop"):
        sys.exit(0)
    try:
        if not ask(conn):
            continue
    except (OSError, http.client.HTTPException):
        tally["cuts"] += 1
        write()
        sys.exit(1)
    if mode == "loop":
        sys.exit(0)
    conn.close()
    conn = http.client.HTTPSConnection("localhost", port, context=ctx,
                                       timeout=60)
