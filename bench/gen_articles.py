#!/usr/bin/env python3
"""Write N synthetic news articles (plain text) for exporter benchmarks and
search demos. Deterministic for a given --seed. With --annotate, each file
ends with @ lines (language, published, entities, topics) that the test
plugin `annotate` (tests/plugins/annotate.c) turns into fields, standing in
for the extraction and classification plugins.

usage: gen_articles.py [--seed S] [--annotate] N OUTDIR
"""
import argparse
import os
import random

PEOPLE = ["Mara Ellison", "Tomas Reyes", "Ingrid Solberg", "Kwame Mensah",
          "Lucia Ferraro", "Hiro Tanaka", "Anika Brandt", "Samuel Okafor",
          "Priya Raman", "Jonas Lindqvist"]
ORGS = ["the Harbour Authority", "Northwind Rail", "the Central Bank",
        "Greenfield Energy", "the Ministry of Health", "Atlas Shipping",
        "the City Council", "Meridian Labs"]
PLACES = ["Lisbon", "Oslo", "Accra", "Osaka", "Valencia", "Gdansk",
          "Montreal", "Nairobi"]
TOPICS = [
    ("medtop:04000000", "economy, business and finance",
     ["inflation", "interest rates", "exports", "quarterly profits",
      "a merger", "the bond market"]),
    ("medtop:11000000", "politics",
     ["a coalition deal", "the budget vote", "an election campaign",
      "a cabinet reshuffle", "new border rules"]),
    ("medtop:13000000", "science and technology",
     ["a battery breakthrough", "a satellite launch", "gene therapy",
      "a quantum computer", "an open-source model"]),
    ("medtop:06000000", "environment",
     ["a heatwave", "river flooding", "offshore wind farms",
      "coral bleaching", "a recycling scheme"]),
    ("medtop:15000000", "sport",
     ["the cup final", "a marathon record", "a transfer fee",
      "the cycling tour", "a doping inquiry"]),
]
VERBS = ["announced", "warned about", "defended", "questioned", "welcomed",
         "criticised", "outlined", "delayed"]
LANGS = ["en"] * 8 + ["es", "fr"]


def article(rng, i):
    tid, label, subjects = rng.choice(TOPICS)
    subj = rng.choice(subjects)
    person, other = rng.sample(PEOPLE, 2)
    org = rng.choice(ORGS)
    place = rng.choice(PLACES)
    verb = rng.choice(VERBS)
    day = rng.randint(1, 28)
    month = rng.randint(1, 11)
    title = f"{person} {verb} {subj} in {place}"
    paras = [
        f"{person}, speaking for {org} in {place} on Tuesday, {verb} {subj}, "
        f"saying the next months would decide the outcome.",
        f"{other} said the plan for {subj} had been discussed for weeks and "
        f"that {org} expected a decision before the end of the year.",
        f"Analysts in {place} said {subj} would shape policy, while critics "
        f"asked how much it would cost and who would pay. Report number {i}.",
    ]
    for _ in range(rng.randint(1, 4)):
        paras.append(rng.choice([
            f"Officials at {org} declined to comment further on {subj}.",
            f"Residents of {place} gave a mixed response to the news.",
            f"{person} is expected to meet {other} again next month.",
            f"Figures released this week showed little change in {subj}.",
        ]))
    lang = rng.choice(LANGS)
    notes = [f"@lang {lang}", f"@published 2026-{month:02d}-{day:02d}",
             f"@entity PERSON {person}", f"@entity PERSON {other}",
             f"@entity ORG {org[4:] if org.startswith('the ') else org}",
             f"@entity LOC {place}",
             f"@topic {tid} {rng.uniform(0.5, 0.95):.2f} {label}"]
    return title, paras, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--annotate", action="store_true")
    ap.add_argument("n", type=int)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)
    for i in range(a.n):
        title, paras, notes = article(rng, i)
        body = title + "\n\n" + "\n\n".join(paras) + "\n"
        if a.annotate:
            body += "\n" + "\n\n".join(notes) + "\n"
        with open(os.path.join(a.outdir, f"article-{i:05d}.txt"), "w") as f:
            f.write(body)


if __name__ == "__main__":
    main()
