"""The html reader: metadata, main-content extraction, charsets, bad pages."""
import os

import ndtest

FIX = os.path.join(ndtest.SOURCE, "tests", "fixtures", "readers", "html")


class HtmlReader(ndtest.TempDirTest):
    def read_fails(self, path, config=None):
        args = ["process"]
        if config:
            args += ["-c", self.write("nd.yaml", config)]
        r = self.nd(*args, path, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout.decode())
        return r.stderr.decode()

    def test_wordpress_article(self):
        d = self.process_one(os.path.join(FIX, "wordpress-article.html"))
        self.assertEqual(d["title"], "Tidal power plant gets go-ahead after ten-year wait")
        self.assertEqual(d["byline"], "Morgan Reyes")
        self.assertEqual(d["published"], "2026-11-27T08:15:00Z")
        self.assertEqual(d["url"], "https://northshore-gazette.example/2026/11/"
                                   "tidal-power-plant-go-ahead/")
        self.assertEqual(d["description"],
                         "Planners approve a 320 MW tidal lagoon off Carrick Point.")
        t = d["text"]
        self.assertTrue(t.startswith("Planners have approved a 320-megawatt tidal lagoon"), t)
        self.assertIn("\u201cThis is the day the coast has been waiting for,\u201d", t)
        self.assertIn("\u00a31.9 billion", t)
        self.assertIn("Construction from 2028", t)
        self.assertTrue(t.endswith("shipping lanes during construction."), t)
        # Navigation, ads, share bar, related list, comments, sidebar,
        # footer, scripts and styles are gone.
        for chrome in ("Skip to content", "Subscribe", "Advertisement",
                       "Share on Facebook", "Related stories", "Harbour dredging",
                       "About time too", "Most read", "Get the Gazette",
                       "All rights reserved", "dataLayer", "background:#003",
                       "Tagged", "Fast Cache", "By Morgan"):
            self.assertNotIn(chrome, t)
        self.assertEqual(d["stats"]["paragraphs"], 8)

    def test_json_ld_and_legacy_charset(self):
        d = self.process_one(os.path.join(FIX, "jsonld-cp1252.html"))
        self.assertEqual(d["title"], "Le caf\u00e9 de la gare rouvre ses portes")
        self.assertEqual(d["byline"], "Am\u00e9lie Rousseau, Karim Benali")
        self.assertEqual(d["published"], "2026-11-26T17:05:00Z")
        self.assertEqual(d["url"], "https://courrier-du-val.example/region/cafe-gare-rouvre")
        self.assertEqual(d["charset"], "windows-1252")
        t = d["text"]
        self.assertIn("180\u00a0000\u00a0\u20ac", t)
        self.assertIn("\u00ab\u00a0Nous avons gard\u00e9", t)
        for chrome in ("Accueil", "Publicit\u00e9", "WhatsApp", "lire aussi", "mentions"):
            self.assertNotIn(chrome, t)
        self.assertEqual(d["stats"]["paragraphs"], 3)

    def test_html_saved_as_txt(self):
        d = self.process_one(os.path.join(FIX, "bare-page.txt"))
        self.assertEqual(d["source"]["media_type"], "text/html")
        self.assertEqual(d["title"], "School meals to include more local produce")
        self.assertTrue(d["text"].startswith("From January, schools"))
        self.assertNotIn("<p>", d["text"])
        self.assertEqual(d["stats"]["paragraphs"], 2)

    def test_title_fallbacks(self):
        p = self.write("a.html", "<html><head><title>Port strike called off | Wire Daily"
                       "</title></head><body><p>Dockers voted to accept the offer, "
                       "the union said on Monday evening.</p></body></html>")
        self.assertEqual(self.process_one(p)["title"], "Port strike called off")
        p = self.write("b.html", "<body><h1>Flood warning lifted</h1><p>The river has "
                       "fallen below the alert level, the agency said.</p></body>")
        d = self.process_one(p)
        self.assertEqual(d["title"], "Flood warning lifted")
        self.assertEqual(d["text"], "The river has fallen below the alert level, "
                         "the agency said.")

    HTML_ONLY = "pipeline:\n  - plugin: html\n"

    def read(self, name, page):
        return self.process_one(self.write(name, page), config=self.HTML_ONLY)

    # ---- titles as Readability finds them ----------------------------------

    def test_title_site_name_stripped(self):
        body = ("<body><p>The council voted on Tuesday to paint cycle lanes "
                "along the whole of Quay Road by the summer.</p></body>")
        cases = [
            # Before the last separator...
            ("<title>Council approves cycle lanes on Quay Road - Coastal Wiki"
             "</title>", "Council approves cycle lanes on Quay Road"),
            ("<title>Council approves cycle lanes | News | Northshore Gazette"
             "</title>", "Council approves cycle lanes | News"),
            # ...or after the first one when under three words are left...
            ("<title>Gazette \u2014 Council approves cycle lanes on Quay Road"
             "</title>", "Council approves cycle lanes on Quay Road"),
            # ...and the whole title when that is still too short.
            ("<title>Coastal Wiki - Tides</title>", "Coastal Wiki - Tides"),
            # After a colon, unless a heading holds the whole title.
            ("<title>Northshore Gazette: Council approves new cycle lanes"
             "</title>", "Council approves new cycle lanes"),
            ("<title>Review: a quiet triumph at the Lyric</title></head><body>"
             "<h1>Review: a quiet triumph at the Lyric</h1>",
             "Review: a quiet triumph at the Lyric"),
            # Too short a title: the page's only <h1>.
            ("<title>Gazette</title></head><body><h1>Council approves "
             "cycle lanes</h1>", "Council approves cycle lanes"),
        ]
        for i, (head, want) in enumerate(cases):
            d = self.read(f"t{i}.html", "<html><head>" + head + body)
            self.assertEqual(d["title"], want, head)

    def test_title_sources_in_order(self):
        body = ("<body><p>The council voted on Tuesday to paint cycle lanes "
                "along the whole of Quay Road by the summer.</p></body>")
        # JSON-LD first; its headline when its name is the site's.
        ld = ("<script type=\"application/ld+json\"><![CDATA[{\"@context\": "
              "\"https://schema.org\", \"@type\": \"NewsArticle\", \"name\": "
              "\"Northshore Gazette\", \"headline\": \"Council approves cycle "
              "lanes on Quay Road\"}]]></script>")
        d = self.read("ld.html", "<html><head><title>Council approves cycle lanes "
                      "on Quay Road | Northshore Gazette</title><meta property="
                      "\"og:title\" content=\"Cycle lanes | Gazette\">" + ld +
                      "</head>" + body)
        self.assertEqual(d["title"], "Council approves cycle lanes on Quay Road")
        # Dublin Core before Open Graph; a property may list several keys.
        d = self.read("dc.html", "<html><head><title>Page</title><meta property="
                      "\"og:title\" content=\"Open Graph title\"><meta property="
                      "\"dc:title twitter:title\" content=\"Dublin Core title\">"
                      "</head>" + body)
        self.assertEqual(d["title"], "Dublin Core title")


    def test_entities_and_time(self):
        p = self.write("c.html", "<article><h1>A &amp; B merge</h1><time datetime="
                       "\"2026-11-20\">20 Nov</time><p>Caf&eacute; owners &#8364;5 "
                       "&lt;less&gt; than before, the chamber said today.</p></article>")
        d = self.process_one(p)
        self.assertEqual(d["title"], "A & B merge")
        self.assertEqual(d["published"], "2026-11-20")
        self.assertIn("Caf\u00e9 owners \u20ac5 <less> than before", d["text"])

    def test_extract_all(self):
        p = os.path.join(FIX, "wordpress-article.html")
        d = self.process_one(p, config="pipeline:\n  - plugin: html\n    extract: all\n")
        self.assertIn("Planners have approved", d["text"])
        # Text outside the article is kept, chrome (a related list) is not.
        self.assertIn("Skip to content", d["text"])
        self.assertNotIn("Harbour dredging plan", d["text"])

    def test_deep_nesting(self):
        p = self.write("deep.html", "<html><body>" + "<div>" * 100000 +
                       "Deep text survives." + "</div>" * 100000)
        d = self.process_one(p)
        self.assertEqual(d["text"], "Deep text survives.")
        p = self.write("deepb.html", "<p>" + "<b><i>" * 50000 + "Bold text.")
        self.assertEqual(self.process_one(p)["text"], "Bold text.")

    def test_malformed(self):
        p = self.write("m.html", "<html><body><p>Unclosed <b>bold <i>and</b> mis</i>"
                       "nested text that still reads fine<table><td>cell</p><<<>>></")
        d = self.process_one(p)
        self.assertIn("Unclosed bold and misnested text", d["text"])

    def test_binary_named_html(self):
        p = self.write("x.html", bytes(range(256)) * 40)
        self.assertIn("unsupported media type application/octet-stream", self.read_fails(p))

    def test_image_named_html(self):
        p = self.write("photo.html", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100)
        self.assertIn("unsupported media type image/jpeg", self.read_fails(p))

    def test_no_text(self):
        p = self.write("e.html", "<html><head><script>var a=1;</script></head>"
                       "<body><nav><a href=/>Home</a></nav></body></html>")
        self.assertIn("no text", self.read_fails(p))

    def test_giant_line(self):
        p = self.path("big.html")
        with open(p, "w") as f:
            f.write("<html><body><p>")
            chunk = "data, " * 100000
            for _ in range(50):  # 30 MB in one line
                f.write(chunk)
        d = self.process_one(p, config="inbox: {path: ./inbox, max_bytes: 64MiB}\n"
                      "pipeline:\n  - plugin: html\n")
        self.assertTrue(d["text"].startswith("data, data"))


if __name__ == "__main__":
    ndtest.main()
