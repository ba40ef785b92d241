"""docs/configuration.md is what `newsdesk plugins --reference` generates
from the option tables, and man/newsdesk.yaml.5 what tools/reference-to-man
makes of it: a new plugin or option without regenerated docs fails here
(run tools/gen-docs)."""
import difflib
import json
import os
import subprocess
import sys
import unittest

import ndtest


class ReferenceTest(ndtest.TempDirTest):
    def reference(self):
        r = self.nd("plugins", "--reference")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        return r.stdout.decode("utf-8")

    def test_committed_reference_is_current(self):
        with open(os.path.join(ndtest.SOURCE, "docs", "configuration.md"),
                  encoding="utf-8") as f:
            committed = f.read()
        generated = self.reference()
        if committed != generated:
            diff = "".join(difflib.unified_diff(
                committed.splitlines(True), generated.splitlines(True),
                "docs/configuration.md", "newsdesk plugins --reference"))
            self.fail("docs/configuration.md is out of date; run "
                      "tools/gen-docs and commit it:\n" + diff)

    def test_committed_man_page_is_current(self):
        with open(os.path.join(ndtest.SOURCE, "man", "newsdesk.yaml.5"),
                  encoding="utf-8") as f:
            committed = f.read()
        r = subprocess.run(
            [sys.executable, os.path.join(ndtest.SOURCE, "tools",
                                          "reference-to-man")],
            input=self.reference().encode("utf-8"), capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        generated = r.stdout.decode("utf-8")
        if committed != generated:
            diff = "".join(difflib.unified_diff(
                committed.splitlines(True), generated.splitlines(True),
                "man/newsdesk.yaml.5", "tools/reference-to-man"))
            self.fail("man/newsdesk.yaml.5 is out of date; run "
                      "tools/gen-docs and commit it:\n" + diff)
        # Every option of every built-in plugin, as a tagged paragraph.
        for p in json.loads(self.nd("plugins", "--json").stdout):
            self.assertIn("\n.SS %s\n" % p["name"].replace("-", "\\-"),
                          generated)
            for o in p["options"]:
                self.assertIn("\n\\fB\\%%%s\\fR (\\fI%s\\fR"
                              % (o["name"].replace("-", "\\-"), o["type"]),
                              generated, "%s.%s" % (p["name"], o["name"]))

    def test_reference_to_man_refuses_what_it_does_not_know(self):
        r = subprocess.run(
            [sys.executable, os.path.join(ndtest.SOURCE, "tools",
                                          "reference-to-man")],
            input=self.reference().encode("utf-8") + b"\n> a quote\n",
            capture_output=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"unexpected Markdown", r.stderr)

    def test_reference_covers_every_table(self):
        text = self.reference()
        for section in ("## `inbox`", "## `service`", "## `pipeline`",
                        "### text", "### json"):
            self.assertIn(section, text)
        # Every option of every built-in plugin, from their own tables.
        r = self.nd("plugins", "--json")
        for p in json.loads(r.stdout):
            for o in p["options"]:
                self.assertIn("| `%s` | %s |" % (o["name"], o["type"]), text,
                              "%s.%s" % (p["name"], o["name"]))
        self.assertIn("| `max_bytes` | size | `32MiB` | 1 to 1024GiB |", text)
        # Markup in descriptions is escaped, not swallowed as HTML.
        self.assertNotRegex(text, r"<(?!!--)[a-z]")

    def test_reference_ignores_the_user_config(self):
        # plugin_path of a local newsdesk.yaml must not leak into the
        # shipped reference.
        self.write("newsdesk.yaml", "service:\n  plugin_path: [%s]\n"
                   % ndtest.TEST_PLUGINS)
        self.assertNotIn("### good", self.reference())

    def test_reference_takes_no_other_arguments(self):
        r = self.nd("plugins", "--reference", "text")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
