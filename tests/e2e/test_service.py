"""`newsdesk run` as a system service: the sd_notify sequence seen by a
fake NOTIFY_SOCKET, SIGHUP reloads (good and bad) while files keep
arriving, /metrics read strictly with counters that move, /health,
/status, `newsdesk status`, and journal-style log lines."""
import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import ndtest


# ---- a strict reader of the Prometheus text format (0.0.4) ----------------

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_exposition(text):
    """{(name, frozenset(labels.items())): value}; raises AssertionError on
    anything the format does not allow."""
    assert text.endswith("\n"), "no final newline"
    samples, typed, order = {}, {}, []
    family = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = "line %d: %r" % (n, line)
        assert line, "empty " + where
        if line.startswith("#"):
            parts = line.split(" ", 3)
            assert len(parts) >= 3 and parts[0] == "#", where
            assert parts[1] in ("HELP", "TYPE"), where
            assert NAME.match(parts[2]), where
            if parts[1] == "TYPE":
                assert len(parts) == 4 and parts[3] in (
                    "counter", "gauge", "histogram", "summary", "untyped"), where
                assert parts[2] not in typed, "typed twice " + where
                if parts[3] == "counter":
                    assert parts[2].endswith("_total"), where
                typed[parts[2]] = parts[3]
                order.append(parts[2])
                family = parts[2]
            else:
                assert len(parts) == 4 and parts[3], where
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)\Z", line)
        assert m, where
        name, body, value = m.groups()
        assert family, "sample before TYPE " + where
        kind = typed[family]
        suffixes = ("_bucket", "_sum", "_count") if kind == "histogram" else ("",)
        assert any(name == family + s for s in suffixes), \
            "%s not of family %s %s" % (name, family, where)
        labels = {}
        if body is not None:
            pos = 0
            while pos < len(body):
                lm = LABEL.match(body, pos)
                assert lm, "bad labels " + where
                assert lm.group(1) not in labels, where
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
                if pos < len(body):
                    assert body[pos] == "," and pos + 1 < len(body), where
                    pos += 1
        if value in ("+Inf", "-Inf", "NaN"):
            v = float(value.replace("Inf", "inf"))
        else:
            assert re.match(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z", value), where
            v = float(value)
        assert (name.endswith("_bucket") and kind == "histogram") == ("le" in labels), where
        key = (name, frozenset(labels.items()))
        assert key not in samples, "duplicate " + where
        samples[key] = v
    # histograms: cumulative buckets up to +Inf == _count, and a _sum
    for (name, labels), count in samples.items():
        if not name.endswith("_count") or typed.get(name[:-6]) != "histogram":
            continue
        base = name[:-6]
        buckets = sorted((float(dict(l)["le"].replace("Inf", "inf")), v)
                         for (n, l), v in samples.items()
                         if n == base + "_bucket" and
                         frozenset(x for x in l if x[0] != "le") == labels)
        assert buckets and math.isinf(buckets[-1][0]), base
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), base
        assert buckets[-1][1] == count, base
        assert (base + "_sum", labels) in samples, base
    return samples


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


# ---- the daemon -------------------------------------------------------------

