"""The csv exporter: RFC 4180 quoting, columns as field paths, the header
once per file, no duplicate rows by id, a torn last record repaired."""
import csv
import io
import json

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


if __name__ == "__main__":
    ndtest.main()
