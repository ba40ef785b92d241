#!/usr/bin/env python3
"""Top-1 accuracy of the `topics` plugin on SIB-200 English (../shared/eval/
topics), its categories mapped to IPTC Media Topics.

    bench/topics_eval.py [--split test|dev|train] [--bin build/newsdesk]
                         [--taxonomy FILE]

Scored labels: politics -> medtop:11000000, sports -> 15000000, health ->
07000000, science/technology -> 13000000, entertainment -> 01000000.
travel has no exact IPTC top-level match; it is scored on its own against
lifestyle and leisure (10000000, whose subtopics hold travel and tourism)
and left out of the main figure. geography has no counterpart at all: its
predictions are only listed. A sentence with no topic counts as wrong.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("NEWSDESK_SHARED", os.path.join(ROOT, "..", "shared"))

MAPPED = {
    "politics": "medtop:11000000",
    "sports": "medtop:15000000",
    "health": "medtop:07000000",
    "science/technology": "medtop:13000000",
    "entertainment": "medtop:01000000",
}
TRAVEL = ("travel", "medtop:10000000")

SHORT = {
    "medtop:01000000": "arts", "medtop:02000000": "crime",
    "medtop:03000000": "disaster", "medtop:04000000": "economy",
    "medtop:05000000": "educ", "medtop:06000000": "environ",
    "medtop:07000000": "health", "medtop:08000000": "human",
    "medtop:09000000": "labour", "medtop:10000000": "leisure",
    "medtop:11000000": "politics", "medtop:12000000": "religion",
    "medtop:13000000": "sci/tech", "medtop:14000000": "society",
    "medtop:15000000": "sport", "medtop:16000000": "conflict",
    "medtop:17000000": "weather", None: "(none)",
}


def load(split):
    path = os.path.join(SHARED, "eval", "topics", split + ".tsv")
    rows = []
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                rows.append((parts[1], parts[-1]))
    return rows


def classify(binary, rows, taxonomy):
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "nd.yaml")
        with open(cfg, "w") as f:
            f.write("pipeline:\n  - plugin: text\n  - plugin: topics\n")
            if taxonomy:
                f.write("    taxonomy: %s\n" % os.path.abspath(taxonomy))
        files = []
        for i, (_, text) in enumerate(rows):
            p = os.path.join(d, "%04d.txt" % i)
            # One sentence per file; the text reader makes it both the
            # title and the text, as it does for any one-line article.
            with open(p, "w", encoding="utf-8") as f:
                f.write("\n" + text + "\n")
            files.append(p)
        r = subprocess.run([binary, "process", "-c", cfg] + files,
                           capture_output=True, check=False)
        if r.returncode != 0:
            sys.exit("newsdesk failed: " + r.stderr.decode())
        docs = [json.loads(l) for l in r.stdout.decode().splitlines() if l]
    by_name = {d["source"]["name"]: d for d in docs}
    preds = []
    for i in range(len(rows)):
        topics = by_name["%04d.txt" % i].get("topics") or []
        preds.append(topics[0]["id"] if topics else None)
    return preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="test")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "newsdesk"))
    ap.add_argument("--taxonomy")
    a = ap.parse_args()
    rows = load(a.split)
    preds = classify(a.bin, rows, a.taxonomy)

    conf = collections.defaultdict(collections.Counter)
    for (cat, _), p in zip(rows, preds):
        conf[cat][p] += 1
    scored = [(cat, p) for (cat, _), p in zip(rows, preds) if cat in MAPPED]
    right = sum(1 for cat, p in scored if MAPPED[cat] == p)
    print("SIB-200 %s split, %d sentences; top-1 accuracy on the five mapped "
          "labels: %.3f (%d/%d)" % (a.split, len(rows), right / len(scored),
                                    right, len(scored)))
    trav = [p for (cat, _), p in zip(rows, preds) if cat == TRAVEL[0]]
    if trav:
        t = sum(1 for p in trav if p == TRAVEL[1])
        print("travel as lifestyle and leisure: %.3f (%d/%d), not in the "
              "figure above" % (t / len(trav), t, len(trav)))
    cols = [k for k in SHORT if any(conf[c][k] for c in conf)]
    cats = list(MAPPED) + [c for c in ("travel", "geography") if c in conf]
    print()
    print("confusion (rows: SIB-200 category, columns: newsdesk's top topic)")
    print("%-19s" % "" + "".join("%9s" % SHORT[k] for k in cols))
    for c in cats:
        print("%-19s" % c + "".join("%9d" % conf[c][k] for k in cols))


if __name__ == "__main__":
    main()
