"""Scale-out on Redis Streams, case by case, against a real redis-server
started for these tests (redisserver.py): the stream section in `check`,
a forwarder and a worker end to end (dead letters, `retry --stream`,
/metrics, /status, `newsdesk status`), Redis going away and coming back,
backpressure at max_backlog, a retrying entry that no other worker takes
over, a poison article dead-lettered after max_attempts, workers that
stopped or died leaving the group, and the redis exporter (its maxlen,
once per id). Skips without redis-server, unless NEWSDESK_REQUIRE_REDIS=1
(CI) makes that a failure. The many-process runs are in
tests/fault/test_scaleout.py."""
import json
import os
import time
import unittest

import ndtest
import redisserver
from streamtest import Node, articles, forwarder_config, worker_config

RS = None

JSONL_SINK = "  - plugin: jsonl\n    path: ./out/docs.jsonl\n"
JSONL_CHAIN = "  - plugin: text\n" + JSONL_SINK


def setUpModule():
    global RS
    redisserver.skip_or_fail(unittest)
    RS = redisserver.RedisServer()


def tearDownModule():
    if RS:
        RS.destroy()


def jsonl_ids(node):
    p = os.path.join(node.dir, "out", "docs.jsonl")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [json.loads(l)["id"] for l in f if l.strip()]


