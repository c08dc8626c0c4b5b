#!/usr/bin/env python3
"""rw-refuse.py PORT LOG TOKENFILE: a remote-write receiver on 127.0.0.1
that answers every POST 400 and logs one line per request: the SHA-256
of the body, the three headers remote-write requires, and whether the
bearer token was the one in TOKENFILE (never the token itself)."""
import hashlib
import http.server
import sys


class Refuse(http.server.BaseHTTPRequestHandler):
    """Refuses every write with 400, after noting what came."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[3]) as f:
            want = "Bearer " + f.read().strip()
        auth = self.headers.get("Authorization") == want
        with open(sys.argv[2], "a") as log:
            log.write("%s %s %s %s %s\n" % (
                hashlib.sha256(body).hexdigest(),
                self.headers.get("Content-Encoding"),
                self.headers.get("Content-Type"),
                self.headers.get("X-Prometheus-Remote-Write-Version"),
                "token-ok" if auth else "token-wrong"))
        self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Refuse).serve_forever()
