"""The sqlite exporter (tables, FTS5, upsert by id, WAL, schema version,
a locked database that is released) and `newsdesk search` on its archive."""
import json
import os
import sqlite3
import subprocess
import sys
import time

import ndtest


def article(title, body, lang="en", published="2026-06-05", people=(), topic=None):
    notes = [f"@lang {lang}", f"@published {published}"]
    notes += [f"@entity PERSON {p}" for p in people]
    if topic:
        notes.append(f"@topic {topic[0]} {topic[1]} {topic[2]}")
    return f"{title}\n\n{body}\n\n" + "\n\n".join(notes) + "\n"


def to_version_1(c):
    """Take a current archive back to the schema of version 1: no flush row,
    no folded entity names, an index that does not stem."""
    c.executescript("""
        DROP TABLE newsdesk_flush;
        DROP INDEX entities_folded;
        ALTER TABLE entities DROP COLUMN folded;
        DROP TABLE documents_fts;
        CREATE VIRTUAL TABLE documents_fts USING fts5(title, text,
          content='documents', content_rowid='rid',
          tokenize='unicode61 remove_diacritics 2');
        INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');
        PRAGMA user_version = 1;""")


ECON = ("medtop:04000000", 0.8, "economy, business and finance")
SPORT = ("medtop:15000000", 0.7, "sport")


