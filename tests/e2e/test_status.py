"""`newsdesk status` against a stand-in for the daemon's HTTP interface: it
finds the address in service.http, reads /status and prints it for a
person; unreachable, switched off, unhealthy and foreign answers each get a
clear message and exit status 1."""
import http.server
import json
import socket
import threading

import ndtest

STATUS = {
    "version": "0.1.0", "pid": 4242, "state": "running",
    "started": "2026-11-28T16:00:00Z", "uptime_s": 3723,
    "config": "/etc/newsdesk/newsdesk.yaml", "directory": "/var/lib/newsdesk",
    "watch": "inotify",
    "health": {"ok": True, "reason": "ok"},
    "inbox": {"pending": 17, "inflight": 4},
    "documents": {"claimed": 1021, "done": 1040, "failed": 3, "retried": 5},
    "files": {"claimed": 1021, "done": 1000, "failed": 2, "retried": 5},
    "rate": {"window_s": 60.0, "files_per_s": 12.5, "documents_per_s": 13.0,
             "drain_s": 1.68},
    "rescans": 3, "overflows": 1,
    "reload": {"count": 2, "failures": 1, "last": "2026-11-28T16:30:00Z",
               "last_error": "newsdesk.yaml:7:13: unknown plugin \"sqlit\""},
    "pipeline": [
        {"step": "text", "plugin": "text", "ok": 1002, "skipped": 0,
         "failed": 2, "retried": 0, "mean_us": 41.5},
        {"step": "archive", "plugin": "json", "ok": 1000, "skipped": 0,
         "failed": 0, "retried": 5, "mean_us": 15300.0},
    ],
}


