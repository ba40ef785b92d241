"""What one document costs in memory: `newsdesk process` on a 30 MiB
text on one line and on a 20,000-item feed stays within a small multiple
of the input, and the daemon gives back what a large document used.

Peak RSS is the child's own, from wait4(2); the inputs are written in
pieces so that this process stays small (a child forked from a large
process starts with the parent's RSS as its peak). Skipped under
AddressSanitizer, whose shadow memory and quarantine are not the
program's. bench/memory measures the same at full size (a 100,000-item
feed) and prints the table of docs/readers.md."""
import os
import random
import subprocess
import time

import ndtest

MIB = 1 << 20
WORDS = ("quarry council freight budget minister lorries rose fell Monday "
         "residents agreed plan would school water northern week year Tamsin "
         "Okafor Brindle Works the a of and in on to for with after").split()


def sanitized():
    with open(ndtest.BIN, "rb") as f:
        return b"__asan_init" in f.read()


def write_one_line(path, size):
    rng = random.Random(5)
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = " ".join(rng.choice(WORDS) for _ in range(20000)).encode() + b" "
            chunk = chunk[:left]
            f.write(chunk)
            left -= len(chunk)


def write_feed(path, items):
    rng = random.Random(6)
    with open(path, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
                b"<channel><title>Quarry news</title>\n")
        for i in range(items):
            body = " ".join(rng.choice(WORDS) for _ in range(10))
            f.write(("<item><title>Notice %d: %s</title>"
                     "<link>https://quarry.example/n/%d</link>"
                     "<pubDate>Wed, 04 Mar 2026 09:%02d:00 GMT</pubDate>"
                     "<description>%s.</description></item>\n"
                     % (i, rng.choice(WORDS), i, i % 60, body)).encode())
        f.write(b"</channel></rss>\n")


def peak_mb(args, cwd):
    """(exit status, peak RSS in MB, stdout line count) of newsdesk args."""
    env = dict(os.environ)
    env.pop("NEWSDESK_CONFIG", None)
    p = subprocess.Popen([ndtest.BIN] + args, cwd=cwd, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines = 0
    for chunk in iter(lambda: p.stdout.read(65536), b""):
        lines += chunk.count(b"\n")  # in pieces: this process stays small
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_maxrss / 1024, lines


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Memory(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        if sanitized():
            self.skipTest("RSS under AddressSanitizer is not the program's")

    def test_large_single_line_text(self):
        # Was 231 MB: the text copied by jansson into the JSON string, a
        # doubling dump buffer and a final copy, on top of the bytes and
        # the text; now the bytes, the text and the JSON line.
        path = self.path("one-line.txt")
        write_one_line(path, 30 * MIB)
        rc, peak, lines = peak_mb(["process", path], self.dir)
        self.assertEqual(rc, 0)
        self.assertEqual(lines, 1)
        self.assertLess(peak, 3 * 30 + 64, "peak RSS %.0f MB for a 30 MiB text" % peak)

    def test_feed_of_many_items(self):
        # Was 255 MB for 20,000 items (1.3 GB for 100,000): the
        # feed's whole libxml2 tree, then every item held until the last
        # was done. Now items are parsed, run and let go of one at a time.
        path = self.path("many.xml")
        write_feed(path, 20000)
        size = os.path.getsize(path) / MIB
        rc, peak, lines = peak_mb(["process", path], self.dir)
        self.assertEqual(rc, 0)
        self.assertEqual(lines, 20000)
        self.assertLess(peak, 2 * size + 64,
                        "peak RSS %.0f MB for a %.1f MB feed of 20,000 items" % (peak, size))

    def test_daemon_gives_memory_back(self):
        d = ndtest.Daemon(self, "inbox:\n  path: ./inbox\n  state: ./var\n"
                          "  settle: 100ms\nservice:\n  log_level: info\n")
        self.addCleanup(d.stop)
        d.start()
        time.sleep(0.5)
        idle = rss_mb(d.proc.pid)
        stage = self.path("one-line.txt")
        write_one_line(stage, 30 * MIB)
        os.rename(stage, self.path("inbox", "one-line.txt"))
        d.wait(lambda: d.done() == ["one-line.txt"], 60, "the text was not filed")
        time.sleep(1.0)
        after = rss_mb(d.proc.pid)
        # Was about 33 MB more than before the file came (glibc kept it).
        self.assertLess(after - idle, 16, "idle %.0f MB, after a 30 MiB text %.0f MB"
                        % (idle, after))
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    ndtest.main()
