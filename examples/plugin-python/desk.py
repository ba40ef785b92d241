#!/usr/bin/env python3
"""desk.py: route each article to a newsroom desk, as a newsdesk step.

Sets the field `desk`, e.g.

    "desk": {"name": "politics", "because": "topic politics and government (1.0)"}

from the IPTC topics the `topics` step found (so put this step after it),
the strongest topic with a desk winning. An article without a topic that
has a desk goes to the `general` desk. The table below is the default;
`--desks FILE` replaces it with a JSON object of desk names, each a list of
IPTC media topic ids ("medtop:04000000"), in order of preference.

    - plugin: exec
      name: desk
      command: [python3, examples/plugin-python/desk.py]
"""
import argparse
import json

import newsdesk_exec

DESKS = {
    "politics": ["medtop:11000000"],                    # politics and government
    "business": ["medtop:04000000", "medtop:09000000"], # economy; labour
    "world": ["medtop:16000000"],                       # conflict, war and peace
    "courts": ["medtop:02000000"],                      # crime, law and justice
    "science": ["medtop:13000000", "medtop:06000000",   # science; environment
                "medtop:07000000"],                     # health
    "culture": ["medtop:01000000", "medtop:12000000"],  # arts; religion
    "sport": ["medtop:15000000"],
    "news": ["medtop:03000000", "medtop:17000000",      # disasters; weather
             "medtop:14000000", "medtop:05000000",      # society; education
             "medtop:08000000", "medtop:10000000"],     # human interest; lifestyle
}


def route(doc, desks):
    """The desk of one document, and why."""
    desk_of = {}
    for name, ids in desks.items():
        for i in ids:
            desk_of.setdefault(i, name)
    topics = sorted(doc.get("topics") or [], key=lambda t: -t.get("score", 0))
    for t in topics:
        name = desk_of.get(t.get("id"))
        if name:
            return {"name": name,
                    "because": "topic %s (%s)" % (t.get("label") or t["id"],
                                                  t.get("score"))}
    return {"name": "general", "because": "no topic with a desk"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--desks", help="JSON file: {desk: [topic ids]}")
    args = ap.parse_args()
    desks = DESKS
    if args.desks:
        with open(args.desks, encoding="utf-8") as f:
            desks = json.load(f)
    newsdesk_exec.run(lambda doc: {"desk": route(doc, desks)})


if __name__ == "__main__":
    main()
