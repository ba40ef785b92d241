"""`newsdesk check`: every configuration error at its line and column,
exit 78; a good configuration printed as the resolved chain, with its
secrets redacted."""
import ndtest


class Check(ndtest.TempDirTest):
    def test_misspelt_key(self):
        cfg = self.write("nd.yaml", "inbox:\n  path: ./in\n  setle: 1s\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn(cfg + ':3:3: inbox: unknown key "setle"; valid keys are: path, state', err)
        self.assertIn("1 error in", err)

    def test_lists_every_error(self):
        cfg = self.write("nd.yaml",
                         "service:\n"
                         "  workers: many\n"
                         "  durable: sometimes\n"
                         "pipeline:\n"
                         "  - plugin: text\n"
                         "  - plugin: json\n"
                         "    dir: out\n"
                         "    fsync: yes\n"
                         "  - plugin: nonesuch\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn(cfg + ":2:12: service: workers: expected an integer", err)
        self.assertIn(cfg + ":3:12: service: durable: expected one of batch, always, none", err)
        self.assertIn(cfg + ':8:5: plugin json: unknown key "fsync"; valid keys are: plugin, name, when, on_error, dir', err)
        self.assertIn(cfg + ':9:13: unknown plugin "nonesuch"; plugins found:', err)
        self.assertIn("4 errors in", err)

    def test_good_config_prints_chain(self):
        cfg = self.write("nd.yaml",
                         "inbox:\n  path: ./in\n"
                         "pipeline:\n"
                         "  - plugin: text\n"
                         "  - plugin: json\n"
                         "    name: archive\n"
                         "    dir: ./archive\n"
                         "    when: language == \"en\"\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("1. text", out)
        self.assertIn("2. archive (plugin json)", out)
        self.assertIn('when: language == "en"', out)
        self.assertIn("dir: ./archive", out)
        self.assertIn("path: ./in", out)
        self.assertTrue(out.rstrip().endswith("ok"))

    def test_minimal_config_runs_default_chain(self):
        self.write("newsdesk.yaml", "inbox: {path: ./inbox}\n")
        r = self.nd("check")  # found as ./newsdesk.yaml
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("the default chain", out)
        self.assertIn("json", out)
        self.assertIn("dir: ./outbox", out)

    def test_environment_variable_config(self):
        cfg = self.write("elsewhere.yaml", "inbox:\n  path: ${ND_TEST_INBOX:-./fallback}\n")
        r = self.nd("check", env={"NEWSDESK_CONFIG": cfg})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("path: ./fallback", r.stdout.decode())
        r = self.nd("check", env={"NEWSDESK_CONFIG": cfg, "ND_TEST_INBOX": "/srv/in"})
        self.assertIn("path: /srv/in", r.stdout.decode())

    def test_missing_file(self):
        r = self.nd("check", "-c", self.path("nope.yaml"))
        self.assertEqual(r.returncode, 78)
        self.assertIn("cannot open the configuration file", r.stderr.decode())

    def test_plugin_problems(self):
        cfg = self.write("nd.yaml",
                         "service:\n  plugin_path: [\"%s\"]\n"
                         "pipeline:\n  - plugin: text\n  - plugin: upper\n"
                         "  - plugin: json\n" % ndtest.TEST_PLUGINS)
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        err = r.stderr.decode()
        self.assertIn(':5:5: plugin upper: missing required option "target"', err)
        # Broken plugins that the pipeline does not use are warnings.
        self.assertIn("warning: ", err)
        self.assertIn("wrong_abi.so: built for plugin ABI 2", err)

    SECRETS = ["pg-secret-1", "pg-secret-2", "hook-secret-3", "tok-secret-4",
               "sig-secret-5", "hdr-secret-6", "env-secret-7", "good-secret-8"]

    def assert_no_secrets(self, r):
        for out in (r.stdout.decode(), r.stderr.decode()):
            for secret in self.SECRETS:
                self.assertNotIn(secret, out)

    def test_secrets_are_redacted(self):
        cfg = self.write("nd.yaml",
                         "pipeline:\n"
                         "  - plugin: text\n"
                         "  - plugin: postgres\n"
                         "    conninfo: host=db.example password=pg-secret-1 dbname=news\n"
                         "  - plugin: postgres\n"
                         "    name: pg_uri\n"
                         "    conninfo: postgres://news:pg-secret-2@db.example/news\n"
                         "  - plugin: postgres\n"
                         "    name: pg_env\n"
                         "    conninfo: host=db.example password=${ND_TEST_PGPASSWORD}\n"
                         "  - plugin: webhook\n"
                         "    url: https://desk:hook-secret-3@hook.example/in"
                         "?token=tok-secret-4&sig=sig-secret-5\n"
                         "    headers: [\"Authorization: Bearer hdr-secret-6\", "
                         "\"X-Team: desk\"]\n"
                         "  - plugin: json\n")
        r = self.nd("check", "-c", cfg, env={"ND_TEST_PGPASSWORD": "env-secret-7"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_no_secrets(r)
        out = r.stdout.decode()
        # What is not secret is still shown.
        self.assertIn("conninfo: host=db.example password=<redacted> dbname=news", out)
        self.assertIn("conninfo: postgres://news:<redacted>@db.example/news", out)
        self.assertIn("conninfo: host=db.example password=<redacted>\n", out)
        self.assertIn("url: https://desk:<redacted>@hook.example/in"
                      "?token=<redacted>&sig=<redacted>", out)
        self.assertIn('headers: ["Authorization: <redacted>", "X-Team: desk"]', out)

    def test_declared_secret_options_are_redacted(self):
        # The test plugin "good" declares "password" ND_OPT_SECRET.
        cfg = self.write("nd.yaml",
                         "service:\n  plugin_path: [\"%s\"]\n"
                         "pipeline:\n  - plugin: text\n  - plugin: good\n"
                         "    password: good-secret-8\n"
                         "    greeting: hello there\n" % ndtest.TEST_PLUGINS)
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_no_secrets(r)
        self.assertIn("password: <redacted>", r.stdout.decode())
        self.assertIn("greeting: hello there", r.stdout.decode())

    def test_errors_show_no_secrets(self):
        cfg = self.write("nd.yaml",
                         "pipeline:\n  - plugin: text\n  - plugin: webhook\n"
                         "    url: https://desk:hook-secret-3@hook.example/in?t=${BROKEN\n"
                         "    timeout: https://desk:hook-secret-3@hook.example/\n")
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        self.assert_no_secrets(r)
        self.assertIn("unterminated ${", r.stderr.decode())
        self.assertIn("timeout: expected a duration", r.stderr.decode())
        self.assertIn("<redacted>", r.stderr.decode())

    def test_usage(self):
        self.assertEqual(self.nd("check", "--frob").returncode, 2)


if __name__ == "__main__":
    ndtest.main()
