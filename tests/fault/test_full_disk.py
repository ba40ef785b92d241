"""Full disks, on small tmpfs mounts (skipped where this process may not
mount): a full outbox makes documents wait (RETRY) and nothing fails; a
full state disk never leaves a failed file without its error record, nor
a log line saying a file is where it is not. And an outage (a full disk, a
sink down) is reported once, at warning level, not once per document per
retry."""
import json
import os
import re
import time

import faultlib
from faultlib import FaultDaemon, article, config, free_port, journal_priority, log_lines, sha

# What a binary file looks like to the readers: no reader takes it.
BINARY = bytes(range(256)) * 4


class FullDisk(faultlib.FaultTest):
    def test_full_outbox_documents_wait_then_all_complete(self):
        outbox = self.mount_tmpfs(self.path("outbox"), "1m")
        d = FaultDaemon(self, config("  - plugin: text\n  - plugin: json\n    dir: ./outbox\n"))
        filler = self.fill(outbox)
        texts = {"full-%03d.txt" % i: article(i, "outbox") for i in range(100)}
        names = self.stage(self.dir, texts)
        d.start()
        self.rename_in(self.dir, names)
        # Claimed, then full for a while: several retries each (retry_min
        # 100ms, retry_max 1s). Not waited for by their log lines: an
        # outage is to be reported once, not per document.
        d.wait(lambda: not d.ls("inbox") and
               len(d.work()) + len(d.done()) + len(d.failed()) == 100, 60,
               "the documents were not claimed")
        time.sleep(3)
        waiting, failed_while_full = len(d.work()), list(d.failed())
        os.unlink(filler)
        d.wait(lambda: len(d.done()) + len(d.failed()) == 100, 120,
               "not every file was filed after space was freed")
        self.assertEqual(d.stop(), 0)
        ids, tmps = self.outbox(outbox)
        missing, dup, unexpected = self.once_figures(ids, {sha(t) for t in texts.values()})
        f = self.figures
        f.set(documents=100, waited_in_work=waiting, failed_while_full=len(failed_while_full),
              failed=len(d.failed()), exported=len(ids), missing=missing,
              duplicated=dup, tmp_left=len(tmps))
        f.show()
        self.assertEqual(failed_while_full, [], "files failed on a full outbox: " + f.line())
        self.assertEqual(d.failed(), [], f.line())
        self.assertEqual(sorted(d.done()), sorted(names), f.line())
        self.assertEqual((missing, dup, unexpected, tmps), (0, 0, 0, []), f.line())

    def test_full_state_disk_never_leaves_a_failed_file_without_its_record(self):
        fs = self.mount_tmpfs(self.path("fs"), "1m")
        d = FaultDaemon(self, config(
            "  - plugin: text\n  - plugin: json\n    dir: ./outbox\n").replace(
            "path: ./inbox\n  state: ./var\n", "path: ./fs/inbox\n  state: ./fs/var\n"))
        d.start()  # makes fs/inbox and fs/var/{work,done,failed,attempts}
        bad = {"binary-%d.dat" % i: BINARY + bytes([i]) for i in range(4)}
        bad.update({"empty-%d.txt" % i: b"" for i in range(4)})
        good = {"good-%d.txt" % i: article(i, "state") for i in range(4)}
        names = self.stage(fs, dict(bad, **good))
        filler = self.fill(fs)
        self.rename_in(fs, names)
        st = os.path.join(fs, "var")
        violations = {}  # (kind, file): what was seen first

        def violation(kind, n, text):
            violations.setdefault((kind, n), text)

        def where(n):
            out = []
            for sub in ("work", "done", "failed"):
                if os.path.exists(os.path.join(st, sub, n)):
                    out.append(sub)
            return out

        def check(full):
            recs = set(os.listdir(os.path.join(st, "failed")))
            for n in os.listdir(os.path.join(st, "failed")):
                if not n.endswith(".error.json") and not n.startswith(".") \
                        and n + ".error.json" not in recs:
                    violation("failed_without_record", n,
                              "%s is in failed/ without %s.error.json" % (n, n))
            log = d.log()
            for n in bad:
                places = where(n)
                if full and places and places != ["work"]:
                    violation("misplaced_while_full", n, "%s is in %s while the state "
                              "disk is full (it should wait in work/)" % (n, places))
                said = [l for l in log.splitlines() if 'file="%s"' % n in l]
                if not said:
                    continue
                last = said[-1]
                if "stays in work/" in last and "work" not in places:
                    violation("log_lies", n, "the log says %s stays in work/ but it is "
                              "in %s: %s" % (n, places, last))
                m = re.search(r'moved to "?failed/((?:[^"\\]|\\.)+?)"?[; ]', last)
                if m and not os.path.exists(os.path.join(st, "failed", m.group(1))):
                    violation("log_lies", n, "the log says %s moved to failed/ but it "
                              "is in %s: %s" % (n, places, last))

        # While full: the bad files are read, fail, and cannot get their
        # records written.
        end = time.monotonic() + 4
        d.wait(lambda: not d.ls("fs", "inbox"), 30, "the files were not claimed")
        while time.monotonic() < end:
            check(True)
            time.sleep(0.05)
        os.unlink(filler)

        def filed():
            return all(where(n) == ["failed"] and
                       os.path.exists(os.path.join(st, "failed", n + ".error.json"))
                       for n in bad) and len(d.ls("fs", "var", "done")) == len(good)
        end = time.monotonic() + 30
        while not filed() and time.monotonic() < end and d.alive():
            time.sleep(0.1)
        time.sleep(0.5)
        check(False)
        stuck = [n for n in bad if where(n) != ["failed"] or not os.path.exists(
            os.path.join(st, "failed", n + ".error.json"))]
        for n in stuck:
            violation("not_filed_after_freeing", n, "%s is in %s 30 s after space was "
                      "freed (want: failed/ with its record)" % (n, where(n)))
        self.assertTrue(d.alive(), "the daemon died\n" + d.log()[-3000:])
        self.assertEqual(d.stop(), 0)
        f = self.figures
        f.set(bad_files=len(bad), good_files=len(good),
              good_done=len(d.ls("fs", "var", "done")))
        for kind in ("failed_without_record", "misplaced_while_full", "log_lies",
                     "not_filed_after_freeing"):
            f.set(**{kind: len([k for k in violations if k[0] == kind])})
        f.show()
        order = ["failed_without_record", "log_lies", "misplaced_while_full",
                 "not_filed_after_freeing"]
        seen = [violations[k] for k in sorted(violations, key=lambda k: (order.index(k[0]), k[1]))]
        self.assert_no_problems(seen, "the full state disk broke the failed/ contract")
        self.assertEqual(len(d.ls("fs", "var", "done")), len(good), f.line())
        for n in bad:
            with open(os.path.join(st, "failed", n + ".error.json")) as fh:
                rec = json.load(fh)
            self.assertEqual(rec["file"], n)
            self.assertNotEqual(rec["stage"], "crash", rec)
            self.assertTrue(rec["message"], rec)

    def outage_lines(self, d, first, last):
        """Lines from byte offset `first` to `last` of the daemon's log at
        notice level or above (journal priority <= 5)."""
        data = d.log_bytes()[first:last]
        return [l for l in log_lines(data)
                if journal_priority(l) is not None and journal_priority(l) <= 5]

    def outage_run(self, root, chain, outage_on, outage_off, n=120):
        d = FaultDaemon(self, config(chain), root=root, journal=True)
        texts = {"o-%03d.txt" % i: article(i, "outage-" + os.path.basename(root))
                 for i in range(n)}
        names = self.stage(root, texts)
        d.start()
        self.assertTrue(log_lines(d.log_bytes())[0].startswith(b"<"),
                        "JOURNAL_STREAM did not give the log its priority prefixes")
        outage_on()
        first = len(d.log_bytes())
        self.rename_in(root, names)
        d.wait(lambda: not d.ls("inbox") and len(d.work()) + len(d.failed()) == n, 60,
               "the files did not wait in work/")
        time.sleep(4)  # several retries each (retry_min 100ms, retry_max 1s)
        outage_off()
        d.wait(lambda: len(d.done()) + len(d.failed()) == n, 120, "not every file was filed")
        last = len(d.log_bytes())
        self.assertEqual(d.stop(), 0)
        lines = self.outage_lines(d, first, last)
        warn = [l for l in lines if journal_priority(l) <= 4]
        return d, lines, warn

    def test_outage_is_reported_once_not_per_document_per_retry(self):
        """120 documents wait on a sink that is down, then on a full disk:
        fewer than 10 lines at notice level or above about it, and at least
        one at warning level (what `journalctl -p warning` shows)."""
        cases = []
        port = free_port()
        holder = {}
        chain = ("  - plugin: text\n  - plugin: webhook\n    url: http://127.0.0.1:%d/hook\n"
                 "    retries: 0\n    connect_timeout: 200ms\n" % port)
        cases.append(("sink_down", chain, lambda: None,
                      lambda: holder.setdefault("sink", self.sink(port))))
        outbox = self.path("disk", "outbox")
        why = self.try_mount_tmpfs(outbox, "1m")
        if why:
            print("\nthe disk_full case is skipped: %s" % why, flush=True)
        else:
            cases.append(("disk_full", "  - plugin: text\n  - plugin: json\n    dir: ./outbox\n",
                          lambda: holder.setdefault("filler", self.fill(outbox)),
                          lambda: os.unlink(holder["filler"])))
        f = self.figures
        problems = []
        for name, chain, on, off in cases:
            root = self.path(name if name != "disk_full" else "disk")
            d, lines, warn = self.outage_run(root, chain, on, off)
            f.set(**{name + "_documents": 120, name + "_notice_lines": len(lines),
                     name + "_warning_lines": len(warn),
                     name + "_failed": len(d.failed())})
            if len(lines) >= 10:
                problems.append("%s: %d lines at notice or above for one outage, e.g.\n  %s"
                                % (name, len(lines), "\n  ".join(
                                    l.decode("utf-8", "replace") for l in lines[:2])))
            if not warn:
                problems.append("%s: no line at warning level or above (journalctl -p "
                                "warning would show nothing of the outage)" % name)
            if d.failed():
                problems.append("%s: %d files failed" % (name, len(d.failed())))
        f.show()
        self.assert_no_problems(problems, "an outage was not reported once")


if __name__ == "__main__":
    faultlib.main()
