"""Helpers for the scale-out tests: daemons (forwarders and workers) in
folders of their own, sharing one Redis server (redisserver.py).

    d = Node(test, "fwd", config_text)   # <test dir>/fwd/newsdesk.yaml
    d.start(); d.http("/status"); d.kill(); d.stop()
"""
import json
import os
import re
import signal
import socket
import subprocess
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


class Node:
    """One `newsdesk run` in <test dir>/<name>."""

    def __init__(self, test, name, config, env=None):
        self.test = test
        self.dir = os.path.join(test.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "newsdesk.yaml")
        with open(self.cfg, "w") as f:
            f.write(config)
        self.env = env
        self.proc = None
        self.starts = 0
        self.port = None

    def start(self, wait=True):
        self.starts += 1
        self.logpath = os.path.join(self.dir, f"daemon.{self.starts}.log")
        e = dict(os.environ)
        e.pop("NEWSDESK_CONFIG", None)
        if self.env:
            e.update(self.env)
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([ndtest.BIN, "run", "-c", self.cfg],
                                     cwd=self.dir, env=e,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf)
        self.port = None
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

    def log(self):
        out = []
        for n in range(1, self.starts + 1):
            p = os.path.join(self.dir, f"daemon.{n}.log")
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
        return "".join(out)

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

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.logf.close()
        self.proc = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def ls(self, *sub):
        p = os.path.join(self.dir, *sub)
        return sorted(os.listdir(p)) if os.path.isdir(p) else []

    def drop(self, name, text):
        """Write beside the inbox, then rename in."""
        stage = os.path.join(self.dir, "stage")
        os.makedirs(stage, exist_ok=True)
        os.makedirs(os.path.join(self.dir, "inbox"), exist_ok=True)
        tmp = os.path.join(stage, name)
        with open(tmp, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        os.rename(tmp, os.path.join(self.dir, "inbox", name))

    def __del__(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()


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
