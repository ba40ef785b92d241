"""`newsdesk run`: the daemon in a temporary folder, each test asserting
where files end up (done/, failed/ + .error.json, left alone) and what
was exported."""
import glob
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time

import ndtest

ARTICLE = ("Ferry service resumes on the northern route\n\n"
           "The ferry company said on Tuesday that crossings would resume "
           "after the storm damage was repaired.\n")


def sha(data):
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def config(inbox="", service="", pipeline=None):
    """A config for a test folder: fast settle times, log at debug."""
    text = ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 600ms\n" + inbox +
            "service:\n  log_level: debug\n  http: \"127.0.0.1:0\"\n  retry_min: 100ms\n"
            "  retry_max: 300ms\n" + service)
    if pipeline:
        text += "pipeline:\n" + pipeline
    else:
        text += "pipeline:\n  - plugin: text\n  - plugin: json\n    dir: ./outbox\n"
    return text


class DaemonTest(ndtest.TempDirTest):
    def daemon(self, **kw):
        d = ndtest.Daemon(self, config(**kw))
        self.addCleanup(d.stop)
        return d

    def plugin_dir(self):
        """Test plugins in a folder of their own (the build's test plugin
        folder also holds plugins that exist to be rejected)."""
        dst = self.path("plugins")
        os.makedirs(dst, exist_ok=True)
        for n in ("faulty", "splitter"):
            shutil.copy(os.path.join(ndtest.TEST_PLUGINS, n + ".so"), dst)
        return dst

    def exported(self, data):
        p = self.path("outbox", sha(data) + ".json")
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return json.load(f)


class Arrival(DaemonTest):
    def test_rename_in(self):
        d = self.daemon().start()
        d.drop("ferry.txt", ARTICLE)
        d.wait(lambda: d.done() == ["ferry.txt"], 30, "ferry.txt never reached done/")
        doc = self.exported(ARTICLE)
        self.assertIsNotNone(doc, "no export for the document")
        self.assertEqual(doc["title"], "Ferry service resumes on the northern route")
        self.assertEqual(doc["source"]["name"], "ferry.txt")
        with open(self.path("var", "done", "ferry.txt")) as f:
            self.assertEqual(f.read(), ARTICLE)
        self.assertEqual(d.ls("inbox"), [])
        self.assertEqual(d.ls("var", "work"), [])
        log = d.log()
        self.assertIn('id=%s file="ferry.txt"' % sha(ARTICLE)[:16], log)
        self.assertEqual(d.stop(), 0)

    def test_slow_writer(self):
        """Written in place in two parts with a pause longer than `settle`:
        one document with the whole text, never a half."""
        d = self.daemon().start()
        first = "Council meets tonight\n\nThe first half of the story "
        second = "and the second half, written after a pause.\n"
        with open(self.path("inbox", "slow.txt"), "w") as f:
            f.write(first)
            f.flush()
            time.sleep(1.0)
            f.write(second)
        d.wait(lambda: d.done() == ["slow.txt"], 30, "slow.txt never reached done/")
        self.assertIsNotNone(self.exported(first + second))
        self.assertIsNone(self.exported(first))
        self.assertEqual(len(os.listdir(self.path("outbox"))), 1)
        self.assertEqual(d.stop(), 0)

    def test_slow_writer_longer_pause_than_settle_slow(self):
        """A writer that keeps the file open through a long pause: the file
        is not taken while it is open for writing."""
        d = self.daemon().start()
        first = "Harbour works\n\nThe work began "
        second = "and ended a week later.\n"
        with open(self.path("inbox", "pause.txt"), "w") as f:
            f.write(first)
            f.flush()
            time.sleep(2.0)  # settle_slow is 600 ms
            f.write(second)
        d.wait(lambda: d.done() == ["pause.txt"], 30, "pause.txt never reached done/")
        self.assertIsNotNone(self.exported(first + second))
        self.assertEqual(len(os.listdir(self.path("outbox"))), 1)

    def test_cp_into_inbox(self):
        d = self.daemon().start()
        src = self.write("copied.txt", ARTICLE)
        subprocess.run(["cp", src, self.path("inbox") + "/"], check=True)
        d.wait(lambda: d.done() == ["copied.txt"], 30, "copied.txt never reached done/")
        self.assertIsNotNone(self.exported(ARTICLE))

    def test_files_waiting_before_start(self):
        os.makedirs(self.path("inbox"))
        texts = {"early-%d.txt" % i: "Early item %d\n\nBody %d.\n" % (i, i) for i in range(5)}
        for n, t in texts.items():
            self.write(os.path.join("inbox", n), t)
        d = self.daemon().start()
        d.wait(lambda: len(d.done()) == 5, 30, "files waiting at start-up were not processed")
        for t in texts.values():
            self.assertIsNotNone(self.exported(t))

    def test_poll_watch(self):
        d = self.daemon(inbox="  watch: poll\n  poll_interval: 100ms\n").start()
        self.assertIn("watch: poll", d.log())
        d.drop("polled.txt", ARTICLE)
        d.wait(lambda: d.done() == ["polled.txt"], 30, "polled.txt never reached done/")

    def test_same_name_twice_keeps_both(self):
        d = self.daemon().start()
        one = "Result one\n\nFirst version.\n"
        two = "Result two\n\nSecond version.\n"
        d.drop("same.txt", one)
        d.wait(lambda: d.done() == ["same.txt"], 30, "first same.txt not done")
        d.drop("same.txt", two)
        d.wait(lambda: len(d.done()) == 2, 30, "second same.txt not done")
        self.assertEqual(d.done(), ["same.2.txt", "same.txt"])
        with open(self.path("var", "done", "same.txt")) as f:
            self.assertEqual(f.read(), one)
        with open(self.path("var", "done", "same.2.txt")) as f:
            self.assertEqual(f.read(), two)

    def test_on_success_delete(self):
        d = self.daemon(inbox="  on_success: delete\n").start()
        d.drop("gone.txt", ARTICLE)
        d.wait(lambda: self.exported(ARTICLE) is not None and d.ls("var", "work") == []
               and d.ls("inbox") == [], 30, "gone.txt not exported")
        self.assertEqual(d.done(), [])
        d.wait(lambda: "deleted (on_success: delete)" in d.log(), 10, "no log line")

    def test_inbox_deleted_and_recreated(self):
        self.check_inbox_recreated(self.daemon().start())

    def test_inbox_deleted_and_recreated_when_polling(self):
        self.check_inbox_recreated(
            self.daemon(inbox="  watch: poll\n  poll_interval: 100ms\n").start())

    def check_inbox_recreated(self, d):
        d.drop("before.txt", ARTICLE)
        d.wait(lambda: d.done() == ["before.txt"], 30, "before.txt not done")
        shutil.rmtree(self.path("inbox"))
        d.wait(lambda: "was deleted" in d.log() or "is gone" in d.log(), 10,
               "the loss of the inbox was not noticed")
        os.mkdir(self.path("inbox"))
        d.wait(lambda: "is back" in d.log(), 20, "the re-created inbox was not watched")
        after = "After the move\n\nA second story.\n"
        d.drop("after.txt", after)
        d.wait(lambda: "after.txt" in d.done(), 30, "after.txt (dropped in the new inbox) not done")
        self.assertIsNotNone(self.exported(after))
        self.assertEqual(d.stop(), 0)


