"""Shared helpers of the fault-injection suite (tests/fault).

The suite attacks the real `newsdesk run` binary the way an operator's
worst day would (kill -9, sinks down, full disks, bursts, bad input,
signal storms) and asserts the per-document contract of docs/daemon.md:
every input file ends in done/ or failed/ exactly once (never lost, never
twice), every sink holds every done document exactly once, a failed
document leaves no trace in any sink, and the daemon stays up.

It reuses tests/e2e: ndtest (paths, the Daemon wrapper), pgserver and
httpsink. Each test prints its figures on one line starting with
"FIGURES", and a failing assertion repeats them, so a CI log says how many
documents were lost, doubled or wrongly failed, not just that something
was.
"""
import glob
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

import ndtest  # noqa: E402
import pgserver  # noqa: E402,F401  (re-exported for the tests)
from httpsink import HTTPSink, free_port  # noqa: E402,F401

# A real crash (SIGSEGV, SIGABRT) must not leave core files behind or wait
# for a core handler: the daemon inherits this limit.
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

SEED = int(os.environ.get("NEWSDESK_FAULT_SEED", str(int(time.time()) % 100000)))


def sha(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def article(i, tag="wire"):
    """A small article; distinct i (or tag) give distinct bytes, hence
    distinct document ids."""
    return ("Harbour report %s number %d\n\n"
            "The port authority logged %d arrivals and %d departures on "
            "shift %d, the %s desk said.\n" % (tag, i, i % 53, i % 41, i, tag))


def config(pipeline, inbox="", service="", log_level="info"):
    """A daemon configuration for a test folder: quick settle times, quick
    retries, no HTTP listener (the suite's daemons may overlap with other
    test suites), `log_level`, then `pipeline` (YAML list items)."""
    return ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 300ms\n" + inbox +
            "service:\n  http: \"\"\n  log_level: %s\n  retry_min: 100ms\n"
            "  retry_max: 1s\n" % log_level + service +
            "pipeline:\n" + pipeline)


def copy_test_plugins(root, *names):
    """The named test plugins in a folder of their own (the build's test
    plugin folder also holds plugins that exist to be rejected)."""
    dst = os.path.join(root, "plugins")
    os.makedirs(dst, exist_ok=True)
    for n in names:
        shutil.copy(os.path.join(ndtest.TEST_PLUGINS, n + ".so"), dst)
    return dst


class Figures:
    """Named counts of one test, printed as one line and quoted by failing
    assertions."""

    def __init__(self, test):
        self.test = test
        self.items = {}

    def set(self, **kw):
        self.items.update(kw)

    def add(self, **kw):
        for k, v in kw.items():
            self.items[k] = self.items.get(k, 0) + v

    def line(self):
        return "FIGURES %s: %s" % (self.test.id().split(".")[-1], " ".join(
            "%s=%s" % (k, v) for k, v in self.items.items()))

    def show(self):
        # On a line of its own: unittest's verbose "name ... " is open.
        print("\n" + self.line(), file=sys.stderr, flush=True)


class FaultDaemon(ndtest.Daemon):
    """ndtest.Daemon rooted in any folder (several runs per test), that
    can give its stderr the journal's `<N>` priority prefixes and be
    killed with SIGKILL."""

    def __init__(self, test, config_text, root=None, env=None, journal=False):
        self.test = test
        self.dir = root or test.dir
        os.makedirs(self.dir, exist_ok=True)
        self.cfg = os.path.join(self.dir, "newsdesk.yaml")
        with open(self.cfg, "w") as f:
            f.write(config_text)
        self.env = dict(env or {})
        self.journal = journal
        self.preexec_fn = None
        self.proc = None
        self.starts = 0
        test.track(self)

    def start(self, wait_ready=True):
        if self.journal:
            # daemon/core/log.c prefixes <N> when $JOURNAL_STREAM names the
            # device and inode of stderr: make the next log file first (the
            # start opens it again with truncation: same inode).
            nxt = os.path.join(self.dir, "daemon.%d.log" % (self.starts + 1))
            open(nxt, "wb").close()
            st = os.stat(nxt)
            self.env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
        return super().start(wait_ready)

    def kill9(self):
        """SIGKILL, then reap. Returns the exit status (-9)."""
        return self.stop(signal.SIGKILL)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready_or_exit(self, timeout=30):
        """After start(wait_ready=False): True once running, False when the
        process exited first."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if "running:" in self.current_log():
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        self.test.fail("the daemon neither started nor exited in %ss\n%s"
                       % (timeout, self.log()[-3000:]))

    def current_log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_bytes(self):
        out = b""
        for n in range(1, self.starts + 1):
            p = os.path.join(self.dir, "daemon.%d.log" % n)
            if os.path.exists(p):
                with open(p, "rb") as f:
                    out += f.read()
        return out

    def work(self):
        return self.ls("var", "work")

    def vm_hwm_kib(self):
        """The daemon's peak resident set (VmHWM) so far, in KiB."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def rescue(self):
        """For tearDown: a daemon still running is killed."""
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        if getattr(self, "logf", None) and not self.logf.closed:
            self.logf.close()
        self.proc = None


