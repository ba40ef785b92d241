"""Relative paths in a configuration are taken from the current directory
of the newsdesk process, in every command, and the messages about them
say where that is and why (`search` of an archive that is elsewhere, a
`plugin_path` of "." refused in a world-writable folder)."""
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


class PluginPathDot(ndtest.TempDirTest):
    def test_world_writable_current_directory_is_named(self):
        sticky = self.path("drop")
        os.makedirs(sticky)
        os.chmod(sticky, 0o1777)
        here = os.path.realpath(sticky)
        cfg = self.write("drop/nd.yaml", "service:\n  plugin_path: [.]\n")
        refused = ("%s: the plugin directory is writable by others (mode "
                   "1777); refusing to load from it (\".\" is the current "
                   "directory)" % here)
        for cmd in ("check", "plugins"):
            r = self.nd(cmd, "-c", cfg, cwd=sticky)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("warning: " + refused, r.stderr.decode())
        # A step naming a plugin that folder was meant to hold: the
        # "unknown plugin" error says which folder was not searched.
        cfg = self.write("drop/nd.yaml", "service:\n  plugin_path: [., ./nope]\n"
                         "pipeline:\n  - plugin: text\n  - plugin: hello\n")
        r = self.nd("run", "-c", cfg, cwd=sticky)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn('unknown plugin "hello"', err)
        self.assertIn("not searched: " + refused, err)
        self.assertIn("plugin_path: there is no folder ./nope (%s/nope; "
                      "relative paths in %s are taken from the current "
                      "directory, %s)" % (here, cfg, here), err)


if __name__ == "__main__":
    ndtest.main()