class SqliteArchive(ndtest.TempDirTest):
    def config(self, service="  retry_min: 50ms\n", extra=""):
        return self.annotated_config("  - plugin: sqlite\n"
                                     "    path: var/archive.db\n" + extra, service)

    def corpus(self):
        return [
            self.write("a.txt", article("Harbour tolls rise again",
                       "The harbour board raised tolls for cargo ships, citing inflation.",
                       people=["Mara Ellison"], topic=ECON, published="2026-03-10")),
            self.write("b.txt", article("Marathon record falls in Oslo",
                       "A runner broke the course record by a minute in cold rain.",
                       people=["Kwame Mensah"], topic=SPORT, published="2026-05-02")),
            self.write("c.txt", article("Inflation slows in the spring",
                       "Prices rose less than expected, the statistics office said.",
                       lang="fr", people=["Mara Ellison"], topic=ECON,
                       published="2026-04-20")),
            self.write("d.txt", "Bare note\n\nA note about inflation with no annotations.\n"),
        ]

    def db(self):
        return sqlite3.connect(self.path("var", "archive.db"))

    def test_tables_fts_and_upsert(self):
        files = self.corpus()
        cfg = self.config()
        r = self.nd("process", "-c", cfg, "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = {d["title"]: d["id"] for d in ndtest.lines_json(r.stdout)}
        c = self.db()
        self.assertEqual(c.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        self.assertEqual(c.execute("PRAGMA user_version").fetchone()[0], 3)
        rows = c.execute("SELECT id, title, language, published FROM documents "
                         "ORDER BY title").fetchall()
        self.assertEqual(rows, [
            (ids["Bare note"], "Bare note", None, None),
            (ids["Harbour tolls rise again"], "Harbour tolls rise again", "en", "2026-03-10"),
            (ids["Inflation slows in the spring"], "Inflation slows in the spring", "fr", "2026-04-20"),
            (ids["Marathon record falls in Oslo"], "Marathon record falls in Oslo", "en", "2026-05-02"),
        ])
        doc = json.loads(c.execute("SELECT json FROM documents WHERE id = ?",
                                   (ids["Harbour tolls rise again"],)).fetchone()[0])
        self.assertEqual(doc["schema"], "newsdesk/1")
        ents = c.execute("SELECT d.title, e.type, e.text FROM entities e JOIN documents d "
                         "ON d.rid = e.doc ORDER BY d.title").fetchall()
        self.assertEqual(ents, [("Harbour tolls rise again", "PERSON", "Mara Ellison"),
                                ("Inflation slows in the spring", "PERSON", "Mara Ellison"),
                                ("Marathon record falls in Oslo", "PERSON", "Kwame Mensah")])
        self.assertEqual(c.execute("SELECT count(*) FROM topics").fetchone()[0], 3)
        hits = c.execute("SELECT d.title FROM documents_fts JOIN documents d ON "
                         "d.rid = documents_fts.rowid WHERE documents_fts MATCH "
                         "'inflation' ORDER BY d.title").fetchall()
        self.assertEqual([h[0] for h in hits], ["Bare note", "Harbour tolls rise again",
                                                "Inflation slows in the spring"])
        c.close()
        # Exported again: replaced in place, the index follows.
        r = self.nd("process", "-c", cfg, "--export", *files, files[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.db()
        self.assertEqual(c.execute("SELECT count(*) FROM documents").fetchone()[0], 4)
        self.assertEqual(c.execute("SELECT count(*) FROM entities").fetchone()[0], 3)
        self.assertEqual(c.execute("SELECT count(*) FROM topics").fetchone()[0], 3)
        self.assertEqual(c.execute("SELECT count(*) FROM documents_fts WHERE "
                                   "documents_fts MATCH 'inflation'").fetchone()[0], 3)
        self.assertEqual(c.execute("INSERT INTO documents_fts(documents_fts) "
                                   "VALUES ('integrity-check')").fetchall(), [])
        c.close()

    def test_older_schema_is_migrated(self):
        files = self.corpus()
        cfg = self.config()
        r = self.nd("process", "-c", cfg, "--export", files[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        # Back to what version 1 of the schema had.
        c = self.db()
        to_version_1(c)
        c.commit()
        c.close()
        r = self.nd("process", "-c", cfg, "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.db()
        self.assertEqual(c.execute("PRAGMA user_version").fetchone()[0], 3)
        self.assertIsNotNone(c.execute("SELECT flushed FROM newsdesk_flush").fetchone()[0])
        self.assertEqual(c.execute("SELECT count(*) FROM documents").fetchone()[0], 4)
        # Version 3: a stemming index, entity names folded.
        self.assertEqual(c.execute("SELECT count(*) FROM documents_fts WHERE "
                                   "documents_fts MATCH 'toll'").fetchone()[0], 1)
        self.assertEqual(c.execute("SELECT DISTINCT folded FROM entities WHERE "
                                   "text = 'Mara Ellison'").fetchall(), [("mara ellison",)])
        c.close()

    def test_schema_logged_once(self):
        # A new archive is one line, not one per migration; an older one
        # says from which version to which.
        d = ndtest.Daemon(self, "inbox: {path: ./inbox}\n"
                          "service:\n  log_level: info\n"
                          "pipeline:\n  - plugin: text\n  - plugin: sqlite\n"
                          "    path: var/archive.db\n")
        self.addCleanup(d.stop)
        d.start()
        self.assertEqual(d.stop(), 0)
        log = d.log()
        self.assertEqual(log.count("var/archive.db: new archive, schema "
                                   "version 3"), 1, log)
        self.assertNotIn("migrated", log)
        c = self.db()
        to_version_1(c)
        c.commit()
        c.close()
        d.start(wait_ready=False)
        d.wait(lambda: d.log().count("running:") == 2, 30, "no second start")
        self.assertEqual(d.stop(), 0)
        log = d.log().split("new archive")[1]
        self.assertEqual(log.count("schema migrated"), 1, log)
        self.assertIn("var/archive.db: schema migrated from version 1 to 3", log)

    def test_durable_always(self):
        files = self.corpus()
        r = self.nd("process", "-c", self.config("  durable: always\n"), "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.db().execute("SELECT count(*) FROM documents").fetchone()[0], 4)

    def test_locked_database_is_retried_and_written_once(self):
        files = self.corpus()[:2]
        cfg = self.config("  retry_min: 300ms\n", "    busy_timeout: 50ms\n")
        r = self.nd("process", "-c", cfg, "--export", files[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        # Another process holds the write lock for a while.
        holder = subprocess.Popen([sys.executable, "-c", (
            "import sqlite3, sys, time\n"
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "time.sleep(1.0)\n"
            "c.execute('COMMIT')\n"), self.path("var", "archive.db")],
            stdout=subprocess.PIPE, text=True)
        self.assertEqual(holder.stdout.readline().strip(), "locked")
        r = self.nd("process", "-c", cfg, "--export", *files)
        holder.wait()
        holder.stdout.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        err = r.stderr.decode()
        self.assertIn("locked", err)
        self.assertIn("retrying", err)
        ids = sorted(d["id"] for d in ndtest.lines_json(r.stdout))
        got = sorted(x[0] for x in self.db().execute("SELECT id FROM documents"))
        self.assertEqual(got, ids)

    def test_bad_archives(self):
        f = self.corpus()[0]
        cfg = self.config()
        os.makedirs(self.path("var"))
        self.write("var/archive.db", "this is not a database, just text\n" * 50)
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("archive.db", r.stderr.decode())
        self.assertIn("not a database", r.stderr.decode())
        os.remove(self.path("var", "archive.db"))
        c = sqlite3.connect(self.path("var", "archive.db"))
        c.execute("PRAGMA user_version = 99")
        c.close()
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("schema version 99", r.stderr.decode())


class Search(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.cfg = SqliteArchive.config(self)
        files = SqliteArchive.corpus(self)
        r = self.nd("process", "-c", self.cfg, "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)

    def search(self, *args):
        r = self.nd("search", "-c", self.cfg, "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return ndtest.lines_json(r.stdout)

    def test_ranked_with_snippets(self):
        hits = self.search("inflation")
        self.assertEqual(len(hits), 3)
        # A match in the title weighs more than one in the text.
        self.assertEqual(hits[0]["title"], "Inflation slows in the spring")
        self.assertEqual([h["rank"] for h in hits], [1, 2, 3])
        self.assertTrue(all(hits[i]["score"] >= hits[i + 1]["score"] for i in range(2)))
        harbour = [h for h in hits if h["title"].startswith("Harbour")][0]
        self.assertIn("[inflation]", harbour["snippet"])
        self.assertEqual(harbour["topics"], ["economy, business and finance"])
        self.assertEqual(harbour["date"], "2026-03-10")
        self.assertEqual(len(harbour["id"]), 64)

    def test_filters(self):
        titles = lambda hits: sorted(h["title"] for h in hits)
        self.assertEqual(titles(self.search("--lang", "fr", "inflation")),
                         ["Inflation slows in the spring"])
        self.assertEqual(titles(self.search("--topic", "economy", "inflation")),
                         ["Harbour tolls rise again", "Inflation slows in the spring"])
        self.assertEqual(titles(self.search("--topic", "medtop:15000000", "record")),
                         ["Marathon record falls in Oslo"])
        self.assertEqual(titles(self.search("--entity", "PERSON:mara ellison", "inflation")),
                         ["Harbour tolls rise again", "Inflation slows in the spring"])
        self.assertEqual(self.search("--entity", "ORG:Mara Ellison", "inflation"), [])
        self.assertEqual(titles(self.search("--since", "2026-04", "--until", "2026-10",
                                            "inflation")),
                         ["Inflation slows in the spring"])
        # Without `published`, a document is dated by when it was received.
        (note,) = self.search("note")
        self.assertEqual(note["date"][:10], time.strftime("%Y-%m-%d", time.gmtime()))
        self.assertEqual(titles(self.search("--since", "2026-03-01", "--until", "2026-03-10",
                                            "inflation")),
                         ["Harbour tolls rise again"])
        self.assertEqual(len(self.search("--limit", "1", "inflation")), 1)
        self.assertEqual(titles(self.search("harbour", "OR", "marathon")),
                         ["Harbour tolls rise again", "Marathon record falls in Oslo"])

    def test_filters_alone_stems_and_accents(self):
        # Filters with no query: every document they keep, newest first.
        hits = self.search("--entity", "PERSON:mara ellison")
        self.assertEqual([h["title"] for h in hits],
                         ["Inflation slows in the spring", "Harbour tolls rise again"])
        self.assertEqual([h["title"] for h in self.search("--lang", "fr")],
                         ["Inflation slows in the spring"])
        r = self.nd("search", "-c", self.cfg, "--entity", "Kwame Mensah")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("A runner broke the course record", r.stdout.decode())
        self.assertTrue(r.stdout.decode().rstrip().endswith("1 match"))
        # Stemming: other forms of a word match.
        self.assertEqual([h["title"] for h in self.search("toll")],
                         ["Harbour tolls rise again"])
        self.assertEqual([h["title"] for h in self.search("raise", "cargo")],
                         ["Harbour tolls rise again"])
        # Entity names fold case and accents, as the text index does.
        f = self.write("e.txt", article("Budget talks in Madrid",
                                        "The prime minister met the unions.",
                                        people=["Pedro Sánchez"]))
        r = self.nd("process", "-c", self.cfg, "--export", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("pedro sanchez", "PERSON:PEDRO SÁNCHEZ", "Pedro Sanchez"):
            self.assertEqual([h["title"] for h in self.search("--entity", name)],
                             ["Budget talks in Madrid"], name)
        self.assertEqual(self.search("--entity", "ORG:pedro sanchez"), [])

    def test_bad_dates_and_unknown_topics(self):
        for arg in ("2026-13", "2026-02-30", "2026-04-31", "2026-03-10T24:00", "2026-00"):
            r = self.nd("search", "-c", self.cfg, "--since", arg, "x")
            self.assertEqual(r.returncode, 2, arg)
            self.assertIn(f'--since "{arg}": expected a date', r.stderr.decode())
        r = self.nd("search", "-c", self.cfg, "--until", "2027-02-29", "x")
        self.assertEqual(r.returncode, 2)  # not a leap year; 2028 is
        r = self.nd("search", "-c", self.cfg, "--json", "--until", "2028-02-29", "inflation")
        self.assertEqual(r.returncode, 0, r.stderr)
        # A topic is checked against the taxonomy of the topics step: the
        # installed default one here.
        full = self.write("full.yaml", "pipeline: [default, {plugin: sqlite, "
                                       "path: var/archive.db}]\n")
        r = self.nd("search", "-c", full, "--topic", "economics", "inflation")
        self.assertEqual(r.returncode, 2)
        self.assertIn('--topic "economics": no topic of ', r.stderr.decode())
        self.assertIn("iptc-top.yaml", r.stderr.decode())
        r = self.nd("search", "-c", full, "--topic", "medtop:99999999")
        self.assertEqual(r.returncode, 2)
        # Ids, and label prefixes in any case.
        r = self.nd("search", "-c", full, "--json", "--topic", "ECONOMY",
                    "--topic", "medtop:04000000", "inflation")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(ndtest.lines_json(r.stdout)), 2)
        # With --db and no configuration file: the built-in chain's taxonomy.
        r = self.nd("search", "--db", self.path("var", "archive.db"), "--topic",
                    "sprot", "record")
        self.assertEqual(r.returncode, 2)
        self.assertIn('--topic "sprot"', r.stderr.decode())

    def test_table_output(self):
        r = self.nd("search", "-c", self.cfg, "inflation")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("Inflation slows in the spring", out)
        self.assertIn("[inflation]", out)
        self.assertIn("topics: economy, business and finance", out)
        self.assertTrue(out.rstrip().endswith("3 matches"))
        r = self.nd("search", "-c", self.cfg, "zeppelin")
        self.assertEqual(r.stdout.decode().strip(), "no matches")

    def test_db_option_and_errors(self):
        r = self.nd("search", "--db", self.path("var", "archive.db"), "--json", "marathon")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(ndtest.lines_json(r.stdout)), 1)
        r = self.nd("search", "-c", self.cfg, "US-China")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not valid FTS5 syntax", r.stderr.decode())
        r = self.nd("search", "-c", self.cfg)
        self.assertEqual(r.returncode, 2)
        self.assertIn("give a query, a filter or both", r.stderr.decode())
        r = self.nd("search", "-c", self.cfg, "--since", "last week", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("expected a date", r.stderr.decode())
        r = self.nd("search", "-c", self.cfg, "--frobnicate", "x")
        self.assertEqual(r.returncode, 2)
        r = self.nd("search", "--db", self.path("nowhere.db"), "x")
        self.assertEqual(r.returncode, 78)
        self.assertIn("no archive at", r.stderr.decode())
        plain = self.write("plain.yaml", "pipeline:\n  - plugin: text\n")
        r = self.nd("search", "-c", plain, "x")
        self.assertEqual(r.returncode, 78)
        self.assertIn("no `sqlite` step", r.stderr.decode())
        other = self.path("other.db")
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
        r = self.nd("search", "--db", other, "x")
        self.assertEqual(r.returncode, 78)
        self.assertIn("not a newsdesk archive", r.stderr.decode())


class DefaultChainArchive(ndtest.TempDirTest):
    """`pipeline: [default, {plugin: sqlite}]`: the built-in chain's readers
    and analysis, then the archive instead of the json exporter."""

    PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Dyke gives way near Zwolle | The Lowlands Courier</title></head>
<body>
<nav><a href="/">Front page</a> <a href="/regions">Regions</a></nav>
<article>
<h1>Dyke gives way near Zwolle</h1>
<p>A dyke on the IJssel gave way near Zwolle on Tuesday night after two
days of heavy rain, flooding farmland and forcing 800 residents from
their homes, the water board said.</p>
<p>Mayor Peter Snijders said emergency services had evacuated three
villages before dawn. "The water rose faster than anyone expected,"
Snijders told reporters in Zwolle.</p>
<p>Soldiers filled sandbags along the river through the morning, and the
Red Cross opened shelters in two schools. Rijkswaterstaat said the level
of the IJssel would stay high until the weekend.</p>
</article>
<footer>All rights reserved.</footer>
</body></html>
"""

    def test_html_into_archive_with_entities_and_topics(self):
        cfg = self.write("nd.yaml", "pipeline: [default, {plugin: sqlite, "
                                    "path: ./var/newsdesk.db}]\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        steps = [line.split()[1] for line in r.stdout.decode().splitlines()
                 if line.startswith("  ") and line.split()[0].rstrip(".").isdigit()]
        self.assertEqual(steps, ["text", "html", "json-reader", "feed", "language",
                                 "entities", "keywords", "quotes", "summary",
                                 "topics", "sqlite"])
        self.assertIn('(from "default", line 1)', r.stdout.decode())

        page = self.write("dyke.html", self.PAGE)
        r = self.nd("process", "-c", cfg, "--export", page)
        self.assertEqual(r.returncode, 0, r.stderr)
        # No json exporter ran: nothing in ./outbox.
        self.assertFalse(os.path.exists(self.path("outbox")))
        c = sqlite3.connect(self.path("var", "newsdesk.db"))
        self.assertEqual(c.execute("SELECT media_type, title, language FROM "
                                   "documents").fetchall(),
                         [("text/html", "Dyke gives way near Zwolle", "en")])
        ents = set(c.execute("SELECT type, text FROM entities").fetchall())
        self.assertIn(("LOC", "Zwolle"), ents)
        self.assertIn(("PERSON", "Peter Snijders"), ents)
        topics = [t[0] for t in c.execute("SELECT topic FROM topics ORDER BY "
                                          "score DESC").fetchall()]
        self.assertTrue(topics, "no topics in the archive")
        self.assertEqual(topics[0], "medtop:03000000")  # disaster, accident...
        # The navigation and footer were left out of the indexed text.
        self.assertEqual(c.execute("SELECT count(*) FROM documents_fts WHERE "
                                   "documents_fts MATCH 'rights'").fetchone()[0], 0)
        c.close()


if __name__ == "__main__":
    ndtest.main()
