"""The feed reader: RSS 0.90 to 2.0 and Atom 0.3 and 1.0, in the shapes
publishing systems write them and in any namespace; items fail on their
own; hostile XML stays harmless."""
import json
import os

import ndtest

FIX = os.path.join(ndtest.SOURCE, "tests", "fixtures", "readers", "feed")


class FeedReader(ndtest.TempDirTest):
    def run_feed(self, name, rc=0):
        path = name if os.path.isabs(name) else os.path.join(FIX, name)
        r = self.nd("process", path, timeout=60)
        self.assertEqual(r.returncode, rc, r.stderr.decode())
        return ndtest.lines_json(r.stdout), r.stderr.decode()

    def test_wordpress_rss2(self):
        docs, _ = self.run_feed("wordpress-rss2.xml")
        self.assertEqual(len(docs), 2)
        a = docs[0]
        self.assertEqual(a["title"], "Footbridge reopens after \u2018urgent\u2019 repairs")
        self.assertEqual(a["byline"], "Hannah Osei")
        self.assertEqual(a["published"], "2026-11-27T16:30:00Z")
        self.assertEqual(a["url"], "https://riverside-courier.example/2026/11/27/"
                                   "footbridge-reopens/")
        self.assertTrue(a["description"].startswith("The Mill Lane footbridge is open"))
        self.assertTrue(a["text"].startswith("The Mill Lane footbridge reopened"))
        self.assertIn("\u00a384,000", a["text"])
        self.assertNotIn("Share on Facebook", a["text"])
        self.assertNotIn("<p>", a["text"])
        self.assertEqual(a["source"]["media_type"], "text/html")
        self.assertEqual(a["stats"]["paragraphs"], 2)
        self.assertEqual(docs[1]["byline"], "Peter Nowak")
        # Each item is its own document with its own id and the feed as parent.
        self.assertNotEqual(a["id"], docs[1]["id"])
        self.assertEqual(a["source"]["parent"], docs[1]["source"]["parent"])

    def test_atom(self):
        docs, _ = self.run_feed("atom-blog.xml")
        self.assertEqual([d["title"] for d in docs], [
            "Glacier retreat measured at record pace",
            "Seabird colony counts rise for a second year",
            "Lecture series announced"])
        g = docs[0]
        self.assertEqual(g["byline"], "Ingrid Solberg, Mikael Virtanen")
        self.assertEqual(g["published"], "2026-11-27T08:00:00Z")
        self.assertEqual(g["url"], "https://fieldnotes.example/2026/glacier-retreat")
        self.assertIn("largest annual retreat since measurements began in 1962", g["text"])
        self.assertEqual(g["stats"]["paragraphs"], 2)
        # xhtml content and a text summary.
        self.assertIn("41,200 breeding pairs", docs[1]["text"])
        self.assertEqual(docs[1]["published"], "2026-11-20T08:00:00Z")
        self.assertTrue(docs[2]["text"].startswith("Four public lectures"))

    def test_feedburner_latin1(self):
        docs, _ = self.run_feed("feedburner-rss.xml")
        self.assertEqual(docs[0]["title"], "Caf\u00e9 chain reports record quarter")
        self.assertEqual(docs[0]["url"], "https://marketwire.example/2026/11/cafe-chain-record")
        self.assertEqual(docs[0]["byline"], "Lena Hoffmann")
        self.assertEqual(docs[0]["published"], "2026-11-25T12:45:00Z")
        self.assertIn("\u20ac310 million", docs[0]["text"])
        # A link-only item: its title is its text.
        self.assertEqual(docs[1]["text"], "Markets close: stocks edge higher on rate hopes")

    def test_rss1(self):
        docs, _ = self.run_feed("rss1-rdf.xml")
        self.assertEqual(len(docs), 1)
        self.assertEqual(docs[0]["byline"], "Margaret Ellis")
        self.assertEqual(docs[0]["published"], "2026-11-22T19:00:00Z")

    def test_bad_item_fails_alone(self):
        docs, err = self.run_feed("bad-items.xml", rc=1)
        self.assertEqual([d["title"] for d in docs], ["Good item one", "Good item three"])
        self.assertIn("bad-items.xml#2", err)
        self.assertIn("no title, link or content", err)

    def test_malformed_is_recovered(self):
        docs, _ = self.run_feed("malformed.xml")
        self.assertEqual(len(docs), 1)
        self.assertIn("agreed terms on Monday", docs[0]["text"])

    def test_entity_bomb(self):
        docs, err = self.run_feed("entity-bomb.xml", rc=1)
        self.assertEqual(docs, [])
        self.assertIn("entity", err)

    def test_external_entity_not_read(self):
        docs, _ = self.run_feed("xxe.xml")
        self.assertNotIn("root:", docs[0]["text"])
        self.assertIn("must never contain", docs[0]["text"])

    def test_not_a_feed_and_empty_feed(self):
        p = self.write("data.xml", '<?xml version="1.0"?><catalog><book/></catalog>')
        _, err = self.run_feed(p, rc=1)
        self.assertIn("not a feed: the root element is <catalog>", err)
        p = self.write("empty.xml", '<rss version="2.0"><channel><title>x</title>'
                       '</channel></rss>')
        _, err = self.run_feed(p, rc=1)
        self.assertIn("the feed has no items", err)

    def test_atom03(self):
        docs, _ = self.run_feed("atom03-weblog.xml")
        self.assertEqual([d["title"] for d in docs], [
            "Dredging of the inner basin to start in March",
            "Pilot boat crew honoured for night rescue",
            "Winter ferry timetable"])
        d = docs[0]
        # issued, not modified; mode="escaped" HTML content; the summary beside it.
        self.assertEqual(d["published"], "2026-11-26T08:15:00Z")
        self.assertEqual(d["url"], "https://harbourlog.example/2026/11/dredging")
        self.assertEqual(d["byline"], "Tomas Brandt")
        self.assertEqual(d["description"], "The inner basin will be closed to moorings "
                                           "for six weeks.")
        self.assertEqual(d["stats"]["paragraphs"], 2)
        self.assertNotIn("<p>", d["text"])
        # mode="xml": inline XHTML, its paragraphs kept; created before modified.
        self.assertEqual(docs[1]["published"], "2026-11-24T08:30:00Z")
        self.assertEqual(docs[1]["stats"]["paragraphs"], 2)
        self.assertIn("bronze medal", docs[1]["text"])
        # mode="base64"
        self.assertTrue(docs[2]["text"].startswith("The ferry timetable for the winter"))
        self.assertEqual(docs[2]["published"], "2026-11-20")

    def test_atom_without_namespace(self):
        docs, _ = self.run_feed("atom-no-namespace.xml")
        self.assertEqual(len(docs), 1)
        d = docs[0]
        self.assertEqual(d["title"], "Hill climb results: club record falls by nine seconds")
        self.assertEqual(d["url"], "https://valleycycling.example/news/hill-climb")
        self.assertEqual(d["byline"], "Rosa Lindqvist")
        self.assertEqual(d["published"], "2026-11-25T19:30:00Z")
        self.assertTrue(d["text"].startswith("Junior rider Elif Kaya climbed Beacon Lane"))

    def test_escaped_html_in_a_wrapper_element(self):
        # type="html" around an XHTML <div> holding escaped HTML: the HTML
        # is the escaped text, the <div> only wraps it.
        p = self.write("wrapped.xml", '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
                       '<title>Wrapped</title><content type="html"><div xmlns='
                       '"http://www.w3.org/1999/xhtml">Tolls rise on &lt;b&gt;both'
                       '&lt;/b&gt; bridges in April.</div></content></entry></feed>')
        docs, _ = self.run_feed(p)
        self.assertEqual(docs[0]["text"], "Tolls rise on both bridges in April.")

    def test_rss_in_a_default_namespace(self):
        docs, _ = self.run_feed("rss-default-namespace.xml")
        self.assertEqual(len(docs), 1)
        d = docs[0]
        self.assertEqual(d["title"], "Library extends weekend opening hours")
        self.assertEqual(d["url"], "https://northshore-gazette.example/2026/11/library-hours")
        self.assertEqual(d["byline"], "Anil Mehta")
        self.assertEqual(d["published"], "2026-11-24T10:00:00Z")
        self.assertIn("open on Sundays from January", d["text"])

    def test_feed_namespaces_under_a_prefix(self):
        p = self.write("prefixed.xml", '<?xml version="1.0"?>'
                       '<r:rss xmlns:r="http://backend.userland.com/rss2"><r:channel>'
                       '<r:item><r:title>Prefixed RSS item</r:title></r:item>'
                       '</r:channel></r:rss>')
        docs, _ = self.run_feed(p)
        self.assertEqual(docs[0]["text"], "Prefixed RSS item")
        p = self.write("atom-prefixed.xml", '<?xml version="1.0"?>'
                       '<a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:entry>'
                       '<a:id>urn:x:1</a:id></a:entry><a:entry><a:title>Second entry'
                       '</a:title></a:entry></a:feed>')
        docs, err = self.run_feed(p, rc=1)
        self.assertEqual([d["text"] for d in docs], ["Second entry"])
        # The empty entry fails for itself, its namespace carried with it.
        self.assertIn("atom-prefixed.xml#1: plugin feed: the feed item has no title, "
                      "link or content", err)

    def test_rss091_and_rss092(self):
        # 0.91 with Netscape's DOCTYPE: the DTD is never fetched.
        docs, _ = self.run_feed("rss091.xml")
        self.assertEqual(len(docs), 1)
        self.assertEqual(docs[0]["title"], "Oyster beds reopen after water tests")
        self.assertEqual(docs[0]["url"], "https://tidewater-weekly.example/oysters")
        self.assertIn("three clean samples in a row", docs[0]["text"])
        # 0.92: an item may have a description and no title.
        docs, _ = self.run_feed("rss092.xml")
        self.assertEqual(len(docs), 1)
        self.assertTrue(docs[0]["text"].startswith("Snow gates on the pass road"))
        self.assertEqual(docs[0]["source"]["media_type"], "text/html")

    def test_rss090_rdf(self):
        docs, _ = self.run_feed("rss090-rdf.xml")
        self.assertEqual([d["text"] for d in docs], [
            "Bus route 44 saved by parish councils",
            "New footpath signs for the reservoir walk"])
        self.assertEqual(docs[1]["url"], "https://moorland-echo.example/footpath-signs")

    def test_items_with_only_a_summary_or_a_link(self):
        docs, err = self.run_feed("summary-and-link-items.xml", rc=1)
        self.assertEqual(len(docs), 2)
        # atom:summary alone is the item's text.
        self.assertEqual(docs[0]["text"], "Roadworks on Quarry Lane will finish a week "
                                          "early, the highways team said on Thursday.")
        # A link and a dc:description: a document with its url.
        self.assertEqual(docs[1]["url"], "https://quarrylane.example/briefs/market")
        self.assertTrue(docs[1]["text"].startswith("The Saturday market moves"))
        # A link and nothing else: nothing to read, and the message says so.
        self.assertIn("summary-and-link-items.xml#3: plugin feed: the feed item has only "
                      "a link (https://quarrylane.example/briefs/no-text), no title or "
                      "content to read", err)

    def test_not_a_feed_names_the_root(self):
        docs, err = self.run_feed("sitemap.xml", rc=1)
        self.assertEqual(docs, [])
        self.assertIn("plugin feed: not a feed: the root element is <urlset>, not <rss>, "
                      "<rdf:RDF> or <feed>", err)
        # <rss> in a namespace that is not the default one and not RSS's.
        p = self.write("other.xml", '<?xml version="1.0"?><x:rss xmlns:x='
                       '"https://schemas.example/not-rss"><x:channel/></x:rss>')
        _, err = self.run_feed(p, rc=1)
        self.assertIn("not a feed: the root element is <x:rss> of namespace "
                      "https://schemas.example/not-rss, not <rss>, <rdf:RDF> or <feed> "
                      "of RSS or Atom", err)

    def test_deep_and_truncated(self):
        p = self.write("deep.xml", '<rss version="2.0"><channel><item><title>t</title>'
                       '<description>' + "<x>" * 100000 + "</description></item>")
        # Past libxml2's depth limit: what was read before it is kept.
        docs, _ = self.run_feed(p)
        self.assertEqual(docs[0]["title"], "t")
        p = self.write("cut.xml", '<rss version="2.0"><channel><item><title>Cut short'
                       '</title><description>&lt;p&gt;A feed that ends in the middle'
                       ' of an item still gives what it has.')
        docs, _ = self.run_feed(p)
        self.assertEqual(docs[0]["title"], "Cut short")


