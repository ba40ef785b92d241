"""The default chain reads every format; sniffing picks the reader,
`when` overrides it; unsupported media types fail clearly."""
import os

import ndtest

FIX = os.path.join(ndtest.SOURCE, "tests", "fixtures", "readers")


class ReadersChain(ndtest.TempDirTest):
    def test_default_chain_has_the_readers(self):
        r = self.nd("check")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = r.stdout.decode()
        positions = [out.find(name) for name in ("text", "html", "json-reader", "feed")]
        self.assertNotIn(-1, positions, out)
        self.assertEqual(positions, sorted(positions), out)

    def test_default_chain_reads_every_format(self):
        files = {
            "text/wire-cp1252.txt": ("text/plain", 1),
            "text/story.md": ("text/markdown", 1),
            "html/wordpress-article.html": ("text/html", 1),
            "html/bare-page.txt": ("text/html", 1),
            "json/article.json": ("application/json", 1),
            "json/export-wrapped.json": ("text/plain", 2),
            "feed/wordpress-rss2.xml": ("text/html", 2),
            "feed/atom-blog.xml": (None, 3),
        }
        for rel, (media_type, count) in files.items():
            with self.subTest(file=rel):
                # A config without `pipeline` is the default chain too.
                cfg = self.write("nd.yaml", "inbox: {path: ./inbox}\n")
                r = self.nd("process", "-c", cfg, os.path.join(FIX, rel))
                self.assertEqual(r.returncode, 0, r.stderr.decode())
                docs = ndtest.lines_json(r.stdout)
                self.assertEqual(len(docs), count)
                for d in docs:
                    self.assertTrue(d["title"])
                    self.assertTrue(d["text"])
                if media_type:
                    self.assertEqual(docs[0]["source"]["media_type"], media_type)

    def test_when_overrides_sniffing(self):
        p = self.write("raw-page.txt", "<html><body><p>Kept as markup.</p></body></html>\n")
        cfg = ("pipeline:\n  - plugin: text\n    when: source.name contains \"raw-\"\n"
               "  - plugin: html\n")
        r = self.nd("process", "-c", self.write("nd.yaml", cfg), p)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        d = ndtest.lines_json(r.stdout)[0]
        self.assertEqual(d["title"], "<html><body><p>Kept as markup.</p></body></html>")
        r = self.nd("process", "-c", self.write("nd.yaml", cfg), self.write(
            "page.txt", "<html><body><p>Read as a page.</p></body></html>\n"))
        self.assertEqual(ndtest.lines_json(r.stdout)[0]["text"], "Read as a page.")

    def test_unsupported_media_types(self):
        cases = (("report.pdf", b"%PDF-1.5\n%\xb5\xb5\n1 0 obj\n<<>>\nendobj\n",
                  "application/pdf"),
                 ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20,
                  "image/png"),
                 ("archive.txt", b"PK\x03\x04" + b"\x00" * 40, "application/zip"))
        for name, data, mt in cases:
            with self.subTest(name=name):
                r = self.nd("process", self.write(name, data))
                self.assertEqual(r.returncode, 1)
                self.assertIn("unsupported media type " + mt, r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
