"""The `topics` plugin: the default IPTC taxonomy, user taxonomies (phrases,
stems, exact words, subtopics, negative weights), options and errors; and
`when` routing on topics with two exporters."""
import json
import os

import ndtest

SPORT = ("Cup final\n\nThe striker scored in the second half and the home team "
         "won the league match in front of a full stadium. The coach praised "
         "the players after the victory.\n")
MIXED = ("Budget vote\n\nThe finance minister told parliament that the budget "
         "would cut the deficit, and the opposition party said it would vote "
         "against the bill. Investors expect inflation and interest rates to "
         "fall, and the central bank kept its forecast for economic growth.\n")
HEALTH = ("Clinic opens\n\nDoctors at the new hospital will treat patients "
          "with chronic disease, and nurses will run a vaccination programme "
          "against influenza this winter.\n")


def topic_ids(doc):
    return [t["id"] for t in doc.get("topics", [])]


class DefaultTaxonomy(ndtest.TempDirTest):
    def process(self, *texts, cfg=None):
        files = [self.write("doc%d.txt" % i, t) for i, t in enumerate(texts)]
        args = (["-c", cfg] if cfg else []) + files
        r = self.nd("process", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return ndtest.lines_json(r.stdout)

    def test_default_chain_runs_topics(self):
        sport, mixed, health = self.process(SPORT, MIXED, HEALTH)
        self.assertEqual(topic_ids(sport)[0], "medtop:15000000")
        self.assertEqual(sport["topics"][0]["label"], "sport")
        self.assertEqual(topic_ids(health)[0], "medtop:07000000")
        # Several labels when the text is about several things.
        self.assertIn("medtop:04000000", topic_ids(mixed))
        self.assertIn("medtop:11000000", topic_ids(mixed))
        for d in (sport, mixed, health):
            scores = [t["score"] for t in d["topics"]]
            self.assertEqual(scores, sorted(scores, reverse=True))
            self.assertTrue(all(0 < s <= 1 for s in scores), scores)
            self.assertLessEqual(len(scores), 3)
            self.assertIn("topics", [p["step"] for p in d["pipeline"]])

    def test_top_and_threshold(self):
        cfg = self.write("one.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: topics\n    top: 1\n")
        (mixed,) = self.process(MIXED, cfg=cfg)
        self.assertEqual(len(mixed["topics"]), 1)
        cfg = self.write("high.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: topics\n    threshold: 1.0\n")
        (mixed,) = self.process(MIXED, cfg=cfg)
        self.assertNotIn("topics", mixed)

    def test_text_without_topic_words(self):
        (d,) = self.process("Note\n\nZxq vbn qwr.\n")
        self.assertNotIn("topics", d)

    def test_other_languages_are_skipped(self):
        german = ("Haushalt\n\nDer Finanzminister sagte im Parlament, dass der "
                  "Haushalt das Defizit senken werde. Die Opposition kündigte "
                  "an, gegen das Gesetz zu stimmen, und die Zentralbank hielt "
                  "ihre Prognose für das Wachstum der Wirtschaft.\n")
        d = self.process(german)[0]
        self.assertEqual(d["language"]["code"], "de")
        self.assertNotIn("topics", d)
        # Listed, it is classified (with whatever the English terms find).
        cfg = self.write("de.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: language\n  - plugin: topics\n"
                         "    languages: [en, de]\n    threshold: 0\n")
        d = self.process(german, MIXED, cfg=cfg)
        self.assertIn("medtop:11000000", topic_ids(d[1]))
        self.assertIn("topics", d[0])

    def test_seed_article(self):
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        if not seed:
            self.skipTest("../shared is not there")
        r = self.nd("process", seed)
        self.assertEqual(r.returncode, 0, r.stderr)
        ids = topic_ids(ndtest.lines_json(r.stdout)[0])
        self.assertIn("medtop:04000000", ids[:2])
        self.assertIn("medtop:11000000", ids[:2])

    def test_compiled_in_taxonomy_answers_as_its_yaml(self):
        # A copy of the default taxonomy is the compiled-in one; with a
        # comment added it is read from its YAML. Both must say the same.
        src = os.path.join(ndtest.SOURCE, "config", "taxonomy")
        for name in ("iptc-top.yaml", "iptc-wordnet.yaml"):
            with open(os.path.join(src, name), encoding="utf-8") as f:
                data = f.read()
            self.write(os.path.join("same", name), data)
            self.write(os.path.join("edited", name),
                       data + ("# edited\n" if name == "iptc-wordnet.yaml" else ""))
        texts = [SPORT, MIXED, HEALTH]
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        if seed:
            with open(seed, encoding="utf-8") as f:
                texts.append(f.read())
        out = {}
        for copy in ("same", "edited"):
            cfg = self.write(copy + ".yaml", "pipeline:\n  - plugin: text\n"
                             "  - plugin: topics\n    taxonomy: %s/iptc-top.yaml\n"
                             "    threshold: 0\n    top: 17\n    explain: true\n"
                             % copy)
            out[copy] = [(d.get("topics"), d.get("topic_terms"))
                         for d in self.process(*texts, cfg=cfg)]
        self.assertEqual(out["same"], out["edited"])
        self.assertTrue(all(t for t, _ in out["same"]))


class UserTaxonomy(ndtest.TempDirTest):
    TAX = """\
topics:
  - id: x:ships
    label: ships
    terms:
      harbour: 2
      container ship: 3
      NATO: 5
  - id: x:ferries
    label: ferries
    parent: x:ships
    terms: [ferry, car deck]
  - id: x:rivers
    label: rivers
    terms: {river: 2, bridge: 1, river cruise: -2}
"""

    def run_with(self, text, tax=None, extra=""):
        self.write("tax.yaml", tax or self.TAX)
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: topics\n    taxonomy: tax.yaml\n"
                         "    threshold: 0\n    top: 10\n" + extra)
        p = self.write("a.txt", text)
        return self.nd("process", "-c", cfg, p)

    def topics(self, text):
        r = self.run_with(text)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = ndtest.lines_json(r.stdout)[0]
        return {t["id"]: t["score"] for t in d.get("topics", [])}

    def test_phrases_and_stems(self):
        # "Container ships" is the phrase through its stems; "harbours"
        # the term "harbour".
        t = self.topics("Port news\n\nTwo container ships left the harbours.\n")
        self.assertEqual(list(t), ["x:ships"])
        # Words of a phrase apart do not make the phrase.
        t = self.topics("Port news\n\nThe container was on the ship.\n")
        self.assertEqual(t, {})

    def test_exact_words_keep_their_case(self):
        self.assertIn("x:ships", self.topics("Talks\n\nNATO met today.\n"))
        self.assertEqual(self.topics("Talks\n\nnato met today.\n"), {})

    def test_exact_spelling_takes_precedence_over_the_stem(self):
        tax = ("topics:\n"
               "  - id: x:firms\n    label: firms\n    terms: {Apple: 3}\n"
               "  - id: x:food\n    label: food\n"
               "    terms: {apple: 2, apple pie: 3}\n")

        def topics(text):
            r = self.run_with(text, tax)
            self.assertEqual(r.returncode, 0, r.stderr)
            d = ndtest.lines_json(r.stdout)[0]
            return [t["id"] for t in d.get("topics", [])]

        # The capitalised word is the firm, and only the firm.
        self.assertEqual(topics("Results\n\nApple sold more phones.\n"),
                         ["x:firms"])
        self.assertEqual(topics("Orchard\n\nAn apple fell.\n"), ["x:food"])
        # A phrase through the word still matches.
        self.assertEqual(sorted(topics("Baking\n\nApple pie for lunch.\n")),
                         ["x:firms", "x:food"])

    def test_subtopic_evidence_counts_for_the_parent(self):
        t = self.topics("Crossing\n\nThe ferry left with cars on its car deck.\n")
        self.assertEqual(list(t), ["x:ships", "x:ferries"])
        self.assertEqual(t["x:ships"], t["x:ferries"])

    def test_negative_weight(self):
        # river (2) and river cruise (-2) cancel out.
        t = self.topics("Trip\n\nOn a river cruise.\n")
        self.assertEqual(t, {})
        t = self.topics("Trip\n\nThe river and the bridge and the river.\n")
        self.assertIn("x:rivers", t)

    def test_the_lead_weighs_more(self):
        # One harbour up front against one river deep in the story: the
        # lead decides unless lead_boost is 0, when they tie.
        filler = " ".join(["Nothing else happened that day."] * 15)
        text = "Notes\n\nThe harbour was busy. " + filler + " A river flowed.\n"

        def topics(extra):
            r = self.run_with(text, extra=extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            return {t["id"]: t["score"]
                    for t in ndtest.lines_json(r.stdout)[0]["topics"]}

        t = topics("")
        self.assertEqual(list(t)[0], "x:ships")
        self.assertAlmostEqual(t["x:rivers"] / t["x:ships"], 0.5, places=2)
        t = topics("    lead_boost: 0\n")
        self.assertEqual(t["x:rivers"], t["x:ships"])

    def test_explain_lists_the_terms_that_counted(self):
        r = self.run_with("Port news\n\nTwo container ships and a ferry with a "
                          "car deck left the harbour; NATO watched the river.\n",
                          extra="    explain: true\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = ndtest.lines_json(r.stdout)[0]
        terms = d["topic_terms"]
        self.assertEqual(list(terms), [t["id"] for t in d["topics"]])
        ships = [t["term"] for t in terms["x:ships"]]
        self.assertEqual(ships[0], "NATO")  # the heaviest first
        for term in ("container ship", "harbour", "ferry", "car deck"):
            self.assertIn(term, ships)  # a subtopic's terms count for it
        self.assertEqual([t["term"] for t in terms["x:rivers"]], ["river"])
        self.assertEqual(terms["x:rivers"][0]["count"], 1)
        # Without the option there is no such field.
        r = self.run_with("Port news\n\nThe harbour.\n")
        self.assertNotIn("topic_terms", ndtest.lines_json(r.stdout)[0])

    def test_taxonomy_errors(self):
        cases = [
            ("topics: [\n", "YAML syntax error"),
            ("topic: []\n", "tax.yaml:1:1: unknown key \"topic\""),
            ("topics: []\n", "the list of topics is empty"),
            ("topics:\n  - label: no id\n", "a topic needs an id"),
            ("topics:\n  - id: a\n    terms: {xy: 1}\n  - id: a\n",
             "tax.yaml:4:9: duplicate topic id \"a\""),
            ("topics:\n  - id: a\n    terms:\n      river: 1\n      river: 2\n",
             "tax.yaml:5:7: duplicate term \"river\" (first given at line 4)"),
            ("topics:\n  - id: a\n    terms: {river: lots}\n",
             "tax.yaml:3:20: term \"river\": expected a weight"),
            ("topics:\n  - id: a\n    colour: red\n",
             "tax.yaml:3:5: unknown key \"colour\" in a topic"),
            ("topics:\n  - id: a\n    parent: b\n", "parent \"b\" is not a topic"),
            ("topics:\n  - id: a\n    parent: b\n  - id: b\n    parent: a\n",
             "parents form a cycle"),
            ("topics:\n  - id: a\n    terms: [\"!!\"]\n",
             "has no word of two letters or more"),
        ]
        for tax, msg in cases:
            r = self.run_with("T\n\nriver\n", tax=tax)
            self.assertEqual(r.returncode, 78, (tax, r.stderr))
            self.assertIn(msg, r.stderr.decode(), tax)

    def test_include_adds_terms_and_topics(self):
        os.makedirs(self.path("more"), exist_ok=True)
        self.write("more/extra.yaml",
                   "include: [deeper.yaml]\n"
                   "topics:\n"
                   "  - id: x:ships\n    terms: {tugboat: 2}\n"
                   "  - id: x:canals\n    label: canals\n"
                   "    parent: x:rivers\n    terms: [lock keeper]\n")
        self.write("more/deeper.yaml",
                   "topics:\n  - id: x:ships\n    terms: [schooner]\n")
        tax = self.TAX.replace("topics:\n", "include: more/extra.yaml\ntopics:\n", 1)
        self.write("tax.yaml", tax)

        def topics(text):
            r = self.run_with(text, tax)
            self.assertEqual(r.returncode, 0, r.stderr)
            d = ndtest.lines_json(r.stdout)[0]
            return [t["id"] for t in d.get("topics", [])]

        # Terms of an included file count for the topic they name; a file
        # the included file includes is read relative to it.
        self.assertEqual(topics("Port\n\nA tugboat.\n"), ["x:ships"])
        self.assertEqual(topics("Port\n\nA schooner.\n"), ["x:ships"])
        # A new topic there, with a parent from the including file.
        self.assertEqual(topics("Lock\n\nThe lock keeper.\n"),
                         ["x:rivers", "x:canals"])
        # The including file's own terms still count.
        self.assertEqual(topics("Port\n\nThe harbour.\n"), ["x:ships"])

    def test_include_errors(self):
        base = "include: %s\ntopics:\n  - id: a\n    terms: {river: 1}\n"
        cases = [
            ("inc.yaml", "topics:\n  - id: a\n    label: again\n",
             "inc.yaml:3:12: topic \"a\" is defined in"),
            ("inc.yaml", "topics:\n  - id: b\n    terms: {river: x}\n",
             "inc.yaml:3:20: term \"river\": expected a weight"),
            ("inc.yaml", "topics:\n  - id: b\n    parent: c\n",
             "inc.yaml:3:13: topic b: parent \"c\" is not a topic"),
            ("inc.yaml", "include: tax.yaml\ntopics: []\n",
             "more than 8 deep"),
            ("inc.yaml", "topics:\n  - id: b\n  - id: b\n",
             "inc.yaml:3:9: duplicate topic id \"b\""),
            (None, None, "tax.yaml:1:10: cannot open the included taxonomy"),
        ]
        for name, text, msg in cases:
            if name:
                self.write(name, text)
            r = self.run_with("T\n\nriver\n",
                              tax=base % (name or "nowhere.yaml"))
            self.assertEqual(r.returncode, 78, (text, r.stderr))
            self.assertIn(msg, r.stderr.decode(), text)
        r = self.run_with("T\n\nriver\n", tax="include: {x: y}\ntopics: []\n")
        self.assertIn("tax.yaml:1:10: include: expected a file name",
                      r.stderr.decode())

    def test_missing_taxonomy(self):
        cfg = self.write("nd.yaml", "pipeline:\n  - plugin: text\n"
                         "  - plugin: topics\n    taxonomy: nowhere.yaml\n")
        r = self.nd("process", "-c", cfg, self.write("a.txt", "T\n\nx\n"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("cannot open the taxonomy nowhere.yaml", r.stderr.decode())


class Routing(ndtest.TempDirTest):
    CFG = """\
pipeline:
  - plugin: text
  - plugin: topics
  - plugin: json
    name: sport_out
    dir: out/sport
    when: topics contains "medtop:15000000"
  - plugin: json
    name: other_out
    dir: out/other
    when: not topics contains "sport"
"""

    def test_sport_to_one_folder_everything_else_to_another(self):
        cfg = self.write("nd.yaml", self.CFG)
        files = [self.write("a.txt", SPORT), self.write("b.txt", MIXED),
                 self.write("c.txt", HEALTH), self.write("d.txt", "Note\n\nZxq.\n")]
        r = self.nd("process", "-c", cfg, "--export", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = ndtest.lines_json(r.stdout)
        ids = [d["id"] for d in docs]
        self.assertEqual(sorted(os.listdir(self.path("out", "sport"))),
                         [ids[0] + ".json"])
        self.assertEqual(sorted(os.listdir(self.path("out", "other"))),
                         sorted(i + ".json" for i in ids[1:]))
        with open(self.path("out", "sport", ids[0] + ".json")) as f:
            self.assertEqual(json.load(f)["topics"][0]["id"], "medtop:15000000")
        steps = [p["step"] for p in docs[0]["pipeline"]]
        self.assertEqual(steps, ["text", "topics", "sport_out"])

    def test_bad_conditions_are_reported_with_line_and_column(self):
        cfg = self.write("nd.yaml", """\
pipeline:
  - plugin: text
  - plugin: json
    dir: a
    when: topics contains
  - plugin: json
    name: second
    dir: b
    when: "(language == 'en'"
""")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn("nd.yaml:5:26: when: expected a value", err)
        self.assertIn("nd.yaml:9:29: when: expected ) to close the ( at column 1", err)


if __name__ == "__main__":
    ndtest.main()
