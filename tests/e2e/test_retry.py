"""`newsdesk retry`: failed files go back into the inbox under a free name,
their error records are kept in <state>/retried/, and error records are
never read as articles (the inbox leaves *.error.json alone)."""
import json
import os
import shutil

import ndtest

ARTICLE = ("Harbour crane back in service\n\n"
           "The port authority said on Monday that the crane damaged in the "
           "storm had been repaired.\n")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256))


def config(inbox="", pipeline=None):
    """A test folder's config: fast settle times, the text reader only."""
    return ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 600ms\n" + inbox +
            "service:\n  log_level: debug\n  http: \"127.0.0.1:0\"\n"
            "pipeline:\n" + (pipeline or "  - plugin: text\n  - plugin: json\n"
                                         "    dir: ./outbox\n"))


class RetryTest(ndtest.TempDirTest):
    def daemon(self, **kw):
        d = ndtest.Daemon(self, config(**kw))
        self.addCleanup(d.stop)
        return d

    def retry(self, *args):
        r = self.nd("retry", "-c", "newsdesk.yaml", *args)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def read(self, *parts):
        with open(self.path(*parts), "rb") as f:
            return f.read()

    def fail_pdf(self, d, name="report.pdf"):
        d.drop(name, PDF)
        d.wait(lambda: name in d.failed() and
               os.path.exists(self.path("var", "failed", name + ".error.json")),
               30, "%s did not fail" % name)


class Inbox(RetryTest):
    def test_error_records_dropped_in_the_inbox_are_left_alone(self):
        d = self.daemon().start()
        rec = json.dumps({"file": "blob.bin", "stage": "read",
                          "message": "unsupported media type"})
        d.drop("blob.bin.error.json", rec)
        d.drop("OLD.ERROR.JSON", rec)
        d.drop("story.txt", ARTICLE)
        d.wait(lambda: d.done() == ["story.txt"], 30, "story.txt not done")
        # A scan too, not only the rename events.
        d.stop()
        d.start()
        d.drop("after.txt", ARTICLE + "More.\n")
        d.wait(lambda: "after.txt" in d.done(), 30, "after.txt not done")
        self.assertEqual(d.ls("inbox"), ["OLD.ERROR.JSON", "blob.bin.error.json"])
        self.assertEqual(d.failed(), [])
        self.assertEqual(d.ls("var", "failed"), [])
        self.assertEqual(d.ls("var", "work"), [])
        self.assertEqual(self.read("inbox", "blob.bin.error.json"), rec.encode())
        self.assertNotIn("claimed", "\n".join(
            l for l in d.log().splitlines() if "error.json" in l))