class Notifications:
    """A fake service manager: a datagram socket at $NOTIFY_SOCKET."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.path = path
        self.messages = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:
                return
            with self.lock:
                self.messages.append((time.clock_gettime(time.CLOCK_MONOTONIC),
                                      data.decode()))

    def all(self):
        with self.lock:
            return [m for _, m in self.messages]

    def close(self):
        self.sock.close()


class Daemon:
    def __init__(self, test, config, env=None):
        self.test, self.dir = test, test.dir
        self.cfg = os.path.join(self.dir, "newsdesk.yaml")
        self.write_config(config)
        e = dict(os.environ)
        e.pop("NEWSDESK_CONFIG", None)
        e.pop("NOTIFY_SOCKET", None)
        e.update(env or {})
        self.logpath = os.path.join(self.dir, "daemon.log")
        self.logf = open(self.logpath, "wb")
        self.proc = subprocess.Popen([ndtest.BIN, "run", "-c", self.cfg],
                                     cwd=self.dir, env=e,
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf)
        self.addr = None
        self.seq = 0

    def write_config(self, text):
        tmp = self.cfg + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.cfg)

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait(self, cond, what, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            if self.proc.poll() is not None and not cond():
                self.test.fail("%s: the daemon exited with %s\n%s" % (
                    what, self.proc.returncode, self.log()[-3000:]))
            time.sleep(0.05)
        self.test.fail("%s (after %ss)\n%s" % (what, timeout, self.log()[-3000:]))

    def wait_serving(self):
        pat = re.compile(r"serving /metrics, /health and /status on http://(\S+)")
        self.wait(lambda: pat.search(self.log()), "the HTTP interface did not start")
        self.addr = pat.search(self.log()).group(1)
        self.wait(lambda: "running:" in self.log(), "the daemon did not start")
        return self

    def get(self, path):
        host, port = self.addr.rsplit(":", 1)
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, r.getheader("Content-Type"), body

    def metrics(self):
        status, ctype, body = self.get("/metrics")
        self.test.assertEqual(status, 200)
        self.test.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        return parse_exposition(body)

    def status(self):
        status, ctype, body = self.get("/status")
        self.test.assertEqual((status, ctype), (200, "application/json"))
        return json.loads(body)

    def drop(self, name, text):
        stage = os.path.join(self.dir, "stage")
        os.makedirs(stage, exist_ok=True)
        with open(os.path.join(stage, name), "w") as f:
            f.write(text)
        os.rename(os.path.join(stage, name), os.path.join(self.dir, "inbox", name))

    def done(self):
        d = os.path.join(self.dir, "var", "done")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        self.logf.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.logf.close()


def article(i):
    return ("Dispatch %d\n\nThe harbour office counted %d containers on the "
            "quay this morning, and the ferry to the islands left on time.\n"
            % (i, i * 7 + 3))


CONFIG = """\
inbox:
  path: ./inbox
  state: ./var
service:
  http: 127.0.0.1:0
  workers: 2
  plugin_path: [%s]
  log_level: %s
pipeline:
  - plugin: text
  - plugin: good
    greeting: %s
  - plugin: json
    dir: ./outbox
