"""A 30,000-file burst written straight into the inbox while the daemon
runs: more events than the kernel's inotify queue holds (IN_Q_OVERFLOW,
then a rescan), files seen half-written, by events and by scans at once.
Every file is processed exactly once and none is lost.

The folders are on a tmpfs where this process may mount one: creating and
removing 60,000 directory entries on a busy shared disk can take longer
than the daemon's work (the inotify path is the same)."""
import os
import signal
import time

import faultlib
from faultlib import FaultDaemon, config, sha

N = 30000
# Written while the daemon is paused: three events each (create, modify,
# close), more than the default inotify queue (16,384) holds.
PAUSED = 8000


def tiny(i):
    return "Note %d\n\nShort item %d.\n" % (i, i)


class Burst(faultlib.FaultTest):
    def test_30000_file_burst_is_processed_exactly_once(self):
        why = self.try_mount_tmpfs(self.path("fs"), "512m")
        root = self.dir if why else self.path("fs")
        if why:
            print("on the test folder's disk: %s" % why, flush=True)
        d = FaultDaemon(self, config(
            "  - plugin: text\n  - plugin: jsonl\n    path: out/docs.jsonl\n",
            service="  durable: none\n"), root=root)
        d.start()
        inbox = os.path.join(root, "inbox")
        with open("/proc/sys/fs/inotify/max_queued_events") as fh:
            queue = int(fh.read())
        t0 = time.monotonic()
        os.kill(d.proc.pid, signal.SIGSTOP)
        try:
            for i in range(N):
                if i == PAUSED:
                    os.kill(d.proc.pid, signal.SIGCONT)
                # Written in place, as fast as Python goes.
                fd = os.open(os.path.join(inbox, "b%05d.txt" % i),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                os.write(fd, tiny(i).encode())
                os.close(fd)
        finally:
            os.kill(d.proc.pid, signal.SIGCONT)
        wrote = time.monotonic() - t0
        d.wait(lambda: len(d.done()) + len(d.failed()) >= N and not d.work(), 480,
               "not every file of the burst was filed")
        took = time.monotonic() - t0
        time.sleep(1)  # a duplicate, were there one, would show now
        self.assertEqual(d.stop(), 0)
        names = {"b%05d.txt" % i for i in range(N)}
        done = d.done()
        places = self.places(root)
        ids = self.jsonl_ids(os.path.join(root, "out", "docs.jsonl"))
        missing, dup, unexpected = self.once_figures(ids, {sha(tiny(i)) for i in range(N)})
        log = d.log()
        f = self.figures
        f.set(files=N, fs="disk" if why else "tmpfs", write_s="%.1f" % wrote, total_s="%.1f" % took,
              per_s=int(N / took), overflows=log.count("event queue overflowed"),
              done=len(done), failed=len(d.failed()),
              lost=len(names - set(places)), done_twice=len(set(done) - names),
              left_in_inbox=len(d.ls("inbox")), jsonl_lines=len(ids),
              jsonl_missing=missing, jsonl_dup=dup)
        f.show()
        if 3 * PAUSED > queue:
            self.assertGreater(f.items["overflows"], 0, "%d events did not overflow "
                               "a queue of %d?\n%s" % (3 * PAUSED, queue, f.line()))
        self.assertEqual(f.items["lost"], 0, f.line())
        self.assertEqual(d.failed(), [], f.line())
        self.assertEqual(sorted(done), sorted(names), f.line())
        self.assertEqual((missing, dup, unexpected), (0, 0, 0), f.line())


if __name__ == "__main__":
    faultlib.main()
