"""The webhook exporter against a local HTTP server: delivery, headers and
secrets, retries on 5xx and timeouts, no retry on 4xx, a sink that is down
and comes back (every document arrives exactly once, by id)."""
import json
import os
import subprocess

import ndtest
from httpsink import HTTPSink, free_port


def process_with_late_sink(test, cfg, files, port):
    """`newsdesk process --export` whose webhook sink comes up once the
    first document has been refused (a fixed delay would race a slow
    start-up). Returns (exit status, stdout, stderr, the sink)."""
    env = dict(os.environ)
    env.pop("NEWSDESK_CONFIG", None)
    p = subprocess.Popen([ndtest.BIN, "process", "-c", cfg, "--export", *files],
                         cwd=test.dir, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    err = b""
    while b"retrying" not in err:
        line = p.stderr.readline()
        if not line:
            break
        err += line
    sink = HTTPSink(port)
    out, rest = p.communicate(timeout=120)
    return p.returncode, out, err + rest, sink


class Webhook(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.sink = None

    def tearDown(self):
        if self.sink:
            self.sink.stop()
        super().tearDown()

    def config(self, url, extra="", service="  retry_min: 50ms\n"):
        return self.write("nd.yaml", (
            "service:\n" + service +
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: webhook\n"
            f"    url: {url}\n"
            "    retry_min: 10ms\n"
            "    retry_max: 50ms\n" + extra))

    def articles(self, n):
        return [self.write(f"a{i}.txt", f"Story number {i}\n\nBody of story {i}.\n")
                for i in range(n)]

    def test_delivers_each_document_with_headers(self):
        self.sink = HTTPSink()
        cfg = self.config(self.sink.url,
                          "    headers: [\"X-Source: newsroom-7\"]\n"
                          "    secret_headers: [\"Authorization: HOOK_TOKEN\"]\n")
        files = self.articles(3)
        r = self.nd("process", "-c", cfg, "--export", *files,
                    env={"HOOK_TOKEN": "Bearer s3cret-t0ken"})
        self.assertEqual(r.returncode, 0, r.stderr)
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(len(self.sink.requests), 3)
        by_id = {}
        for headers, body in self.sink.requests:
            sent = json.loads(body)
            self.assertEqual(headers["Idempotency-Key"], sent["id"])
            self.assertEqual(headers["X-Newsdesk-Id"], sent["id"])
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertEqual(headers["X-Source"], "newsroom-7")
            self.assertEqual(headers["Authorization"], "Bearer s3cret-t0ken")
            by_id[sent["id"]] = sent
        self.assertEqual(sorted(by_id), sorted(d["id"] for d in docs))
        self.assertEqual(by_id[docs[0]["id"]]["title"], "Story number 0")

    def test_5xx_is_retried_then_delivered(self):
        self.sink = HTTPSink()
        self.sink.script(503, 502)
        cfg = self.config(self.sink.url)
        (f,) = self.articles(1)
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        bodies = self.sink.bodies()
        self.assertEqual(len(bodies), 3)
        self.assertEqual(len(set(bodies)), 1, "every try sends the same document")

    def test_4xx_fails_without_retry_and_keeps_the_secret(self):
        self.sink = HTTPSink()
        self.sink.script(422)
        cfg = self.config(self.sink.url + "?token=in-the-query",
                          "    secret_headers: [\"Authorization: HOOK_TOKEN\"]\n")
        (f,) = self.articles(1)
        r = self.nd("process", "-c", cfg, "--export", f,
                    env={"HOOK_TOKEN": "Bearer s3cret-t0ken"})
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode()
        self.assertIn("HTTP 422", err)
        self.assertIn("rejected by the test sink", err)
        self.assertNotIn("s3cret", err)
        self.assertNotIn("in-the-query", err)
        self.assertEqual(len(self.sink.requests), 1)

    def test_timeout_is_retried(self):
        self.sink = HTTPSink()
        self.sink.script(("slow", 1.5))
        cfg = self.config(self.sink.url, "    timeout: 300ms\n")
        (f,) = self.articles(1)
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(self.sink.requests), 2)

    def test_sink_down_then_back_every_document_once(self):
        port = free_port()
        url = f"http://127.0.0.1:{port}/hook"
        cfg = self.config(url, "    retries: 0\n", service="  retry_min: 300ms\n")
        files = self.articles(4)
        rc, out, err, self.sink = process_with_late_sink(self, cfg, files, port)
        self.assertEqual(rc, 0, err)
        self.assertIn("retrying", err.decode())
        ids = [json.loads(b)["id"] for b in self.sink.bodies()]
        self.assertEqual(sorted(ids), sorted(d["id"] for d in ndtest.lines_json(out)))
        self.assertEqual(len(ids), len(set(ids)), "no document sent twice")

    def test_down_for_good_fails_after_the_retries(self):
        cfg = self.config(f"http://127.0.0.1:{free_port()}/hook", "    retries: 1\n",
                          service="  retry_min: 10ms\n")
        (f,) = self.articles(1)
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 1)
        self.assertIn("still failing after 5 attempts", r.stderr.decode())
        self.assertIn("connect to server", r.stderr.decode())

    def test_configuration_errors(self):
        cfg = self.config("ftp://example.org/x")
        (f,) = self.articles(1)
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("expected an http:// or https:// URL", r.stderr.decode())
        cfg = self.config("http://127.0.0.1:1/x",
                          "    secret_headers: [\"Authorization: ND_NO_SUCH_VAR\"]\n")
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("ND_NO_SUCH_VAR", r.stderr.decode())
        self.assertIn("is not set", r.stderr.decode())
        cfg = self.config("http://127.0.0.1:1/x", "    headers: [\"no colon here\"]\n")
        r = self.nd("process", "-c", cfg, "--export", f)
        self.assertEqual(r.returncode, 78)
        self.assertIn("is not \"Name: value\"", r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()


class SeveralExporters(ndtest.TempDirTest):
    """jsonl, sqlite and a webhook in one chain, the webhook down at first:
    the documents are done only when all three have them, and the retries
    that wait for the webhook duplicate nothing in the other two."""

    def test_every_sink_gets_every_document_once(self):
        import sqlite3
        port = free_port()
        cfg = self.write("nd.yaml", (
            "service:\n  retry_min: 300ms\n"
            "pipeline:\n"
            "  - plugin: text\n"
            "  - plugin: jsonl\n    path: out/docs.jsonl\n"
            "  - plugin: sqlite\n    path: out/archive.db\n"
            f"  - plugin: webhook\n    url: http://127.0.0.1:{port}/hook\n"
            "    retries: 0\n"))
        files = [self.write(f"c{i}.txt", f"Chained story {i}\n\nBody {i}.\n") for i in range(4)]
        rc, out, err, late = process_with_late_sink(self, cfg, files, port)
        sink = [late]
        try:
            self.assertEqual(rc, 0, err)
            self.assertIn("retrying", err.decode())
            ids = sorted(d["id"] for d in ndtest.lines_json(out))
            self.assertEqual(len(ids), 4)
            posted = [json.loads(b)["id"] for b in sink[0].bodies()]
            self.assertEqual(sorted(posted), ids)
            with open(self.path("out", "docs.jsonl")) as f:
                lines = [json.loads(l)["id"] for l in f]
            self.assertEqual(sorted(lines), ids)
            c = sqlite3.connect(self.path("out", "archive.db"))
            rows = sorted(x[0] for x in c.execute("SELECT id FROM documents"))
            c.close()
            self.assertEqual(rows, ids)
        finally:
            for s in sink:
                s.stop()
