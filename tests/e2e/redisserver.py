"""A private, throwaway Redis server for tests and benchmarks.

    rs = RedisServer()       # start redis-server in a temp folder on a free
                             # loopback port, append-only file on (fsync
                             # always); raise Unavailable if it is not
                             # installed
    rs.url                   # "redis://127.0.0.1:PORT/0"
    rs.cmd("XLEN", "k")      # one command: the reply as Python values
    rs.stop(); rs.start()    # SHUTDOWN (or kill -9 with crash=True), start
    rs.destroy()

`required()` says whether a missing server is a failure here
(NEWSDESK_REQUIRE_REDIS=1, as .ci/run sets) or a reason to skip.
Standard library only: commands go over a socket in RESP.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


class Unavailable(Exception):
    pass


class Error(Exception):
    """An error reply from Redis."""


def available():
    """Why the server cannot run here, or None when it can."""
    if not shutil.which("redis-server"):
        return "redis-server is not installed (the `redis-server` package)"
    return None


def required():
    return os.environ.get("NEWSDESK_REQUIRE_REDIS") == "1"


def skip_or_fail(unittest):
    """For setUpModule: raise the right thing when there is no server."""
    why = available()
    if why:
        if required():
            raise RuntimeError(f"Redis tests are required here but {why}")
        raise unittest.SkipTest(f"skipping the Redis tests: {why}")


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class _Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("Redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise Error(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ConnectionError(f"cannot read the reply {line!r}")


class RedisServer:
    def __init__(self, appendfsync="always"):
        why = available()
        if why:
            raise Unavailable(why)
        self.root = tempfile.mkdtemp(prefix="newsdesk-redis-")
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.conf = os.path.join(self.root, "redis.conf")
        with open(self.conf, "w") as f:
            f.write(f"bind 127.0.0.1\nport {self.port}\ndir {self.root}\n"
                    "save \"\"\nappendonly yes\n"
                    f"appendfsync {appendfsync}\n"
                    f"logfile {self.root}/redis.log\ndaemonize no\n"
                    "protected-mode yes\n")
        self.proc = None
        self.start()

    def start(self, timeout=30):
        self.proc = subprocess.Popen(["redis-server", self.conf],
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.cmd("PING") == "PONG":
                    return
            except (OSError, Error):
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("redis-server exited: " + self.log()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer: " + self.log()[-2000:])

    def stop(self, crash=False):
        """Stop the server: SIGKILL when `crash` (what the AOF keeps is
        what was acknowledged), else a clean SIGTERM."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        self.proc.wait(timeout=60)
        self.proc = None

    def log(self):
        try:
            with open(os.path.join(self.root, "redis.log")) as f:
                return f.read()
        except OSError:
            return ""

    def cmd(self, *args, timeout=10):
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(_encode(args))
            return _Reader(s).reply()

    def xinfo_group(self, key, group):
        """The group's XINFO GROUPS fields as a dict, or None."""
        try:
            groups = self.cmd("XINFO", "GROUPS", key)
        except Error:
            return None
        for g in groups:
            d = {g[i].decode() if isinstance(g[i], bytes) else g[i]: g[i + 1]
                 for i in range(0, len(g), 2)}
            name = d.get("name")
            if (name.decode() if isinstance(name, bytes) else name) == group:
                return d
        return None

    def entries(self, key):
        """Every entry of a stream as (id, {field: value bytes})."""
        out = []
        for eid, fields in self.cmd("XRANGE", key, "-", "+") or []:
            out.append((eid.decode(), {fields[i].decode(): fields[i + 1]
                                       for i in range(0, len(fields), 2)}))
        return out

    def destroy(self):
        self.stop(crash=True)
        shutil.rmtree(self.root, ignore_errors=True)
