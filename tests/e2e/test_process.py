"""`newsdesk process`: files and stdin in, JSON Lines out, exit codes."""
import hashlib
import json
import os

import ndtest


class Process(ndtest.TempDirTest):
    def test_file_gives_one_document(self):
        text = "Harbour bridge reopens\n\nThe bridge reopened on Monday after repairs.\nTraffic was light.\n"
        p = self.write("bridge.txt", text)
        r = self.nd("process", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(len(docs), 1)
        d = docs[0]
        self.assertEqual(d["schema"], "newsdesk/1")
        self.assertEqual(d["id"], hashlib.sha256(text.encode()).hexdigest())
        self.assertEqual(d["title"], "Harbour bridge reopens")
        self.assertEqual(d["source"]["name"], "bridge.txt")
        self.assertEqual(d["source"]["bytes"], len(text.encode()))
        self.assertEqual(d["source"]["media_type"], "text/plain")
        # Without blank lines in the body, each line is a paragraph.
        self.assertEqual(d["text"], "The bridge reopened on Monday after repairs.\n\nTraffic was light.")
        self.assertEqual(d["stats"]["paragraphs"], 2)
        self.assertEqual(d["stats"]["sentences"], 2)
        self.assertEqual(d["pipeline"][0]["step"], "text")
        self.assertIsInstance(d["pipeline"][0]["us"], int)
        # Stable field order: schema, id, source first; pipeline last.
        keys = list(json.loads(r.stdout.decode().splitlines()[0]).keys())
        self.assertEqual(keys[:3], ["schema", "id", "source"])
        self.assertEqual(keys[-1], "pipeline")

    def test_stdin(self):
        text = "Council votes on budget\nThe council approved the plan.\n"
        r = self.nd("process", "-", stdin=text.encode())
        self.assertEqual(r.returncode, 0, r.stderr)
        d = ndtest.lines_json(r.stdout)[0]
        self.assertEqual(d["source"]["name"], "stdin")
        self.assertEqual(d["title"], "Council votes on budget")
        self.assertEqual(d["id"], hashlib.sha256(text.encode()).hexdigest())

    def test_several_files_and_one_failure(self):
        a = self.write("a.txt", "First story\nBody one.\n")
        empty = self.write("empty.txt", "")
        b = self.write("b.txt", "Second story\nBody two.\n")
        r = self.nd("process", a, empty, "missing.txt", b)
        self.assertEqual(r.returncode, 1)
        titles = [d["title"] for d in ndtest.lines_json(r.stdout)]
        self.assertEqual(titles, ["First story", "Second story"])
        err = r.stderr.decode()
        self.assertIn("empty.txt", err)
        self.assertIn("empty file", err)
        self.assertIn("missing.txt: cannot open", err)

    def test_binary_is_unsupported(self):
        p = self.write("scan.pdf", b"%PDF-1.7\n\x00\x01\x02binary")
        r = self.nd("process", p)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unsupported media type application/pdf", r.stderr.decode())

    def test_too_large(self):
        cfg = self.write("small.yaml", "inbox:\n  max_bytes: 1KiB\n")
        p = self.write("big.txt", "Big\n" + "word " * 1000)
        r = self.nd("process", "-c", cfg, p)
        self.assertEqual(r.returncode, 1)
        self.assertIn("larger than inbox.max_bytes", r.stderr.decode())

    def test_export_writes_json_files(self):
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n  - plugin: json\n    dir: out\n")
        p = self.write("a.txt", "Exported story\nIts body.\n")
        r = self.nd("process", "-c", cfg, p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.path("out")), "exporters run only with --export")
        r = self.nd("process", "-c", cfg, "--export", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = ndtest.lines_json(r.stdout)[0]
        files = os.listdir(self.path("out"))
        self.assertEqual(files, [doc["id"] + ".json"])
        with open(self.path("out", files[0])) as f:
            self.assertEqual(json.load(f)["title"], "Exported story")

    def test_usage_errors(self):
        self.assertEqual(self.nd("process").returncode, 2)
        self.assertEqual(self.nd("process", "--bogus", "x").returncode, 2)
        self.assertEqual(self.nd("frobnicate").returncode, 2)
        r = self.nd("--version")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b"newsdesk "))
        self.assertEqual(self.nd("--help").returncode, 0)

    def test_seed_article(self):
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        if not seed:
            self.skipTest("../shared/corpus is not here")
        r = self.nd("process", seed)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = ndtest.lines_json(r.stdout)[0]
        with open(seed, "rb") as f:
            raw = f.read()
        self.assertEqual(d["id"], hashlib.sha256(raw).hexdigest())
        self.assertEqual(d["title"], raw.decode().splitlines()[0].strip())
        self.assertGreater(d["stats"]["words"], 500)


if __name__ == "__main__":
    ndtest.main()
