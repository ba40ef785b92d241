"""`newsdesk train` and the `model` plugin, on labelled sentences written
for these tests (tests/data/labelled.tsv)."""
import csv
import json
import os

import ndtest

DATA = os.path.join(ndtest.SOURCE, "tests", "data", "labelled.tsv")
LABELS = {"sport", "weather", "markets", "science"}


def rows():
    with open(DATA, encoding="utf-8") as f:
        lines = f.read().splitlines()[1:]
    return [tuple(l.split("\t", 1)) for l in lines if l]


class Train(ndtest.TempDirTest):
    def train(self, *args):
        return self.nd("train", *args)

    def test_tsv_cross_validation_and_model_file(self):
        r = self.train("-k", "4", "-o", "m.model", DATA)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("4-fold cross-validation", out)
        self.assertIn("confusion matrix", out)
        self.assertIn("macro-F1", out)
        self.assertIn("wrote m.model: 4 labels, trained on 40 documents", out)
        with open(self.path("m.model"), "rb") as f:
            self.assertEqual(f.read(8), b"NDMODEL\0")

    def test_json_report_is_consistent(self):
        for algo in ("nb", "logreg"):
            r = self.train("--json", "-a", algo, "-k", "5", "-o", "m.model", DATA)
            self.assertEqual(r.returncode, 0, r.stderr)
            rep = json.loads(r.stdout)
            self.assertEqual(rep["algo"], algo)
            self.assertEqual(set(rep["labels"]), LABELS)
            self.assertEqual(rep["test_docs"], 40)
            conf = rep["confusion"]
            self.assertEqual(sum(map(sum, conf)), 40)
            # Every row holds the ten sentences of that label.
            self.assertEqual([sum(row) for row in conf], [10] * 4)
            diag = sum(conf[i][i] for i in range(4))
            self.assertAlmostEqual(rep["accuracy"], diag / 40)
            # Four labels: chance is 0.25.
            self.assertGreaterEqual(rep["accuracy"], 0.45, rep)

    def test_folder_csv_and_jsonl_inputs_agree(self):
        data = rows()
        for label, text in data:
            folder = self.path("byfolder", label)
            n = len(os.listdir(folder)) if os.path.isdir(folder) else 0
            self.write(os.path.join("byfolder", label, "%02d.txt" % n), text + "\n")
        with open(self.path("data.csv"), "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["text", "label"])
            for label, text in data:
                # Quoting, commas and doubled quotes must survive.
                w.writerow(['"%s", she said, %s' % (label, text), label])
        with open(self.path("data.jsonl"), "w", encoding="utf-8") as f:
            for label, text in data:
                f.write(json.dumps({"label": label, "text": text}) + "\n")
        for src in ("byfolder", "data.csv", "data.jsonl"):
            r = self.train("--json", "-o", "m.model", self.path(src))
            self.assertEqual(r.returncode, 0, (src, r.stderr))
            rep = json.loads(r.stdout)
            self.assertEqual(set(rep["labels"]), LABELS, src)
            self.assertEqual(rep["test_docs"], 40, src)

    def test_held_out_file(self):
        data = rows()
        train = [d for i, d in enumerate(data) if i % 5]
        test = [d for i, d in enumerate(data) if i % 5 == 0]
        self.write("train.tsv", "".join("%s\t%s\n" % d for d in train))
        self.write("test.tsv", "".join("%s\t%s\n" % d for d in test))
        r = self.train("--json", "-t", "test.tsv", "-o", "m.model", "train.tsv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = json.loads(r.stdout)
        self.assertEqual(rep["train_docs"], 32)
        self.assertEqual(rep["test_docs"], 8)
        self.assertTrue(rep["evaluation"].startswith("held-out test"))

    def test_model_plugin_labels_documents(self):
        r = self.train("-k", "0", "-o", "m.model", DATA)
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: model\n    path: m.model\n    top: 2\n")
        a = self.write("a.txt", "Derby report\n\nThe home striker scored a late goal and the fans "
                       "celebrated the victory in the stadium.\n")
        b = self.write("b.txt", "Outlook\n\nSnow and frost are forecast overnight, with icy roads "
                       "and strong winds on the coast.\n")
        r = self.nd("process", "-c", cfg, a, b)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(docs[0]["labels"][0]["id"], "sport")
        self.assertEqual(docs[1]["labels"][0]["id"], "weather")
        for d in docs:
            self.assertEqual(len(d["labels"]), 2)
            self.assertGreaterEqual(d["labels"][0]["score"], d["labels"][1]["score"])
            self.assertLessEqual(d["labels"][0]["score"], 1.0)

    def test_threshold_leaves_out_unlikely_labels(self):
        self.train("-k", "0", "-o", "m.model", DATA)
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: model\n    path: m.model\n    top: 4\n"
                         "    threshold: 0.99999\n")
        a = self.write("a.txt", "Note\n\nzzz qqq\n")
        r = self.nd("process", "-c", cfg, a)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("labels", ndtest.lines_json(r.stdout)[0])

    def test_bad_model_files(self):
        self.write("junk.model", b"NDMODEL\0" + b"\x01" * 100)
        self.write("text.model", "not a model at all, just some words\n" * 4)
        self.train("-k", "0", "-o", "good.model", DATA)
        with open(self.path("good.model"), "rb") as f:
            good = f.read()
        self.write("short.model", good[:-4])
        for name, why in (("junk.model", "not a valid newsdesk model file"),
                          ("text.model", "wrong magic number"),
                          ("short.model", "truncated"),
                          ("missing.model", "cannot open the model")):
            cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                             "  - plugin: model\n    path: %s\n" % name)
            a = self.write("a.txt", "Title\n\nSome text.\n")
            r = self.nd("process", "-c", cfg, a)
            self.assertEqual(r.returncode, 78, (name, r.stderr))
            self.assertIn(why, r.stderr.decode(), name)

    def test_model_path_is_required(self):
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n  - plugin: model\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        self.assertIn('missing required option "path"', r.stderr.decode())

    def test_bad_input(self):
        self.write("one.tsv", "sport\tA match.\nsport\tAnother match.\n")
        self.write("notab.tsv", "sport\tA match.\nweather no tab here\n")
        self.write("bad.jsonl", '{"label": "sport", "text": "A match."}\n{"label": 3}\n')
        self.write("notes.txt", "sport: a match\n")
        self.write("empty/sport/.hidden", "x")
        cases = [
            (["-o", "m", "one.tsv"], 1, "at least two labels"),
            (["-o", "m", "notab.tsv"], 1, "notab.tsv:2: expected a label and a text"),
            (["-o", "m", "bad.jsonl"], 1, "bad.jsonl:2: expected an object"),
            (["-o", "m", "notes.txt"], 1, "unknown format"),
            (["-o", "m", "nowhere.tsv"], 1, "nowhere.tsv: No such file"),
            (["-o", "m", "empty"], 1, "no articles found"),
            (["-o", "m", "-k", "1", DATA], 2, "--folds"),
            (["-o", "m", "--bits", "40", DATA], 2, "--bits"),
            (["-o", "m", "-a", "svm", DATA], 2, "expected nb or logreg"),
            ([DATA], 2, "-o MODEL is required"),
            (["-o", "m"], 2, "no INPUT given"),
            (["-o", "nodir/m.model", "-k", "0", DATA], 1, "cannot create"),
        ]
        for args, code, msg in cases:
            r = self.train(*args)
            self.assertEqual(r.returncode, code, (args, r.stderr))
            self.assertIn(msg, r.stderr.decode(), args)


if __name__ == "__main__":
    ndtest.main()
