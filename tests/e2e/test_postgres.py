"""The postgres exporter against a real, private PostgreSQL server started
for these tests (tests/e2e/pgserver.py): tables, upsert by id, durability
modes, a server that goes away and comes back (every document arrives
exactly once), permanent failures. Skips when the server binaries are not
installed, unless NEWSDESK_REQUIRE_POSTGRES=1 (CI) makes that a failure."""
import os
import subprocess
import threading
import time
import unittest

import ndtest
import pgserver

PG = None


def setUpModule():
    global PG
    why = pgserver.available()
    if why:
        if os.environ.get("NEWSDESK_REQUIRE_POSTGRES") == "1":
            raise RuntimeError(f"PostgreSQL tests are required here but {why}")
        raise unittest.SkipTest(f"skipping the PostgreSQL tests: {why} "
                                "(install the `postgresql` package)")
    PG = pgserver.PGServer()


def tearDownModule():
    if PG:
        PG.destroy()


ARTICLE = """Tram line extended to the harbour

The city opened the new tram line on Friday.

@lang en

@published 2026-06-05

@entity PERSON Mara Ellison

@entity ORG Northwind Rail

@topic medtop:04000000 0.8 economy, business and finance
"""


class Postgres(ndtest.TempDirTest):
    _n = 0

    def setUp(self):
        super().setUp()
        Postgres._n += 1
        self.db = f"t{os.getpid()}_{Postgres._n}"
        PG.sql(f"CREATE DATABASE {self.db}")
        self.conninfo = PG.conninfo.replace("dbname=postgres", f"dbname={self.db}")

    def q(self, sql):
        r = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            self.conninfo, "-c", sql], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return [l.split("\t") for l in r.stdout.splitlines()]

    def config(self, service="  retry_min: 50ms\n"):
        return self.annotated_config("  - plugin: postgres\n"
                                     f"    conninfo: \"{self.conninfo}\"\n", service)

    def test_tables_and_upsert(self):
        a = self.write("a.txt", ARTICLE)
        b = self.write("b.txt", "Plain story\n\nNo annotations at all.\n")
        cfg = self.config()
        r = self.nd("process", "-c", cfg, "--export", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = {d["title"]: d for d in ndtest.lines_json(r.stdout)}
        rows = self.q("SELECT id, title, language, published, doc->>'schema', "
                      "received IS NOT NULL FROM documents ORDER BY title")
        self.assertEqual(rows, [
            [docs["Plain story"]["id"], "Plain story", "", "", "newsdesk/1", "t"],
            [docs["Tram line extended to the harbour"]["id"],
             "Tram line extended to the harbour", "en", "2026-06-05", "newsdesk/1", "t"]])
        aid = docs["Tram line extended to the harbour"]["id"]
        self.assertEqual(self.q("SELECT doc_id, type, text FROM entities ORDER BY type"),
                         [[aid, "ORG", "Northwind Rail"], [aid, "PERSON", "Mara Ellison"]])
        self.assertEqual(self.q("SELECT doc_id, list, topic, label, score FROM topics"),
                         [[aid, "topics", "medtop:04000000",
                           "economy, business and finance", "0.8"]])
        self.assertEqual(self.q("SELECT title FROM documents WHERE tsv @@ "
                                "plainto_tsquery('simple', 'tram harbour')"),
                         [["Tram line extended to the harbour"]])
        # Again: replaced, not duplicated.
        r = self.nd("process", "-c", cfg, "--export", a, b, a)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.q("SELECT count(*) FROM documents"), [["2"]])
        self.assertEqual(self.q("SELECT count(*) FROM entities"), [["2"]])
        self.assertEqual(self.q("SELECT count(*) FROM topics"), [["1"]])
        self.assertEqual(self.q("SELECT version FROM newsdesk_schema"), [["1"]])

    def test_durable_always_and_none(self):
        for mode in ("always", "none"):
            f = self.write(f"{mode}.txt", f"Story in {mode} mode\n\nBody.\n")
            r = self.nd("process", "-c", self.config(f"  durable: {mode}\n"), "--export", f)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.q("SELECT title FROM documents ORDER BY title"),
                         [["Story in always mode"], ["Story in none mode"]])

    def test_server_down_then_back_every_document_once(self):
        files = [self.write(f"s{i}.txt", f"Outage story {i}\n\nBody {i}.\n") for i in range(5)]
        cfg = self.config("  retry_min: 400ms\n")
        PG.stop()

        def restart():
            time.sleep(1.0)
            PG.start()
        t = threading.Thread(target=restart)
        t.start()
        try:
            r = self.nd("process", "-c", cfg, "--export", *files)
        finally:
            t.join()
        self.assertEqual(r.returncode, 0, r.stderr)
        err = r.stderr.decode()
        self.assertIn("cannot connect to PostgreSQL", err)
        self.assertIn("retrying", err)
        ids = sorted(d["id"] for d in ndtest.lines_json(r.stdout))
        self.assertEqual(sorted(x[0] for x in self.q("SELECT id FROM documents")), ids)

    def test_server_restarts_between_documents(self):
        cfg = self.config("  retry_min: 400ms\n")
        a = self.write("a.txt", "Before the restart\n\nBody.\n")
        r = self.nd("process", "-c", cfg, "--export", a)
        self.assertEqual(r.returncode, 0, r.stderr)
        PG.stop()
        PG.start()
        b = self.write("b.txt", "After the restart\n\nBody.\n")
        r = self.nd("process", "-c", cfg, "--export", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.q("SELECT count(*) FROM documents"), [["2"]])

    def test_refused_document_fails_for_good(self):
        cfg = self.config()
        ok = self.write("ok.txt", "Allowed story\n\nBody.\n")
        r = self.nd("process", "-c", cfg, "--export", ok)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.q("ALTER TABLE documents ADD CONSTRAINT no_forbidden "
               "CHECK (title <> 'Forbidden story')")
        bad = self.write("bad.txt", "Forbidden story\n\nBody.\n")
        r = self.nd("process", "-c", cfg, "--export", bad)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("23514", err)
        self.assertIn("no_forbidden", err)
        self.assertNotIn("retrying", err, "a permanent failure is not retried")

    def test_configuration_errors(self):
        f = self.write("a.txt", "Story\n\nBody.\n")
        cfg = self.write("bad.yaml", "pipeline:\n  - plugin: text\n  - plugin: postgres\n"
                                     "    conninfo: \"nonsense_key=1\"\n")
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("conninfo:", r.stderr.decode())
        self.assertIn("nonsense_key", r.stderr.decode())
        r = self.nd("process", "-c", self.config(), "--export", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.q("UPDATE newsdesk_schema SET version = 99")
        r = self.nd("process", "-c", self.config(), "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("schema version 99", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