class Fake(http.server.BaseHTTPRequestHandler):
    answer = (200, "application/json", json.dumps(STATUS))
    paths = []

    def do_GET(self):
        Fake.paths.append(self.path)
        code, ctype, body = Fake.answer
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class StatusTest(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Fake)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05})
        self.thread.start()
        self.addr = "127.0.0.1:%d" % self.server.server_address[1]
        Fake.answer = (200, "application/json", json.dumps(STATUS))
        Fake.paths = []

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        super().tearDown()

    def status(self, http_addr, *args):
        cfg = self.write("newsdesk.yaml", "service:\n  http: \"%s\"\n"
                         % http_addr)
        return self.nd("status", "-c", cfg, *args)

    def test_prints_the_status_for_a_person(self):
        r = self.status(self.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertEqual(Fake.paths, ["/status"])
        self.assertIn("newsdesk 0.1.0, pid 4242: running since "
                      "2026-11-28T16:00:00Z (up 1h 2m)", out)
        self.assertIn("health:     ok\n", out)
        self.assertIn("directory:  /var/lib/newsdesk (the daemon's current "
                      "directory: its relative paths lead from here)\n", out)
        self.assertIn("inbox:      17 pending, 4 in flight (watched by "
                      "inotify)\n", out)
        self.assertIn("files:      1021 claimed, 1000 done, 2 failed, "
                      "5 retries\n", out)
        self.assertIn("documents:  1040 done, 3 failed\n", out)
        self.assertIn("rate:       12.5 files/s, 13.0 documents/s over the "
                      "last 1m 0s\n", out)
        self.assertIn("backlog:    21 files, done in about 2s at this rate\n",
                      out)
        self.assertIn("scans:      3 rescans, 1 overflow\n", out)
        self.assertIn("reloads:    2 (1 failed), last at "
                      "2026-11-28T16:30:00Z\n", out)
        self.assertIn("the last reload FAILED", out)
        self.assertIn('unknown plugin "sqlit"', out)
        self.assertRegex(out, r"\n  text +text +1002 +0 +2 +0 +42 us\n")
        self.assertRegex(out, r"\n  archive +json +1000 +0 +0 +5 +15\.3 ms\n")

    def status_of(self, **changes):
        """What `newsdesk status` prints of STATUS with `changes`."""
        Fake.answer = (200, "application/json", json.dumps(dict(STATUS, **changes)))
        r = self.status(self.addr)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_counts_in_words(self):
        out = self.status_of(rescans=1, overflows=0, files=dict(
            STATUS["files"], retried=1))
        self.assertIn("scans:      1 rescan, 0 overflows\n", out)
        self.assertIn("1000 done, 2 failed, 1 retry\n", out)

    def test_drain_estimates(self):
        rate = STATUS["rate"]
        out = self.status_of(rate=dict(rate, drain_s=4000.0))
        self.assertIn("21 files, done in about 1h 6m at this rate\n", out)
        out = self.status_of(rate=dict(rate, drain_s=0.4))
        self.assertIn("21 files, done in under a second at this rate\n", out)
        out = self.status_of(rate=dict(rate, files_per_s=0.0, drain_s=None))
        self.assertIn("rate:       0.0 files/s", out)
        self.assertIn("21 files, no estimate: none finished lately\n", out)
        out = self.status_of(inbox={"pending": 1, "inflight": 0},
                             rate=dict(rate, drain_s=0.08))
        self.assertIn("backlog:    1 file, done in under a second", out)
        out = self.status_of(inbox={"pending": 0, "inflight": 0},
                             rate=dict(rate, drain_s=0.0))
        self.assertIn("backlog:    0 files\n", out)
        out = self.status_of(rate={"window_s": 0.0, "files_per_s": 0.0,
                                   "documents_per_s": 0.0, "drain_s": None})
        self.assertIn("rate:       not measured yet\nbacklog:    21 files\n",
                      out)

    def test_json(self):
        r = self.status(self.addr, "--json")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(json.loads(r.stdout), STATUS)

    def test_unhealthy_daemon_exits_1(self):
        s = dict(STATUS, state="starting",
                 health={"ok": False, "reason": "starting: not watching"})
        Fake.answer = (200, "application/json", json.dumps(s))
        r = self.status(self.addr)
        self.assertEqual(r.returncode, 1)
        self.assertIn("health:     starting: not watching\n", r.stdout.decode())

    def test_nobody_listening(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        r = self.status("127.0.0.1:%d" % port)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot connect to 127.0.0.1:%d" % port,
                      r.stderr.decode())

    def test_http_off(self):
        r = self.status("")
        self.assertEqual(r.returncode, 1)
        self.assertIn("HTTP interface is off", r.stderr.decode())

    def test_another_program_on_the_port(self):
        Fake.answer = (200, "text/html", "<html>hello</html>")
        r = self.status(self.addr)
        self.assertEqual(r.returncode, 1)
        self.assertIn("something other than a newsdesk status",
                      r.stderr.decode())
        Fake.answer = (404, "text/plain", "no")
        r = self.status(self.addr)
        self.assertIn("HTTP status 404", r.stderr.decode())

    def test_bad_arguments_and_files(self):
        r = self.nd("status", "--frobnicate")
        self.assertEqual(r.returncode, 2)
        r = self.nd("status", "-c", self.path("missing.yaml"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("cannot read the configuration file", r.stderr.decode())
        r = self.status("localhost:9321")
        self.assertEqual(r.returncode, 1)
        self.assertIn("expected IP:PORT", r.stderr.decode())

    def test_check_reports_a_bad_address(self):
        cfg = self.write("bad.yaml", "service:\n  http: 9321\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        self.assertIn('bad.yaml:2:9: service: http: "9321" is not an address '
                      'to listen on: expected IP:PORT', r.stderr.decode())
        for good in ('""', "127.0.0.1:0", "'[::1]:9321'", "0.0.0.0:8080"):
            cfg = self.write("good.yaml", "service:\n  http: %s\n" % good)
            r = self.nd("check", "-c", cfg)
            self.assertEqual(r.returncode, 0, (good, r.stderr))


if __name__ == "__main__":
    ndtest.main()
