"""Retrying failed files: error records are never read as articles (the
inbox leaves *.error.json alone)."""
import json

import ndtest

ARTICLE = ("Harbour crane back in service\n\n"
           "The port authority said on Monday that the crane damaged in the "
           "storm had been repaired.\n")


def config(inbox="", pipeline=None):
    """A test folder's config: fast settle times, the text reader only."""
    return ("inbox:\n  path: ./inbox\n  state: ./var\n  settle: 100ms\n"
            "  settle_slow: 600ms\n" + inbox +
            "service:\n  log_level: debug\n  http: \"127.0.0.1:0\"\n"
            "pipeline:\n" + (pipeline or "  - plugin: text\n  - plugin: json\n"
                                         "    dir: ./outbox\n"))


class RetryTest(ndtest.TempDirTest):
    def daemon(self, **kw):
        d = ndtest.Daemon(self, config(**kw))
        self.addCleanup(d.stop)
        return d

    def read(self, *parts):
        with open(self.path(*parts), "rb") as f:
            return f.read()


class Inbox(RetryTest):
    def test_error_records_dropped_in_the_inbox_are_left_alone(self):
        d = self.daemon().start()
        rec = json.dumps({"file": "blob.bin", "stage": "read",
                          "message": "unsupported media type"})
        d.drop("blob.bin.error.json", rec)
        d.drop("OLD.ERROR.JSON", rec)
        d.drop("story.txt", ARTICLE)
        d.wait(lambda: d.done() == ["story.txt"], 30, "story.txt not done")
        # A scan too, not only the rename events.
        d.stop()
        d.start()
        d.drop("after.txt", ARTICLE + "More.\n")
        d.wait(lambda: "after.txt" in d.done(), 30, "after.txt not done")
        self.assertEqual(d.ls("inbox"), ["OLD.ERROR.JSON", "blob.bin.error.json"])
        self.assertEqual(d.failed(), [])
        self.assertEqual(d.ls("var", "failed"), [])
        self.assertEqual(d.ls("var", "work"), [])
        self.assertEqual(self.read("inbox", "blob.bin.error.json"), rec.encode())
        self.assertNotIn("claimed", "\n".join(
            l for l in d.log().splitlines() if "error.json" in l))


if __name__ == "__main__":
    ndtest.main()
