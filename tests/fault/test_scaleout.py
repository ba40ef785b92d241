"""Scale-out under faults: one forwarder and several worker processes
sharing a Redis stream (a real redis-server started here) and one SQLite
archive in WAL mode, with

  - a worker killed with -9 mid-run: the entries it held are finished by
    the others within claim_idle plus a margin;
  - a poison article that kills whichever worker runs it (restarted, as
    systemd's Restart= would): dead-lettered after max_attempts;
  - a forwarder killed with -9 between adding files to the stream and
    moving them to done/ (done/ made immutable meanwhile): it adds them
    again at its next start, and the sink absorbs the duplicates;
  - redis-server killed with -9 mid-run and started again on its
    append-only file (appendfsync always): nothing lost.

Every article must end in the archive exactly once (the poison one in the
dead letters), none missing. Fails without redis-server when
NEWSDESK_REQUIRE_REDIS=1 (CI), else skips."""
import os
import subprocess
import threading
import time
import unittest

import faultlib
import redisserver
from streamtest import Node, articles, forwarder_config, worker_config

CLAIM_IDLE_S = 2
TAKEOVER_MARGIN_S = 10


def setUpModule():
    redisserver.skip_or_fail(unittest)


class Supervisor(threading.Thread):
    """Restarts the workers that die, as systemd's Restart= would, except
    those killed on purpose; counts the restarts."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.keep_dead = set()
        self.restarts = 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            for n in self.nodes:
                if n.name not in self.keep_dead and n.proc is not None \
                        and n.proc.poll() is not None:
                    n.stop()
                    n.start(wait=False)
                    self.restarts += 1
            time.sleep(0.05)


class ScaleOut(faultlib.FaultTest):
    def setUp(self):
        super().setUp()
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.alive():
                n.kill()
        super().tearDown()

    def node(self, name, config):
        n = Node(self, name, config)
        n.name = name
        self.nodes.append(n)
        return n

    def cluster(self, rs, key, nworkers, chain):
        fwd = self.node("fwd", forwarder_config(rs.url, key))
        workers = [self.node(f"w{i}", worker_config(
            rs.url, key, chain, extra=f"  claim_idle: {CLAIM_IDLE_S}s\n",
            service="  workers: 1\n  max_inflight: 32\n"))
            for i in range(nworkers)]
        return fwd, workers

    def stage_all(self, fwd, docs):
        self.stage(fwd.dir, dict(docs))
        self.rename_in(fwd.dir, [n for n, _ in docs])

    def archive_rows(self, db):
        try:
            return self.sqlite_figures(db)
        except Exception:  # not created yet, or busy
            return 0, 0, [], "?"

    def wait_for(self, cond, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            time.sleep(0.1)
        self.figures.show()
        self.fail(f"{what} (after {timeout} s)\n" +
                  "\n".join(f"--- {n.name}\n{n.log()[-1500:]}" for n in self.nodes))

    def test_forwarder_three_workers_kills_and_poison(self):
        rs = redisserver.RedisServer(appendfsync="everysec")
        self.addCleanup(rs.destroy)
        key = "scale:articles"
        db = os.path.join(self.dir, "archive.db")
        chain = ("  - plugin: text\n"
                 "  - plugin: crash\n    marker: POISON\n"
                 f"  - plugin: sqlite\n    path: \"{db}\"\n")
        n = 5000
        docs = articles(n, marker_at=n // 2)
        want = {faultlib.sha(t) for i, (_, t) in enumerate(docs) if i != n // 2}
        fwd, workers = self.cluster(rs, key, 3, chain)
        fwd.start()
        for w in workers:
            w.start()
        sup = Supervisor(workers)
        sup.start()
        self.addCleanup(sup.halt.set)
        t0 = time.monotonic()
        first, later = docs[:4000], docs[4000:]
        self.stage_all(fwd, first)

        # A worker killed with -9 mid-run.
        self.wait_for(lambda: self.archive_rows(db)[0] >= n // 5, 120,
                      "a fifth of the articles archived")
        victim = workers[0]
        consumer = victim.status()["stream"]["consumer"]
        sup.keep_dead.add(victim.name)
        victim.kill()
        held = {p[0] for p in rs.cmd("XPENDING", key, "workers", "-", "+",
                                     1000, consumer)}
        t_kill = time.monotonic()
        self.wait_for(lambda: not held & {p[0] for p in rs.cmd(
            "XPENDING", key, "workers", "-", "+", 100000)}, 120,
            "the killed worker's entries finished by the others")
        takeover = time.monotonic() - t_kill
        self.figures.set(killed_worker_held=len(held),
                         takeover_s=round(takeover, 1))

        # A forwarder killed between adding and archiving: done/ refuses
        # the moves, so what it adds stays in work/; after the kill it is
        # added again. The last articles arrive only then.
        done_dir = os.path.join(fwd.dir, "var", "done")
        r = subprocess.run(["chattr", "+i", done_dir], capture_output=True)
        if r.returncode:
            self.fail("cannot make done/ immutable (chattr +i) to stop the "
                      "forwarder between adding and archiving: " +
                      r.stderr.decode())
        try:
            self.stage_all(fwd, later)
            self.wait_for(lambda: "cannot move it into done/" in fwd.log(), 60,
                          "the forwarder added files it cannot archive")
            time.sleep(0.5)
            fwd.kill()
        finally:
            subprocess.run(["chattr", "-i", done_dir], capture_output=True)
        readded = len(fwd.ls("var", "work"))
        fwd.start()

        self.wait_for(lambda: len(rs.entries(key + ":failed")) == 1 and
                      self.archive_rows(db)[1] == n - 1, 300,
                      "every article archived and the poison dead-lettered")
        elapsed = time.monotonic() - t0
        sup.halt.set()
        sup.join()
        self.wait_for(lambda: rs.xinfo_group(key, "workers")["pending"] == 0, 30,
                      "nothing left pending")

        rows, distinct, ids, integrity = self.sqlite_figures(db)
        missing, dup, unexpected = self.once_figures(ids, want)
        info = rs.cmd("XINFO", "STREAM", key)
        added = info[info.index(b"entries-added") + 1]
        dead = rs.entries(key + ":failed")
        rec = __import__("json").loads(dead[0][1]["error"])
        places = self.places(fwd.dir)
        not_done = [k for k, v in places.items() if v != ["done"]]
        self.figures.set(articles=n, rows=rows, distinct=distinct,
                         missing=missing, duplicated=dup, unexpected=unexpected,
                         entries_added=added, readded=readded,
                         duplicate_entries=added - n,
                         worker_restarts=sup.restarts,
                         poison_stage=rec["stage"], poison_attempts=rec["attempts"],
                         integrity=integrity, seconds=round(elapsed, 1))
        self.figures.show()
        self.assertEqual((missing, dup, unexpected), (0, 0, 0), self.figures.line())
        self.assertEqual(integrity, "ok")
        self.assertEqual(not_done, [], "every file in done/ once")
        self.assertLessEqual(takeover, CLAIM_IDLE_S + TAKEOVER_MARGIN_S,
                             self.figures.line())
        self.assertGreaterEqual(added - n, 1, "the forwarder added files twice")
        self.assertEqual(dead[0][1]["name"], docs[n // 2][0].encode())
        self.assertEqual(rec["stage"], "crash")
        self.assertEqual(sup.restarts, 3, "three crashes, then dead-lettered")
        for w in workers[1:]:
            self.assertEqual(w.stop(), 0)
        self.assertEqual(fwd.stop(), 0)

    def test_redis_restart_loses_nothing(self):
        rs = redisserver.RedisServer(appendfsync="always")
        self.addCleanup(rs.destroy)
        key = "restart:articles"
        db = os.path.join(self.dir, "archive.db")
        chain = f"  - plugin: text\n  - plugin: sqlite\n    path: \"{db}\"\n"
        n = 1500
        docs = articles(n, prefix="r")
        want = {faultlib.sha(t) for _, t in docs}
        fwd, workers = self.cluster(rs, key, 2, chain)
        fwd.start()
        for w in workers:
            w.start()
        t0 = time.monotonic()
        self.stage_all(fwd, docs)
        self.wait_for(lambda: self.archive_rows(db)[0] >= n // 4, 120,
                      "a quarter archived")
        before = self.archive_rows(db)[0]
        rs.stop(crash=True)
        # Each daemon finds Redis gone at its next exchange with it (a read,
        # an add, the forwarder's figures every 500 ms), later when the
        # machine is busy: ask until all three say 503, for up to 30 s.
        end = time.monotonic() + 30
        while True:
            unhealthy = [w.http("/health")[0] for w in workers + [fwd]]
            if unhealthy == [503, 503, 503] or time.monotonic() > end:
                break
            time.sleep(0.1)
        rs.start()
        self.wait_for(lambda: self.archive_rows(db)[1] == n, 300,
                      "every article archived after the restart")
        elapsed = time.monotonic() - t0
        self.wait_for(lambda: rs.xinfo_group(key, "workers")["pending"] == 0, 30,
                      "nothing left pending")
        rows, distinct, ids, integrity = self.sqlite_figures(db)
        missing, dup, unexpected = self.once_figures(ids, want)
        places = self.places(fwd.dir)
        self.figures.set(articles=n, archived_at_kill=before, rows=rows,
                         missing=missing, duplicated=dup, unexpected=unexpected,
                         health_while_down=unhealthy,
                         dead_letters=len(rs.entries(key + ":failed")),
                         integrity=integrity, seconds=round(elapsed, 1))
        self.figures.show()
        self.assertEqual((missing, dup, unexpected), (0, 0, 0), self.figures.line())
        self.assertEqual(unhealthy, [503, 503, 503])
        self.assertEqual(len(rs.entries(key + ":failed")), 0)
        self.assertEqual([k for k, v in places.items() if v != ["done"]], [])
        for node in workers + [fwd]:
            self.assertEqual(node.stop(), 0)


if __name__ == "__main__":
    faultlib.main()
