"""The text reader on awkward files: empty, invalid UTF-8, CRLF, no final
newline, a 10 MB single line, Markdown headings."""
import ndtest


class TextReader(ndtest.TempDirTest):
    def process(self, name, data):
        p = self.write(name, data)
        return self.nd("process", p)

    def one(self, name, data):
        r = self.process(name, data)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(len(docs), 1)
        return docs[0]

    def test_empty_and_blank(self):
        for name, data, why in [("empty.txt", b"", "empty file"),
                                ("blank.txt", b" \n\t\n\r\n", "no text")]:
            r = self.process(name, data)
            self.assertEqual(r.returncode, 1)
            err = r.stderr.decode()
            self.assertIn(name, err)
            self.assertIn("plugin text", err)
            self.assertIn(why, err)

    def test_crlf_and_no_final_newline(self):
        d = self.one("crlf.txt", b"Ferry timetable changes\r\n\r\nBoats leave at six.\r\nThey return at nine.")
        self.assertEqual(d["title"], "Ferry timetable changes")
        self.assertNotIn("\r", d["text"])
        self.assertEqual(d["text"], "Boats leave at six.\n\nThey return at nine.")

    def test_paragraph_blocks(self):
        d = self.one("blocks.txt", "Library extends hours\n\nThe library will open\nearlier on weekdays.\n\nStaff welcomed the change.\n")
        self.assertEqual(d["text"], "The library will open earlier on weekdays.\n\nStaff welcomed the change.")
        self.assertEqual(d["stats"]["paragraphs"], 2)
        self.assertEqual(d["stats"]["sentences"], 2)

    def test_invalid_utf8_gives_valid_output(self):
        d = self.one("bad.txt", b"Market report\nPrices rose \xff\xfe sharply; caf\xc3\xa9 owners \xe2\x82 cheered.\n")
        self.assertIn("Prices rose", d["text"])
        self.assertIn("café owners", d["text"])
        self.assertIn("cheered.", d["text"])
        d["text"].encode("utf-8")  # a str from valid JSON: always encodes

    def test_markdown_heading_title(self):
        d = self.one("notes.md", "# Storm closes schools ##\n\nClasses resume on Friday.\n")
        self.assertEqual(d["title"], "Storm closes schools")
        d = self.one("setext.md", "Budget passes\n=============\n\nThe vote was close.\n")
        self.assertEqual(d["title"], "Budget passes")
        self.assertEqual(d["text"], "The vote was close.")

    def test_ten_megabyte_line(self):
        line = ("word " * 2_000_000).encode()
        d = self.one("huge.txt", line)
        self.assertLessEqual(len(d["title"]), 300)
        self.assertEqual(d["stats"]["words"], 2_000_000)
        self.assertEqual(len(d["text"]), len(line.strip()))

    def test_nul_bytes_are_binary(self):
        r = self.process("nul.txt", b"Title\n\x00\x00\x00 body")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unsupported media type application/octet-stream", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
