"""Exporters under the daemon (`newsdesk run`): sinks that are down, locked
or restarted while files arrive. Files wait in work/ (never in done/) until
every exporter has them durably, and then every document is in every sink
exactly once, by id."""
import json
import os
import sqlite3
import subprocess
import sys
import time
import unittest

import ndtest
import pgserver
from httpsink import HTTPSink, free_port


def config(pipeline):
    return ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 600ms\n"
            # No HTTP listener: tests run in parallel.
            "service:\n  http: \"\"\n  log_level: debug\n  retry_min: 100ms\n"
            "  retry_max: 400ms\n"
            "pipeline:\n  - plugin: text\n" + pipeline)


def story(i):
    return f"Dispatch number {i}\n\nThe correspondent filed dispatch {i} from the coast.\n"


class ExportDaemon(ndtest.TempDirTest):
    def daemon(self, pipeline):
        d = ndtest.Daemon(self, config(pipeline))
        self.addCleanup(d.stop)
        return d.start()

    def jsonl_ids(self):
        with open(self.path("out", "docs.jsonl")) as f:
            return [json.loads(l)["id"] for l in f]

    def sqlite_ids(self):
        c = sqlite3.connect(self.path("out", "archive.db"))
        try:
            return [r[0] for r in c.execute("SELECT id FROM documents")]
        finally:
            c.close()

    def expected_ids(self, n):
        import hashlib
        return sorted(hashlib.sha256(story(i).encode()).hexdigest() for i in range(n))

    def test_webhook_down_then_back_with_jsonl_and_sqlite(self):
        port = free_port()
        d = self.daemon("  - plugin: jsonl\n    path: out/docs.jsonl\n"
                        "  - plugin: sqlite\n    path: out/archive.db\n"
                        f"  - plugin: webhook\n    url: http://127.0.0.1:{port}/hook\n"
                        "    retries: 0\n    connect_timeout: 200ms\n")
        for i in range(6):
            d.drop(f"d{i}.txt", story(i))
        d.wait(lambda: d.log().count("retrying in") >= 6, 30, "no retries while the hook is down")
        self.assertEqual(d.done(), [], "nothing is done before every exporter has it")
        self.assertEqual(len(d.ls("var", "work")), 6)
        sink = HTTPSink(port)
        self.addCleanup(sink.stop)
        d.wait(lambda: len(d.done()) == 6, 60, "not every file reached done/")
        want = self.expected_ids(6)
        self.assertEqual(sorted(json.loads(b)["id"] for b in sink.bodies()), want)
        self.assertEqual(sorted(self.jsonl_ids()), want)
        self.assertEqual(sorted(self.sqlite_ids()), want)
        self.assertEqual(d.failed(), [])
        self.assertEqual(d.stop(), 0)

    def test_sqlite_locked_for_a_while(self):
        os.makedirs(self.path("out"))
        db = self.path("out", "archive.db")
        d = self.daemon("  - plugin: sqlite\n    path: out/archive.db\n"
                        "    busy_timeout: 50ms\n")
        holder = subprocess.Popen([sys.executable, "-c", (
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "c.execute('COMMIT')\n"), db],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.addCleanup(holder.wait)
        self.assertEqual(holder.stdout.readline().strip(), "locked")
        for i in range(4):
            d.drop(f"d{i}.txt", story(i))
        d.wait(lambda: "database is locked" in d.log() and "retrying in" in d.log(), 30,
               "the lock was not reported as a retry")
        self.assertEqual(d.done(), [])
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.stdout.close()
        d.wait(lambda: len(d.done()) == 4, 60, "not every file reached done/")
        self.assertEqual(sorted(self.sqlite_ids()), self.expected_ids(4))
        self.assertEqual(d.stop(), 0)


class PostgresDaemon(ndtest.TempDirTest):
    @classmethod
    def setUpClass(cls):
        why = pgserver.available()
        if why:
            if os.environ.get("NEWSDESK_REQUIRE_POSTGRES") == "1":
                raise RuntimeError(f"PostgreSQL tests are required here but {why}")
            raise unittest.SkipTest(f"skipping the PostgreSQL tests: {why}")
        cls.pg = pgserver.PGServer()

    @classmethod
    def tearDownClass(cls):
        cls.pg.destroy()

    def test_server_down_then_back_and_crashing(self):
        pg = self.pg
        sink = HTTPSink()
        self.addCleanup(sink.stop)
        d = ndtest.Daemon(self, config(
            f"  - plugin: postgres\n    conninfo: \"{pg.conninfo}\"\n"
            f"  - plugin: webhook\n    url: {sink.url}\n    timeout: 20s\n"))
        self.addCleanup(d.stop)
        pg.stop()
        d.start()
        for i in range(4):
            d.drop(f"d{i}.txt", story(i))
        d.wait(lambda: "cannot connect to PostgreSQL" in d.log() and "retrying in" in d.log(),
               30, "the server being down was not a retry")
        self.assertEqual(d.done(), [])
        pg.start()
        d.wait(lambda: len(d.done()) == 4, 60, "not every file reached done/")
        # The server crashes after a document is committed (without waiting
        # for the disk, in batch mode) and before the flush confirms it:
        # the webhook after postgres holds the document meanwhile.
        sink.script(("slow", 3.0))
        d.drop("d4.txt", story(4))
        d.wait(lambda: len(sink.requests) == 5, 30, "the document did not reach the webhook")
        pg.stop("immediate")
        pg.start()
        d.wait(lambda: len(d.done()) == 5, 60, "not every file reached done/ after the crash")
        self.assertIn("wrote again 1 documents whose commits were not confirmed", d.log())
        import hashlib
        want = sorted(hashlib.sha256(story(i).encode()).hexdigest() for i in range(5))
        got = sorted(r[0] for r in pg.sql("SELECT id FROM documents"))
        self.assertEqual(got, want)
        self.assertEqual(sorted(json.loads(b)["id"] for b in sink.bodies()), want)
        self.assertEqual(d.failed(), [])
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    ndtest.main()
