"""Sinks that go down and come back: PostgreSQL stopped in the middle of a
run, a webhook answering 500, then hanging, then 200, and a webhook that is
down across a kill -9 of the daemon. Files wait in work/ (RETRY), none is
failed, and once the sink is back every document reaches it exactly
once."""
import json
import time

import faultlib
from faultlib import FaultDaemon, article, config, free_port, sha


def ids_answered(sink, status):
    """Ids of the documents that the sink answered with `status`."""
    with sink.lock:
        pairs = list(zip(sink.requests, sink.answers))
    return [json.loads(body)["id"] for (_, body), a in pairs if a == status]


class SinksDown(faultlib.FaultTest):
    def test_postgres_stopped_mid_run_files_wait_and_every_document_arrives_once(self):
        pg = self.postgres()
        d = FaultDaemon(self, config(
            "  - plugin: text\n"
            "  - plugin: postgres\n    conninfo: \"%s\"\n" % pg.conninfo))
        texts = {"pg-%03d.txt" % i: article(i, "pg") for i in range(300)}
        names = self.stage(self.dir, texts)
        d.start()
        self.rename_in(self.dir, names[:100])
        d.wait(lambda: len(d.done()) >= 50, 60, "nothing reached PostgreSQL")
        pg.stop()  # documents are still in flight
        self.rename_in(self.dir, names[100:200])
        d.wait(lambda: len(d.done()) + len(d.work()) + len(d.failed()) >= 200, 60,
               "the files dropped while the server was down were not claimed")
        time.sleep(3)  # down for a while: retries, backoff
        waiting = len(d.work())
        failed_while_down = list(d.failed())
        done_while_down = len(d.done())
        pg.start()
        self.rename_in(self.dir, names[200:])
        d.wait(lambda: len(d.done()) + len(d.failed()) == 300 and not d.work(), 120,
               "not every file was filed after the server came back")
        self.assertEqual(d.stop(), 0)
        rows = pg.sql("SELECT count(*), count(DISTINCT id) FROM documents")[0]
        got = [r[0] for r in pg.sql("SELECT id FROM documents")]
        missing, dup, unexpected = self.once_figures(got, {sha(t) for t in texts.values()})
        f = self.figures
        f.set(documents=300, waited_in_work=waiting, done_while_down=done_while_down,
              failed=len(d.failed()), failed_while_down=len(failed_while_down),
              lost=300 - len([n for n in names if n in self.places(self.dir)]),
              table_rows=rows[0], table_distinct=rows[1], missing=missing,
              duplicated=dup)
        f.show()
        self.assertGreater(waiting, 0, "no file waited in work/ while the server was down")
        self.assertEqual(d.failed(), [], "files failed because PostgreSQL was down: " + f.line())
        self.assertEqual(sorted(d.done()), sorted(names), f.line())
        self.assertEqual((missing, dup, unexpected), (0, 0, 0), f.line())

    def test_webhook_500_then_hanging_then_200_delivers_every_document_once(self):
        sink = self.sink()
        sink.default = 500
        d = FaultDaemon(self, config(
            "  - plugin: text\n"
            "  - plugin: webhook\n    url: %s\n    timeout: 1s\n"
            "    retries: 1\n    retry_min: 50ms\n    retry_max: 100ms\n" % sink.url))
        texts = {"hook-%02d.txt" % i: article(i, "hook") for i in range(60)}
        names = self.stage(self.dir, texts)
        d.start()
        self.rename_in(self.dir, names)
        # (Not every document need be tried: a daemon may probe a failing
        # sink with a few while the rest wait.)
        d.wait(lambda: len(ids_answered(sink, 500)) >= 20, 60,
               "the failing peer was not tried again and again")
        self.assertEqual(d.done(), [])
        sink.default = "hang"
        # Each hanging request ends by the exporter's timeout; wait for a
        # few of them to be sent again.
        d.wait(lambda: sink.answers.count("hang") >= 4, 60,
               "the exporter did not give up on the hanging peer and try again")
        self.assertEqual(d.done(), [], "a document was done without a 2xx answer")
        failed_before = list(d.failed())
        sink.default = 200
        sink.release()
        d.wait(lambda: len(d.done()) + len(d.failed()) == 60, 120,
               "not every file was filed once the peer answered 200")
        self.assertEqual(d.stop(), 0)
        delivered = ids_answered(sink, 200)
        want = {sha(t) for t in texts.values()}
        missing, dup, unexpected = self.once_figures(delivered, want)
        f = self.figures
        f.set(documents=60, answered_500=sink.answers.count(500),
              hung=sink.answers.count("hang"), answered_200=len(delivered),
              failed=len(d.failed()), failed_before_200=len(failed_before),
              lost=60 - len([n for n in names if n in self.places(self.dir)]),
              missing=missing, delivered_twice=dup)
        f.show()
        self.assertEqual(d.failed(), [], "files failed on a peer that came back: " + f.line())
        self.assertEqual(sorted(d.done()), sorted(names), f.line())
        self.assertEqual((missing, dup, unexpected), (0, 0, 0), f.line())

    def test_file_waiting_on_a_down_webhook_is_not_poison_after_kill_9(self):
        """Files retrying on a sink that is down did not crash anything: a
        kill -9 (an OOM kill, a power cycle of the unit) and a restart,
        max_attempts times over, must not fail them as poison."""
        port = free_port()
        d = FaultDaemon(self, config(
            "  - plugin: text\n"
            "  - plugin: webhook\n    url: http://127.0.0.1:%d/hook\n"
            "    retries: 0\n    connect_timeout: 200ms\n" % port,
            inbox="  max_attempts: 3\n"))
        n = 100
        texts = {"wait-%03d.txt" % i: article(i, "waiting") for i in range(n)}
        names = self.stage(self.dir, texts)
        self.rename_in(self.dir, names)
        d.start()
        # Each start: every file claimed and retried for a while (retry_min
        # 100ms), then the kill.
        for k in range(3):
            d.wait(lambda: not d.ls("inbox") and len(d.work()) + len(d.failed()) == n,
                   60, "start %d: the files were not claimed" % (k + 1))
            time.sleep(1.5)
            d.kill9()
            d.start()
        d.wait(lambda: not d.ls("inbox") and len(d.work()) + len(d.failed()) == n, 60,
               "after the last restart the files were not claimed")
        time.sleep(1.5)
        failed_while_down = self.failed_records(self.dir)
        sink = self.sink(port)
        d.wait(lambda: len(d.done()) + len(d.failed()) == n, 120,
               "not every file was filed once the webhook was up")
        self.assertEqual(d.stop(), 0)
        records = self.failed_records(self.dir)
        delivered = [json.loads(b)["id"] for b in sink.bodies()]
        missing, dup, _ = self.once_figures(delivered, {sha(t) for t in texts.values()})
        f = self.figures
        f.set(documents=n, kills=3, failed=len(records),
              false_poison=len([r for r in records.values() if r and r["stage"] == "crash"]),
              failed_while_down=len(failed_while_down),
              lost=n - len([x for x in names if x in self.places(self.dir)]),
              delivered=len(set(delivered)), missing=missing, delivered_twice=dup)
        f.show()
        self.assertEqual(f.items["false_poison"], 0,
                         "files waiting on a down webhook were failed as poison "
                         "(stage crash) after kill -9: " + f.line())
        self.assertEqual(records, {}, f.line())
        self.assertEqual(sorted(d.done()), sorted(names), f.line())
        self.assertEqual((missing, dup), (0, 0), f.line())


if __name__ == "__main__":
    faultlib.main()
