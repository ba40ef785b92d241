"""kill -9 at random moments of a backlog, and a real poison document.

An abnormal stop must not lose a file, process one twice or fail a good
document as poison: files in flight are retried at the next start, and
sinks are idempotent by document id. A document that really crashes the
daemon (a segfault or an abort in a plugin) must still be failed with
stage "crash" after inbox.max_attempts runs, so that it cannot crash-loop
the daemon."""
import os
import signal
import sys
import time

import faultlib
from faultlib import FaultDaemon, article, config, sha

TRIALS = int(os.environ.get("NEWSDESK_FAULT_KILL_TRIALS", "5"))
KILLS = 5
DOCS = 2000

CHAIN = ("  - plugin: text\n"
         "  - plugin: jsonl\n    path: out/docs.jsonl\n"
         "  - plugin: sqlite\n    path: out/archive.db\n"
         "  - plugin: json\n    dir: ./outbox\n")


class Kill9(faultlib.FaultTest):
    def one_trial(self, t, texts):
        """A backlog, KILLS kills at random moments, then a run to the
        end. Returns this trial's figures (a dict)."""
        root = self.path("trial-%d" % t)
        names = self.stage(root, texts)
        self.rename_in(root, names)
        d = FaultDaemon(self, config(CHAIN), root=root)
        kills = 0
        for k in range(KILLS):
            d.start()
            # A random point while documents are moving: after a random
            # number of them finished since this start, plus a random
            # fraction of a second. (Not at the very first instant of a
            # start, where the same few files would be hit every time.)
            base = len(d.done())
            step = self.rng.randint(5, 200)
            end = time.monotonic() + 60
            while len(d.done()) < min(base + step, len(names)) and time.monotonic() < end:
                if not d.alive():
                    self.fail("the daemon died by itself (trial %d, kill %d)\n%s"
                              % (t, k, d.log()[-3000:]))
                time.sleep(0.01)
            time.sleep(self.rng.uniform(0, 0.05))
            if len(d.done()) + len(d.failed()) >= len(names):
                break  # finished before this kill
            d.kill9()
            kills += 1
        d.start()
        d.wait(lambda: len(d.ls("inbox")) == 0 and len(d.work()) == 0 and
               len(d.done()) + len(d.failed()) >= len(names), 300,
               "trial %d: the backlog was not worked off" % t)
        time.sleep(0.3)  # a duplicate, were there one, would show now
        rc = d.stop()
        self.assertEqual(rc, 0, "trial %d: the clean stop exited %s" % (t, rc))

        want = {sha(v) for v in texts.values()}
        places = self.places(root)
        seen = [n for n in names if n in places]
        records = self.failed_records(root)
        rows, distinct, sq_ids, integrity = self.sqlite_figures(
            os.path.join(root, "out", "archive.db"))
        jl = self.jsonl_ids(os.path.join(root, "out", "docs.jsonl"))
        ob_ids, ob_tmps = self.outbox(os.path.join(root, "outbox"))
        sq_missing, sq_dup, _ = self.once_figures(sq_ids, want)
        jl_missing, jl_dup, _ = self.once_figures(jl, want)
        ob_missing, ob_dup, _ = self.once_figures(ob_ids, want)
        return {
            "kills": kills,
            "lost": len(names) - len(seen),
            "done_twice": len([n for n in d.done() if n not in texts]),
            "not_done": len([n for n in names if places.get(n) != ["done"]]),
            "failed": len(records),
            "false_poison": len([r for r in records.values()
                                 if r and r.get("stage") == "crash"]),
            "sqlite_dup": max(sq_dup, rows - distinct),
            "sqlite_missing": sq_missing,
            "sqlite_integrity_bad": int(integrity != "ok"),
            "jsonl_dup": jl_dup,
            "jsonl_missing": jl_missing,
            "json_dup": ob_dup,
            "json_missing": ob_missing,
            "outbox_tmp_left": len(ob_tmps),
            "attempts_left": len(d.ls("var", "attempts")),
        }

    def test_kill_9_at_random_points_loses_doubles_and_poisons_nothing(self):
        f = self.figures
        f.set(seed=faultlib.SEED, trials=TRIALS, documents=DOCS)
        per_trial = []
        for t in range(TRIALS):
            texts = {"k%d-%05d.txt" % (t, i): article(i, "trial%d" % t) for i in range(DOCS)}
            fig = self.one_trial(t, texts)
            per_trial.append(fig)
            f.add(**fig)
            print("\ntrial %d: %s" % (t, " ".join("%s=%s" % kv for kv in fig.items())),
                  file=sys.stderr, flush=True)
        f.show()
        bad = {k: v for k, v in f.items.items()
               if k not in ("seed", "trials", "documents", "kills", "attempts_left") and v}
        self.assertEqual(bad, {}, "kill -9 broke the per-document contract:\n%s\n"
                         "per trial: %s" % (f.line(), per_trial))

    def test_real_poison_document_is_failed_with_stage_crash(self):
        """A plugin that segfaults (then one that aborts) on a marker: after
        max_attempts (3) crashes the file is failed as poison, and the
        documents before and after it are done and exported."""
        for how in ("segv", "abort"):
            with self.subTest(how=how):
                self.poison_run(how)

    def poison_run(self, how):
        root = self.path(how)
        plugins = faultlib.copy_test_plugins(root, "crash")
        d = FaultDaemon(self, config(
            "  - plugin: text\n  - plugin: crash\n    marker: DETONATE\n"
            "    how: %s\n"
            "  - plugin: jsonl\n    path: out/docs.jsonl\n"
            "  - plugin: sqlite\n    path: out/archive.db\n" % how,
            inbox="  max_attempts: 3\n",
            service="  plugin_path: [%s]\n" % plugins), root=root)
        before = {"before-%d.txt" % i: article(i, "before-" + how) for i in range(10)}
        after = {"after-%d.txt" % i: article(i, "after-" + how) for i in range(10)}
        poison = "Bulletin\n\nThis bulletin holds the word DETONATE (%s).\n" % how
        d.start()
        for n, t in before.items():
            d.drop(n, t)
        d.wait(lambda: len(d.done()) == len(before), 60, "the first documents were not done")
        d.drop("poison.txt", poison)
        crashes = 0
        for _ in range(6):
            d.proc.wait(timeout=60)
            rc = d.proc.returncode
            d.stop()
            if rc == 0:
                break
            # Killed by the signal, or exited by a handler of it; not a
            # refused configuration.
            self.assertNotEqual(rc, 78, d.log()[-3000:])
            if rc < 0:
                self.assertIn(-rc, (signal.SIGSEGV, signal.SIGABRT), "the daemon "
                              "should have died of the plugin's %s" % how)
            crashes += 1
            self.assertEqual(d.work(), ["poison.txt"],
                             "after crash %d the poison file should be in work/" % crashes)
            d.start(wait_ready=False)
            if not d.wait_ready_or_exit():
                continue
            # Started: either it files the poison now, or dies on it again.
            end = time.monotonic() + 60
            while time.monotonic() < end and d.alive() and d.failed() != ["poison.txt"]:
                time.sleep(0.05)
            if d.failed() == ["poison.txt"]:
                break
        self.figures.set(how=how, crashes=crashes, failed=len(d.failed()))
        self.figures.show()
        self.assertEqual(d.failed(), ["poison.txt"], "the poison document was not "
                         "failed after %d crashes\n%s" % (crashes, d.log()[-3000:]))
        self.assertEqual(crashes, 3, "inbox.max_attempts is 3")
        rec = d.error_record("poison.txt")
        self.assertEqual(rec["stage"], "crash", rec)
        self.assertEqual(rec["attempts"], 3, rec)
        for n, t in after.items():
            d.drop(n, t)
        d.wait(lambda: len(d.done()) == len(before) + len(after), 60,
               "the daemon did not go on after the poison document")
        self.assertEqual(d.stop(), 0)
        want = {sha(t) for t in list(before.values()) + list(after.values())}
        rows, distinct, ids, integrity = self.sqlite_figures(os.path.join(root, "out", "archive.db"))
        self.assertEqual(sorted(ids), sorted(want))
        self.assertEqual(integrity, "ok")
        self.assertEqual(sorted(self.jsonl_ids(os.path.join(root, "out", "docs.jsonl"))),
                         sorted(want))


if __name__ == "__main__":
    faultlib.main()
