"""The extraction plugins (language, entities, keywords, quotes, summary)
in the default chain, on articles written for these tests in several
domains, and the seed article of ../shared when it is there."""
import datetime
import os

import ndtest

ARTICLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "articles")


def article(name):
    return os.path.join(ARTICLES, name)


def ents(doc, typ):
    return {e["text"]: e for e in doc.get("entities", []) if e["type"] == typ}


def received(doc):
    return datetime.datetime.strptime(doc["source"]["received"],
                                      "%Y-%m-%dT%H:%M:%SZ").date()


class Extraction(ndtest.TempDirTest):
    def process(self, *paths, config=None):
        args = ["process"]
        if config:
            args += ["-c", self.write("extract.yaml", config)]
        r = self.nd(*args, *paths)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(len(docs), len(paths))
        return docs

    def assert_weekday_near(self, doc, text, weekday):
        """A bare weekday is normalised to that day within three days of
        the document's date."""
        e = ents(doc, "DATE")[text]
        day = datetime.date.fromisoformat(e["value"])
        self.assertEqual(day.weekday(), weekday)
        self.assertLessEqual(abs((day - received(doc)).days), 3)

    def test_default_chain_runs_every_step(self):
        d = self.process(article("sport.txt"))[0]
        steps = [p["step"] for p in d["pipeline"]]
        # The extraction steps run, in this order, after the reader.
        order = ["text", "language", "entities", "keywords", "quotes", "summary"]
        self.assertEqual([s for s in steps if s in order], order)

    def test_sport(self):
        d = self.process(article("sport.txt"))[0]
        self.assertEqual(d["language"]["code"], "en")
        self.assertGreater(d["language"]["confidence"], 0.5)
        people = ents(d, "PERSON")
        for name in ("Erling Haaland", "Cristiano Ronaldo", "Martin Odegaard",
                     "Stale Solbakken"):
            self.assertIn(name, people)
        # "Haaland" later in the text counts as the same person.
        self.assertEqual(people["Erling Haaland"]["count"], 2)
        self.assertNotIn("Haaland", people)
        for place in ("Norway", "Portugal", "Oslo", "Munich"):
            self.assertIn(place, ents(d, "LOC"))
        self.assertIn("Norwegian Football Federation", ents(d, "ORG"))
        money = ents(d, "MONEY")["150 million Norwegian kroner"]
        self.assertEqual(money["value"], {"amount": 150000000, "currency": "NOK"})
        self.assert_weekday_near(d, "Saturday", 5)
        quotes = d["quotes"]
        self.assertEqual(quotes[0]["text"], "We have waited a long time for a night like this")
        self.assertEqual(quotes[0]["speaker"], "Erling Haaland")
        # The quote that runs on after the attribution is his too.
        self.assertEqual(quotes[1]["speaker"], "Erling Haaland")
        self.assertEqual(quotes[2]["speaker"], "Stale Solbakken")
        # "Martin" alone, after "Martin Odegaard", is him.
        self.assertEqual(people["Martin Odegaard"]["count"], 2)

    def test_science(self):
        d = self.process(article("science.txt"))[0]
        self.assertIn("Amara Okafor", ents(d, "PERSON"))
        self.assertEqual(ents(d, "PERSON")["Amara Okafor"]["count"], 2)
        self.assertIn("Lars Henriksen", ents(d, "PERSON"))
        orgs = ents(d, "ORG")
        for org in ("University of Cambridge", "NASA", "European Space Agency",
                    "Max Planck Institute for Astronomy"):
            self.assertIn(org, orgs)
        self.assertIn("Heidelberg", ents(d, "LOC"))
        self.assertEqual(ents(d, "PERCENT")["99.7 percent"]["value"], 99.7)
        self.assertEqual(ents(d, "DATE")["March"]["value"],
                         "%04d-03" % received(d).year)
        speakers = [q["speaker"] for q in d["quotes"]]
        self.assertEqual(speakers[0], "Amara Okafor")
        self.assertEqual(speakers[-1], "Lars Henriksen")

    def test_disaster(self):
        d = self.process(article("disaster.txt"))[0]
        self.assertIn("Ali Yerlikaya", ents(d, "PERSON"))
        self.assertNotIn("Interior Minister Ali Yerlikaya", ents(d, "PERSON"))
        for place in ("Turkey", "Malatya", "Geneva", "Syria"):
            self.assertIn(place, ents(d, "LOC"))
        for org in ("European Union", "World Health Organization",
                    "Disaster and Emergency Management Authority"):
            self.assertIn(org, ents(d, "ORG"))
        self.assertEqual(ents(d, "MONEY")["5 million euros"]["value"],
                         {"amount": 5000000, "currency": "EUR"})
        self.assertEqual(ents(d, "TIME")["4:17 a.m."]["value"], "04:17")
        self.assertEqual(ents(d, "QUANTITY")["10 kilometres"]["value"],
                         {"amount": 10, "unit": "kilometres"})
        self.assertEqual(ents(d, "DATE")["2023"]["value"], "2023")
        self.assert_weekday_near(d, "Monday", 0)
        self.assertEqual(d["quotes"][0]["speaker"], "Ali Yerlikaya")

    def test_business(self):
        d = self.process(article("business.txt"))[0]
        money = ents(d, "MONEY")
        self.assertEqual(money["$2.3 billion"]["value"],
                         {"amount": 2300000000, "currency": "USD"})
        self.assertEqual(money["24.5 billion Swedish crowns"]["value"],
                         {"amount": 24500000000, "currency": "SEK"})
        self.assertEqual(money["800 million euros"]["value"],
                         {"amount": 800000000, "currency": "EUR"})
        self.assertEqual(ents(d, "PERCENT")["18 percent"]["value"], 18)
        self.assertEqual(ents(d, "PERCENT")["2.4 percent"]["value"], 2.4)
        for org in ("Nordvik Energy", "Baltic Wind", "European Commission"):
            self.assertIn(org, ents(d, "ORG"))
        self.assertEqual(ents(d, "ORG")["Baltic Wind"]["count"], 5)
        self.assertIn("Ingrid Halvorsen", ents(d, "PERSON"))
        for place in ("Stockholm", "Gdansk", "Poland", "Baltic Sea"):
            self.assertIn(place, ents(d, "LOC"))
        self.assertEqual(d["quotes"][0]["speaker"], "Ingrid Halvorsen")
        nm = received(d).month % 12 + 1
        nm_year = received(d).year + (1 if nm == 1 else 0)
        self.assertEqual(ents(d, "DATE")["next month"]["value"], "%04d-%02d" % (nm_year, nm))
        kw = [k["text"] for k in d["keywords"]]
        self.assertEqual(kw[0], "Baltic Wind")
        self.assertLessEqual(len(kw), 10)
        self.assertTrue(any(" " in k for k in kw), kw)
        scores = [k["score"] for k in d["keywords"]]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_election(self):
        d = self.process(article("election.txt"))[0]
        people = ents(d, "PERSON")
        for name in ("Geert Wilders", "Rob Jetten", "Willem-Alexander"):
            self.assertIn(name, people)
        self.assertEqual(people["Geert Wilders"]["count"], 2)
        self.assertIn("Party for Freedom", ents(d, "ORG"))
        self.assertIn("The Hague", ents(d, "LOC"))
        self.assertEqual(ents(d, "PERCENT")["78.2 percent"]["value"], 78.2)
        week = ents(d, "DATE")["next week"]["value"].split("/")
        start, end = (datetime.date.fromisoformat(x) for x in week)
        self.assertEqual(start.weekday(), 0)
        self.assertEqual((end - start).days, 6)
        self.assertTrue(0 < (start - received(d)).days <= 7)
        by_speaker = {q["text"]: q["speaker"] for q in d["quotes"]}
        self.assertEqual(by_speaker["The Netherlands has chosen to look forward"], "Rob Jetten")
        # "he said": the last person named before the quote.
        self.assertEqual(by_speaker["The voters have spoken, and we respect that"], "Geert Wilders")

    def test_spans_are_code_points(self):
        for name in ("sport.txt", "science.txt", "disaster.txt", "business.txt",
                     "election.txt"):
            d = self.process(article(name))[0]
            text = d["text"]
            for e in d["entities"]:
                self.assertEqual(len(e["spans"]), e["count"])
                for a, b in e["spans"]:
                    mention = text[a:b]
                    # A short form is the fullest form's last words
                    # ("Haaland") or its first name ("Martin").
                    self.assertTrue(e["text"].endswith(" " + mention) or mention == e["text"]
                                    or e["text"].startswith(mention + " "),
                                    (name, e, mention))

    def test_summary_in_document_order(self):
        d = self.process(article("disaster.txt"))[0]
        summary = d["summary"]
        self.assertEqual(len(summary), 3)
        positions = [d["text"].index(s) for s in summary]
        self.assertEqual(positions, sorted(positions))
        # Lead bias: the first sentence of a news story is in its summary.
        self.assertTrue(d["text"].startswith(summary[0]))

    def test_sentence_count_from_the_splitter(self):
        d = self.process(article("science.txt"))[0]
        # "Dr." and "Prof." do not end sentences; 9 sentences in 5 paragraphs.
        self.assertEqual(d["stats"]["sentences"], 9)

    def test_other_languages_skip_english_rules(self):
        d = self.process(article("german.txt"))[0]
        self.assertEqual(d["language"]["code"], "de")
        self.assertNotIn("entities", d)
        self.assertNotIn("keywords", d)
        self.assertNotIn("quotes", d)
        self.assertEqual(len(d["summary"]), 3)

    def test_options(self):
        config = """inbox: {path: ./inbox}
pipeline:
  - plugin: text
  - plugin: language
    prefix: 1KiB
  - plugin: entities
    languages: [en, de]
  - plugin: keywords
    max: 3
  - plugin: summary
    sentences: 1
"""
        sport, german = self.process(article("sport.txt"), article("german.txt"),
                                     config=config)
        self.assertEqual(len(sport["keywords"]), 3)
        self.assertEqual(len(sport["summary"]), 1)
        self.assertNotIn("quotes", sport)
        self.assertIn("entities", german)

    def test_max_text_bounds_the_analysis(self):
        filler = "The committee met again and talked about the budget.\n\n" * 40
        text = ("Budget talks\n\nMayor Anna Berg opened the meeting.\n\n" + filler +
                "Later Jonas Lind of the Regional Council spoke.\n")
        p = self.write("long.txt", text)
        config = """inbox: {path: ./inbox}
pipeline:
  - plugin: text
  - plugin: entities
    max_text: 1KiB
"""
        d = self.process(p, config=config)[0]
        people = ents(d, "PERSON")
        self.assertIn("Anna Berg", people)
        self.assertNotIn("Jonas Lind", people)  # past the first KiB
        d = self.process(p)[0]
        self.assertIn("Jonas Lind", ents(d, "PERSON"))
        self.assertIn("Regional Council", ents(d, "ORG"))

    def test_each_step_alone_gives_what_the_chain_gives(self):
        """The steps share one analysis of a document (tokens, sentences,
        entities), made by whichever needs it first: a step alone, or the
        steps in another order, give the very fields of the default
        chain."""
        paths = [article(n) for n in ("sport.txt", "science.txt", "disaster.txt",
                                      "business.txt", "election.txt")]
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        if seed:
            paths.append(seed)
        full = self.process(*paths)
        for steps in (["quotes"], ["keywords"], ["summary"],
                      ["summary", "quotes", "keywords", "entities"]):
            config = ("inbox: {path: ./inbox}\npipeline:\n  - plugin: text\n" +
                      "".join("  - plugin: %s\n" % s for s in steps))
            for path, alone, whole in zip(paths, self.process(*paths, config=config),
                                          full):
                for field in steps:
                    self.assertEqual(alone[field], whole[field], (steps, path))

    def test_bad_options_are_config_errors(self):
        config = """inbox: {path: ./inbox}
pipeline:
  - plugin: text
  - plugin: summary
    sentences: 0
  - plugin: keywords
    max: lots
  - plugin: language
    prefix: 10
"""
        p = self.write("newsdesk.yaml", config)
        r = self.nd("check", "-c", p)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn("sentences", err)
        self.assertIn("max", err)
        self.assertIn("prefix", err)

    def test_keywords_stop_at_the_verb(self):
        p = self.write("market.txt",
                       "Varnek Holding shares\n\nVarnek Holding rose 4% after "
                       "the tender. Varnek Holding fell later as Tollby Group won "
                       "the port contract, and Varnek Holding rose again.\n")
        kw = [k["text"] for k in self.process(p)[0]["keywords"]]
        self.assertIn("Varnek Holding", kw)
        for k in kw:
            self.assertNotIn(k.split()[-1], ("rose", "fell", "won"), kw)

    def test_short_and_odd_text(self):
        p = self.write("odd.txt", "Note\n\n\"xq … $ 5 Mr.\n")
        d = self.process(p)[0]
        self.assertEqual(d["language"]["code"], "und")
        self.assertEqual(d["quotes"], [])
        self.assertEqual(d["keywords"], [])  # no word long enough to count
        self.assertEqual([e["type"] for e in d["entities"]], ["MONEY"])  # "$ 5"

    def test_seed_article(self):
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        if not seed:
            self.skipTest("../shared is not there")
        d = self.process(seed)[0]
        self.assertEqual(d["language"]["code"], "en")
        people = ents(d, "PERSON")
        for name in ("Scott Bessent", "He Lifeng", "Donald Trump", "Xi Jinping",
                     "Marco Rubio", "Dong Jun", "Pedro Sanchez", "Charles"):
            self.assertIn(name, people)
        places = ents(d, "LOC")
        for place in ("Madrid", "Spain", "London", "Geneva", "Stockholm",
                      "China", "US"):
            self.assertIn(place, places)
        orgs = " | ".join(ents(d, "ORG"))
        for org in ("Treasury", "TikTok", "ByteDance", "Congress",
                    "Ministry of Commerce", "NATO", "EU"):
            self.assertIn(org, orgs)
        dates = ents(d, "DATE")
        self.assertTrue(dates["September 14 to 17"]["value"].endswith("-09-17"))
        self.assertEqual(dates["2020"]["value"], "2020")


if __name__ == "__main__":
    ndtest.main()
