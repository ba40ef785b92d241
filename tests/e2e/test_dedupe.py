"""The `dedupe` plugin: near-duplicates against a persistent, bounded
index; duplicate_of; drop: true and `when` guards before export."""
import hashlib
import os
import struct

import ndtest

FERRY = """Ferry service resumes after storm repairs

The island ferry returned to its regular timetable on Thursday after three
weeks of repairs to the harbour ramp, which was damaged when high waves broke
over the sea wall during last month's storm. The operator said the first
crossing left at seven in the morning with forty cars and a full passenger
deck, and that all later sailings were expected to run on time. Shop owners
on the island said the closure had cut their takings by half, because
visitors could not reach the town and deliveries came only by a small cargo
boat twice a week. The council has promised to raise the sea wall by a metre
before the winter, and engineers will survey the ramp again in the spring to
check that the new concrete has settled. Passengers are asked to arrive
twenty minutes before departure while the new ticket office is being built.
"""

ORCHARD = """Orchard harvest smaller than last year

Apple growers in the valley picked a smaller crop this autumn after a late
frost in April killed many of the blossoms, according to the growers'
cooperative. The cooperative said the fruit that survived was large and
sweet, and that prices at the weekly market had risen by a fifth. Several
farms have planted hardier varieties that flower later in the season, and a
new cold store near the railway station will let growers sell apples well
into the spring. Pickers from neighbouring towns found less work than usual,
and the cooperative plans a training scheme so that they can help with
pruning in the winter months instead of waiting for the next harvest.
"""


def edited(text):
    """The same story with a new dateline and a few words changed, as a
    second wire would send it."""
    return (text.replace("Thursday", "Friday")
                .replace("forty cars", "38 cars")
                .replace("by half", "by nearly half"))


class Dedupe(ndtest.TempDirTest):
    def config(self, extra="", export=""):
        return self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                          "  - plugin: dedupe\n    index: state/dedupe.index\n"
                          + extra + export)

    def process(self, cfg, *texts, export=False):
        files = []
        for t in texts:
            files.append(self.write("in%d.txt" % len(os.listdir(self.dir)), t))
        args = ["process", "-c", cfg] + (["--export"] if export else []) + files
        r = self.nd(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return ndtest.lines_json(r.stdout)

    def test_near_duplicate_points_at_the_original(self):
        cfg = self.config()
        a, b, c = self.process(cfg, FERRY, ORCHARD, edited(FERRY))
        self.assertNotIn("duplicate_of", a)
        self.assertNotIn("duplicate_of", b)
        self.assertEqual(c["duplicate_of"], a["id"])
        self.assertNotEqual(c["id"], a["id"])

    def test_the_same_file_again_is_not_its_own_duplicate(self):
        cfg = self.config()
        a, again = self.process(cfg, FERRY, FERRY)
        self.assertEqual(a["id"], again["id"])
        self.assertNotIn("duplicate_of", again)

    def test_index_survives_restarts(self):
        cfg = self.config()
        (a,) = self.process(cfg, FERRY)
        (c,) = self.process(cfg, edited(FERRY))
        self.assertEqual(c["duplicate_of"], a["id"])

    def test_bounded_in_entries(self):
        cfg = self.config("    max_entries: 1\n")
        a, b, c = self.process(cfg, FERRY, ORCHARD, edited(FERRY))
        self.assertNotIn("duplicate_of", c)  # the ferry story was forgotten

    def test_bounded_in_age(self):
        # An index holding the ferry story, indexed at the epoch: long
        # past max_age, so forgotten when the index is read.
        cfg = self.config()
        (a,) = self.process(cfg, FERRY)
        path = self.path("state", "dedupe.index")
        with open(path, "rb") as f:
            data = f.read()
        self.assertEqual(data[:8], b"NDDEDUP1")
        self.assertEqual(len(data), 8 + 80)
        h, t = struct.unpack("<Qq", data[8:24])
        self.assertEqual(data[24:88].decode(), a["id"])
        with open(path, "wb") as f:
            f.write(data[:8] + struct.pack("<Qq", h, 0) + data[24:])
        (c,) = self.process(cfg, edited(FERRY))
        self.assertNotIn("duplicate_of", c)

    def test_record_cut_short_is_dropped(self):
        cfg = self.config()
        (a,) = self.process(cfg, FERRY)
        with open(self.path("state", "dedupe.index"), "ab") as f:
            f.write(b"\x01" * 30)
        r = self.nd("process", "-c", cfg, self.write("x.txt", edited(FERRY)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ndtest.lines_json(r.stdout)[0]["duplicate_of"], a["id"])
        self.assertIn("cut short", r.stderr.decode())

    def test_not_an_index(self):
        self.write("state/dedupe.index", "something else entirely\n")
        r = self.nd("process", "-c", self.config(), self.write("x.txt", FERRY))
        self.assertEqual(r.returncode, 78)
        self.assertIn("is not a dedupe index", r.stderr.decode())

    def test_short_documents_are_left_alone(self):
        cfg = self.config()
        a, b = self.process(cfg, "Note\n\nBridge shut.\n", "Note\n\nBridge shut!\n")
        self.assertNotIn("duplicate_of", b)

    def test_drop_stops_duplicates_before_export(self):
        cfg = self.config("    drop: true\n", "  - plugin: json\n    dir: out\n")
        a, b, c = self.process(cfg, FERRY, ORCHARD, edited(FERRY), export=True)
        self.assertEqual(c["duplicate_of"], a["id"])
        # Printed (and so kept, marked), but not exported.
        self.assertEqual(sorted(os.listdir(self.path("out"))),
                         sorted([a["id"] + ".json", b["id"] + ".json"]))
        self.assertEqual([p["step"] for p in c["pipeline"]], ["text", "dedupe"])

    def test_when_guard_keeps_duplicates_out(self):
        cfg = self.config("", "  - plugin: json\n    dir: out\n"
                          "    when: not exists duplicate_of\n"
                          "  - plugin: json\n    name: dups\n    dir: dups\n"
                          "    when: exists duplicate_of\n")
        a, c = self.process(cfg, FERRY, edited(FERRY), export=True)
        self.assertEqual(os.listdir(self.path("out")), [a["id"] + ".json"])
        self.assertEqual(os.listdir(self.path("dups")), [c["id"] + ".json"])


class DedupeDaemon(ndtest.TempDirTest):
    def test_dropped_duplicate_goes_to_done_marked(self):
        d = ndtest.Daemon(self, "inbox:\n  path: ./inbox\n  state: ./var\n"
                          "  settle: 100ms\n  settle_slow: 600ms\n"
                          "service:\n  log_level: info\n"
                          "pipeline:\n  - plugin: text\n"
                          "  - plugin: dedupe\n    index: ./var/dedupe.index\n"
                          "    drop: true\n"
                          "  - plugin: json\n    dir: ./outbox\n")
        os.makedirs(self.path("inbox"))
        self.addCleanup(d.stop)
        d.start()
        d.drop("ferry.txt", FERRY)
        d.wait(lambda: d.done() == ["ferry.txt"], 30, "the original was not done")
        d.drop("ferry-again.txt", edited(FERRY))
        d.wait(lambda: len(d.done()) == 2, 30, "the duplicate was not done")
        self.assertEqual(d.done(), ["ferry-again.txt", "ferry.txt"])
        self.assertEqual(d.failed(), [])
        first = hashlib.sha256(FERRY.encode()).hexdigest()
        self.assertEqual(d.ls("outbox"), [first + ".json"])
        self.assertIn("the chain ends here: near-duplicate of %s" % first[:16],
                      d.log())


if __name__ == "__main__":
    ndtest.main()