"""


def free_port():
    """A port nobody listens on now (for configs `newsdesk status` reads:
    it cannot find a daemon on port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(greeting, level="info", plugin="good", http="127.0.0.1:0"):
    c = CONFIG % (ndtest.TEST_PLUGINS, level, greeting)
    return c.replace("plugin: good", "plugin: " + plugin).replace(
        "127.0.0.1:0", http)


class ServiceTest(ndtest.TempDirTest):
    def start(self, cfg, env=None):
        self.daemon = Daemon(self, cfg, env)
        self.addCleanup(self.daemon.kill)
        return self.daemon

    def test_notify_sequence(self):
        sock = os.path.join(self.dir, "notify")
        n = Notifications(sock)
        self.addCleanup(n.close)
        d = self.start(config("hello"), {"NOTIFY_SOCKET": sock,
                                         "WATCHDOG_USEC": "200000"})
        d.wait(lambda: "READY=1" in n.all(), "no READY=1")
        # READY comes once the folders exist and the watch is added.
        self.assertTrue(os.path.isdir(self.path("inbox")))
        self.assertTrue(os.path.isdir(self.path("var", "work")))
        self.assertIn("running:", d.log())
        d.wait_serving()
        d.wait(lambda: "STATUS=0 pending, 0 in flight; 0 done, 0 failed"
               in n.all(), "no STATUS= while idle")
        for i in range(5):
            d.drop("a%d.txt" % i, article(i))
        d.wait(lambda: len(d.done()) == 5, "5 files not done")
        d.wait(lambda: any(re.match(r"STATUS=0 pending, 0 in flight; 5 done, "
                                    r"0 failed\Z", m) for m in n.all()),
               "no STATUS= with the files done")
        before = time.clock_gettime(time.CLOCK_MONOTONIC)
        d.signal(signal.SIGHUP)
        d.wait(lambda: n.all().count("READY=1") == 2, "no READY=1 after reload")
        after = time.clock_gettime(time.CLOCK_MONOTONIC)
        d.wait(lambda: n.all().count("WATCHDOG=1") >= 3, "no WATCHDOG=1")
        self.assertEqual(d.stop(), 0)
        d.wait(lambda: "STOPPING=1" in n.all(), "no STOPPING=1")
        msgs = n.all()
        # Order: READY first, RELOADING then READY again, STOPPING last.
        self.assertEqual(msgs[0], "READY=1")
        reloading = [i for i, m in enumerate(msgs) if m.startswith("RELOADING=1")]
        self.assertEqual(len(reloading), 1)
        m = re.match(r"RELOADING=1\nMONOTONIC_USEC=(\d+)\Z", msgs[reloading[0]])
        self.assertIsNotNone(m, msgs[reloading[0]])
        self.assertLessEqual(before * 1e6 - 1, int(m.group(1)))
        self.assertLessEqual(int(m.group(1)), after * 1e6 + 1)
        self.assertEqual(msgs.index("READY=1", 1), min(
            i for i, x in enumerate(msgs) if i > reloading[0] and x == "READY=1"))
        self.assertEqual(msgs[-1], "STOPPING=1")
        self.assertEqual(msgs.count("STOPPING=1"), 1)
        for x in msgs:
            self.assertRegex(x, r"\A(READY=1|STOPPING=1|WATCHDOG=1|"
                                r"RELOADING=1\nMONOTONIC_USEC=\d+|"
                                r"STATUS=\d+ pending, \d+ in flight; \d+ done, "
                                r"\d+ failed(; reloading)?)\Z")
        # STATUS= at most once a second (and only when it changed).
        stamps = [t for t, x in n.messages if x.startswith("STATUS=")]
        seq = []
        for x in msgs:
            key = x.replace("\n", " ")
            if key.startswith("RELOADING"):
                key = "RELOADING=1 MONOTONIC_USEC=..."
            if not seq or seq[-1][0] != key:
                seq.append([key, 0])
            seq[-1][1] += 1
        print("notify sequence:", " | ".join(
            k if c == 1 else "%s (x%d)" % (k, c) for k, c in seq))
        self.assertGreater(len(stamps), 1)
        for a, b in zip(stamps, stamps[1:]):
            self.assertGreater(b - a, 0.9)

    def test_no_notify_socket_no_watchdog(self):
        # Without systemd the daemon runs the same, and says nothing.
        d = self.start(config("hello")).wait_serving()
        d.drop("x.txt", article(1))
        d.wait(lambda: d.done() == ["x.txt"], "not done")
        self.assertEqual(d.stop(), 0)

    def test_metrics_health_status_move(self):
        d = self.start(config("hello", http="127.0.0.1:%d" % free_port()))
        d.wait_serving()
        m0 = d.metrics()
        self.assertEqual(metric(m0, "newsdesk_ready"), 1)
        self.assertEqual(metric(m0, "newsdesk_documents_total", outcome="done"), 0)
        for i in range(20):
            d.drop("m%02d.txt" % i, article(i))
        d.wait(lambda: len(d.done()) == 20, "20 files not done")
        m1 = d.metrics()
        self.assertEqual(metric(m1, "newsdesk_documents_total", outcome="done"), 20)
        self.assertEqual(metric(m1, "newsdesk_documents_claimed_total"), 20)
        self.assertEqual(metric(m1, "newsdesk_inflight_documents"), 0)
        self.assertGreaterEqual(metric(m1, "newsdesk_inbox_rescans_total"), 1)
        for step in ("text", "good", "json"):
            self.assertEqual(metric(m1, "newsdesk_step_documents_total",
                                    step=step, plugin=step, outcome="ok"), 20)
            self.assertEqual(metric(m1, "newsdesk_step_latency_seconds_count",
                                    step=step, plugin=step), 20)
        self.assertGreater(metric(m1, "newsdesk_step_latency_seconds_sum",
                                  step="text", plugin="text"), 0)
        self.assertEqual(d.get("/health")[0::2], (200, "ok\n"))
        self.assertEqual(d.get("/nope")[0], 404)
        self.assertEqual(metric(m1, "newsdesk_files_total", outcome="done"), 20)
        self.assertEqual(metric(m1, "newsdesk_files_claimed_total"), 20)
        # The rate is measured once a second: wait for a second sample.
        d.wait(lambda: d.status()["rate"]["window_s"] > 0, "no rate measured")
        s = d.status()
        self.assertEqual(s["state"], "running")
        self.assertEqual(s["files"]["done"], 20)
        self.assertEqual(s["documents"]["done"], 20)
        self.assertGreater(s["rate"]["files_per_s"], 0)
        self.assertEqual(s["rate"]["files_per_s"], s["rate"]["documents_per_s"])
        self.assertEqual(s["rate"]["drain_s"], 0)  # no backlog
        self.assertEqual([x["step"] for x in s["pipeline"]], ["text", "good", "json"])
        r = self.nd("status", "-c", d.cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("files:      20 claimed, 20 done, 0 failed", out)
        self.assertIn("documents:  20 done, 0 failed\n", out)
        self.assertRegex(out, r"\nrate:       [0-9.]+ files/s, [0-9.]+ "
                         r"documents/s over the last \d+s\n")
        self.assertIn("\nbacklog:    0 files\n", out)
        self.assertEqual(d.stop(), 0)

    def test_promtool_finds_no_problem(self):
        promtool = ndtest.need_program("promtool", "prometheus")
        d = self.start(config("hello"))
        d.wait_serving()
        for i in range(5):
            d.drop("p%02d.txt" % i, article(i))
        d.wait(lambda: len(d.done()) == 5, "5 files not done")
        # Every family present: steps, latencies, plugin counters, reloads.
        d.signal(signal.SIGHUP)
        d.wait(lambda: "reloaded" in d.log(), "no reload")
        status, _, body = d.get("/metrics")
        self.assertEqual(status, 200)
        self.assertIn("newsdesk_plugin_events_total{", body)
        r = subprocess.run([promtool, "check", "metrics"], input=body.encode(),
                           capture_output=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout.decode() + r.stderr.decode()),
                         (0, ""))
        self.assertEqual(d.stop(), 0)

    def test_reload_while_files_arrive(self):
        addr = "127.0.0.1:%d" % free_port()
        d = self.start(config("first", http=addr)).wait_serving()
        total = 240
        names = ["r%03d.txt" % i for i in range(total)]
        hup = {80: ("second", True), 160: ("x", False), 200: ("third", True)}
        for i, name in enumerate(names):
            if i in hup:
                greeting, good = hup[i]
                reloads = d.log().count("reload")
                d.write_config(config(greeting, http=addr) if good
                               else config(greeting, plugin="nosuch", http=addr))
                d.signal(signal.SIGHUP)
                want = "reloaded " if good else "reload failed"
                count = d.log().count(want)
                d.wait(lambda: d.log().count(want) > count or
                       (want in d.log() and d.log().count("reload") > reloads),
                       "no outcome for the reload at file %d" % i)
                if not good:
                    s = d.status()
                    self.assertIn('unknown plugin "nosuch"',
                                  s["reload"]["last_error"])
                    self.assertTrue(s["health"]["ok"])
                    r = self.nd("status", "-c", d.cfg)
                    self.assertIn("the last reload FAILED", r.stdout.decode())
                    self.assertIn('"nosuch"', r.stdout.decode())
            d.drop(name, article(i))
            if i % 20 == 0:
                time.sleep(0.02)
        d.wait(lambda: len(d.done()) == total, "not every file done", 120)
        self.assertEqual(d.done(), names)
        log = d.log()
        # Each file processed exactly once: one "done" line each, one
        # output each.
        for name in names:
            self.assertEqual(log.count('file="%s" plugin=-: done' % name), 1, name)
        outs = os.listdir(self.path("outbox"))
        self.assertEqual(len(outs), total)
        greetings = {}
        for o in outs:
            with open(self.path("outbox", o)) as f:
                doc = json.load(f)
            greetings.setdefault(doc["greeting"], []).append(doc["source"]["name"])
        # The good reloads switched the option; the bad one changed nothing.
        self.assertEqual(set(greetings), {"first", "second", "third"})
        self.assertIn("r000.txt", greetings["first"])
        self.assertIn("r239.txt", greetings["third"])
        s = d.status()
        self.assertEqual(s["reload"]["count"], 3)
        self.assertEqual(s["reload"]["failures"], 1)
        self.assertIsNone(s["reload"]["last_error"])
        self.assertEqual(s["documents"]["claimed"], total)
        self.assertEqual(s["documents"]["done"], total)
        m = d.metrics()
        self.assertEqual(metric(m, "newsdesk_reloads_total", result="ok"), 2)
        self.assertEqual(metric(m, "newsdesk_reloads_total", result="failed"), 1)
        # The per-step counts went on across the reloads.
        for step in ("text", "good", "json"):
            self.assertEqual(metric(m, "newsdesk_step_documents_total", step=step,
                                    plugin=step, outcome="ok"), total, step)
            self.assertEqual(metric(m, "newsdesk_step_latency_seconds_count",
                                    step=step, plugin=step), total, step)
        self.assertEqual(metric(m, "newsdesk_plugin_events_total", step="json",
                                plugin="json", counter="written"), total)
        self.assertEqual(d.stop(), 0)
        self.assertIn("reload failed", log)
        self.assertRegex(log, r'reload: [^\n]*unknown plugin "nosuch"')

    def test_reload_with_a_database_exporter(self):
        # The old chain's exporter holds the database's write lock until its
        # group commit: new documents must not queue behind it (they would
        # wait for busy_timeout and retry).
        cfg = ("inbox:\n  path: ./inbox\nservice:\n  http: 127.0.0.1:0\n"
               "  workers: 2\npipeline:\n  - plugin: text\n"
               "  - plugin: sqlite\n    path: ./var/archive.db\n"
               "    busy_timeout: %s\n")
        d = self.start(cfg % "5s").wait_serving()
        total = 120
        for i in range(total):
            if i in (40, 80):
                d.write_config(cfg % ("4s" if i == 40 else "6s"))
                d.signal(signal.SIGHUP)
            d.drop("s%03d.txt" % i, article(i))
        d.wait(lambda: len(d.done()) == total, "not every file done", 120)
        # A reload runs beside the documents: the last files may be done
        # before the second one has finished.
        d.wait(lambda: d.log().count("notice: reloaded") >= 2,
               "the second reload did not finish", 30)
        self.assertEqual(d.log().count("notice: reloaded"), 2)
        self.assertNotIn("database is locked", d.log())
        self.assertNotIn("retrying", d.log())
        self.assertEqual(d.stop(), 0)
        import sqlite3
        db = sqlite3.connect(self.path("var", "archive.db"))
        try:
            self.assertEqual(db.execute("select count(*) from documents")
                             .fetchone()[0], total)
        finally:
            db.close()

    def test_reload_says_what_waits_for_a_restart(self):
        d = self.start(config("one")).wait_serving()
        d.write_config(config("two").replace("workers: 2", "workers: 3")
                       .replace("  state: ./var\n",
                                "  state: ./var\n  settle: 1s\n"))
        d.signal(signal.SIGHUP)
        d.wait(lambda: "reloaded" in d.log(), "no reload")
        self.assertIn("warning: reload: inbox.settle, service.workers changed; "
                      "that takes effect at the next restart", d.log())
        d.drop("w.txt", article(5))
        d.wait(lambda: d.done() == ["w.txt"], "not done after the reload")
        with open(self.path("outbox", os.listdir(self.path("outbox"))[0])) as f:
            self.assertEqual(json.load(f)["greeting"], "two")
        self.assertEqual(d.stop(), 0)

    def test_http_off_and_port_taken(self):
        d = self.start(config("x", http='""'))
        d.wait(lambda: "running:" in d.log(), "did not start")
        self.assertNotIn("serving /metrics", d.log())
        self.assertEqual(d.stop(), 0)
        # A port in use does not stop the daemon: it works, says why there
        # is no HTTP, and listens once the port is free.
        os.rename(self.path("daemon.log"), self.path("daemon.off.log"))
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        addr = "127.0.0.1:%d" % blocker.getsockname()[1]
        try:
            d = self.start(config("x", http=addr))
            d.wait(lambda: "running:" in d.log(), "did not start")
            self.assertIn("error: cannot listen on %s: address already in use; "
                          "running without /metrics, /health and /status, "
                          "trying again every 5 s" % addr, d.log())
            d.drop("p.txt", article(3))
            d.wait(lambda: d.done() == ["p.txt"], "not done without HTTP")
        finally:
            blocker.close()
        d.wait_serving()
        self.assertEqual(d.addr, addr)
        self.assertEqual(d.get("/health")[0], 200)
        self.assertEqual(d.stop(), 0)

    def run_briefly(self, cfg, env, out, wait_for="running:"):
        """Start the daemon with stderr to `out`, wait until it logs
        `wait_for` (or a second when None), stop it; returns what it
        wrote."""
        p = subprocess.Popen([ndtest.BIN, "run", "-c", cfg], cwd=self.dir,
                             env=env, stdout=out, stderr=out)
        end = time.monotonic() + (30 if wait_for else 1)
        try:
            while p.poll() is None and time.monotonic() < end:
                with open(out.name) as f:
                    if wait_for and wait_for in f.read():
                        break
                time.sleep(0.05)
        finally:
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(60), 0)
        with open(out.name) as f:
            return f.read()

    def test_journal_lines_and_log_level(self):
        env = dict(os.environ)
        env.pop("NEWSDESK_CONFIG", None)
        env.pop("JOURNAL_STREAM", None)
        cfg = self.write("j.yaml", config("x"))
        # Not the journal: timestamped lines with the level.
        with open(self.path("plain.log"), "wb") as f:
            text = self.run_briefly(cfg, env, f)
        for line in text.splitlines():
            self.assertRegex(line, r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "
                                   r"(error|warning|notice|info|debug): \S")
        self.assertIn("Z info: running:", text)
        # $JOURNAL_STREAM naming stderr: <N> priority prefixes.
        with open(self.path("journal.log"), "wb") as f:
            st = os.fstat(f.fileno())
            env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
            text = self.run_briefly(cfg, env, f)
        lines = text.splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"\A<[3-7]>\S")
        self.assertTrue(any(l.startswith("<6>running:") for l in lines))
        self.assertTrue(any(l.startswith("<6>stopping") for l in lines))
        # log_level: warning drops the info lines.
        cfg = self.write("w.yaml", config("x", level="warning"))
        with open(self.path("quiet.log"), "wb") as f:
            text = self.run_briefly(cfg, env, f, None)
        self.assertNotIn("<6>", text)
        self.assertNotIn("running:", text)


if __name__ == "__main__":
    ndtest.main()