class FeedInDaemon(ndtest.TempDirTest):
    """A feed dropped into the inbox: every item exported, the feed in done/
    afterwards, a bad item in failed/ with its own error record."""

    def test_feed_items_exported_then_done(self):
        cfg = ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
               "service:\n  log_level: info\n"
               "pipeline:\n  - plugin: text\n  - plugin: html\n  - plugin: feed\n"
               "  - plugin: json\n    dir: ./outbox\n")
        d = ndtest.Daemon(self, cfg)
        self.addCleanup(d.stop)
        d.start()
        for name in ("wordpress-rss2.xml", "bad-items.xml"):
            with open(os.path.join(FIX, name), "rb") as f:
                d.drop(name, f.read())
        d.wait(lambda: len(d.done()) == 2, 30, "both feeds filed in done/")
        self.assertEqual(d.done(), ["bad-items.xml", "wordpress-rss2.xml"])
        out = sorted(os.listdir(self.path("outbox")))
        self.assertEqual(len(out), 4, out)  # 2 + 2 good items
        titles = set()
        for n in out:
            with open(self.path("outbox", n)) as f:
                titles.add(json.load(f)["title"])
        self.assertIn("Good item three", titles)
        self.assertIn("Allotment waiting list closes as demand doubles", titles)
        self.assertEqual(d.failed(), ["bad-items.xml#2"])
        rec = d.error_record("bad-items.xml#2")
        self.assertEqual(rec["plugin"], "feed")
        self.assertIn("no title, link or content", rec["message"])
        # Two files done, holding five documents: four done, one failed.
        status = json.loads(d.get("/status"))
        self.assertEqual(status["files"],
                         {"claimed": 2, "done": 2, "failed": 0, "retried": 0})
        self.assertEqual((status["documents"]["done"],
                          status["documents"]["failed"]), (4, 1))
        metrics = d.get("/metrics")
        for line in ('newsdesk_files_total{outcome="done"} 2',
                     'newsdesk_files_total{outcome="failed"} 0',
                     'newsdesk_documents_total{outcome="done"} 4',
                     'newsdesk_documents_total{outcome="failed"} 1'):
            self.assertIn("\n" + line + "\n", metrics)


if __name__ == "__main__":
    ndtest.main()
