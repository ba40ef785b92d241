#!/usr/bin/env python3
"""The `topics` step on whole news articles: bench/data/news holds articles
written for newsdesk, each labelled with the IPTC Media Topic an editor
would file it under (main) and any others it also belongs to (also).

    bench/topics_news_eval.py [--bin build/newsdesk] [--taxonomy FILE]
                              [--lead-boost X] [--show]

Prints top-1 accuracy against the main topic, how often the top topic is
one of the article's topics, how often the main topic is among the three
given, and (with --show) each miss with the terms behind it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data", "news")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "newsdesk"))
    ap.add_argument("--taxonomy")
    ap.add_argument("--lead-boost", type=float)
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    rows = []
    with open(os.path.join(DATA, "labels.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            also = [x for x in (parts[2].split(",") if len(parts) > 2 else []) if x]
            rows.append((parts[0], parts[1], also))
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "nd.yaml")
        with open(cfg, "w") as f:
            f.write("pipeline:\n  - plugin: text\n  - plugin: topics\n"
                    "    explain: true\n")
            if a.taxonomy:
                f.write("    taxonomy: %s\n" % os.path.abspath(a.taxonomy))
            if a.lead_boost is not None:
                f.write("    lead_boost: %g\n" % a.lead_boost)
        files = [os.path.join(DATA, name) for name, _, _ in rows]
        r = subprocess.run([a.bin, "process", "-c", cfg] + files,
                           capture_output=True, check=False)
        if r.returncode != 0:
            sys.exit("newsdesk failed: " + r.stderr.decode())
    docs = {}
    for line in r.stdout.decode().splitlines():
        doc = json.loads(line)
        docs[doc["source"]["name"]] = doc
    top1 = anyof = top3 = 0
    for name, main_id, also in rows:
        doc = docs[name]
        ids = [t["id"] for t in doc.get("topics", [])]
        first = ids[0] if ids else None
        top1 += first == main_id
        anyof += first in [main_id] + also
        top3 += main_id in ids[:3]
        if a.show and first != main_id:
            print("%s: wanted %s, got %s" % (name, main_id, ids))
            for tid, terms in doc.get("topic_terms", {}).items():
                print("    %s %s" % (tid, ", ".join(
                    "%s x%d" % (t["term"], t["count"]) for t in terms)))
    n = len(rows)
    print("%d articles: top-1 = main topic %.3f (%d); top-1 among its topics "
          "%.3f (%d); main topic in the top 3 %.3f (%d)"
          % (n, top1 / n, top1, anyof / n, anyof, top3 / n, top3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
