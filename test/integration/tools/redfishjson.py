"""redfishjson.py: the reply and serving half the test's Redfish fronts share.

redfish-session.py (the vendor-shaped fronts) and redfish-sbdb.py (the
SecureBootDatabases fixture) answer every request with JSON and then
write their whole state to a file the test reads; a handler class made
by handler(STATE, S) does both, the rename making each state file
complete whenever the test looks.
"""
import http.server
import json
import os
import ssl


def handler(state_path, state):
    """A request handler base class that saves @state to @state_path."""

    class JsonHandler(http.server.BaseHTTPRequestHandler):
        """Quiet; reply() answers in JSON and saves the state."""

        def log_message(self, *args):
            """No access log: the state file says what happened."""

        def reply(self, code, body=None, headers=()):
            """Answer @code with JSON @body and @headers; save the state."""
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            with open(state_path + ".tmp", "w") as f:
                json.dump(state, f)
            os.replace(state_path + ".tmp", state_path)

    return JsonHandler


def serve_tls(port, cert, key, handler_class):
    """Serve @handler_class over TLS on 127.0.0.1:@port until killed."""
    srv = http.server.HTTPServer(("127.0.0.1", int(port)), handler_class)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening", flush=True)
    srv.serve_forever()
