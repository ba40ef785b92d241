"""Bad input of every kind, with text, html and json-reader readers and the
sqlite, json and csv exporters: each regular file ends in done/ or in
failed/ beside its error record, FIFOs, symlinks and folders are left
alone in the inbox, the daemon stays up, and a failed document leaves no
trace in any sink (no row, no file, no temporary file), under `newsdesk
run` and `newsdesk process --export` alike. A 30 MiB single line is read
with bounded memory, and file names cannot forge log lines."""
import os
import random
import re

import faultlib
from faultlib import FaultDaemon, article, config, log_lines, sha

MAX_BYTES = 31 * 1024 * 1024

CHAIN = ("  - plugin: text\n  - plugin: html\n  - plugin: json-reader\n"
         "  - plugin: sqlite\n    path: out/archive.db\n"
         "  - plugin: json\n    dir: ./outbox\n"
         "  - plugin: csv\n    path: out/docs.csv\n")

GIANT = 30 * 1024 * 1024

# meson test sets a random MALLOC_PERTURB_, which makes glibc write every
# byte malloc hands out: pages a daemon reserves but never touches would
# count in its peak RSS. Off (0) where memory is measured.
MEASURED = {"MALLOC_PERTURB_": "0"}


def giant_line():
    """30 MiB of words on one line, no line break anywhere."""
    words = b"tugboat harbour crane pilot berth cargo quay tide "
    return (b"Giant line " + words * (GIANT // len(words) + 1))[:GIANT]


def corpus(rng):
    """{file name (str, surrogate-escaped for undecodable bytes): bytes}."""
    c = {
        "empty.txt": b"",
        "blank.txt": b"  \n\t\n   \n",
        "pdf-like.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"
                         b"stream\n" + rng.randbytes(3000) + b"\nendstream\n%%EOF\n"),
        "random.bin": rng.randbytes(4096),
        "random.txt": rng.randbytes(4096),
        "invalid-utf8.txt": (b"Tide tables\n\nThe harbour master said \xff\xfe the "
                             b"\xc3\x28 tides \xe2\x82 were high all week.\n"),
        "latin1.txt": ("Caf\u00e9 on the quay\n\nThe owners in M\u00e1laga said the "
                       "fa\u00e7ade was repainted by the se\u00f1ora.\n").encode("latin-1"),
        "cp1252.txt": ("Dock strike \u2013 day two\n\nWorkers said \u201cenough\u201d "
                       "and the union\u2019s leader agreed.\n").encode("cp1252"),
        "utf16-le-bom.txt": ("\ufeffPilots meet\n\nThe pilots' union met on Monday "
                             "about night shifts.\n").encode("utf-16-le"),
        "utf16-be-bom.txt": ("\ufeffBerth repairs\n\nThe north berth reopens after "
                             "repairs, the port said.\n").encode("utf-16-be"),
        "nul-bytes.txt": b"Night shift\n\nThe crane\x00operator\x00 logged\x00 twelve lifts.\n",
        "only-nul.txt": b"\x00" * 512,
        "broken.html": (b"<html><head><title>Storm <b>warning</title><body><p>Gales "
                        b"expected <div><span>on the coast<p>unclosed <a href='x>link"
                        b"<script>var a = '</body"),
        "broken.json": b'{"title": "Broken feed", "text": "an unterminated string, ',
        "truncated-array.json": b'[{"title": "One"}, {"title": ',
        "binary.html": b"<html>" + rng.randbytes(2048),
        "over-max.txt": None,  # written on its own: MAX_BYTES + 1
        "with space.txt": article(1, "space").encode(),
        "new\nline.txt": article(2, "newline").encode(),
        'quote"d.txt': article(3, "quote").encode(),
        "esc\x1b[31mred.txt": article(4, "escape").encode(),
        "non-ascii-\u00df-\u65e5\u672c.txt": article(5, "nonascii").encode(),
        os.fsdecode(b"latin1-name-\xe9.txt"): article(6, "latin1name").encode(),
        "tab\tname.txt": article(7, "tab").encode(),
    }
    return c


class BadInput(faultlib.FaultTest):
    def write_corpus(self, folder, rng):
        """The corpus as files in `folder`; returns {name: bytes}."""
        os.makedirs(folder, exist_ok=True)
        texts = corpus(rng)
        for name, data in texts.items():
            p = os.path.join(folder, name)
            if data is None:
                with open(p, "wb") as f:
                    f.truncate(MAX_BYTES + 1)
                with open(p, "rb") as f:
                    texts[name] = f.read()
                continue
            with open(p, "wb") as f:
                f.write(data)
        return texts

    def traces(self, root, failed_ids, done_ids):
        """What the sinks hold of failed and of done documents."""
        _, _, sq, integrity = self.sqlite_figures(os.path.join(root, "out", "archive.db"))
        csv_ids = self.csv_ids(os.path.join(root, "out", "docs.csv"))
        ob, tmps = self.outbox(os.path.join(root, "outbox"))
        problems = []
        sinks = (("a sqlite row", sq), ("a csv row", csv_ids), ("a json file", ob))
        for n, i in sorted(failed_ids.items()):
            left = [what for what, ids in sinks if i in ids]
            if left:
                problems.append("failed %r left %s" % (n, ", ".join(left)))
        for what, ids in sinks:
            m, dup, _ = self.once_figures(ids, set(done_ids.values()))
            if m or dup:
                problems.append("%s: %d done documents missing, %d twice" % (what, m, dup))
        if tmps:
            problems.append("temporary files left in the outbox: %s" % tmps)
        if integrity != "ok":
            problems.append("sqlite integrity_check: %s" % integrity)
        return problems

    def run_corpus(self):
        """The corpus through the daemon. Returns (daemon, texts,
        outcome problems, per class VmHWM)."""
        rng = random.Random(faultlib.SEED)
        d = FaultDaemon(self, config(CHAIN, inbox="  max_bytes: %d\n" % MAX_BYTES),
                        env=MEASURED)
        d.start()
        hwm = {"start": d.vm_hwm_kib()}
        texts = self.write_corpus(self.path("stage"), rng)
        big = "over-max.txt"
        small = [n for n in texts if n != big]
        self.rename_in(self.dir, small)
        inbox = self.path("inbox")
        outside = self.write("outside.txt", article(99, "outside"))
        os.mkfifo(os.path.join(inbox, "pipe.txt"))
        os.symlink(outside, os.path.join(inbox, "link.txt"))
        os.mkdir(os.path.join(inbox, "subdir"))
        self.write("inbox/subdir/inner.txt", article(98, "inner"))
        with open(os.path.join(inbox, "deleted.txt"), "w") as f:
            f.write(article(97, "deleted"))
        os.unlink(os.path.join(inbox, "deleted.txt"))
        d.wait(lambda: all(self.places(self.dir).get(n) in (["done"], ["failed"])
                           for n in small), 120, "not every bad input was filed")
        hwm["small_inputs"] = d.vm_hwm_kib()
        self.rename_in(self.dir, [big])
        d.wait(lambda: self.places(self.dir).get(big) in (["done"], ["failed"]), 120,
               "the file over max_bytes was not filed")
        hwm["over_max_bytes"] = d.vm_hwm_kib()
        d.drop("after.txt", article(96, "after"))
        d.wait(lambda: "after.txt" in d.done(), 60, "the daemon stopped working")
        texts["after.txt"] = article(96, "after").encode()
        problems = []
        if not d.alive():
            problems.append("the daemon died")
        places = self.places(self.dir)
        records = self.failed_records(self.dir)
        for n in texts:
            p = places.get(n)
            if p not in (["done"], ["failed"]):
                problems.append("%r is in %s" % (n, p))
            elif p == ["failed"] and not records.get(n):
                problems.append("%r is in failed/ without an error record" % n)
            elif p == ["failed"] and not records[n].get("message"):
                problems.append("%r has an error record without a message" % n)
        if places.get("deleted.txt", ["nowhere"]) not in (["nowhere"], ["done"], ["failed"]):
            problems.append("deleted.txt is in %s" % places.get("deleted.txt"))
        left = sorted(d.ls("inbox"))
        if left != ["link.txt", "pipe.txt", "subdir"]:
            problems.append("left in the inbox: %s (want the FIFO, the symlink and the "
                            "folder)" % left)
        if sha(article(99, "outside")) in self.outbox(self.path("outbox"))[0]:
            problems.append("the symlink was followed")
        return d, texts, problems, hwm

    def test_each_bad_input_ends_in_done_or_failed_with_a_record(self):
        d, texts, problems, hwm = self.run_corpus()
        self.assertEqual(d.stop(), 0)
        records = self.failed_records(self.dir)
        f = self.figures
        f.set(inputs=len(texts), done=len(d.done()), failed=len(records),
              problems=len(problems),
              **{"vmhwm_mib_" + k: round(v / 1024) for k, v in hwm.items()})
        f.show()
        for n, r in sorted(records.items()):
            print("failed: %r stage=%s: %s" % (n, r and r.get("stage"),
                                                r and r.get("message")), flush=True)
        self.assert_no_problems(problems, "bad inputs not filed as they should be")

    def test_failed_document_leaves_no_trace_in_any_sink_under_run(self):
        d, texts, problems, hwm = self.run_corpus()
        self.assertEqual(d.stop(), 0)
        places = self.places(self.dir)
        failed = {n: sha(b) for n, b in texts.items() if places.get(n) == ["failed"]}
        done = {n: sha(b) for n, b in texts.items() if places.get(n) == ["done"]}
        leaks = self.traces(self.dir, failed, done)
        f = self.figures
        f.set(inputs=len(texts), done=len(done), failed=len(failed), trace_problems=len(leaks))
        f.show()
        self.assert_no_problems(leaks, "failed documents left traces in the sinks (run)")

    def test_failed_document_leaves_no_trace_in_any_sink_under_process_export(self):
        rng = random.Random(faultlib.SEED)
        texts = self.write_corpus(self.path("files"), rng)
        self.write("newsdesk.yaml", config(CHAIN, inbox="  max_bytes: %d\n" % MAX_BYTES))
        files = [os.path.join(self.path("files"), n) for n in sorted(texts)]
        r = self.nd("process", "-c", "newsdesk.yaml", "--export", *files, timeout=300)
        printed = {doc["id"] for doc in faultlib.ndtest.lines_json(r.stdout)}
        done = {n: sha(b) for n, b in texts.items() if sha(b) in printed}
        failed = {n: sha(b) for n, b in texts.items() if sha(b) not in printed}
        leaks = self.traces(self.dir, failed, done)
        f = self.figures
        f.set(inputs=len(texts), done=len(done), failed=len(failed), exit=r.returncode,
              trace_problems=len(leaks))
        f.show()
        self.assertEqual(r.returncode, 1, "some documents fail: the exit status is 1\n"
                         + r.stderr.decode("utf-8", "replace")[-2000:])
        self.assert_no_problems(leaks, "failed documents left traces in the sinks "
                                "(process --export)")

    def test_giant_single_line_peak_memory_is_bounded(self):
        """A 30 MiB text with no line break: filed (done, or failed with its
        record, leaving no trace), and the daemon's peak RSS stays below
        8 x the input + 150 MB."""
        d = FaultDaemon(self, config(CHAIN, inbox="  max_bytes: %d\n" % MAX_BYTES),
                        env=MEASURED)
        d.start()
        before = d.vm_hwm_kib()
        data = giant_line()
        d.drop("giant-line.txt", data)
        d.wait(lambda: self.places(self.dir).get("giant-line.txt") in (["done"], ["failed"]),
               240, "the giant line was not filed")
        after = d.vm_hwm_kib()
        rec = self.failed_records(self.dir).get("giant-line.txt", "none")
        self.assertEqual(d.stop(), 0)
        outcome = self.places(self.dir)["giant-line.txt"][0]
        bound_kib = (8 * len(data) + 150 * 1000 * 1000) // 1024
        f = self.figures
        f.set(input_mib=len(data) // (1024 * 1024), outcome=outcome,
              vmhwm_before_mib=before // 1024, vmhwm_after_mib=after // 1024,
              bound_mib=bound_kib // 1024)
        f.show()
        if outcome == "failed":
            self.assertTrue(rec and rec.get("message"), "failed without a record")
            leaks = self.traces(self.dir, {"giant-line.txt": sha(data)}, {})
        else:
            leaks = self.traces(self.dir, {}, {"giant-line.txt": sha(data)})
        self.assert_no_problems(leaks, "the giant line's exports")
        self.assertLess(after, bound_kib, "peak RSS %d MiB for a %d MiB single line: "
                        "over the bound of %d MiB (%s)" % (
                            after // 1024, len(data) // (1024 * 1024), bound_kib // 1024,
                            f.line()))

    def test_file_names_cannot_forge_log_lines(self):
        """Names holding ESC, CR, LF, quotes and invalid UTF-8: no raw
        control byte and no raw quote from a name in any log line; each
        line is valid UTF-8 and one event."""
        d = FaultDaemon(self, config(CHAIN, log_level="debug"))
        d.start()
        forged = {
            b"esc\x1b[2J\x1b[31mred.txt": article(1, "forge-esc"),
            b"cr\rINJECTED info: nothing to see.txt": article(2, "forge-cr"),
            b"lf\n2026-01-01T00:00:00.000Z error: forged line.txt": article(3, "forge-lf"),
            b'quote" plugin=forged id=0000 ".txt': article(4, "forge-quote"),
            b"bad-utf8-\xff\xfe\xc3(.txt": article(5, "forge-utf8"),
            b"bell\x07and\x7fdel.txt": article(6, "forge-bell"),
            # Failed ones too: their lines are warnings with the name twice.
            b"empty\x1b]0;title\x07\".txt": "",
            b"empty-lf\nfake: line\".txt": "",
        }
        stage = self.path("stage")
        os.makedirs(stage)
        for name, text in forged.items():
            with open(os.path.join(os.fsencode(stage), name), "wb") as f:
                f.write(text.encode())
        for name in forged:
            os.rename(os.path.join(os.fsencode(stage), name),
                      os.path.join(os.fsencode(self.path("inbox")), name))
        d.wait(lambda: len(d.done()) + len(d.failed()) == len(forged), 60,
               "the files were not filed")
        self.assertEqual(d.stop(), 0)
        data = d.log_bytes()
        problems = []
        for line in log_lines(data):
            bad = sorted({b for b in line if b < 0x20 or b == 0x7f})
            if bad:
                problems.append("raw control bytes %s in %r" % (bad, line[:200]))
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                problems.append("invalid UTF-8 in %r" % line[:200])
        for name in forged:
            # The name's own bytes (a quote, a CR) must not reach the log
            # as they are; log.c turning LF and CR into spaces does not
            # escape a quote, nor an ESC.
            raw = name.replace(b"\n", b" ").replace(b"\r", b" ")
            if raw in data:
                problems.append("the name %r appears unescaped" % name)
        lines = log_lines(data)
        for line in lines:
            # Outside the quoted values (escapes honoured), a forged field
            # would read as the daemon's own.
            bare = re.sub(rb'"(?:[^"\\]|\\.)*"', b'""', line)
            if b"plugin=forged" in bare:
                problems.append("a forged field reached the log: %r" % line[:200])
        starts = [l for l in lines if not re.match(rb"\d{4}-\d\d-\d\dT[\d:.]+Z \w+: ", l)]
        if starts:
            problems.append("%d lines that are not events: %r" % (len(starts), starts[:2]))
        f = self.figures
        f.set(names=len(forged), log_lines=len(lines), problems=len(problems))
        f.show()
        self.assert_no_problems(problems, "file names reach the log unescaped")


if __name__ == "__main__":
    faultlib.main()
