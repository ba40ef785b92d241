"""The per-document contract where it used to have holes: a failed
document leaves no trace in any sink, only documents being processed when
the daemon died count a crash, outages are logged once, a reload never
silently changes the chain, stopping is bounded and file names cannot
forge log lines."""
import csv
import glob
import json
import os
import signal
import sqlite3
import time

import ndtest
from test_daemon import DaemonTest, config, sha

STORY = ("Night trains return to the coast line\n\n"
         "The rail operator said the sleeper service would run three times "
         "a week from the spring, after a pause of two years.\n")
REFUSED = ("Bridge repairs delayed again\n\n"
           "The council said the REFUSEME contractor had asked for more time "
           "to finish the work on the old bridge.\n")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4


def sinks(faulty=""):
    """text, then four exporters, then (optionally) a step that refuses
    documents holding REFUSEME: everything the exporters accepted of those
    must be taken back."""
    chain = ("  - plugin: text\n"
             "  - plugin: sqlite\n    path: ./var/archive.db\n"
             "  - plugin: json\n    dir: ./outbox\n"
             "  - plugin: csv\n    path: ./out/docs.csv\n    columns: [id, title]\n"
             "  - plugin: jsonl\n    path: ./out/docs.jsonl\n")
    if faulty:
        chain += "  - plugin: faulty\n    fail_on: REFUSEME\n"
    return chain


def sink_down_daemon(test):
    """A daemon whose sink (a faulty step) asks for a retry while the file
    it returns exists, and that file, made: the sink is down."""
    down = test.path("sink-down")
    open(down, "w").close()
    d = test.daemon(service="  plugin_path: [%s]\n" % test.plugin_dir(),
                    pipeline="  - plugin: text\n  - plugin: faulty\n"
                             "    retry_while: %s\n"
                             "  - plugin: json\n    dir: ./outbox\n" % down)
    return d, down


class Traces:
    """What the sinks of sinks() hold, read from a test folder."""

    def __init__(self, test):
        self.t = test

    def sqlite_ids(self):
        p = self.t.path("var", "archive.db")
        if not os.path.exists(p):
            return []
        db = sqlite3.connect(p)
        try:
            return sorted(r[0] for r in db.execute("SELECT id FROM documents"))
        finally:
            db.close()

    def outbox(self):
        p = self.t.path("outbox")
        return sorted(os.listdir(p)) if os.path.isdir(p) else []

    def csv_ids(self):
        ids = []
        for p in glob.glob(self.t.path("out", "docs*.csv")):
            with open(p, newline="") as f:
                rows = list(csv.reader(f))
            ids += [r[0] for r in rows[1:]]
        return sorted(ids)

    def jsonl_ids(self):
        ids = []
        for p in glob.glob(self.t.path("out", "docs*.jsonl")):
            with open(p) as f:
                ids += [json.loads(l)["id"] for l in f if l.strip()]
        return sorted(ids)

    def assert_only(self, ids):
        ids = sorted(ids)
        self.t.assertEqual(self.sqlite_ids(), ids, "sqlite rows")
        self.t.assertEqual(self.outbox(), sorted(i + ".json" for i in ids),
                           "the outbox (temporary files included)")
        self.t.assertEqual(self.csv_ids(), ids, "csv rows")
        self.t.assertEqual(self.jsonl_ids(), ids, "jsonl lines")