class FaultTest(ndtest.TempDirTest):
    """A test case whose daemons are killed and whose tmpfs mounts are
    undone before its folder is removed, and which prints its wall time."""

    def setUp(self):
        super().setUp()
        self._daemons = []
        self._mounts = []
        self._sinks = []
        self._pgs = []
        self._t0 = time.monotonic()
        self.rng = random.Random("%s:%s" % (SEED, self.id()))
        self.figures = Figures(self)

    def tearDown(self):
        for d in self._daemons:
            d.rescue()
        for s in self._sinks:
            s.stop()
        for pg in self._pgs:
            pg.destroy()
        for m in reversed(self._mounts):
            subprocess.run(["umount", "-l", m], capture_output=True)
        print("\nTIME %s: %.1f s (seed %d)" % (self.id().split(".")[-1],
              time.monotonic() - self._t0, SEED), file=sys.stderr, flush=True)
        super().tearDown()

    def assert_no_problems(self, problems, what, limit=15):
        """Fail with the figures and the first `limit` problems, one a
        line, when there are any."""
        if problems:
            more = len(problems) - limit
            self.fail("%s: %d problems\n%s\n  %s%s" % (
                what, len(problems), self.figures.line(),
                "\n  ".join(problems[:limit]),
                "\n  ... and %d more" % more if more > 0 else ""))

    def track(self, daemon):
        self._daemons.append(daemon)

    def sink(self, port=0):
        s = HTTPSink(port)
        self._sinks.append(s)
        return s

    def postgres(self):
        why = pgserver.available()
        if why:
            if os.environ.get("NEWSDESK_REQUIRE_POSTGRES") == "1":
                self.fail("PostgreSQL tests are required here but %s" % why)
            self.skipTest("skipping: %s" % why)
        pg = pgserver.PGServer()
        self._pgs.append(pg)
        return pg

    # ---- tmpfs ------------------------------------------------------

    def try_mount_tmpfs(self, path, size):
        """Mount a tmpfs of `size` (mount's syntax: 2m) on path. Returns
        None, or why this process may not mount."""
        os.makedirs(path, exist_ok=True)
        if os.geteuid() != 0:
            return ("mounting a tmpfs needs root (or CAP_SYS_ADMIN), and this "
                    "test runs as uid %d" % os.geteuid())
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                            "newsdesk-fault", path], capture_output=True, text=True)
        if r.returncode != 0:
            return "cannot mount a tmpfs here (%s)" % (
                r.stderr.strip() or "mount exited %d" % r.returncode)
        self._mounts.append(path)
        return None

    def mount_tmpfs(self, path, size):
        """A tmpfs of `size` on path, or skip the test with the reason."""
        why = self.try_mount_tmpfs(path, size)
        if why:
            self.skipTest("skipping: " + why)
        return path

    def remount(self, path, size):
        r = subprocess.run(["mount", "-o", "remount,size=%s" % size, path],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    @staticmethod
    def fill(path):
        """Fill the file system of folder `path` with one filler file;
        returns its path."""
        filler = os.path.join(path, "filler")
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for size in (1 << 16, 512, 1):  # then what is left below a chunk
                try:
                    while os.write(fd, b"\0" * size) > 0:
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)
        return filler

    # ---- staging ----------------------------------------------------

    def stage(self, root, texts):
        """Write {name: bytes or str} into <root>/stage (beside the
        inbox, same file system); returns the names."""
        stage = os.path.join(root, "stage")
        os.makedirs(stage, exist_ok=True)
        for name, data in texts.items():
            with open(os.path.join(stage, name), "wb") as f:
                f.write(data if isinstance(data, bytes) else data.encode())
        return list(texts)

    @staticmethod
    def rename_in(root, names):
        inbox = os.path.join(root, "inbox")
        os.makedirs(inbox, exist_ok=True)
        for n in names:
            os.rename(os.path.join(root, "stage", n), os.path.join(inbox, n))

    # ---- where the files are ---------------------------------------

    @staticmethod
    def places(root):
        """{input name: [places]} over inbox, work, done and failed (error
        records left out)."""
        out = {}
        for place, sub in (("inbox", ("inbox",)), ("work", ("var", "work")),
                           ("done", ("var", "done")), ("failed", ("var", "failed"))):
            p = os.path.join(root, *sub)
            if not os.path.isdir(p):
                continue
            for n in os.listdir(p):
                if place == "failed" and n.endswith(".error.json"):
                    continue
                if n.startswith(".tmp-"):
                    continue
                out.setdefault(n, []).append(place)
        return out

    @staticmethod
    def failed_records(root):
        """{failed file name: its error record (or None when missing)}."""
        d = os.path.join(root, "var", "failed")
        out = {}
        if not os.path.isdir(d):
            return out
        names = set(os.listdir(d))
        for n in names:
            if n.endswith(".error.json") or n.startswith(".tmp-"):
                continue
            rec = None
            if n + ".error.json" in names:
                with open(os.path.join(d, n + ".error.json")) as f:
                    rec = json.load(f)
            out[n] = rec
        return out

    # ---- sinks ------------------------------------------------------

    @staticmethod
    def sqlite_figures(path):
        """(rows, distinct ids, ids, integrity_check) of a sqlite archive."""
        c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)
        try:
            ids = [r[0] for r in c.execute("SELECT id FROM documents")]
            rows, distinct = c.execute(
                "SELECT count(*), count(DISTINCT id) FROM documents").fetchone()
            integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            c.close()
        return rows, distinct, ids, integrity

    @staticmethod
    def jsonl_ids(path):
        """Ids of every line of a JSON Lines export, its rotated files
        (stem-<time>.jsonl) included."""
        stem, ext = os.path.splitext(path)
        ids = []
        for p in sorted(set(glob.glob(glob.escape(stem) + "*" + ext))):
            with open(p, "rb") as f:
                for line in f:
                    if line.strip():
                        ids.append(json.loads(line)["id"])
        return ids

    @staticmethod
    def csv_ids(path):
        """The id column of a CSV export (the first column by default)."""
        import csv
        if not os.path.exists(path):
            return []
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            rows = list(csv.reader(f))
        if not rows:
            return []
        col = rows[0].index("id")
        return [r[col] for r in rows[1:] if len(r) > col]

    @staticmethod
    def outbox(path):
        """(ids exported as <id>.json, temporary files) of a json exporter
        folder."""
        if not os.path.isdir(path):
            return [], []
        names = os.listdir(path)
        ids = [n[:-5] for n in names if re.fullmatch(r"[0-9a-f]{64}\.json", n)]
        tmps = [n for n in names if n.startswith(".") or n.endswith(".tmp")]
        return ids, tmps

    @staticmethod
    def once_figures(got, want):
        """(missing, duplicated, unexpected) of a list of ids against the
        set wanted."""
        from collections import Counter
        c = Counter(got)
        missing = len(set(want) - set(c))
        dup = sum(n - 1 for n in c.values() if n > 1)
        unexpected = len(set(c) - set(want))
        return missing, dup, unexpected


def log_lines(data):
    """Split a daemon's stderr (bytes) into lines, as bytes."""
    return [l for l in data.split(b"\n") if l]


def journal_priority(line):
    """The <N> prefix of a journal-mode line (bytes), or None."""
    m = re.match(rb"<(\d)>", line)
    return int(m.group(1)) if m else None


def main():
    """unittest's main, verbose; test names on the command line select."""
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[1:])
