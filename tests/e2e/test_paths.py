"""Relative paths in a configuration are taken from the current directory
of the newsdesk process, in every command, and the messages about them
say where that is and why (`search` of an archive that is elsewhere)."""
import os

import ndtest


STORY = ("Harbour tolls rise again\n\nThe port authority raised harbour tolls "
         "for the third time this year, citing inflation.\n")


class SearchFromElsewhere(ndtest.TempDirTest):
    def test_missing_archive_names_resolved_path_and_rule(self):
        # The archive exists beside the configuration (exported from
        # there), but `search` runs in another folder: the relative path
        # means that folder, and the message must say so.
        cfg = self.write("x/archive.yaml",
                         "pipeline:\n  - plugin: text\n"
                         "  - plugin: sqlite\n    path: ./var/newsdesk.db\n")
        article = self.write("x/story.txt", STORY)
        r = self.nd("process", "-c", cfg, "--export", article, cwd=self.path("x"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(self.path("x", "var", "newsdesk.db")))
        elsewhere = self.path("other")
        os.makedirs(elsewhere)
        r = self.nd("search", "-c", cfg, "harbour", cwd=elsewhere)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        here = os.path.realpath(elsewhere)
        self.assertIn("no archive at ./var/newsdesk.db", err)
        self.assertIn(os.path.join(here, "var", "newsdesk.db"), err)
        self.assertIn("relative paths in %s are taken from the current "
                      "directory, %s" % (cfg, here), err)
        self.assertNotIn("nothing has been exported", err)
        # From the configuration's folder the same file finds it.
        r = self.nd("search", "-c", cfg, "--json", "harbour", cwd=self.path("x"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(ndtest.lines_json(r.stdout)), 1)


if __name__ == "__main__":
    ndtest.main()