class RetryCommand(RetryTest):
    def test_retry_all_with_the_daemon_stopped(self):
        d = self.daemon().start()
        self.fail_pdf(d)
        first = self.read("var", "failed", "report.pdf.error.json")
        self.assertIn(b"unsupported media type", first)
        d.stop()

        code, out, err = self.retry("--all")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), [
            "report.pdf -> ./inbox/report.pdf (error record kept as "
            "./var/retried/report.pdf.error.json)"])
        self.assertEqual(self.read("inbox", "report.pdf"), PDF)
        self.assertEqual(d.ls("inbox"), ["report.pdf"])
        self.assertEqual(d.ls("var", "failed"), [])
        # The record is kept, byte for byte, where no scan looks.
        self.assertEqual(self.read("var", "retried", "report.pdf.error.json"), first)

        # It fails again (nothing reads PDFs): a new record, and the second
        # retry keeps both old ones.
        d.start()
        d.wait(lambda: d.failed() == ["report.pdf"] and os.path.exists(
            self.path("var", "failed", "report.pdf.error.json")), 30,
            "the retried file did not fail again")
        second = self.read("var", "failed", "report.pdf.error.json")
        d.stop()
        code, out, err = self.retry("--all")
        self.assertEqual(code, 0, err)
        self.assertIn("./var/retried/report.pdf.error.2.json", out)
        self.assertEqual(d.ls("var", "retried"),
                         ["report.pdf.error.2.json", "report.pdf.error.json"])
        self.assertEqual(self.read("var", "retried", "report.pdf.error.json"), first)
        self.assertEqual(self.read("var", "retried", "report.pdf.error.2.json"), second)

    def test_retry_while_the_daemon_runs_a_fixed_configuration(self):
        big = "Long article\n\n" + "word " * 400
        d = self.daemon(inbox="  max_bytes: 1KiB\n").start()
        d.drop("big.txt", big)
        d.wait(lambda: d.failed() == ["big.txt"], 30, "big.txt did not fail")
        d.stop()
        # The limit raised, the daemon running: the retried file is done.
        d = self.daemon(inbox="  max_bytes: 1MiB\n").start()
        code, out, err = self.retry("big.txt")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith("big.txt -> ./inbox/big.txt"), out)
        d.wait(lambda: d.done() == ["big.txt"], 30, "the retried file was not done")
        self.assertEqual(d.ls("var", "failed"), [])
        rec = json.loads(self.read("var", "retried", "big.txt.error.json"))
        self.assertIn("max_bytes", rec["message"])
        self.assertEqual(d.stop(), 0)

    def test_free_name_in_the_inbox(self):
        d = self.daemon().start()
        self.fail_pdf(d)
        d.stop()
        self.write("inbox/report.pdf", "someone else's report")
        code, out, err = self.retry("report.pdf")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith("report.pdf -> ./inbox/report.2.pdf "), out)
        self.assertEqual(self.read("inbox", "report.pdf"), b"someone else's report")
        self.assertEqual(self.read("inbox", "report.2.pdf"), PDF)

    def test_names_paths_and_records_name_the_document(self):
        d = self.daemon().start()
        for n in ("a.pdf", "b.pdf", "c.pdf"):
            self.fail_pdf(d, n)
        d.stop()
        code, out, err = self.retry("a.pdf", "var/failed/b.pdf",
                                    "c.pdf.error.json")
        self.assertEqual(code, 0, err)
        self.assertEqual([l.split(" -> ")[0] for l in out.splitlines()],
                         ["a.pdf", "b.pdf", "c.pdf"])
        self.assertEqual(d.ls("inbox"), ["a.pdf", "b.pdf", "c.pdf"])
        self.assertEqual(d.ls("var", "failed"), [])
        self.assertEqual(d.ls("var", "retried"), ["a.pdf.error.json",
                                                  "b.pdf.error.json",
                                                  "c.pdf.error.json"])

    def test_errors_name_the_file_and_the_others_still_move(self):
        d = self.daemon().start()
        self.fail_pdf(d)
        d.stop()
        self.write("var/failed/orphan.txt.error.json", "{}")
        self.write("elsewhere/report.pdf", "not the failed one")
        code, out, err = self.retry("missing.txt", "orphan.txt.error.json",
                                    "elsewhere/report.pdf", "report.pdf")
        self.assertEqual(code, 1)
        self.assertEqual(len(out.splitlines()), 1)
        self.assertTrue(out.startswith("report.pdf -> ./inbox/report.pdf"), out)
        lines = err.splitlines()
        self.assertEqual(len(lines), 3, err)
        self.assertIn("missing.txt", lines[0])
        self.assertIn("not in", lines[0])
        self.assertIn("orphan.txt.error.json", lines[1])
        self.assertIn("error record", lines[1])
        self.assertIn("elsewhere/report.pdf", lines[2])
        self.assertIn("not in", lines[2])
        # The orphan record and the file outside failed/ are untouched.
        self.assertEqual(self.read("var", "failed", "orphan.txt.error.json"), b"{}")
        self.assertEqual(self.read("elsewhere", "report.pdf"), b"not the failed one")
        self.assertEqual(d.ls("inbox"), ["report.pdf"])

    def test_a_file_that_cannot_move_keeps_its_record(self):
        d = self.daemon().start()
        self.fail_pdf(d)
        d.stop()
        shutil.rmtree(self.path("inbox"))
        self.write("inbox", "a file where the inbox should be")
        code, out, err = self.retry("--all")
        self.assertEqual(code, 1)
        self.assertEqual(out, "")
        self.assertIn("inbox", err)
        self.assertEqual(d.ls("var", "failed"), ["report.pdf", "report.pdf.error.json"])
        self.assertFalse(os.path.exists(self.path("var", "retried",
                                                  "report.pdf.error.json")))

    def test_failed_children_of_a_container_are_retried_too(self):
        plugins = self.path("plugins")
        os.makedirs(plugins)
        shutil.copy(os.path.join(ndtest.TEST_PLUGINS, "splitter.so"), plugins)
        d = ndtest.Daemon(self, config(pipeline=(
            "  - plugin: splitter\n  - plugin: text\n"
            "  - plugin: json\n    dir: ./outbox\n")).replace(
            "service:\n", "service:\n  plugin_path: [%s]\n" % plugins, 1))
        self.addCleanup(d.stop)
        d.start()
        d.drop("three.batch", "First story line\n   \nThird story line")
        d.wait(lambda: d.done() == ["three.batch"], 30, "the container was not done")
        self.assertEqual(d.failed(), ["three.batch#2"])
        d.stop()
        code, out, err = self.retry("--all")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith("three.batch#2 -> ./inbox/three.batch#2 "), out)
        self.assertEqual(self.read("inbox", "three.batch#2"), b"   ")
        self.assertEqual(d.ls("var", "retried"), ["three.batch#2.error.json"])

    def test_all_leaves_records_hidden_files_and_folders(self):
        d = self.daemon().start()
        self.fail_pdf(d)
        d.stop()
        self.write("var/failed/.tmp-1-2", "being written")
        os.makedirs(self.path("var", "failed", "sub"))
        self.write("var/failed/stray.error.json", "{}")
        code, out, err = self.retry("--all")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.splitlines()), 1)
        self.assertEqual(d.ls("inbox"), ["report.pdf"])
        self.assertEqual(d.ls("var", "failed"), [".tmp-1-2", "stray.error.json", "sub"])

    def test_nothing_failed(self):
        self.write("newsdesk.yaml", config())
        os.makedirs(self.path("var", "failed"))
        code, out, err = self.retry("--all")
        self.assertEqual((code, out), (0, ""), err)


class Usage(RetryTest):
    def test_help(self):
        r = self.nd("retry", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: newsdesk retry", r.stdout.decode())
        self.assertIn("--all", r.stdout.decode())
        r = self.nd("--help")
        self.assertIn("retry", r.stdout.decode())

    def test_usage_errors(self):
        self.write("newsdesk.yaml", config())
        for args in ([], ["--all", "x.txt"], ["--bogus"], ["-c"]):
            r = self.nd("retry", *args)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("usage: newsdesk retry", r.stderr.decode())

    def test_configuration_error(self):
        self.write("bad.yaml", "inbox:\n  pathh: ./inbox\n")
        r = self.nd("retry", "-c", "bad.yaml", "--all")
        self.assertEqual(r.returncode, 78)
        self.assertIn("bad.yaml:2:3", r.stderr.decode())
        r = self.nd("retry", "-c", "missing.yaml", "--all")
        self.assertEqual(r.returncode, 78)
        self.assertIn("missing.yaml", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
