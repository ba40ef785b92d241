"""`newsdesk run` under load: a burst of 2,000 files, 20,000 files while
the daemon is stopped (the kernel's event queue overflows), and kill -9 in
the middle of a backlog. Each asserts that every file was processed
exactly once and that every file in done/ has its export."""
import hashlib
import os
import shutil
import signal
import time

import ndtest


def config(service="", pipeline=None):
    text = ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 300ms\nservice:\n  log_level: info\n" + service)
    if pipeline:
        text += "pipeline:\n" + pipeline
    else:
        text += "pipeline:\n  - plugin: text\n  - plugin: json\n    dir: ./outbox\n"
    return text


def article(i):
    return ("Item %d from the wire\n\nReport number %d says the county "
            "opened %d new bus routes this week.\n" % (i, i, i % 97))


class Stress(ndtest.TempDirTest):
    def stage(self, n):
        """n distinct articles written beside the inbox; returns their
        names."""
        stage = self.path("stage")
        os.makedirs(stage, exist_ok=True)
        names = []
        for i in range(n):
            name = "wire-%05d.txt" % i
            with open(os.path.join(stage, name), "w") as f:
                f.write(article(i))
            names.append(name)
        return names

    def rename_in(self, names):
        stage, inbox = self.path("stage"), self.path("inbox")
        for n in names:
            os.rename(os.path.join(stage, n), os.path.join(inbox, n))

    def assert_exactly_once(self, d, names):
        done = d.done()
        self.assertEqual(d.failed(), [])
        self.assertEqual(sorted(done), sorted(names))  # no name twice (no .2.)
        self.assertEqual(d.ls("inbox"), [])
        self.assertEqual(d.ls("var", "work"), [])
        outbox = set(os.listdir(self.path("outbox")))
        for n in done:
            with open(self.path("var", "done", n), "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            self.assertIn(digest + ".json", outbox, "%s has no export" % n)
        self.assertEqual(len([o for o in outbox if not o.startswith(".")]), len(names))

    def wait_all(self, d, n, timeout):
        d.wait(lambda: len(d.ls("var", "done")) + len(d.ls("var", "failed")) >= n,
               timeout, "not every file reached done/ or failed/")
        # Give a duplicate (if there were one) time to show.
        time.sleep(0.5)

    def test_burst_of_2000(self):
        d = ndtest.Daemon(self, config())
        self.addCleanup(d.stop)
        names = self.stage(2000)
        d.start()
        self.rename_in(names)
        self.wait_all(d, 2000, 240)
        self.assert_exactly_once(d, names)
        self.assertEqual(d.stop(), 0)

    def test_overflow_while_stopped(self):
        d = ndtest.Daemon(self, config())
        self.addCleanup(d.stop)
        n = 20000
        names = self.stage(n)
        d.start()
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            self.rename_in(names)
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        self.wait_all(d, n, 600)
        self.assert_exactly_once(d, names)
        with open("/proc/sys/fs/inotify/max_queued_events") as f:
            queue = int(f.read())
        if n > queue:
            self.assertIn("event queue overflowed", d.log())
            self.assertIn("scanning ./inbox (event queue overflow)", d.log())
        self.assertEqual(d.stop(), 0)

    def test_kill_9_in_a_backlog_then_restart(self):
        plugins = self.path("plugins")
        os.makedirs(plugins)
        shutil.copy(os.path.join(ndtest.TEST_PLUGINS, "faulty.so"), plugins)
        d = ndtest.Daemon(self, config(
            service="  plugin_path: [%s]\n  max_inflight: 64\n" % plugins,
            pipeline="  - plugin: text\n  - plugin: faulty\n    delay: 2ms\n"
                     "  - plugin: json\n    dir: ./outbox\n"))
        self.addCleanup(d.stop)
        n = 1500
        names = self.stage(n)
        os.makedirs(self.path("inbox"))
        self.rename_in(names)
        d.start()
        d.wait(lambda: len(d.done()) >= 200, 120, "nothing processed")
        d.kill()
        self.assertLess(len(d.done()), n, "the backlog was finished before the kill")
        d.start()
        self.wait_all(d, n, 240)
        self.assert_exactly_once(d, names)
        self.assertEqual(d.ls("var", "attempts"), [])
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    ndtest.main()
