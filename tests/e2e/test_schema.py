"""docs/schema/newsdesk-1.schema.json: a valid JSON Schema, and every
document the test corpus gives (each fixture and article through the
default chain, dedupe too) valid against it; fields nobody filled are
absent, never null, and `charset` is there only for another charset."""
import glob
import json
import os
import shutil
import unittest

import ndtest

SCHEMA = os.path.join(ndtest.SOURCE, "docs", "schema", "newsdesk-1.schema.json")


def jsonschema_module():
    try:
        import jsonschema
        return jsonschema
    except ImportError:
        why = "python3-jsonschema is not installed"
        if os.environ.get("NEWSDESK_REQUIRE_TOOLS") == "1":
            raise AssertionError(why + "; NEWSDESK_REQUIRE_TOOLS=1 requires it")
        raise unittest.SkipTest(why)


def corpus():
    """Every input file the tests read: reader fixtures and articles."""
    files = []
    for pattern in ("tests/fixtures/**/*", "tests/e2e/articles/*"):
        files += [f for f in glob.glob(os.path.join(ndtest.SOURCE, pattern), recursive=True)
                  if os.path.isfile(f)]
    return sorted(files)


class Schema(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.js = jsonschema_module()
        with open(SCHEMA, encoding="utf-8") as f:
            self.schema = json.load(f)
        self.validator = self.js.Draft202012Validator(self.schema)

    def test_schema_is_valid(self):
        self.js.Draft202012Validator.check_schema(self.schema)
        # Every field newsdesk itself writes is described.
        for field in ("schema", "id", "source", "title", "byline", "published",
                      "url", "description", "charset", "language", "text", "stats",
                      "entities", "keywords", "summary", "quotes", "topics",
                      "labels", "duplicate_of", "pipeline"):
            self.assertIn(field, self.schema["properties"])
            self.assertTrue(self.schema["properties"][field].get("description"), field)

    def test_corpus_documents_are_valid(self):
        files = corpus()
        self.assertGreater(len(files), 20)
        # A near copy of an article, for dedupe's duplicate_of.
        article = os.path.join(ndtest.SOURCE, "tests", "e2e", "articles", "disaster.txt")
        copy = self.path("disaster-again.txt")
        shutil.copy(article, copy)
        with open(copy, "a", encoding="utf-8") as f:
            f.write("\nUpdated at noon.\n")
        cfg = self.write("nd.yaml", "pipeline: [default, {plugin: dedupe}]\n")
        docs = []
        for f in files + [copy]:
            # Some fixtures are meant to fail (status 1): their documents
            # are not printed, the others of the same file are.
            r = self.nd("process", "-c", cfg, f)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            docs += ndtest.lines_json(r.stdout)
        self.assertGreater(len(docs), 30)
        for d in docs:
            errors = ["%s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                      for e in self.validator.iter_errors(d)]
            self.assertEqual(errors, [], d["source"]["name"])
            self.assertNotIn(None, d.values(), d["source"]["name"])
            self.assertNotIn(None, d["source"].values(), d["source"]["name"])
        # The corpus reaches the parts of the schema that are easy to get
        # wrong.
        self.assertTrue(any("duplicate_of" in d for d in docs))
        self.assertTrue(any("parent" in d["source"] for d in docs))
        self.assertTrue(any("charset" in d for d in docs))
        self.assertTrue(any(isinstance(e.get("value"), dict)
                            for d in docs for e in d.get("entities", [])))
        self.assertTrue(any(q["speaker"] is None for d in docs for q in d.get("quotes", [])))
        self.assertTrue(any("byline" not in d for d in docs))

    def test_unfilled_fields_are_absent(self):
        plain = self.write("plain.txt", "Short note\n\nNothing more to say.\n")
        d = self.process_one(plain)
        for field in ("byline", "published", "url", "description", "charset"):
            self.assertNotIn(field, d)
        self.assertEqual(d["title"], "Short note")
        page = self.write("page.html", "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                          "<title>Caf\u00e9 opens</title></head><body><article><p>The "
                          "caf\u00e9 on the square opened on Monday with a queue "
                          "round the block.</p></article></body></html>")
        d = self.process_one(page)
        self.assertNotIn("charset", d)
        self.assertEqual(d["title"], "Caf\u00e9 opens")
        latin = self.write("latin.html", "<!DOCTYPE html><html><head><meta "
                           "charset=\"iso-8859-1\"><title>Caf\u00e9 opens</title></head>"
                           "<body><article><p>The caf\u00e9 on the square opened on "
                           "Monday.</p></article></body></html>".encode("latin-1"))
        d = self.process_one(latin)
        self.assertIn(d["charset"].lower(), ("iso-8859-1", "windows-1252"))
        self.assertEqual(self.validator.is_valid(d), True)
        # The schema refuses what newsdesk no longer writes.
        self.assertFalse(self.validator.is_valid(dict(d, byline=None)))
        self.assertFalse(self.validator.is_valid(dict(d, charset="utf-8")))


if __name__ == "__main__":
    ndtest.main()
