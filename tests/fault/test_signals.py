"""Signals on a bad day: a SIGHUP after the configuration file was emptied
(`: > newsdesk.yaml`) must be refused with the running chain kept; a storm
of SIGHUPs while documents flow loses and doubles nothing; and SIGTERM
with a webhook that hangs returns within service.stop_timeout, with the
files in flight back in the inbox or in work/, none lost."""
import json
import signal
import subprocess
import threading
import time

import faultlib
from faultlib import FaultDaemon, article, config, sha

CHAIN = ("  - plugin: text\n"
         "  - plugin: sqlite\n    path: out/archive.db\n"
         "  - plugin: jsonl\n    path: out/docs.jsonl\n")


class Signals(faultlib.FaultTest):
    def sink_figures(self, texts):
        want = {sha(t) for t in texts.values()}
        _, _, sq, integrity = self.sqlite_figures(self.path("out", "archive.db"))
        jl = self.jsonl_ids(self.path("out", "docs.jsonl"))
        return self.once_figures(sq, want), self.once_figures(jl, want), integrity

    def test_emptied_configuration_is_refused_on_reload_and_the_chain_stays(self):
        d = FaultDaemon(self, config(CHAIN))
        d.start()
        first = {"first-%d.txt" % i: article(i, "before-reload") for i in range(10)}
        later = {"later-%d.txt" % i: article(i, "after-reload") for i in range(10)}
        for n, t in first.items():
            d.drop(n, t)
        d.wait(lambda: len(d.done()) == 10, 60, "the first documents were not done")
        open(d.cfg, "w").close()  # : > newsdesk.yaml
        mark = len(d.log())
        d.proc.send_signal(signal.SIGHUP)

        def outcome():
            return [l for l in d.log()[mark:].splitlines()
                    if "reload" in l and "(SIGHUP)" not in l]
        end = time.monotonic() + 10  # the outcome's line, whatever its words
        while not outcome() and time.monotonic() < end and d.alive():
            time.sleep(0.05)
        time.sleep(0.5)
        said = [l for l in d.log()[mark:].splitlines() if "reload" in l]
        for n, t in later.items():
            d.drop(n, t)
        d.wait(lambda: len(d.done()) + len(d.failed()) == 20, 60,
               "the documents dropped after the reload were not filed")
        alive = d.alive()
        self.assertEqual(d.stop(), 0)
        (sq_missing, sq_dup, _), (jl_missing, jl_dup, _), integrity = self.sink_figures(later)
        f = self.figures
        f.set(after_reload=len(later), in_sqlite=len(later) - sq_missing,
              in_jsonl=len(later) - jl_missing, failed=len(d.failed()))
        f.show()
        self.assertTrue(alive, "the daemon died on the reload")
        self.assertEqual((sq_missing, jl_missing), (0, 0), "after `: > newsdesk.yaml; "
                         "kill -HUP` documents no longer reach the running chain's sinks "
                         "(the empty configuration was taken for the defaults?): %s\n%s"
                         % (f.line(), "\n".join(said)))
        self.assertEqual((sq_dup, jl_dup), (0, 0), f.line())

    def test_sighup_storm_loses_nothing_and_doubles_nothing(self):
        d = FaultDaemon(self, config(CHAIN))
        n = 600
        texts = {"storm-%03d.txt" % i: article(i, "storm") for i in range(n)}
        names = self.stage(self.dir, texts)
        d.start()
        feeder_error = []

        def feed():
            try:
                for i in range(0, n, 20):  # about 20 files every 25 ms
                    self.rename_in(self.dir, names[i:i + 20])
                    time.sleep(0.025)
            except Exception as e:  # reported by the main thread
                feeder_error.append(e)
        t = threading.Thread(target=feed)
        t.start()
        hups = 0
        for _ in range(50):  # 50 SIGHUPs in about a second
            if not d.alive():
                break
            d.proc.send_signal(signal.SIGHUP)
            hups += 1
            time.sleep(0.02)
        t.join()
        self.assertEqual(feeder_error, [])
        d.wait(lambda: len(d.done()) + len(d.failed()) >= n and not d.work(), 120,
               "not every file was filed after the SIGHUP storm")
        time.sleep(0.5)
        self.assertEqual(d.stop(), 0)
        (sq_missing, sq_dup, _), (jl_missing, jl_dup, _), integrity = self.sink_figures(texts)
        places = self.places(self.dir)
        f = self.figures
        f.set(documents=n, hups=hups, reloads=d.log().count("reloaded "),
              lost=len([x for x in names if x not in places]),
              done_twice=len(set(d.done()) - set(names)), failed=len(d.failed()),
              sqlite_missing=sq_missing, sqlite_dup=sq_dup, jsonl_missing=jl_missing,
              jsonl_dup=jl_dup, sqlite_integrity=integrity)
        f.show()
        self.assertEqual(sorted(d.done()), sorted(names), f.line())
        self.assertEqual((sq_missing, sq_dup, jl_missing, jl_dup, integrity),
                         (0, 0, 0, 0, "ok"), f.line())

    def test_sigterm_returns_within_stop_timeout_with_a_hanging_webhook(self):
        stop_timeout = 5
        sink = self.sink()
        sink.default = "hang"
        d = FaultDaemon(self, config(
            "  - plugin: text\n"
            "  - plugin: webhook\n    url: %s\n    timeout: 60s\n    retries: 0\n"
            % sink.url, service="  stop_timeout: %ds\n" % stop_timeout))
        n = 10
        texts = {"hang-%d.txt" % i: article(i, "hanging") for i in range(n)}
        names = self.stage(self.dir, texts)
        d.start(wait_ready=False)
        if not d.wait_ready_or_exit():
            self.fail("the daemon refused service.stop_timeout (exit %s), the option "
                      "that bounds a stop below systemd's TimeoutStopSec:\n%s"
                      % (d.proc.returncode, d.log()[-1500:]))
        self.rename_in(self.dir, names)
        d.wait(lambda: len(sink.requests) >= 1, 30, "nothing reached the webhook")
        time.sleep(0.5)
        t0 = time.monotonic()
        d.proc.send_signal(signal.SIGTERM)
        try:
            rc = d.proc.wait(timeout=stop_timeout + 15)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t0
        if rc is None:
            d.kill9()
        else:
            d.stop()
        places = self.places(self.dir)
        f = self.figures
        f.set(documents=n, stop_timeout_s=stop_timeout, stop_took_s="%.1f" % took,
              exit=rc, lost=len([x for x in names if x not in places]),
              failed=len(d.failed()), in_inbox=len(d.ls("inbox")), in_work=len(d.work()),
              done=len(d.done()))
        f.show()
        self.assertIsNotNone(rc, "SIGTERM did not stop the daemon within %.0f s (the "
                             "stop timeout is %d s): %s" % (took, stop_timeout, f.line()))
        self.assertGreaterEqual(rc, 0, "the daemon died of a signal: " + f.line())
        self.assertLess(took, stop_timeout + 10, f.line())
        self.assertEqual(f.items["lost"], 0, f.line())
        self.assertEqual(d.failed(), [], f.line())
        # The peer is back: the next start delivers every document.
        sink.default = 200
        sink.release()
        d.start()
        d.wait(lambda: len(d.done()) == n, 60, "not every file was done after the restart")
        self.assertEqual(d.stop(), 0)
        with sink.lock:
            pairs = list(zip(sink.requests, sink.answers))
        ok = [json.loads(b)["id"] for (_, b), a in pairs if a == 200]
        missing, dup, _ = self.once_figures(ok, {sha(t) for t in texts.values()})
        self.assertEqual((missing, dup), (0, 0), f.line())


if __name__ == "__main__":
    faultlib.main()