class Stream(ndtest.TempDirTest):
    _n = 0

    def setUp(self):
        super().setUp()
        Stream._n += 1
        self.key = f"t{os.getpid()}-{Stream._n}:articles"
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.alive():
                n.kill()
        super().tearDown()

    def node(self, name, config, rs=None):
        n = Node(self, name, config)
        self.nodes.append(n)
        return n

    def fwd(self, rs=None, **kw):
        return self.node("fwd", forwarder_config((rs or RS).url, self.key, **kw))

    def worker(self, name="work", chain=JSONL_CHAIN, rs=None, **kw):
        return self.node(name, worker_config((rs or RS).url, self.key, chain, **kw))

    def dead(self, rs=None):
        return (rs or RS).entries(self.key + ":failed")

    def consumers(self):
        """The group's consumers: {name: pending}."""
        try:
            cs = RS.cmd("XINFO", "CONSUMERS", self.key, "workers")
        except redisserver.Error:
            return {}
        out = {}
        for c in cs:
            d = {c[i].decode(): c[i + 1] for i in range(0, len(c), 2)}
            out[d["name"].decode()] = d["pending"]
        return out

    def pending(self, rs=None):
        g = (rs or RS).xinfo_group(self.key, "workers")
        return g["pending"] if g else None

    # ---- configuration ------------------------------------------------------

    def test_check_validates_and_redacts(self):
        cfg = self.write("ok.yaml", "stream:\n  role: work\n"
                         "  url: \"redis://:s3cr3t@127.0.0.1:6380/2\"\n"
                         "  claim_idle: 30s\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("stream:", out)
        self.assertIn("role: work", out)
        self.assertIn("url: redis://:<redacted>@127.0.0.1:6380/2", out)
        self.assertNotIn("s3cr3t", out + r.stderr.decode())

        cfg = self.write("bad.yaml", "stream:\n  url: \"http://u:pw@host/0\"\n"
                         "  max_backlog: 0\n  bogus: 1\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn("bad.yaml:2:", err)
        self.assertIn("expected redis://", err)
        self.assertIn("max_backlog", err)
        self.assertIn("unknown key \"bogus\"", err)
        self.assertIn("missing required option \"role\"", err)
        self.assertNotIn(":pw@", err)

    # ---- a forwarder and a worker ---------------------------------------------

    def test_forward_work_dead_letter_and_retry(self):
        fwd = self.fwd().start()
        work = self.worker().start()
        docs = articles(20)
        for name, text in docs:
            fwd.drop(name, text)
        fwd.drop("empty.txt", "")
        work.wait(lambda: len(jsonl_ids(work)) == 20 and len(self.dead()) == 1,
                  30, "20 documents exported and 1 dead letter")
        self.assertEqual(len(fwd.ls("var", "done")), 21)
        self.assertEqual(fwd.ls("var", "failed"), [])
        self.assertEqual(fwd.ls("inbox"), [])
        self.assertEqual(len(set(jsonl_ids(work))), 20)
        fwd.wait(lambda: self.pending() == 0, 10, "nothing left pending")

        first_id, fields = self.dead()[0]
        self.assertEqual(fields["name"], b"empty.txt")
        self.assertEqual(fields["bytes"], b"")
        rec = json.loads(fields["error"])
        self.assertEqual((rec["file"], rec["stage"], rec["attempts"]),
                         ("empty.txt", "text", 1))

        # What the worker says of the stream.
        work.wait(lambda: (work.status() or {}).get("stream", {}).get(
            "dead_letters") == 1, 10, "status shows the dead letter")
        st = work.status()["stream"]
        self.assertEqual((st["role"], st["group"], st["pending"], st["lag"]),
                         ("work", "workers", 0, 0))
        self.assertEqual(st["dead_lettered"], 1)
        self.assertIn(st["consumer"], [c["name"] for c in st["consumers"]])
        code, metrics = work.http("/metrics")
        for family in ("newsdesk_stream_lag 0", "newsdesk_stream_pending 0",
                       "newsdesk_stream_dead_lettered_total 1",
                       "newsdesk_stream_reclaimed_total 0",
                       "newsdesk_stream_rtt_seconds ",
                       "newsdesk_stream_consumer_pending{consumer="):
            self.assertIn(family, metrics)
        code, metrics = fwd.http("/metrics")
        self.assertIn("newsdesk_stream_added_total 21", metrics)
        r = self.nd("status", "-c", work.cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("consumers:  1 in the group", out)
        self.assertIn(st["consumer"], out)
        self.assertIn("1 dead letters", out)

        # retry --stream: list, then put back; it fails again, once more.
        r = self.nd("retry", "-c", work.cfg, "--stream", "--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("empty.txt  (stage text)", r.stdout.decode())
        r = self.nd("retry", "-c", work.cfg, "--stream", "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("empty.txt -> entry ", r.stdout.decode())
        work.wait(lambda: len(self.dead()) == 1 and
                  "attempts" in self.dead()[0][1]["error"].decode() and
                  self.dead()[0][0] != first_id, 20,
                  "the retried entry failed again")
        r = self.nd("retry", "-c", work.cfg, "--stream", "0-1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no such dead letter", r.stderr.decode())
        self.assertEqual(len(set(jsonl_ids(work))), 20)

        # A worker that stops with nothing pending leaves the group.
        self.assertEqual(work.stop(), 0)
        self.assertEqual(self.consumers(), {})
        self.assertEqual(fwd.stop(), 0)

    def test_redis_down_and_back(self):
        rs = redisserver.RedisServer()
        try:
            fwd = self.fwd(rs=rs).start()
            work = self.worker(rs=rs).start()
            fwd.drop("first.txt", articles(1, "first")[0][1])
            work.wait(lambda: len(jsonl_ids(work)) == 1, 20, "the first document")
            rs.stop()
            fwd.wait(lambda: fwd.http("/health")[0] == 503, 10,
                     "the forwarder's /health says Redis is away")
            for name, text in articles(10):
                fwd.drop(name, text)
            work.wait(lambda: work.http("/health")[0] == 503, 10,
                      "the worker's /health says Redis is away")
            self.assertIn("the stream cannot take entries", fwd.http("/health")[1])
            self.assertIn("the stream cannot be read", work.http("/health")[1])
            time.sleep(1)
            self.assertEqual(len(fwd.ls("inbox")), 10,
                             "a forwarder does not claim while Redis is away")
            rs.start()
            work.wait(lambda: len(jsonl_ids(work)) == 11, 30,
                      "everything exported once Redis is back")
            self.assertEqual(len(set(jsonl_ids(work))), 11)
            fwd.wait(lambda: fwd.http("/health")[0] == 200, 10, "healthy again")
            work.wait(lambda: work.http("/health")[0] == 200, 10, "healthy again")
            self.assertIn("answers again", fwd.log())
            self.assertIn("answers again", work.log())
            self.assertEqual(len(fwd.ls("var", "done")), 11)
        finally:
            rs.destroy()

    def test_dead_workers_leave_the_group(self):
        fwd = self.fwd().start()
        extra = "  claim_idle: 1s\n"
        a = self.worker("a", extra=extra).start()
        for name, text in articles(4):
            fwd.drop(name, text)
        a.wait(lambda: len(jsonl_ids(a)) == 4 and self.pending() == 0, 20,
               "4 exported and acknowledged")
        dead = a.status()["stream"]["consumer"]
        a.kill()
        self.assertEqual(self.consumers(), {dead: 0})
        # A live worker deletes the consumer that holds nothing and has
        # been idle for claim_idle, and keeps itself.
        b = self.worker("b", extra=extra).start()
        fwd.drop("later.txt", articles(1, "later")[0][1])
        b.wait(lambda: len(jsonl_ids(b)) == 1, 20, "b exports")
        live = b.status()["stream"]["consumer"]
        b.wait(lambda: dead not in self.consumers(), 30,
               "the dead worker's consumer deleted")
        self.assertIn(live, self.consumers())
        self.assertIn("deleted 1 consumer from the group", b.log())

    def test_backpressure(self):
        fwd = self.fwd(extra="  max_backlog: 5\n",
                       service="  max_inflight: 2\n  workers: 1\n").start()
        for name, text in articles(30):
            fwd.drop(name, text)
        fwd.wait(lambda: RS.cmd("XLEN", self.key) >= 5, 20, "entries added")
        fwd.wait(lambda: (fwd.status() or {}).get("stream", {}).get("paused")
                 and "max_backlog is 5: not claiming" in fwd.log(), 20,
                 "the forwarder pauses and says why")
        time.sleep(2)  # paused: no more entries come
        added = RS.cmd("XLEN", self.key)
        self.assertLessEqual(added, 5 + 2)
        self.assertGreaterEqual(len(fwd.ls("inbox")), 30 - 7)
        self.assertTrue(fwd.status()["stream"]["paused"])
        work = self.worker().start()
        work.wait(lambda: len(jsonl_ids(work)) == 30, 60, "all 30 exported")
        self.assertEqual(len(fwd.ls("var", "done")), 30)

    def test_retrying_entry_is_not_taken_over(self):
        block = self.path("sink-down")
        open(block, "w").close()
        chain = (f"  - plugin: text\n  - plugin: faulty\n"
                 f"    retry_while: {block}\n" + JSONL_SINK)
        extra = "  claim_idle: 1s\n"
        fwd = self.fwd().start()
        a = self.worker("a", chain, extra=extra).start()
        fwd.drop("wait.txt", articles(1)[0][1])
        a.wait(lambda: "retrying in" in a.log() or "tried again" in a.log(),
               20, "the entry waits for a retry")
        b = self.worker("b", chain, extra=extra).start()
        time.sleep(4)  # four times claim_idle
        p = RS.cmd("XPENDING", self.key, "workers", "-", "+", 10)
        self.assertEqual(len(p), 1)
        self.assertEqual(p[0][3], 1, "delivered once: nobody took it over")
        self.assertEqual(p[0][1].decode(), a.status()["stream"]["consumer"])
        os.unlink(block)
        a.wait(lambda: len(jsonl_ids(a)) == 1, 20, "exported once the sink is back")
        self.assertEqual(jsonl_ids(b), [])
        a.wait(lambda: self.pending() == 0, 10, "acknowledged")

    def test_poison_is_dead_lettered_after_max_attempts(self):
        chain = ("  - plugin: text\n  - plugin: crash\n    marker: POISON\n" +
                 JSONL_SINK)
        fwd = self.fwd().start()
        work = self.worker(chain=chain, extra="  claim_idle: 1s\n")
        work.start()
        docs = articles(5, marker_at=2)
        for name, text in docs:
            fwd.drop(name, text)
        crashes = 0
        end = time.monotonic() + 60
        while time.monotonic() < end and not self.dead():
            if not work.alive():
                crashes += 1
                work.stop()
                work.start()  # as systemd's Restart= would
            time.sleep(0.1)
        self.assertEqual(len(self.dead()), 1, work.log()[-3000:])
        _, fields = self.dead()[0]
        rec = json.loads(fields["error"])
        self.assertEqual(fields["name"], docs[2][0].encode())
        self.assertEqual(rec["stage"], "crash")
        self.assertEqual(crashes, 3)
        work.wait(lambda: len(jsonl_ids(work)) == 4, 20, "the others exported")
        work.wait(lambda: self.pending() == 0, 10, "nothing left pending")

    # ---- the redis exporter ------------------------------------------------------

    def test_redis_exporter(self):
        out = f"{self.key}:out"
        cfg = self.write("nd.yaml", (
            f"service:\n  plugin_path: [{ndtest.TEST_PLUGINS}]\n"
            "pipeline:\n  - plugin: text\n  - plugin: redis\n"
            f"    url: \"{RS.url}\"\n    key: \"{out}\"\n    maxlen: 1000\n"
            "  - plugin: faulty\n    fail_on: REFUSED\n"))
        a = self.write("a.txt", "Tram line\n\nThe tram opened.\n")
        b = self.write("b.txt", "Bridge\n\nThe bridge is REFUSED here.\n")
        r = self.nd("process", "-c", cfg, "--export", a, b)
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.nd("process", "-c", cfg, "--export", a)
        self.assertEqual(r.returncode, 0, r.stderr)
        entries = RS.entries(out)
        self.assertEqual(len(entries), 1, "once per id, none for the failed")
        doc = json.loads(entries[0][1]["doc"])
        self.assertEqual(doc["title"], "Tram line")
        self.assertEqual(entries[0][1]["id"].decode(), doc["id"])
        self.assertEqual(RS.cmd("HLEN", out + ":ids"), 1)

        # Redis away: documents wait in work/, then arrive once.
        rs = redisserver.RedisServer()
        try:
            rs.stop()
            d = ndtest.Daemon(self, (
                "inbox:\n  path: ./inbox\n  state: ./var\n"
                "service:\n  retry_min: 100ms\n  retry_max: 500ms\n"
                "pipeline:\n  - plugin: text\n  - plugin: redis\n"
                f"    url: \"{rs.url}\"\n    key: docs\n    timeout: 500ms\n"))
            d.start()
            for name, text in articles(3):
                d.drop(name, text)
            d.wait(lambda: len(d.ls("var", "work")) == 3 and
                   "tried again" in d.log(), 20, "documents wait for Redis")
            rs.start()
            d.wait(lambda: len(d.done()) == 3, 30, "exported once Redis is back")
            self.assertEqual(rs.cmd("XLEN", "docs"), 3)
            self.assertEqual(d.failed(), [])
            self.assertEqual(d.stop(), 0)
        finally:
            rs.destroy()

    def test_redis_exporter_maxlen_keeps_the_ids(self):
        # Small stream nodes, so that an approximate trim happens at all
        # with a few dozen entries (Redis trims whole nodes only).
        rs = redisserver.RedisServer()
        try:
            rs.cmd("CONFIG", "SET", "stream-node-max-entries", "4")
            cfg = self.write("nd.yaml", (
                "pipeline:\n  - plugin: text\n  - plugin: redis\n"
                f"    url: \"{rs.url}\"\n    key: docs\n    maxlen: 8\n"))
            files = [self.write(name, text) for name, text in articles(40)]
            r = self.nd("process", "-c", cfg, "--export", *files)
            self.assertEqual(r.returncode, 0, r.stderr)
            n = rs.cmd("XLEN", "docs")
            self.assertGreaterEqual(n, 8, "never below maxlen")
            self.assertLessEqual(n, 8 + 4, "trimmed to maxlen plus a node")
            self.assertEqual(rs.cmd("HLEN", "docs:ids"), 40)
            last = rs.entries("docs")[-1][0]

            # The first document's entry was trimmed away; its id is still
            # known, so exporting it again adds nothing.
            r = self.nd("process", "-c", cfg, "--export", files[0])
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(rs.cmd("XLEN", "docs"), n)
            self.assertEqual(rs.entries("docs")[-1][0], last)
        finally:
            rs.destroy()


if __name__ == "__main__":
    ndtest.main()
