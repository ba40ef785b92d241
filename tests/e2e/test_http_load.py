"""`newsdesk run`'s HTTP interface under load: 200 slow clients
(slowloris: part of a request head, then a byte now and then, or nothing)
and 2,000 clients connected at once must not lock /health and /metrics
out, and a client the server gives up on is told so (408) rather than
dropped without a word. The bounds are generous: "answered within a few
seconds", not a latency target."""
import http.client
import re
import resource
import selectors
import socket
import threading
import time

import ndtest

CONFIG = """\
inbox:
  path: ./inbox
  state: ./var
pipeline:
  - plugin: text
  - plugin: json
    dir: ./outbox
"""

SERVING = re.compile(r"serving /metrics, /health and /status on http://(\S+)")


def own_fd_limit_at_least(n):
    """Raise this process's open-file soft limit to n if it is lower;
    False when the hard limit does not allow it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < n:
        if hard != resource.RLIM_INFINITY and hard < n:
            return False
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return True


def like_systemd():
    """In the daemon's child before exec: the soft open-file limit systemd
    gives a service (1024), the hard limit left as it is. The daemon has
    to raise its own."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft > 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def get(addr, path, timeout=5):
    """(status, body) of GET path, or (None, why) when there was no
    answer within timeout seconds."""
    host, port = addr.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    except (OSError, http.client.HTTPException) as e:
        return None, "%s: %s" % (type(e).__name__, e)
    finally:
        c.close()


