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

    # ---- main content as Readability finds it ----------------------------

    HTML_ONLY = "pipeline:\n  - plugin: html\n"

    def read(self, name, page):
        return self.process_one(self.write(name, page), config=self.HTML_ONLY)

    def test_relaxed_retry_when_the_wrapper_is_named_like_chrome(self):
        # The wrapper's class says "sidebar": with class names ruling
        # elements out nothing is left, so the page is scored again with
        # them relaxed. Tags still rule out: the <nav> stays out.
        paras = ["The ferry between Carrick Point and the island will leave "
                 "twenty minutes earlier from Monday, the operator said, to "
                 "match the new tide tables.",
                 "Passengers with season tickets keep their fares, and the "
                 "last sailing on Fridays moves from nine to half past nine.",
                 "The harbour master said the change follows a year of delays "
                 "at low water, when the old slipway could not be used."]
        d = self.read("wrapped.html", (
            "<html><head><title>Ferry times change on Monday</title></head><body>"
            "<div class=\"layout layout--with-sidebar\">"
            "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>"
            "<div class=\"col-8\">" + "".join(f"<p>{p}</p>" for p in paras) +
            "</div></div></body></html>"))
        self.assertEqual(d["text"], "\n\n".join(paras))
        # Relaxed or not, a page of navigation alone still has no text.
        p = self.write("navonly.html", "<body><div class=\"site-header\"><nav>"
                       "<a href=/>Home</a> <a href=/a>About us and our history</a>"
                       "</nav></div></body>")
        self.assertIn("no text", self.read_fails(p))

    def test_steps_in_boxes_are_joined(self):
        # A how-to whose steps are each a nest of divs: every step is a
        # candidate of its own, and their shared ancestor is the article.
        steps = [f"Step {i}: " + t for i, t in enumerate([
            "sand the old varnish off the oar with coarse paper, working along "
            "the grain until the wood is pale and even.",
            "wipe the dust away with a damp cloth, then leave the oar to dry "
            "overnight in a warm room, away from the stove.",
            "brush on a thin first coat of marine varnish, thinned by a tenth "
            "with white spirit, so that it soaks into the wood.",
            "rub the first coat down lightly once it is hard, with fine paper, "
            "and take the dust off again before going on.",
            "lay on two or three full coats, a day apart, and hang the oar by "
            "its blade so that nothing touches the wet varnish."], 1)]
        # Each step long enough to pass for an article on its own.
        steps = [s + " Take your time over this part: a rushed step shows "
                 "for years on a well-used oar, and the next one depends on "
                 "it." for s in steps]
        d = self.read("steps.html", (
            "<html><head><title>How to varnish an oar</title></head><body>"
            "<div class=\"guide\">" + "".join(
                f"<div class=\"step\"><div class=\"step-text\"><p>{s}</p></div>"
                "<div class=\"step-number\">Step</div></div>" for s in steps) +
            "</div><div class=\"rail\"><ul><li><a href=\"/a\">How to tie a "
            "bowline knot</a></li><li><a href=\"/b\">Ten knots every sailor "
            "should know</a></li></ul></div></body></html>"))
        for s in steps:
            self.assertIn(s, d["text"])
        self.assertNotIn("bowline", d["text"])

    def test_long_section_named_sharing_is_kept_and_share_bar_dropped(self):
        chapter = ("Sharing the harbour with the fishing fleet means that the "
                   "ferry waits at the outer berth on market days, when the "
                   "boats come in on the morning tide and the inner quay is "
                   "full of crates. ") * 5
        intro = ("The port authority has published its plan for the two "
                 "fleets, after a summer of complaints from both sides, and "
                 "it will take effect in the spring.")
        d = self.read("sharing.html", (
            "<html><head><title>One harbour, two fleets</title></head><body>"
            "<div class=\"post\"><p>" + intro + "</p>"
            "<div class=\"share-bar\"><span>Share this story with a friend "
            "by email</span></div>"
            "<div id=\"sharing-the-harbour\"><h2>Sharing the harbour</h2>"
            "<p>" + chapter.strip() + "</p></div></div></body></html>"))
        self.assertIn(intro, d["text"])
        self.assertIn(chapter.strip(), d["text"])
        self.assertNotIn("friend by email", d["text"])

    def test_hidden_by_style_with_spaces(self):
        d = self.read("hidden.html", (
            "<html><body><article><p>The lifeboat was launched at dawn to help "
            "a yacht with a broken rudder, the crew said.</p>"
            "<p style=\"visibility : hidden\">Teaser for the next story in "
            "the series, not yet out.</p><p style=\"color:red; display: none "
            "!important\">Another hidden teaser that nobody can see.</p>"
            "</article></body></html>"))
        self.assertEqual(d["text"], "The lifeboat was launched at dawn to help "
                         "a yacht with a broken rudder, the crew said.")

    def test_declared_legacy_charset_but_utf8_bytes(self):
        # Re-saved as UTF-8 with its old <meta> kept: read as UTF-8.
        text = ("À la fête de la moisson, les élèves ont présenté leurs "
                "créations : des épis tressés, des paniers décorés et des "
                "gâteaux à la crème préparés avec les aînés du village.")
        d = self.read("resaved.html", (
            "<html><head><meta charset=\"windows-1252\"><title>La fête de la "
            "moisson au village</title></head><body><p>" + text +
            "</p></body></html>").encode("utf-8"))
        self.assertEqual(d["text"], text)
        self.assertNotIn("charset", d)

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


    def test_byline_sources_in_order(self):
        body = ("<body><p>The council voted on Tuesday to paint cycle lanes "
                "along the whole of Quay Road by the summer.</p></body>")
        ld = ("<script type=\"application/ld+json\">{\"@context\": "
              "\"https://schema.org\", \"@type\": \"NewsArticle\", \"author\": "
              "[{\"@type\": \"Person\", \"name\": \"Rosa Delgado\"}, "
              "{\"@type\": \"Person\", \"name\": \"Tom Achebe\"}]}</script>")
        meta = "<meta name=\"author\" content=\"Gazette Staff\">"
        d = self.read("b1.html", "<html><head>" + meta + ld + "</head>" + body)
        self.assertEqual(d["byline"], "Rosa Delgado, Tom Achebe")
        d = self.read("b2.html", "<html><head>" + meta + "<meta name=\"DC.creator"
                      "\" content=\"By Ines Varga\"></head>" + body)
        self.assertEqual(d["byline"], "Ines Varga")

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
