"""Helpers for end-to-end tests of the real newsdesk binary.

Paths come from the environment that `meson test` sets (tests/meson.build):
NEWSDESK_BIN, NEWSDESK_BUILD, NEWSDESK_SOURCE, NEWSDESK_TEST_PLUGINS and
NEWSDESK_SHARED (../shared, which may not exist: tests that need it skip).
"""
import json
import os
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


def main():
    unittest.main(argv=[sys.argv[0], "-v"])
