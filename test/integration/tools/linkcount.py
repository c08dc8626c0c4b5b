"""linkcount.py: what the loopback links wanlink.py and cutproxy.py share.

Both listen on 127.0.0.1:PORT, relay each TCP connection to
127.0.0.1:UPSTREAM_PORT (TLS passes through untouched) and count, in a
file rewritten after every chunk, "CONNECTIONS BYTES": connections
accepted and bytes sent from upstream towards the clients, all
connections together.  Each brings its own pipe(src, dst, down): how one
direction is carried (down: upstream to the client).
"""
import os
import socket
import threading


class Count:
    """The count file and the lock every connection's threads share."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.conns = 0
        self.bytes = 0
        self.add(0)

    def add(self, n, conns=0):
        """Count @n bytes towards the clients (and @conns connections)."""
        with self.lock:
            self.bytes += n
            self.conns += conns
            with open(self.path + ".tmp", "w") as f:
                f.write("%d %d\n" % (self.conns, self.bytes))
            os.replace(self.path + ".tmp", self.path)


def serve_forever(port, up_port, count, pipe, backlog=128):
    """Listen, print "listening", and carry every connection with @pipe:
    client to upstream in a thread, upstream to client in this one."""

    def serve(client):
        try:
            up = socket.create_connection(("127.0.0.1", up_port))
        except OSError:
            client.close()
            return
        count.add(0, conns=1)
        t = threading.Thread(target=pipe, args=(client, up, False),
                             daemon=True)
        t.start()
        pipe(up, client, True)
        t.join()
        client.close()
        up.close()

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(backlog)
    print("listening", flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()