class BadInput(DaemonTest):
    def test_bad_inputs_fail_or_are_ignored_and_the_daemon_keeps_working(self):
        d = self.daemon(inbox="  max_bytes: 1KiB\n  ignore: ['*.bak']\n").start()
        outside = self.write("secret.txt", "Outside the inbox\n\nThis must never be read.\n")
        inbox = self.path("inbox")
        d.drop("empty.txt", "")
        d.drop("binary.dat", bytes(range(256)) * 2)
        d.drop("big.txt", "Big\n\n" + "word " * 400)
        os.mkfifo(os.path.join(inbox, "pipe.txt"))
        os.symlink(outside, os.path.join(inbox, "link.txt"))
        os.mkdir(os.path.join(inbox, "subdir"))
        with open(os.path.join(inbox, "subdir", "inner.txt"), "w") as f:
            f.write(ARTICLE)
        d.drop("line\nbreak.txt", "Newline name\n\nA name with a newline.\n")
        d.drop("café-ünïcode.txt", "Unicode name\n\nA name with accents.\n")
        d.drop("notes.bak", "Backup\n\nNot for processing.\n")
        d.drop(".hidden.txt", "Hidden\n\nNot for processing.\n")
        d.wait(lambda: len(d.failed()) == 3 and len(d.done()) == 2, 30,
               "bad inputs did not reach their outcomes")
        self.assertEqual(sorted(d.failed()), ["big.txt", "binary.dat", "empty.txt"])
        self.assertEqual(sorted(d.done()), ["café-ünïcode.txt", "line\nbreak.txt"])

        rec = d.error_record("empty.txt")
        self.assertEqual(rec["stage"], "text")
        self.assertEqual(rec["plugin"], "text")
        self.assertIn("empty", rec["message"])
        self.assertEqual(rec["attempts"], 1)
        self.assertEqual(rec["file"], "empty.txt")
        self.assertRegex(rec["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIn("unsupported media type", d.error_record("binary.dat")["message"])
        big = d.error_record("big.txt")
        self.assertEqual(big["stage"], "read")
        self.assertIn("max_bytes", big["message"])
        self.assertIsNone(big["id"])  # never read

        # Left alone, each reported once with its reason.
        self.assertEqual(sorted(d.ls("inbox")),
                         [".hidden.txt", "link.txt", "notes.bak", "pipe.txt", "subdir"])
        self.assertEqual(os.listdir(os.path.join(inbox, "subdir")), ["inner.txt"])
        log = d.log()
        self.assertIn('ignoring "pipe.txt": a FIFO', log)
        self.assertIn('ignoring "link.txt": a symbolic link', log)
        self.assertIn('ignoring "subdir": a directory', log)
        self.assertTrue(os.path.exists(outside))
        with open(outside) as f:
            self.assertIsNone(self.exported(f.read()), "a symlink was followed")
        self.assertIsNone(self.exported(ARTICLE), "a subdirectory was processed")

        # Still working.
        d.drop("after.txt", ARTICLE)
        d.wait(lambda: "after.txt" in d.done(), 30, "the daemon stopped working")
        self.assertEqual(d.stop(), 0)


class Faults(DaemonTest):
    def faulty_pipeline(self, opts):
        return ("  - plugin: text\n  - plugin: faulty\n" + opts +
                "  - plugin: json\n    dir: ./outbox\n")

    def test_retry_keeps_the_file_in_work_until_the_sink_is_back(self):
        marker = self.write("sink-down", "")
        d = self.daemon(service="  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    retry_while: %s\n" % marker)).start()
        d.drop("waits.txt", ARTICLE)
        d.wait(lambda: d.log().count("retrying in") >= 2, 30, "no retries logged")
        self.assertEqual(d.ls("var", "work"), ["waits.txt"])
        self.assertEqual(d.done(), [])
        self.assertIn("plugin=faulty: the test sink is down; retrying in", d.log())
        os.unlink(marker)
        d.wait(lambda: d.done() == ["waits.txt"], 30, "not done once the sink was back")
        self.assertIsNotNone(self.exported(ARTICLE))
        self.assertEqual(d.stop(), 0)

    def test_a_group_commit_does_not_wait_for_a_slow_document(self):
        # A document that finishes while another still runs waits a few
        # milliseconds at most for it to join its group commit, not for as
        # long as it runs.
        d = self.daemon(service="  workers: 2\n  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    delay: 5s\n"
                                                      "    delay_on: SLOWLY\n")).start()
        d.drop("slow.txt", "A page written SLOWLY.\n")
        d.wait(lambda: d.ls("var", "work") == ["slow.txt"], 30, "slow.txt not claimed")
        d.drop("quick.txt", ARTICLE)
        d.wait(lambda: "quick.txt" in d.done(), 30, "quick.txt never reached done/")
        self.assertEqual(d.ls("var", "work"), ["slow.txt"])
        self.assertIsNotNone(self.exported(ARTICLE))
        d.wait(lambda: "slow.txt" in d.done(), 30, "slow.txt never reached done/")
        self.assertEqual(d.stop(), 0)

    def test_sigterm_returns_retrying_documents_to_the_inbox(self):
        marker = self.write("sink-down", "")
        d = self.daemon(service="  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    retry_while: %s\n" % marker)).start()
        d.drop("back.txt", ARTICLE)
        d.wait(lambda: "retrying in" in d.log(), 30, "no retry")
        self.assertEqual(d.stop(signal.SIGINT), 0)
        self.assertEqual(d.ls("inbox"), ["back.txt"])
        self.assertEqual(d.ls("var", "work"), [])
        self.assertIn("returned to the inbox", d.log())
        # Next run, sink up: processed.
        os.unlink(marker)
        d.start()
        d.wait(lambda: d.done() == ["back.txt"], 30, "returned file not processed at restart")

    def test_sigterm_in_a_burst_finishes_in_flight_and_leaves_the_rest(self):
        d = self.daemon(service="  plugin_path: [%s]\n  max_inflight: 4\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    delay: 50ms\n")).start()
        texts = {"burst-%02d.txt" % i: "Burst item %d\n\nText %d.\n" % (i, i) for i in range(40)}
        for n, t in texts.items():
            d.drop(n, t)
        d.wait(lambda: len(d.done()) >= 2, 30, "nothing done")
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.ls("var", "work"), [])
        done, left = d.done(), d.ls("inbox")
        self.assertEqual(sorted(done + left), sorted(texts))
        self.assertTrue(left, "everything was done before the stop")
        for n in done:
            self.assertIsNotNone(self.exported(texts[n]), n)
        self.assertIn("stopping (received SIGTERM)", d.log())

    def test_sigterm_returns_what_is_queued_behind_a_running_document(self):
        # One worker: a document runs (slowly) and the next waits on the
        # pool behind it. The stop lets the first finish and gives the
        # second back without running it.
        d = self.daemon(service="  plugin_path: [%s]\n  workers: 1\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    delay: 2s\n")).start()
        d.drop("first.txt", "First item\n\nIt runs.\n")
        d.wait(lambda: d.ls("var", "work") == ["first.txt"], 30, "first not claimed")
        d.drop("second.txt", "Second item\n\nIt waits.\n")
        d.wait(lambda: len(d.ls("var", "work")) == 2, 30, "second not claimed")
        time.sleep(0.3)
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.done(), ["first.txt"])
        self.assertEqual(d.ls("inbox"), ["second.txt"])
        self.assertEqual(d.ls("var", "work"), [])
        self.assertIn('file="second.txt" plugin=-: returned to the inbox', d.log())

    def test_poison_document_fails_after_max_attempts_crashes(self):
        d = self.daemon(service="  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline=self.faulty_pipeline("    crash_on: POISON\n"))
        d.start()
        d.drop("poison.txt", "Bad one\n\nThis text holds POISON.\n")
        # Three runs die on it; the fourth start files it as poison.
        for _ in range(3):
            d.proc.wait(timeout=30)
            self.assertEqual(d.proc.returncode, -signal.SIGKILL, d.log())
            d.stop()
            self.assertEqual(d.ls("var", "work"), ["poison.txt"])
            d.start(wait_ready=False)
        d.wait(lambda: d.failed() == ["poison.txt"], 30, "the poison file was not failed")
        rec = d.error_record("poison.txt")
        self.assertEqual(rec["stage"], "crash")
        self.assertEqual(rec["attempts"], 3)
        self.assertIn("max_attempts", rec["message"])
        d.wait(lambda: d.ls("var", "attempts") == [], 10, "the crash counter stayed")
        d.drop("good.txt", ARTICLE)
        d.wait(lambda: d.done() == ["good.txt"], 30, "the daemon stopped working")
        self.assertEqual(d.stop(), 0)

    def test_failed_children_get_their_own_records(self):
        d = self.daemon(service="  plugin_path: [%s]\n" % self.plugin_dir(),
                        pipeline="  - plugin: splitter\n  - plugin: text\n"
                                 "  - plugin: json\n    dir: ./outbox\n").start()
        d.drop("three.batch", "First story line\n   \nThird story line")
        d.wait(lambda: d.done() == ["three.batch"], 30, "the container never reached done/")
        self.assertEqual(d.failed(), ["three.batch#2"])
        rec = d.error_record("three.batch#2")
        self.assertEqual(rec["stage"], "text")
        self.assertEqual(rec["id"], sha("   "))
        with open(self.path("var", "failed", "three.batch#2"), "rb") as f:
            self.assertEqual(f.read(), b"   ")
        self.assertIsNotNone(self.exported("First story line"))
        self.assertIsNotNone(self.exported("Third story line"))

    def test_a_child_retrying_holds_the_container_and_the_rest(self):
        """A child whose sink is down keeps its container in work/; the
        children after it wait (rather than each being run and held while
        the sink is down) and run once it is back; the ones before it are
        exported and not again."""
        marker = self.write("sink-down", "")
        # durable: none, so that an export shows before its container is done.
        d = self.daemon(service="  plugin_path: [%s]\n  durable: none\n" % self.plugin_dir(),
                        pipeline="  - plugin: splitter\n  - plugin: text\n"
                                 "  - plugin: faulty\n    retry_while: %s\n"
                                 "    retry_on: Second\n"
                                 "  - plugin: json\n    dir: ./outbox\n" % marker).start()
        lines = ["First story line", "Second story line", "Third story line"]
        d.drop("three.batch", "\n".join(lines))
        d.wait(lambda: d.log().count("retrying in") >= 2, 30, "no retries logged")
        self.assertEqual(d.ls("var", "work"), ["three.batch"])
        self.assertIsNotNone(self.exported(lines[0]))
        self.assertIsNone(self.exported(lines[1]))
        self.assertIsNone(self.exported(lines[2]))
        first = os.stat(self.path("outbox", sha(lines[0]) + ".json")).st_mtime_ns
        os.unlink(marker)
        d.wait(lambda: d.done() == ["three.batch"], 30, "not done once the sink was back")
        for line in lines:
            self.assertIsNotNone(self.exported(line), line)
        self.assertEqual(os.stat(self.path("outbox", sha(lines[0]) + ".json")).st_mtime_ns,
                         first)
        self.assertEqual(d.failed(), [])
        self.assertEqual(d.stop(), 0)

    def test_state_on_another_file_system_is_refused(self):
        if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(self.dir).st_dev:
            self.skipTest("no second file system to put the state on")
        state = os.path.join("/dev/shm", "newsdesk-test-%d" % os.getpid())
        self.addCleanup(shutil.rmtree, state, True)
        cfg = config().replace("state: ./var", "state: " + state)
        self.write("newsdesk.yaml", cfg)
        r = self.nd("run", "-c", "newsdesk.yaml", timeout=30)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("another file system", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