def first_line(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1")


class Slowloris(threading.Thread):
    """n connections: the even ones send the start of a head and then one
    more header byte every `every` seconds, the odd ones send nothing.
    When the server closes one, what it said is kept and a new one takes
    its place, so that n stay open until finish()."""

    HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "

    def __init__(self, addr, n, every=0.5):
        super().__init__(daemon=True)
        host, port = addr.rsplit(":", 1)
        self.addr = (host, int(port))
        self.n, self.every = n, every
        self.socks = [None] * n
        self.got = [b""] * n
        self.answers = []  # first lines of what closed connections were told
        self.opened = 0
        self.ready = threading.Event()
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def open(self, i):
        try:
            s = socket.create_connection(self.addr, timeout=5)
        except OSError as e:
            with self.lock:
                self.answers.append("connect failed: %s" % e)
            return None
        s.setblocking(False)
        if i % 2 == 0:
            s.send(self.HEAD)
        self.opened += 1
        return s

    def poll(self, i):
        """Read what connection i was sent; True once the server closed
        it (its answer then goes to self.answers)."""
        s = self.socks[i]
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                self.got[i] += data
        except BlockingIOError:
            return False
        except OSError:
            pass
        with self.lock:
            self.answers.append(first_line(self.got[i]) or "closed silently")
        s.close()
        self.socks[i], self.got[i] = None, b""
        return True

    def run(self):
        for i in range(self.n):
            self.socks[i] = self.open(i)
        self.ready.set()
        while not self.halt.wait(self.every):
            for i in range(self.n):
                if self.socks[i] is None or self.poll(i):
                    self.socks[i] = self.open(i)
                elif i % 2 == 0:
                    try:
                        self.socks[i].send(b"a")
                    except OSError:
                        pass

    def close(self):
        self.halt.set()
        if self.is_alive():
            self.join()
        for s in self.socks:
            if s is not None:
                s.close()
        self.socks = [None] * self.n

    def finish(self, timeout=30):
        """Stop sending and replacing; wait until the server has closed
        every connection still open (or timeout seconds); returns the
        answers."""
        self.halt.set()
        self.join()
        end = time.monotonic() + timeout
        while time.monotonic() < end and any(self.socks):
            for i in range(self.n):
                if self.socks[i] is not None:
                    self.poll(i)
            time.sleep(0.1)
        for i in range(self.n):
            if self.socks[i] is not None:
                self.socks[i].close()
                self.answers.append("still open after %ss" % timeout)
        return self.answers


class HttpLoadTest(ndtest.TempDirTest):
    def start(self, **kw):
        d = ndtest.Daemon(self, CONFIG, **kw)
        self.addCleanup(d.kill)
        d.start()
        d.wait(lambda: SERVING.search(d.log()), 30, "no HTTP interface")
        return d, SERVING.search(d.log()).group(1)

    def test_slow_clients_do_not_lock_out_health(self):
        if not own_fd_limit_at_least(1024):
            self.skipTest("the hard open-file limit is below 1024")
        d, addr = self.start()
        loris = Slowloris(addr, 200)
        self.addCleanup(loris.close)
        loris.start()
        self.assertTrue(loris.ready.wait(60), "the slow clients did not connect")
        # Probes for a good while, across the server's request deadline
        # (the slow clients then reconnect): every one is answered.
        for i in range(12):
            path = "/health" if i % 2 == 0 else "/metrics"
            status, body = get(addr, path)
            self.assertEqual(status, 200, "probe %d of %s with %d slow "
                             "clients: %s" % (i, path, loris.n, body))
            if path == "/health":
                self.assertEqual(body, "ok\n")
            else:
                self.assertIn("# TYPE newsdesk_ready gauge", body)
            time.sleep(0.5)
        answers = loris.finish()
        # Every slow client was told why it was closed.
        self.assertGreaterEqual(len(answers), loris.n)
        wrong = [a for a in answers if a != "HTTP/1.1 408 Request Timeout"]
        self.assertEqual(wrong, [], "%d of %d slow clients" % (
            len(wrong), len(answers)))
        self.assertEqual(d.stop(), 0)

    def test_two_thousand_clients_at_once(self):
        n = 2000
        if not own_fd_limit_at_least(n + 256):
            self.skipTest("the hard open-file limit is below %d" % (n + 256))
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard < 4 * (n + 64):
            self.skipTest("a hard open-file limit of %d leaves the daemon "
                          "fewer than %d connections" % (hard, n + 64))
        d, addr = self.start(preexec_fn=like_systemd)
        host, port = addr.rsplit(":", 1)
        sel = selectors.DefaultSelector()
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        t0 = time.monotonic()
        for i in range(n):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((host, int(port)))
            socks.append(s)
            sel.register(s, selectors.EVENT_WRITE, i)
        pending, end = n, time.monotonic() + 60
        while pending and time.monotonic() < end:
            for key, _ in sel.select(1):
                err = key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                self.assertEqual(err, 0, "client %d could not connect" % key.data)
                sel.unregister(key.fileobj)
                pending -= 1
        self.assertEqual(pending, 0, "clients still connecting after 60 s")

        # All of them connected and waiting: the probes are answered.
        for path in ("/health", "/metrics", "/health", "/metrics"):
            status, body = get(addr, path)
            self.assertEqual(status, 200, "%s with %d clients connected: %s"
                             % (path, n, body))

        # Now each asks, and each is answered.
        for i, s in enumerate(socks):
            path = "/health" if i % 2 == 0 else "/metrics"
            try:
                s.send(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            except OSError:
                pass  # already closed by the server: read what it said
            sel.register(s, selectors.EVENT_READ, i)
        waited = time.monotonic() - t0
        got = [b""] * n
        pending, end = n, time.monotonic() + 60
        while pending and time.monotonic() < end:
            for key, _ in sel.select(1):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    got[key.data] += data
                    continue
                sel.unregister(key.fileobj)
                key.fileobj.close()
                pending -= 1
        self.assertEqual(pending, 0, "clients still waiting after 60 s")
        # A client that sat idle past the request deadline (a slow
        # machine) is told 408; otherwise each gets its answer.
        allowed = {"HTTP/1.1 200 OK"}
        if waited > 4:
            allowed.add("HTTP/1.1 408 Request Timeout")
        lines = [first_line(g) or "closed silently" for g in got]
        wrong = [(i, l) for i, l in enumerate(lines) if l not in allowed]
        self.assertEqual(wrong[:5], [], "%d of %d clients" % (len(wrong), n))
        for i, g in enumerate(got):
            if lines[i] == "HTTP/1.1 200 OK":
                self.assertTrue(g.endswith(b"ok\n") if i % 2 == 0 else
                                b"newsdesk_ready 1\n" in g, g[:200])
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    ndtest.main()
