"""The jsonl exporter: one whole line per document, no duplicates by id,
a torn last line repaired, rotation by size and age, fsync policy, a full
disk reported as a retry."""
import glob
import json
import os

import ndtest


class Jsonl(ndtest.TempDirTest):
    def config(self, extra="", service="  retry_min: 10ms\n"):
        return self.write("nd.yaml", (
            "service:\n" + service +
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: jsonl\n"
            "    path: out/docs.jsonl\n" + extra))

    def stories(self, n, start=0):
        return [self.write(f"s{i}.txt", f"Story {i}\n\nThe body of story {i}.\n")
                for i in range(start, start + n)]

    def lines(self, path=None):
        with open(path or self.path("out", "docs.jsonl"), "rb") as f:
            data = f.read()
        self.assertTrue(data == b"" or data.endswith(b"\n"))
        return [json.loads(l) for l in data.splitlines()]

    def test_one_line_per_document_once(self):
        files = self.stories(3)
        cfg = self.config()
        r = self.nd("process", "-c", cfg, "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        printed = ndtest.lines_json(r.stdout)
        docs = self.lines()
        self.assertEqual([d["id"] for d in docs], [d["id"] for d in printed])
        self.assertEqual(docs[1]["title"], "Story 1")
        # Exported again (a retry, a re-run after a crash): not appended twice.
        more = self.stories(1, start=3)
        r = self.nd("process", "-c", cfg, "--export", *files, *more)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = [d["id"] for d in self.lines()]
        self.assertEqual(len(ids), 4)
        self.assertEqual(len(set(ids)), 4)

    def test_torn_last_line_is_removed(self):
        files = self.stories(2)
        cfg = self.config()
        r = self.nd("process", "-c", cfg, "--export", files[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("out", "docs.jsonl"), "ab") as f:
            f.write(b'{"schema":"newsdesk/1","id":"00ff')  # a crash mid-write
        r = self.nd("process", "-c", cfg, "--export", files[1])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("removed a partial record", r.stderr.decode())
        self.assertEqual([d["title"] for d in self.lines()], ["Story 0", "Story 1"])

    def test_rotation_by_size(self):
        files = self.stories(12)
        r = self.nd("process", "-c", self.config("    rotate_size: 1KiB\n"), "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        paths = sorted(glob.glob(self.path("out", "docs*.jsonl")))
        self.assertGreater(len(paths), 2)
        ids = []
        for p in paths:
            self.assertLessEqual(os.path.getsize(p), 1024)
            ids += [d["id"] for d in self.lines(p)]
        self.assertEqual(sorted(ids), sorted(d["id"] for d in ndtest.lines_json(r.stdout)))
        rotated = [p for p in paths if not p.endswith("/docs.jsonl")]
        self.assertRegex(os.path.basename(rotated[0]), r"^docs-\d{8}T\d{6}Z(-\d+)?\.jsonl$")

    def test_rotation_by_age(self):
        # One run per document, so that each finds a file older than 1 ms.
        cfg = self.config("    rotate_interval: 1ms\n")
        for f in self.stories(3):
            r = self.nd("process", "-c", cfg, "--export", f)
            self.assertEqual(r.returncode, 0, r.stderr)
        paths = glob.glob(self.path("out", "docs*.jsonl"))
        self.assertEqual(len(paths), 3)
        self.assertEqual(sorted(len(self.lines(p)) for p in paths), [1, 1, 1])

    def test_fsync_policies(self):
        for i, policy in enumerate(["always", "never", "flush", "250ms"]):
            (f,) = self.stories(1, start=i)
            r = self.nd("process", "-c", self.config(f"    fsync: \"{policy}\"\n"), "--export", f)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.lines()), 4)
        r = self.nd("process", "-c", self.config("    fsync: sometimes\n"), "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("fsync: \"sometimes\" is not auto, flush, always, never", r.stderr.decode())

    def test_full_disk_is_a_retry(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full here")
        (f,) = self.stories(1)
        cfg = self.write("full.yaml", "service:\n  retry_min: 10ms\npipeline:\n"
                         "  - plugin: text\n  - plugin: jsonl\n    path: /dev/full\n")
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("No space left on device", err)
        self.assertIn("retrying", err)
        self.assertIn("still failing after 5 attempts", err)

    def test_unwritable_place_is_a_clear_error(self):
        (f,) = self.stories(1)
        os.makedirs(self.path("out", "docs.jsonl"))  # a folder where the file should be
        r = self.nd("process", "-c", self.config(), "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("docs.jsonl", r.stderr.decode())
        self.assertIn("Is a directory", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
