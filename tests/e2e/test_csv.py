"""The csv exporter: RFC 4180 quoting, columns as field paths, the header
once per file, no duplicate rows by id, a torn last record repaired."""
import csv
import io
import json
import os

import ndtest

ARTICLE = """Council, "for once", agrees

The council agreed on the budget.

It took, as ever, a long night.

@lang en

@entity PERSON Mara Ellison

@entity PERSON Tomas Reyes

@entity ORG City Council

@topic medtop:11000000 0.9 politics

@topic medtop:04000000 0.4 economy, business and finance
"""


class Csv(ndtest.TempDirTest):
    def config(self, columns=None, extra=""):
        cols = ("    columns: [" + ", ".join(json.dumps(c) for c in columns) + "]\n"
                if columns else "")
        return self.write("nd.yaml", (
            f"service:\n  plugin_path: [{ndtest.TEST_PLUGINS}]\n"
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: annotate\n"
            "  - plugin: csv\n"
            "    path: out/docs.csv\n" + cols + extra))

    def rows(self):
        with open(self.path("out", "docs.csv"), "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\r\n"))
        return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))

    def test_columns_and_quoting(self):
        a = self.write("a.txt", ARTICLE)
        b = self.write("b.txt", "Quiet day\n\nNothing happened.\n")
        cols = ["id", "title", "language.code", "topics[0].id", "topics[1].label",
                "topics.id", "entities.PERSON", "entities.ORG", "entities.LOC", "text",
                "source.name", "language"]
        r = self.nd("process", "-c", self.config(cols), "--export", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = [d["id"] for d in ndtest.lines_json(r.stdout)]
        rows = self.rows()
        self.assertEqual(rows[0], cols)
        self.assertEqual(rows[1], [
            ids[0], 'Council, "for once", agrees', "en", "medtop:11000000",
            "economy, business and finance", "medtop:11000000; medtop:04000000",
            "Mara Ellison; Tomas Reyes", "City Council", "",
            "The council agreed on the budget.\n\nIt took, as ever, a long night.",
            "a.txt", '{"code":"en","confidence":1}'])
        self.assertEqual(rows[2], [ids[1], "Quiet day", "", "", "", "", "", "", "",
                                   "Nothing happened.", "b.txt", ""])
        raw = open(self.path("out", "docs.csv"), "rb").read()
        self.assertIn(b'"Council, ""for once"", agrees"', raw)

    def test_header_once_and_no_duplicate_rows(self):
        a = self.write("a.txt", ARTICLE)
        b = self.write("b.txt", "Quiet day\n\nNothing happened.\n")
        cfg = self.config()
        for files in ([a], [a, b], [b, a]):
            r = self.nd("process", "-c", cfg, "--export", *files)
            self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.rows()
        self.assertEqual(rows[0], ["id", "title", "published", "language.code", "url"])
        self.assertEqual(len(rows), 3)
        self.assertEqual(len({row[0] for row in rows[1:]}), 2)

    def test_torn_last_record_is_removed(self):
        a = self.write("a.txt", ARTICLE)
        b = self.write("b.txt", "Quiet day\n\nNothing happened.\n")
        cfg = self.config(["id", "text"])
        r = self.nd("process", "-c", cfg, "--export", a)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("out", "docs.csv"), "ab") as f:
            f.write(b'abc,"a quoted field\r\nwith a line break and no end')
        r = self.nd("process", "-c", cfg, "--export", b)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed a partial record", r.stderr.decode())
        rows = self.rows()
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[2][1], "Nothing happened.")

    def test_bad_column_is_a_configuration_error(self):
        a = self.write("a.txt", ARTICLE)
        r = self.nd("process", "-c", self.config(["title", "topics[0]..id x"]), "--export", a)
        self.assertEqual(r.returncode, 78)
        self.assertIn("is not a field path", r.stderr.decode())

    def test_spreadsheet_options(self):
        a = self.write("a.txt", ARTICLE.replace("@lang en", "@lang en\n\n@published 2026-03-01"))
        b = self.write("b.txt", "Quiet day, \u00e9t\u00e9\n\nNothing happened.\n\n"
                                "@published 2026-03-02T09:15:00Z\n")
        cols = ["title", "published", "entities.PERSON", "topics[1].label", "byline"]
        cfg = self.config(cols, "    bom: true\n    delimiter: \";\"\n"
                                "    header: labels\n    dates: spreadsheet\n")
        r = self.nd("process", "-c", cfg, "--export", a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        raw = open(self.path("out", "docs.csv"), "rb").read()
        self.assertTrue(raw.startswith(b"\xef\xbb\xbfTitle;Published;People;"
                                       b"Topics 2 label;Byline\r\n"), raw[:60])
        self.assertEqual(raw.count(b"\xef\xbb\xbf"), 1)
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""),
                               delimiter=";"))
        self.assertEqual(rows[1], ['Council, "for once", agrees', "2026-03-01 00:00:00",
                                   "Mara Ellison; Tomas Reyes",
                                   "economy, business and finance", ""])
        self.assertEqual(rows[2], ["Quiet day, \u00e9t\u00e9", "2026-03-02 09:15:00",
                                   "", "", ""])
        # A cell holding the delimiter is quoted; commas no longer are.
        self.assertIn(b'"Mara Ellison; Tomas Reyes"', raw)
        self.assertIn(b'Quiet day, \xc3\xa9t\xc3\xa9;', raw)
        # A second run appends: no second header or byte order mark.
        c = self.write("c.txt", "Late news\n\nAt last.\n")
        r = self.nd("process", "-c", cfg, "--export", c)
        self.assertEqual(r.returncode, 0, r.stderr)
        raw = open(self.path("out", "docs.csv"), "rb").read()
        self.assertEqual(raw.count(b"\xef\xbb\xbf"), 1)
        self.assertEqual(raw.count(b"Title;"), 1)
        self.assertTrue(raw.endswith(b"Late news;;;;\r\n"))

    def test_dates_in_one_format(self):
        a = self.write("a.txt", "Day only\n\nText.\n\n@published 2026-03-01\n")
        b = self.write("b.txt", "With time\n\nText.\n\n@published 2026-03-02T09:15:00Z\n")
        for dates, expected in (("iso", ["2026-03-01T00:00:00Z", "2026-03-02T09:15:00Z"]),
                                ("day", ["2026-03-01", "2026-03-02"])):
            os.makedirs(self.path("out"), exist_ok=True)
            for f in os.listdir(self.path("out")):
                os.remove(self.path("out", f))
            cfg = self.config(["published", "source.received"], f"    dates: {dates}\n")
            r = self.nd("process", "-c", cfg, "--export", a, b)
            self.assertEqual(r.returncode, 0, r.stderr)
            rows = self.rows()
            self.assertEqual(rows[0], ["published", "source.received"])
            self.assertEqual([row[0] for row in rows[1:]], expected, dates)
            pattern = (r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$" if dates == "iso"
                       else r"^\d{4}-\d\d-\d\d$")
            for row in rows[1:]:
                self.assertRegex(row[1], pattern)

    def test_tab_delimiter_and_bad_delimiter(self):
        a = self.write("a.txt", ARTICLE)
        r = self.nd("process", "-c", self.config(["title", "language.code"],
                                                 "    delimiter: tab\n"), "--export", a)
        self.assertEqual(r.returncode, 0, r.stderr)
        raw = open(self.path("out", "docs.csv"), "rb").read()
        self.assertTrue(raw.startswith(b"title\tlanguage.code\r\n"))
        self.assertIn(b'"Council, ""for once"", agrees"\ten\r\n', raw)
        r = self.nd("process", "-c", self.config(["title"], "    delimiter: \"::\"\n"),
                    "--export", a)
        self.assertEqual(r.returncode, 78)
        self.assertIn('delimiter: "::" is not one character', r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
