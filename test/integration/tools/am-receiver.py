#!/usr/bin/python3
# am-receiver.py PORT OUT LIFE_S: a tiny Alertmanager-compatible receiver for
# ha.test.sh.  Accepts POST /api/v2/alerts on 127.0.0.1:PORT and appends
# one line per alert to OUT: "ALERTNAME NODE firing|resolved" (firing
# while its endsAt is still ahead, as Alertmanager reads it).  Stops by
# itself after LIFE_S seconds.
import calendar
import http.server
import json
import sys
import threading
import time

PORT, OUT, LIFE = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
LOCK = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    """One POST of a batch of alerts, in Alertmanager's v2 form."""

    def do_POST(self):
        now = time.time()
        try:
            if self.path != "/api/v2/alerts":
                raise ValueError(self.path)
            n = int(self.headers.get("Content-Length", "0"))
            if n > 1 << 20:
                raise ValueError("too long")
            lines = []
            for a in json.loads(self.rfile.read(n)):
                ends = calendar.timegm(
                    time.strptime(a["endsAt"], "%Y-%m-%dT%H:%M:%SZ"))
                lines.append("%s %s %s\n" % (
                    a["labels"]["alertname"], a["labels"]["node"],
                    "firing" if ends > now else "resolved"))
            with LOCK, open(OUT, "a") as f:
                f.writelines(lines)
            self.send_response(200)
        except (ValueError, KeyError, TypeError):
            self.send_response(400)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Receiver)
threading.Timer(LIFE, lambda: threading.Thread(
    target=server.shutdown).start()).start()
server.serve_forever()
