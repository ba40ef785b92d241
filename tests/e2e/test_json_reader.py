"""json-reader: objects, arrays, wrapped exports and JSON Lines; field
mapping; bad elements fail on their own."""
import json
import os

import ndtest

FIX = os.path.join(ndtest.SOURCE, "tests", "fixtures", "readers", "json")


class JsonReader(ndtest.TempDirTest):
    def process(self, path, config=None, rc=0):
        args = ["process"]
        if config:
            args += ["-c", self.write("nd.yaml", config)]
        r = self.nd(*args, path, timeout=60)
        self.assertEqual(r.returncode, rc, r.stderr.decode())
        return ndtest.lines_json(r.stdout), r.stderr.decode()

    def test_single_article_in_place(self):
        docs, _ = self.process(os.path.join(FIX, "article.json"))
        self.assertEqual(len(docs), 1)
        d = docs[0]
        with open(os.path.join(FIX, "article.json"), "rb") as f:
            import hashlib
            self.assertEqual(d["id"], hashlib.sha256(f.read()).hexdigest())
        self.assertEqual(d["title"], "Water company fined over sewage spills")
        self.assertEqual(d["byline"], "Ruth Adeyemi, Liam O'Connor")
        self.assertEqual(d["published"], "2026-11-27T16:00:00Z")
        self.assertEqual(d["url"], "https://wire.example/water-fine")
        self.assertEqual(d["description"], "Record fine for river pollution.")
        self.assertTrue(d["text"].startswith("A water company was fined \u00a34.2 million"))
        self.assertEqual(d["stats"]["paragraphs"], 2)

    def test_wordpress_rest_with_mapping(self):
        cfg = ("pipeline:\n  - plugin: text\n  - plugin: html\n"
               "  - plugin: json-reader\n    author: [_embedded.author]\n"
               "    published: [date_gmt, date]\n")
        docs, _ = self.process(os.path.join(FIX, "wordpress-rest.json"), config=cfg)
        self.assertEqual(len(docs), 2)
        a = docs[0]
        self.assertEqual(a["title"], "Museum extension opens with Bronze Age hoard on show")
        self.assertEqual(a["byline"], "Gareth Lloyd")
        self.assertEqual(a["published"], "2026-11-25T13:02:11Z")
        self.assertEqual(a["description"], "The county museum opened its new wing.")
        self.assertEqual(a["source"]["media_type"], "text/html")
        self.assertIn("\u201cWe finally have the space", a["text"])
        self.assertNotIn("Share on", a["text"])
        self.assertEqual(docs[1]["byline"], "Si\u00e2n Morgan")
        self.assertIn("\u00a338,000", docs[1]["text"])

    def test_default_mapping_ignores_numeric_author(self):
        docs, _ = self.process(os.path.join(FIX, "wordpress-rest.json"))
        self.assertNotIn("byline", docs[0])

    def test_json_lines_bad_lines_fail_alone(self):
        docs, err = self.process(os.path.join(FIX, "cms-export.jsonl"), rc=1)
        self.assertEqual([d["title"] for d in docs], [
            "Heatwave warning issued for the weekend",
            "Airport expansion vote delayed",
            "Library fines abolished"])
        self.assertEqual(docs[0]["byline"], "Nora Lindqvist")
        self.assertEqual(docs[0]["published"], "2026-11-27T07:00:00Z")
        self.assertEqual(docs[0]["stats"]["paragraphs"], 2)
        self.assertEqual(docs[1]["text"],
                         "The vote on the second runway has been postponed until February.")
        self.assertIn("cms-export.jsonl#3: plugin json-reader: JSON syntax error at line 1", err)
        self.assertIn("cms-export.jsonl#4: plugin json-reader: the article has no body", err)

    def test_wrapped_export(self):
        docs, _ = self.process(os.path.join(FIX, "export-wrapped.json"))
        self.assertEqual(len(docs), 2)
        self.assertEqual(docs[0]["byline"], "Eilidh Macrae")
        self.assertEqual(docs[0]["published"], "2026-11-26T18:45:00Z")
        self.assertEqual(docs[1]["url"], "https://isles.example/harbour-wall")

    def test_items_option(self):
        p = self.write("x.json", json.dumps({"response": {"docs": [
            {"headline": "Nested list", "body": "Found through the items option."}]}}))
        cfg = ("pipeline:\n  - plugin: text\n  - plugin: json-reader\n"
               "    items: response.docs\n")
        docs, _ = self.process(p, config=cfg)
        self.assertEqual(docs[0]["text"], "Found through the items option.")

    def test_array_with_bad_elements(self):
        p = self.write("a.json", json.dumps([
            {"title": "Kept", "body": "This element is a proper article."},
            42, {"title": "No body"}, [1, 2]]))
        docs, err = self.process(p, rc=1)
        self.assertEqual([d["title"] for d in docs], ["Kept"])
        self.assertIn("a.json#2: plugin json-reader: expected an article object, got a number",
                      err)
        self.assertIn("a.json#3: plugin json-reader: the article has no body", err)
        self.assertIn("a.json#4: plugin json-reader: expected an article object, got an array",
                      err)

    def test_bad_json(self):
        cases = (("t.json", '{"title": "x", "body": "unterminated', "JSON syntax error"),
                 ("e.json", "[]", "the JSON array is empty"),
                 ("o.json", '{"name": "not an article"}', "has no body"),
                 ("d.json", "[" * 5000 + "]" * 5000, "JSON syntax error"))
        for name, data, msg in cases:
            with self.subTest(name=name):
                _, err = self.process(self.write(name, data), rc=1)
                self.assertIn(msg, err)

    def test_utf16_json(self):
        data = json.dumps({"title": "Na\u00efve", "body": "Caf\u00e9 society."},
                          ensure_ascii=False)
        p = self.write("u.json", b"\xff\xfe" + data.encode("utf-16-le"))
        docs, _ = self.process(p)
        self.assertEqual(docs[0]["title"], "Na\u00efve")


if __name__ == "__main__":
    ndtest.main()
