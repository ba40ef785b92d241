"""The text reader: charsets, NFC, Markdown, front matter, bad input."""
import os

import ndtest

FIX = os.path.join(ndtest.SOURCE, "tests", "fixtures", "readers", "text")

RAIL_TEXT = ("Unions and the operator reached an agreement late on Sunday. "
             "Trains will run on the normal timetable from Tuesday, the "
             "operator said.\n\nThe deal includes a 4% pay rise over two "
             "years \u2014 less than the 7% first demanded.")


class TextReader(ndtest.TempDirTest):
    def fixture(self, name, **kw):
        return self.process_one(os.path.join(FIX, name), **kw)

    def test_windows_1252_wire(self):
        d = self.fixture("wire-cp1252.txt")
        self.assertEqual(d["title"],
                         "Harbour authority approves \u20ac40 million quay extension")
        self.assertIn("\u201cThe caf\u00e9 owners", d["text"])
        self.assertIn("Lucia Fern\u00e1ndez", d["text"])
        self.assertNotIn("\r", d["text"])
        self.assertEqual(d["charset"], "windows-1252")
        self.assertEqual(d["stats"]["paragraphs"], 3)

    def test_latin1(self):
        d = self.fixture("latin1.txt")
        self.assertEqual(d["title"], "R\u00e9sum\u00e9 of the regional council session")
        self.assertIn("Jos\u00e9 Mart\u00edn", d["text"])
        self.assertIn("cr\u00e8che", d["text"])

    def test_utf16_and_bom(self):
        for name in ("utf16le-bom.txt", "utf16be-bom.txt", "utf8-bom.txt"):
            with self.subTest(name=name):
                d = self.fixture(name)
                self.assertEqual(d["title"], "Rail strike ends after three days")
                self.assertEqual(d["text"], RAIL_TEXT)

    def test_nfc(self):
        d = self.fixture("nfd.txt")
        self.assertEqual(d["title"], "Caf\u00e9 chain opens in Malm\u00f6")
        self.assertIn("caf\u00e9 opened", d["text"])

    def test_markdown_and_front_matter(self):
        d = self.fixture("story.md")
        self.assertEqual(d["source"]["media_type"], "text/markdown")
        self.assertEqual(d["title"], "City library extends weekend hours")
        self.assertEqual(d["byline"], "Priya Natarajan, Tomas Berg")
        self.assertEqual(d["published"], "2026-11-26T08:30:00Z")
        self.assertEqual(d["url"], "https://news.example.org/library-hours")
        t = d["text"]
        self.assertTrue(t.startswith("The central library will open on Sundays"), t)
        for gone in ("**", "_Thursday_", "](", "```", "> ", "|", "[plan]", "# "):
            self.assertNotIn(gone, t)
        self.assertIn("see the staffing plan\nA new self-checkout kiosk", t)
        self.assertIn("opening_hours: sun 10-16", t)
        self.assertIn("Day Hours\nSat 9-18", t)

    def test_markdown_saved_as_txt(self):
        p = self.write("notes.txt", "# Budget vote delayed\n\nThe vote is now on "
                       "**Friday**, see [the agenda](https://example.org/a).\n")
        d = self.process_one(p)
        self.assertEqual(d["title"], "Budget vote delayed")
        self.assertEqual(d["text"], "The vote is now on Friday, see the agenda.")

    def test_markdown_off(self):
        p = self.write("n.md", "# Title\n\nKeep **this** as is.\n")
        d = self.process_one(p, config="pipeline:\n  - plugin: text\n    markdown: never\n")
        self.assertEqual(d["text"], "Keep **this** as is.")

    def test_configured_fallback_charset(self):
        # KOI8-R Cyrillic: only a configured fallback can tell it from 1252.
        body = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438\n\n\u0422\u0435\u043a\u0441\u0442.\n"
        p = self.write("ru.txt", body.encode("koi8-r"))
        d = self.process_one(p, config="pipeline:\n  - plugin: text\n"
                      "    fallback_charset: koi8-r\n")
        self.assertEqual(d["title"], "\u041d\u043e\u0432\u043e\u0441\u0442\u0438")

    def test_unknown_charset_is_a_config_error(self):
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n    charset: klingon-8\n")
        r = self.nd("process", "-c", cfg, self.write("a.txt", "x\n"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("klingon-8", r.stderr.decode())

    def test_controls_removed(self):
        p = self.write("c.txt", b"Title\x07 here\n\nBody\x01 with\x1b controls\x7f.\n")
        d = self.process_one(p)
        self.assertEqual(d["title"], "Title here")
        self.assertEqual(d["text"], "Body with controls.")

    def test_truncated_utf16(self):
        raw = b"\xff\xfe" + "Short note\n\nCut off".encode("utf-16-le") + b"x"
        d = self.process_one(self.write("t.txt", raw))
        self.assertEqual(d["title"], "Short note")
        self.assertEqual(d["text"], "Cut off\ufffd")

    def test_empty_and_blank(self):
        for name, data, msg in (("e.txt", b"", "empty file"),
                                ("b.txt", b" \n\t\n   \n", "no text")):
            with self.subTest(name=name):
                r = self.nd("process", self.write(name, data))
                self.assertEqual(r.returncode, 1)
                self.assertIn(msg, r.stderr.decode())

    def test_pdf_named_txt_is_unsupported(self):
        r = self.nd("process", self.write("scan.txt", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("unsupported media type application/pdf", r.stderr.decode())

    def test_pathological_markdown(self):
        # Brackets, image marks, backtick runs and angle brackets that never
        # close: each line is read once, not once per bracket.
        body = ("[" * 300000 + "\n" + "![" * 150000 + "\n" +
                " ".join("`" * k for k in range(1, 700)) + "\n" + "<" * 300000 + "\n")
        d = self.process_one(self.write("p.md", "# Odd input\n\n" + body),
                      config="pipeline:\n  - plugin: text\n")
        self.assertEqual(d["title"], "Odd input")
        self.assertIn("[" * 1000, d["text"])
        self.assertIn("<" * 1000, d["text"])

    def test_giant_single_line(self):
        # 100 MB on one line: read within bounded memory, title cut short.
        p = self.path("giant.txt")
        with open(p, "wb") as f:
            chunk = b"lorem ipsum dolor " * 58255  # about 1 MB
            for _ in range(100):
                f.write(chunk)
        # Only the reader: the extraction steps have their own tests.
        d = self.process_one(p, config="inbox: {path: ./inbox, max_bytes: 200MiB}\n"
                      "pipeline:\n  - plugin: text\n")
        self.assertLessEqual(len(d["title"]), 300)
        self.assertTrue(d["title"].startswith("lorem ipsum"))
        # The text keeps the whole line, not just the title cut from it.
        self.assertEqual(d["stats"]["words"], 3 * 58255 * 100)

    def test_crlf_and_no_final_newline(self):
        d = self.process_one(self.write("crlf.txt", b"Ferry timetable changes\r\n\r\nBoats leave at six.\r\nThey return at nine."))
        self.assertEqual(d["title"], "Ferry timetable changes")
        self.assertEqual(d["text"], "Boats leave at six.\n\nThey return at nine.")

    def test_paragraph_blocks(self):
        d = self.process_one(self.write("blocks.txt", "Library extends hours\n\nThe library will open\nearlier on weekdays.\n\nStaff welcomed the change.\n"))
        self.assertEqual(d["text"], "The library will open earlier on weekdays.\n\nStaff welcomed the change.")
        self.assertEqual(d["stats"]["paragraphs"], 2)


if __name__ == "__main__":
    ndtest.main()
