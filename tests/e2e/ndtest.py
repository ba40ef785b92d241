"""Helpers for end-to-end tests of the real newsdesk binary.

Paths come from the environment that `meson test` sets (tests/meson.build):
NEWSDESK_BIN, NEWSDESK_BUILD, NEWSDESK_SOURCE, NEWSDESK_TEST_PLUGINS and
NEWSDESK_SHARED (../shared, which may not exist: tests that need it skip).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

BIN = os.environ.get("NEWSDESK_BIN", "build/newsdesk")
BUILD = os.environ.get("NEWSDESK_BUILD", "build")
SOURCE = os.environ.get("NEWSDESK_SOURCE", ".")
TEST_PLUGINS = os.environ.get("NEWSDESK_TEST_PLUGINS", "build/tests/plugins")
SHARED = os.environ.get("NEWSDESK_SHARED", "../shared")


def shared_path(*parts):
    """A file under ../shared, or None when it is not there."""
    p = os.path.join(SHARED, *parts)
    return p if os.path.exists(p) else None


def need_program(name, package):
    """The path of program `name` (from the Debian package `package`).
    Without it the test is skipped, unless NEWSDESK_REQUIRE_TOOLS=1 (CI)
    makes that a failure."""
    path = shutil.which(name)
    if path:
        return path
    why = "%s is not installed (Debian package %s)" % (name, package)
    if os.environ.get("NEWSDESK_REQUIRE_TOOLS") == "1":
        raise AssertionError(why + "; NEWSDESK_REQUIRE_TOOLS=1 requires it")
    raise unittest.SkipTest(why)


def run(args, stdin=None, cwd=None, env=None, timeout=120):
    """Run newsdesk with args; returns CompletedProcess with text output."""
    e = dict(os.environ)
    e.pop("NEWSDESK_CONFIG", None)
    if env:
        e.update(env)
    return subprocess.run([BIN] + list(args), input=stdin, cwd=cwd, env=e,
                          capture_output=True, timeout=timeout)


def lines_json(stdout):
    """Parse JSON Lines output (bytes) into a list of objects."""
    return [json.loads(l) for l in stdout.decode("utf-8").splitlines() if l]


class TempDirTest(unittest.TestCase):
    """A test case with a fresh temporary folder in self.dir, its cwd for
    newsdesk runs (so ./newsdesk.yaml there is never picked up by
    accident)."""

    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="newsdesk-test-")
        self.dir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, data, mode=0o644):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(p, mode)
        return p

    def nd(self, *args, **kw):
        kw.setdefault("cwd", self.dir)
        return run(args, **kw)

    def annotated_config(self, sink, service="  retry_min: 50ms\n"):
        """nd.yaml for a sink's tests: text, then the test plugin annotate
        (entities and topics every sink stores), then `sink` (YAML of the
        steps after it); `service` is the service section's lines."""
        return self.write("nd.yaml", (
            "service:\n" + service +
            f"  plugin_path: [{TEST_PLUGINS}]\n"
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: annotate\n" + sink))

    def process_one(self, path, config=None):
        """`newsdesk process` of one file that must give one document
        (with `config`, YAML text, as the configuration when given): that
        document."""
        args = ["process"]
        if config:
            args += ["-c", self.write("nd.yaml", config)]
        r = self.nd(*args, path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        docs = lines_json(r.stdout)
        self.assertEqual(len(docs), 1)
        return docs[0]


def main():
    unittest.main(argv=[sys.argv[0], "-v"])


def with_free_http(config):
    """Tests run in parallel: unless a config names its own HTTP address,
    give the daemon an ephemeral port instead of the default 9321."""
    if "http:" in config:
        return config
    if config.startswith("service:\n") or "\nservice:\n" in config:
        return config.replace("service:\n", "service:\n  http: \"127.0.0.1:0\"\n", 1)
    return config + "\nservice:\n  http: \"127.0.0.1:0\"\n"


class Daemon:
    """`newsdesk run` in a temporary folder: start it, wait for outcomes,
    stop it. Its log goes to <dir>/daemon.<n>.log; self.log() reads all of
    them (one per start)."""

    def __init__(self, test, config, env=None, preexec_fn=None):
        self.test = test
        self.dir = test.dir
        self.cfg = os.path.join(self.dir, "newsdesk.yaml")
        with open(self.cfg, "w") as f:
            f.write(with_free_http(config))
        self.env = env
        self.preexec_fn = preexec_fn  # run in the child before exec
        self.proc = None
        self.starts = 0

    def start(self, wait_ready=True):
        import time
        self.starts += 1
        self.logpath = os.path.join(self.dir, "daemon.%d.log" % self.starts)
        e = dict(os.environ)
        e.pop("NEWSDESK_CONFIG", None)
        if self.env:
            e.update(self.env)
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([BIN, "run", "-c", self.cfg], cwd=self.dir,
                                     env=e, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     preexec_fn=self.preexec_fn)
        if wait_ready:
            self.wait(lambda: "running:" in self.log(), 30,
                      "the daemon did not start")
        return self

    def log(self):
        out = []
        for n in range(1, self.starts + 1):
            p = os.path.join(self.dir, "daemon.%d.log" % n)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out.append(f.read().decode("utf-8", "replace"))
        return "".join(out)

    def wait(self, cond, timeout, what):
        """Poll cond() until true; fail the test with `what` and the log
        after timeout seconds (or when the daemon died)."""
        import time
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            if self.proc and self.proc.poll() is not None and not cond():
                self.test.fail("%s: the daemon exited with %s\n%s" % (
                    what, self.proc.returncode, self.log()[-4000:]))
            time.sleep(0.05)
        self.test.fail("%s (after %ss)\n%s" % (what, timeout, self.log()[-4000:]))

    def stop(self, sig=None, timeout=60):
        import signal
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.logf.close()
        self.proc = None
        return rc

    def kill(self):
        import signal
        return self.stop(signal.SIGKILL)

    def ls(self, *sub):
        p = os.path.join(self.dir, *sub)
        return sorted(os.listdir(p)) if os.path.isdir(p) else []

    def done(self):
        return self.ls("var", "done")

    def failed(self):
        return [n for n in self.ls("var", "failed") if not n.endswith(".error.json")]

    def error_record(self, name):
        with open(os.path.join(self.dir, "var", "failed", name + ".error.json")) as f:
            return json.load(f)

    def get(self, path):
        """GET `path` (/metrics, /status) from the daemon's HTTP interface,
        at the address its log says it serves on; the body as text."""
        import re
        import urllib.request
        m = re.search(r"serving /metrics, /health and /status on http://(\S+)",
                      self.log())
        self.test.assertIsNotNone(m, "the daemon does not serve HTTP")
        with urllib.request.urlopen("http://%s%s" % (m.group(1), path),
                                    timeout=10) as r:
            return r.read().decode("utf-8")

    def drop(self, name, data):
        """Write a file beside the inbox, then rename it in (the recommended
        way to deliver)."""
        stage = os.path.join(self.dir, "stage")
        os.makedirs(stage, exist_ok=True)
        tmp = os.path.join(stage, name)
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.rename(tmp, os.path.join(self.dir, "inbox", name))

    def __del__(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
