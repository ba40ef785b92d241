"""Helpers for the scale-out tests: daemons (forwarders and workers) in
folders of their own, sharing one Redis server (redisserver.py).

    d = Node(test, "fwd", config_text)   # <test dir>/fwd/newsdesk.yaml
    d.start(); d.http("/status"); d.kill(); d.stop()
"""
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request

import ndtest


def articles(n, prefix="story", marker_at=None, marker="POISON"):
    """n small, distinct articles as (name, text)."""
    out = []
    for i in range(n):
        extra = f" {marker}" if marker_at is not None and i == marker_at else ""
        out.append((f"{prefix}-{i:05d}.txt",
                    f"Council meeting {prefix} {i}\n\nThe council met on day {i} "
                    f"and voted on item {i * 7 % 101}.{extra}\n"))
    return out


class Node(ndtest.Daemon):
    """One `newsdesk run` in <test dir>/<name>, several to a test: the
    daemon of ndtest with its own folder, its HTTP port read from its log,
    and a wait that does not fail early when it exits (a test kills nodes
    on purpose)."""

    def __init__(self, test, name, config, env=None):
        self.test = test
        self.dir = os.path.join(test.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "newsdesk.yaml")
        with open(self.cfg, "w") as f:
            f.write(config)
        self.env = env
        self.preexec_fn = None
        self.proc = None
        self.starts = 0
        self.port = None

    def start(self, wait=True):
        self.port = None
        super().start(wait_ready=False)
        if wait:
            self.wait(lambda: "running:" in self.last_log(), 30,
                      "the daemon did not start")
        return self

    def last_log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait(self, cond, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.05)
        self.test.fail(f"{what} (after {timeout}s)\n{self.log()[-4000:]}")

    def http(self, path):
        """(status, body) of GET path on the daemon's HTTP port."""
        if self.port is None:
            m = re.search(r"on http://127\.0\.0\.1:(\d+)", self.last_log())
            if not m:
                return None, ""
            self.port = int(m.group(1))
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}",
                                        timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return None, ""

    def status(self):
        code, body = self.http("/status")
        return json.loads(body) if code else None

    def drop(self, name, text):
        os.makedirs(os.path.join(self.dir, "inbox"), exist_ok=True)
        super().drop(name, text)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stream_section(url, key, role, extra=""):
    return (f"stream:\n  role: {role}\n  url: \"{url}\"\n  key: \"{key}\"\n"
            f"  group: workers\n{extra}")


def forwarder_config(url, key, extra="", service=""):
    return ("inbox:\n  path: ./inbox\n  state: ./var\n"
            f"service:\n  http: \"127.0.0.1:{free_port()}\"\n"
            "  retry_min: 100ms\n  retry_max: 1s\n" + service +
            stream_section(url, key, "forward", extra))


def worker_config(url, key, chain, extra="", service=""):
    return (f"service:\n  http: \"127.0.0.1:{free_port()}\"\n"
            "  retry_min: 100ms\n  retry_max: 1s\n"
            f"  plugin_path: [{ndtest.TEST_PLUGINS}]\n" + service +
            stream_section(url, key, "work", extra) +
            "pipeline:\n" + chain)
