#!/usr/bin/python3
"""slow-conns.py: clients that take or send a body slowly over TLS.

Usage:
  slow-conns.py get HOST PORT CAFILE SOURCES N PATH RATE DEADLINE [BURST]
  slow-conns.py put HOST PORT CAFILE SOURCE PATH TOKEN SIZE RATE DEADLINE

get: from each address in SOURCES (comma-separated), N connections that
ask GET PATH and read the body at RATE bytes/s each (after the first
BURST bytes of it, read as fast as they come).  put: one upload of
SIZE bytes to PATH, sent at RATE bytes/s.  Every connection ends on its
own: the server answers and closes (503), cuts it, or it finishes; or
DEADLINE seconds pass.  Prints one line per outcome:

  get: "ok200 A busy503 B retry_after R refused F cut C done D open O
        cut_after_min S"
  put: "status CODE cut CUT sent BYTES seconds S"

(busy503: answered 503; retry_after: those with a Retry-After header;
refused: closed before any reply; cut: a 200 whose body stopped short;
done: a 200 read in full; open: still open at the deadline;
cut_after_min: the shortest time from start to a cut, in seconds.)
"""
import socket
import ssl
import sys
import threading
import time

CHUNK = 256


def tls_connect(host, port, cafile, source):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # A small receive window: the client really takes RATE bytes/s,
    # nothing piles up in its buffers.
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.bind((source, 0))
    raw.settimeout(10)
    raw.connect((host, port))
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = s.recv(1024)
        if not data:
            return None, buf
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), rest


def one_get(host, port, cafile, source, path, rate, deadline, burst, out,
            lock):
    start = time.monotonic()
    outcome, when = "refused", 0.0
    try:
        s = tls_connect(host, port, cafile, source)
        s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % path)
                  .encode())
        head, rest = read_head(s)
        if head is None:
            raise OSError("closed before a reply")
        status = head.split(" ", 2)[1]
        lines = head.lower().split("\r\n")
        if status == "503":
            outcome = "busy503"
            if any(l.startswith("retry-after:") for l in lines):
                with lock:
                    out["retry_after"] += 1
        elif status == "200":
            length = [int(l.split(":", 1)[1]) for l in lines
                      if l.startswith("content-length:")][0]
            got = len(rest)
            outcome = "open"
            while time.monotonic() - start < deadline:
                fast = got < burst
                try:
                    data = s.recv(65536 if fast else CHUNK)
                except (OSError, ssl.SSLError):
                    data = b""
                got += len(data)
                if got >= length:
                    outcome = "done"
                    break
                if not data:
                    outcome, when = "cut", time.monotonic() - start
                    break
                if not fast:
                    time.sleep(CHUNK / rate)
        else:
            outcome = "other"
        s.close()
    except (OSError, ssl.SSLError, IndexError, ValueError):
        pass
    with lock:
        out[outcome] = out.get(outcome, 0) + 1
        if outcome == "cut":
            out["cut_after"].append(when)


def cmd_get(argv):
    host, port, cafile, sources, n, path, rate, deadline = argv[:8]
    burst = int(argv[8]) if len(argv) > 8 else 0
    out = {"ok200": 0, "busy503": 0, "retry_after": 0, "refused": 0,
           "cut": 0, "done": 0, "open": 0, "other": 0, "cut_after": []}
    lock = threading.Lock()
    threads = []
    for source in sources.split(","):
        for _ in range(int(n)):
            t = threading.Thread(target=one_get, args=(
                host, int(port), cafile, source, path, float(rate),
                float(deadline), burst, out, lock))
            t.start()
            threads.append(t)
    for t in threads:
        t.join()
    out["ok200"] = out["cut"] + out["done"] + out["open"]
    print("ok200 %d busy503 %d retry_after %d refused %d cut %d done %d "
          "open %d cut_after_min %.1f" % (
              out["ok200"], out["busy503"], out["retry_after"],
              out["refused"], out["cut"], out["done"], out["open"],
              min(out["cut_after"]) if out["cut_after"] else -1))


def cmd_put(argv):
    host, port, cafile, source, path, token, size, rate, deadline = argv
    size, rate, deadline = int(size), float(rate), float(deadline)
    start = time.monotonic()
    s = tls_connect(host, int(port), cafile, source)
    s.sendall(("PUT %s HTTP/1.1\r\nHost: localhost\r\n"
               "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n"
               % (path, token, size)).encode())
    sent, cut, status = 0, 0, "none"
    chunk = b"x" * CHUNK
    s.settimeout(0.01)
    while sent < size and time.monotonic() - start < deadline:
        try:
            s.sendall(chunk[:min(CHUNK, size - sent)])
            sent += min(CHUNK, size - sent)
        except socket.timeout:
            pass
        except (OSError, ssl.SSLError):
            cut = 1
            break
        try:
            data = s.recv(4096)
            if not data:
                cut = 1
                break
            status = data.split(b" ", 2)[1].decode()
            break
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        except (OSError, ssl.SSLError):
            cut = 1
            break
        time.sleep(CHUNK / rate)
    print("status %s cut %d sent %d seconds %.1f"
          % (status, cut, sent, time.monotonic() - start))


if __name__ == "__main__":
    {"get": cmd_get, "put": cmd_put}[sys.argv[1]](sys.argv[2:])
