"""Relative paths in a configuration are taken from the current directory
of the newsdesk process, in every command: `check` prints where they
lead, `process --export`, `run` and `search` use the same files, and the
messages about them say where that is and why (`search` of an archive
that is elsewhere, a `plugin_path` of "." refused in a world-writable
folder, a step that cannot start)."""
import hashlib
import json
import os
import re
import signal
import urllib.request

import ndtest


STORY = ("Harbour tolls rise again\n\nThe port authority raised harbour tolls "
         "for the third time this year, citing inflation.\n")


def check_paths(out):
    """From `newsdesk check` output: {(section, key): resolved} for every
    line of the form "  key: value ...  -> resolved", the section being
    "inbox", "service" or a step's name."""
    got, section = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
            continue
        s = line.strip()
        if s[0].isdigit() and ". " in s:
            section = s.split(". ", 1)[1].split()[0]
            continue
        if "  -> " in line and ": " in s:
            key = s.split(": ", 1)[0]
            got[(section, key)] = line.split("  -> ", 1)[1]
    return got


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
        for cmd in ("check", "plugins"):
            r = self.nd(cmd, "-c", cfg, cwd=sticky)
            self.assertEqual(r.returncode, 0, r.stderr)
            err = r.stderr.decode()
            self.assertIn("warning: %s: the plugin directory %s is writable "
                          "by others (mode 1777)" % (here, here), err)
            self.assertIn("(\".\" is the current directory)", err)
        # A step naming a plugin that folder was meant to hold: the
        # "unknown plugin" error says which folder was not searched.
        cfg = self.write("drop/nd.yaml", "service:\n  plugin_path: [., ./nope]\n"
                         "pipeline:\n  - plugin: text\n  - plugin: hello\n")
        r = self.nd("run", "-c", cfg, cwd=sticky)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn('unknown plugin "hello"', err)
        self.assertIn("not searched: %s: the plugin directory %s is writable "
                      "by others" % (here, here), err)
        self.assertIn("plugin_path: there is no folder ./nope (%s/nope; "
                      "relative paths in %s are taken from the current "
                      "directory, %s)" % (here, cfg, here), err)


class CheckAgreesWithTheDaemon(ndtest.TempDirTest):
    CONFIG = ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
              "  settle_slow: 500ms\n"
              "pipeline:\n  - plugin: text\n"
              "  - plugin: json\n    dir: ./outbox\n"
              "  - plugin: sqlite\n")

    def test_check_prints_where_process_and_run_write(self):
        # The configuration lives in a subfolder; its paths still lead
        # from the current directory, for `check` as for the daemon.
        d = ndtest.Daemon(self, self.CONFIG)
        self.addCleanup(d.stop)
        cfg = self.path("conf", "nd.yaml")
        os.makedirs(self.path("conf"))
        os.rename(d.cfg, cfg)
        d.cfg = cfg
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        here = os.path.realpath(self.dir)
        self.assertIn("relative paths: from the current directory, %s" % here, out)
        self.assertIn("path: ./inbox  -> ", out)
        self.assertIn("path: ./var/newsdesk.db  (default)  -> ", out)
        paths = check_paths(out)
        inbox = paths[("inbox", "path")]
        state = paths[("inbox", "state")]
        outbox = paths[("json", "dir")]
        archive = paths[("sqlite", "path")]
        self.assertEqual(inbox, os.path.join(here, "inbox"))
        self.assertEqual(state, os.path.join(here, "var"))
        self.assertEqual(outbox, os.path.join(here, "outbox"))
        self.assertEqual(archive, os.path.join(here, "var", "newsdesk.db"))

        article = self.write("story.txt", STORY)
        r = self.nd("process", "-c", cfg, "--export", article)
        self.assertEqual(r.returncode, 0, r.stderr)
        ident = hashlib.sha256(STORY.encode()).hexdigest()
        self.assertTrue(os.path.exists(os.path.join(outbox, ident + ".json")))
        self.assertTrue(os.path.exists(archive))
        self.assertFalse(os.path.exists(self.path("conf", "outbox")))

        d.start()
        self.assertIn("running: inbox ./inbox (%s), state ./var (%s)"
                      % (inbox, state), d.log())
        # /status says which folder that is, for `status` run elsewhere.
        port = re.search(r"/status on http://127\.0\.0\.1:(\d+)", d.log()).group(1)
        with urllib.request.urlopen("http://127.0.0.1:%s/status" % port) as f:
            self.assertEqual(json.load(f)["directory"], here)
        other = STORY.replace("third", "fourth")
        self.write("stage/next.txt", other)
        os.rename(self.path("stage", "next.txt"), os.path.join(inbox, "next.txt"))
        d.wait(lambda: os.path.exists(os.path.join(state, "done", "next.txt")),
               30, "the dropped file did not reach done/")
        ident = hashlib.sha256(other.encode()).hexdigest()
        self.assertTrue(os.path.exists(os.path.join(outbox, ident + ".json")))
        r = self.nd("search", "-c", cfg, "--json", "harbour")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(ndtest.lines_json(r.stdout)), 2)

    def test_a_reload_takes_relative_paths_from_the_same_folder(self):
        d = ndtest.Daemon(self, self.CONFIG)
        self.addCleanup(d.stop)
        cfg = self.path("conf", "nd.yaml")
        os.makedirs(self.path("conf"))
        with open(d.cfg) as f:
            text = f.read()
        os.remove(d.cfg)
        d.cfg = cfg
        self.write("conf/nd.yaml", text)
        d.start()
        self.write("conf/nd.yaml", text.replace("dir: ./outbox", "dir: ./after"))
        d.proc.send_signal(signal.SIGHUP)
        d.wait(lambda: "reloaded" in d.log(), 30, "no reload")
        self.write("stage/late.txt", STORY)
        os.rename(self.path("stage", "late.txt"), self.path("inbox", "late.txt"))
        ident = hashlib.sha256(STORY.encode()).hexdigest()
        d.wait(lambda: os.path.exists(self.path("after", ident + ".json")),
               30, "the reloaded step did not write into ./after")
        self.assertFalse(os.path.exists(self.path("conf", "after")))

    def test_what_cannot_start_says_where_its_paths_lead(self):
        self.write("afile", "not a folder\n")
        cfg = self.write("conf/nd.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: json\n    dir: afile/out\n")
        r = self.nd("process", "-c", cfg, "--export", "-", stdin=b"hi\n")
        self.assertEqual(r.returncode, 78)
        here = os.path.realpath(self.dir)
        self.assertIn("cannot create the folder afile/out: Not a directory "
                      "(dir afile/out is %s/afile/out; relative paths in %s "
                      "are taken from the current directory, %s)"
                      % (here, cfg, here), r.stderr.decode())
        # The daemon's own folders too.
        cfg = self.write("conf/nd.yaml", "inbox:\n  path: afile/inbox\n"
                         "service:\n  http: \"\"\n")
        r = self.nd("run", "-c", cfg, timeout=30)
        self.assertEqual(r.returncode, 78)
        self.assertIn("cannot create the inbox afile/inbox: Not a directory "
                      "(inbox.path afile/inbox is %s/afile/inbox, inbox.state "
                      "./var is %s/var; relative paths in %s are taken from "
                      "the current directory, %s)" % (here, here, cfg, here),
                      r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
