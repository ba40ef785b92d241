#!/usr/bin/env python3
"""`newsdesk train` against scikit-learn on the same split of the same data,
in the same run.

    /usr/bin/python3 bench/classify_vs_sklearn.py [--bin build/newsdesk]
                                                  [--repeat 5]

Needs Debian's python3-sklearn (run with /usr/bin/python3). Data sets:
  sib200  ../shared/eval/topics: train.tsv + dev.tsv to train, test.tsv to
          test (the published split)
  own     tests/data/labelled.tsv and bench/data/own-extra.tsv, short news
          items written for newsdesk in four labels (sport, weather,
          markets, science): every fourth item of each label to test, the
          rest to train

Times are medians over --repeat runs of the CPU time (user + system, all
threads) each program spends on the same work: train = featurize the
training texts + fit; predict = featurize the test texts + predict.
Neither includes process start-up or reading files. CPU time rather than
wall time, because the machine is shared: waiting for a processor is not
work. Compare ratios, not absolutes.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("NEWSDESK_SHARED", os.path.join(ROOT, "..", "shared"))


def read_tsv(path, label_col, text_col, header):
    rows = []
    with open(path, encoding="utf-8") as f:
        if header:
            next(f)
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) > max(label_col, text_col):
                rows.append((p[label_col], p[text_col]))
    return rows


def datasets():
    out = {}
    t = os.path.join(SHARED, "eval", "topics")
    if os.path.isdir(t):
        train = read_tsv(os.path.join(t, "train.tsv"), 1, 2, True) + \
            read_tsv(os.path.join(t, "dev.tsv"), 1, 2, True)
        out["sib200"] = (train, read_tsv(os.path.join(t, "test.tsv"), 1, 2, True))
    own = read_tsv(os.path.join(ROOT, "tests", "data", "labelled.tsv"), 0, 1, True) + \
        read_tsv(os.path.join(HERE, "data", "own-extra.tsv"), 0, 1, True)
    seen = {}
    train, test = [], []
    for label, text in own:
        seen[label] = seen.get(label, 0) + 1
        (test if seen[label] % 4 == 0 else train).append((label, text))
    out["own"] = (train, test)
    return out


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for label, text in rows:
            f.write("%s\t%s\n" % (label, text.replace("\t", " ")))


def run_newsdesk(binary, algo, train_path, test_path, model):
    r = subprocess.run([binary, "train", "--json", "-a", algo, "-t", test_path,
                        "-o", model, train_path], capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit("newsdesk train failed: " + r.stderr.decode())
    rep = json.loads(r.stdout)
    return rep["accuracy"], rep["macro_f1"], rep["train_ms"], rep["predict_ms"]


def run_sklearn(make, train, test):
    from sklearn.metrics import accuracy_score, f1_score
    xtr = [t for _, t in train]
    ytr = [l for l, _ in train]
    xte = [t for _, t in test]
    yte = [l for l, _ in test]
    vec, clf = make()
    t0 = time.process_time()
    clf.fit(vec.fit_transform(xtr), ytr)
    t1 = time.process_time()
    pred = clf.predict(vec.transform(xte))
    t2 = time.process_time()
    return (accuracy_score(yte, pred), f1_score(yte, pred, average="macro"),
            (t1 - t0) * 1e3, (t2 - t1) * 1e3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "newsdesk"))
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    try:
        import sklearn
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.naive_bayes import MultinomialNB
    except ImportError:
        sys.exit("needs scikit-learn: apt-get install python3-sklearn, and run "
                 "with /usr/bin/python3")

    systems = [
        ("newsdesk nb", lambda tr, te, d: run_newsdesk(a.bin, "nb", *d)),
        ("newsdesk logreg", lambda tr, te, d: run_newsdesk(a.bin, "logreg", *d)),
        ("sklearn TfidfVectorizer + MultinomialNB (defaults)",
         lambda tr, te, d: run_sklearn(lambda: (TfidfVectorizer(), MultinomialNB()), tr, te)),
        ("sklearn TfidfVectorizer(sublinear, 1-2 grams) + MultinomialNB(alpha=0.01)",
         lambda tr, te, d: run_sklearn(lambda: (
             TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
             MultinomialNB(alpha=0.01)), tr, te)),
        ("sklearn TfidfVectorizer(sublinear, 1-2 grams) + SGDClassifier(log_loss)",
         lambda tr, te, d: run_sklearn(lambda: (
             TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)),
             SGDClassifier(loss="log_loss", random_state=1)), tr, te)),
    ]
    print("scikit-learn %s; %d runs each, median times" % (sklearn.__version__, a.repeat))
    for name, (train, test) in datasets().items():
        print()
        print("%s: %d training, %d test documents, %d labels" %
              (name, len(train), len(test), len({l for l, _ in train})))
        print("| system | accuracy | macro-F1 | train CPU ms | predict CPU ms |")
        print("|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as d:
            paths = (os.path.join(d, "train.tsv"), os.path.join(d, "test.tsv"),
                     os.path.join(d, "m.model"))
            write(paths[0], train)
            write(paths[1], test)
            for sname, fn in systems:
                runs = [fn(train, test, paths) for _ in range(a.repeat)]
                acc, f1 = runs[0][0], runs[0][1]
                tr = statistics.median(r[2] for r in runs)
                pr = statistics.median(r[3] for r in runs)
                print("| %s | %.3f | %.3f | %.1f | %.2f |" % (sname, acc, f1, tr, pr))


if __name__ == "__main__":
    main()