class FailedDocumentsLeaveNoTrace(DaemonTest):
    def test_process_export_unread_documents(self):
        """A PDF and random bytes: no reader takes them, and no exporter
        may see them."""
        self.write("newsdesk.yaml", config(pipeline=sinks()))
        self.write("story.txt", STORY)
        self.write("scan.pdf", PDF)
        self.write("noise.bin", os.urandom(3000))
        r = self.nd("process", "--export", "story.txt", "scan.pdf", "noise.bin")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"unsupported media type", r.stderr)
        Traces(self).assert_only([sha(STORY)])

    def test_process_export_refused_after_the_exporters(self):
        self.write("newsdesk.yaml", config(
            service="  plugin_path: [%s]\n" % self.plugin_dir(),
            pipeline=sinks(faulty=True)))
        self.write("story.txt", STORY)
        self.write("refused.txt", REFUSED)
        r = self.nd("process", "--export", "story.txt", "refused.txt")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"refuses this document", r.stderr)
        Traces(self).assert_only([sha(STORY)])

    def test_run_unread_and_refused_documents(self):
        d = self.daemon(service="  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline=sinks(faulty=True)).start()
        d.drop("story.txt", STORY)
        d.drop("scan.pdf", PDF)
        d.drop("noise.bin", os.urandom(3000))
        d.drop("refused.txt", REFUSED)
        d.wait(lambda: len(d.done()) == 1 and len(d.failed()) == 3, 30,
               "the four files were not filed")
        self.assertEqual(d.stop(), 0)
        Traces(self).assert_only([sha(STORY)])
        self.assertEqual(d.ls("var", "failed"), sorted(
            ["noise.bin", "noise.bin.error.json", "refused.txt",
             "refused.txt.error.json", "scan.pdf", "scan.pdf.error.json"]))


class CrashesCountAgainstRunningDocumentsOnly(DaemonTest):
    def test_waiting_files_are_never_failed_as_poison(self):
        """Files waiting on a sink that is down are not being processed:
        kill -9 the daemon more times than max_attempts, and none of them
        is failed with stage "crash"."""
        d, down = sink_down_daemon(self)
        d.start()
        for i in range(12):
            d.drop("waiting-%02d.txt" % i, "Item %d\n\nA short waiting story %d.\n" % (i, i))
        d.wait(lambda: len(d.ls("var", "work")) == 12 and "the file stays in work/" in d.log(),
               30, "the files did not wait in work/")
        for _ in range(4):  # inbox.max_attempts is 3
            d.kill()
            d.start()
            d.wait(lambda: d.log().count("retrying in") + d.log().count("tried again in") > 0,
                   30, "the restarted daemon did not retry")
            time.sleep(0.3)
        self.assertEqual(d.failed(), [], d.log()[-3000:])
        os.unlink(down)
        d.wait(lambda: len(d.done()) == 12, 60, "the waiting files were not done")
        self.assertEqual(d.failed(), [])


class OutagesAreLoggedOnce(DaemonTest):
    def test_one_warning_when_it_starts_one_notice_when_it_ends(self):
        d, down = sink_down_daemon(self)
        d.env = {"JOURNAL_STREAM": ""}
        d.start()
        for i in range(30):
            d.drop("item-%02d.txt" % i, "Item %d\n\nAnother short story %d.\n" % (i, i))
        d.wait(lambda: d.log().count("retrying in") >= 60, 60,
               "the documents did not retry")
        os.unlink(down)
        d.wait(lambda: len(d.done()) == 30, 60, "the documents were not done")
        self.assertEqual(d.stop(), 0)
        lines = d.log().splitlines()
        loud = [l for l in lines if " warning: " in l or " error: " in l]
        self.assertEqual(len(loud), 1, "\n".join(loud))
        self.assertIn("the test sink is down", loud[0])
        self.assertIn("step faulty", loud[0])
        back = [l for l in lines if "works again after" in l]
        self.assertEqual(len(back), 1, "\n".join(lines[-40:]))
        self.assertIn(" notice: ", back[0])
        notices = [l for l in lines if " notice: " in l and "sink is down" in l]
        self.assertEqual(notices, [], "per-document retries above debug level")


class ReloadKeepsTheChain(DaemonTest):
    def reload_and_check(self, new_text):
        d = self.daemon(pipeline="  - plugin: text\n"
                                 "  - plugin: sqlite\n    path: ./var/archive.db\n"
                                 "  - plugin: jsonl\n    path: ./out/docs.jsonl\n").start()
        d.drop("first.txt", STORY)
        d.wait(lambda: d.done() == ["first.txt"], 30, "first.txt not done")
        with open(d.cfg, "w") as f:
            f.write(new_text)
        d.proc.send_signal(signal.SIGHUP)
        d.wait(lambda: "reload failed" in d.log(), 30, "the reload was not refused")
        d.drop("second.txt", REFUSED)
        d.wait(lambda: len(d.done()) == 2, 30, "second.txt not done")
        self.assertEqual(d.stop(), 0)
        t = Traces(self)
        self.assertEqual(t.sqlite_ids(), sorted([sha(STORY), sha(REFUSED)]))
        self.assertEqual(t.jsonl_ids(), sorted([sha(STORY), sha(REFUSED)]))
        return d.log()

    def test_an_emptied_file_is_refused(self):
        log = self.reload_and_check("")
        self.assertIn("is empty", log)

    def test_a_file_without_its_pipeline_is_refused(self):
        log = self.reload_and_check("inbox:\n  path: ./inbox\n  state: ./var\n")
        self.assertIn("has no pipeline section", log)

    def test_an_empty_file_is_the_defaults_at_start(self):
        self.write("empty.yaml", "")
        r = self.nd("check", "-c", "empty.yaml")
        self.assertEqual(r.returncode, 0, r.stderr)


class StoppingIsBounded(DaemonTest):
    def test_a_step_that_hangs_does_not_hold_up_the_stop(self):
        d = self.daemon(service="  plugin_path: [%s]\n  stop_timeout: 1s\n" % self.plugin_dir(),
                        pipeline="  - plugin: text\n  - plugin: faulty\n    delay: 120s\n"
                                 "  - plugin: json\n    dir: ./outbox\n").start()
        d.drop("stuck.txt", STORY)
        d.wait(lambda: d.ls("var", "work") == ["stuck.txt"], 30, "stuck.txt not claimed")
        time.sleep(0.5)
        t0 = time.monotonic()
        self.assertEqual(d.stop(timeout=30), 0)
        took = time.monotonic() - t0
        self.assertLess(took, 15, "the stop waited for the hung step")
        self.assertEqual(d.ls("inbox"), ["stuck.txt"])
        self.assertEqual(d.ls("var", "work"), [])
        self.assertIn("stop_timeout", d.log())


class FileNamesCannotForgeLogLines(DaemonTest):
    def test_control_characters_quotes_and_bad_utf8_are_escaped(self):
        d = self.daemon().start()
        name = b'evil\x1b[31m"\rforged=1\x07\xff.txt'
        os.makedirs(self.path("drop"), exist_ok=True)
        src = os.path.join(self.path("drop").encode(), name)
        with open(src, "wb") as f:
            f.write(STORY.encode())
        os.rename(src, os.path.join(self.path("inbox").encode(), name))
        d.wait(lambda: len(d.done()) == 1, 30, "the file was not done")
        self.assertEqual(d.stop(), 0)
        with open(d.logpath, "rb") as f:
            raw = f.read()
        for bad in (b"\x1b", b"\r", b"\x07", b"\xff"):
            self.assertNotIn(bad, raw)
        # Every line about the file names it whole, in one quoted field (the
        # document's own name has U+FFFD for the invalid byte).
        about = [l for l in raw.splitlines() if b"forged=1" in l]
        self.assertGreaterEqual(len(about), 2, raw)
        for l in about:
            self.assertRegex(l, rb'file="evil\\e\[31m\\"\\rforged=1\\x07(\\xFF|\xef\xbf\xbd)\.txt" ')


if __name__ == "__main__":
    ndtest.main()
