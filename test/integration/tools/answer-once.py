#!/usr/bin/python3
"""answer-once.py: an HTTPS upstream that gives one fixed answer.

Usage: answer-once.py PORT CERT KEY ANSWER DEADLINE
Listens on 127.0.0.1:PORT with CERT and KEY, accepts one connection,
reads one request (its head, then Content-Length bytes of body), sends
ANSWER (printf-style escapes such as \\r\\n are decoded) and keeps the
connection open until the client closes it, or DEADLINE seconds in all.
Prints "listening" once it listens and "answered" once the answer is
sent.  For tests: a complete,
well-framed reply that the client must judge by its content alone.
"""
import socket
import ssl
import sys
import time

port, cert, key, answer, deadline = (int(sys.argv[1]), sys.argv[2],
                                     sys.argv[3], sys.argv[4],
                                     float(sys.argv[5]))
answer = answer.encode().decode("unicode_escape").encode("latin-1")
end = time.monotonic() + deadline
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
print("listening", flush=True)
srv.settimeout(deadline)
raw, _ = srv.accept()
raw.settimeout(max(0.1, end - time.monotonic()))
conn = ctx.wrap_socket(raw, server_side=True)
buf = b""
while b"\r\n\r\n" not in buf and len(buf) < 65536:
    chunk = conn.recv(4096)
    if not chunk:
        sys.exit(1)
    buf += chunk
head, _, body = buf.partition(b"\r\n\r\n")
length = 0
for line in head.split(b"\r\n")[1:]:
    name, _, value = line.partition(b":")
    if name.strip().lower() == b"content-length":
        length = int(value.strip())
while len(body) < length:
    chunk = conn.recv(65536)
    if not chunk:
        sys.exit(1)
    body += chunk
conn.sendall(answer)
print("answered", flush=True)
try:
    while time.monotonic() < end and conn.recv(4096):
        pass
except OSError:
    pass
conn.close()
