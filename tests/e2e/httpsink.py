"""A local HTTP server for webhook tests and benchmarks: it answers POSTs
as scripted (status codes, delays) and records what it received.

    sink = HTTPSink()                 # listens on 127.0.0.1, ephemeral port
    sink.script(503, 503)             # the next two requests get 503
    sink.script(("slow", 2.0))        # then one that waits 2 s, then 200
    ...                               # afterwards: sink.default (200)
    sink.default = "hang"             # from now on: never answer (until
                                      # sink.release() or sink.stop())
    sink.requests                     # [(headers dict, body bytes), ...]
    sink.answers                      # what each request got: a status
                                      # code, or "hang"
    sink.stop()

Standard library only.
"""
import http.server
import socket
import threading
import time


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm and the client's delayed ACK add 40 ms to each answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        sink = self.server.sink
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with sink.lock:
            action = sink.plan.pop(0) if sink.plan else sink.default
            sink.requests.append((dict(self.headers.items()), body))
            sink.answers.append(200 if isinstance(action, tuple) else action)
        if action == "hang":
            # A peer that accepted the request and went silent: the client
            # has to give up on its own (its timeout).
            sink.released.wait()
            self.close_connection = True
            return
        if isinstance(action, tuple) and action[0] == "slow":
            time.sleep(action[1])
            action = 200
        status = int(action)
        answer = b'{"ok":true}' if status < 300 else (
            b'{"error":"rejected by the test sink"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        try:
            self.wfile.write(answer)
        except OSError:
            pass  # the client gave up (a timeout test)


class HTTPSink:
    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.plan = []
        self.default = 200
        self.requests = []
        self.answers = []
        self.released = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def script(self, *actions):
        """Answers for the next requests: a status code, ("slow", seconds)
        or "hang"."""
        with self.lock:
            self.plan.extend(actions)

    def bodies(self):
        with self.lock:
            return [b for _, b in self.requests]

    def release(self):
        """Requests left hanging end now, unanswered."""
        self.released.set()

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def free_port():
    """A loopback port that nothing listens on (right now)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
