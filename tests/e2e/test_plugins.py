"""`newsdesk plugins`: the list and one plugin's options, from the tables;
plugins that others could replace are refused, and `plugins` and `check`
say why."""
import json
import os
import shutil

import ndtest


class Plugins(ndtest.TempDirTest):
    def test_list(self):
        r = self.nd("plugins")
        self.assertEqual(r.returncode, 0, r.stderr)
        names = [l.split()[0] for l in r.stdout.decode().splitlines()]
        self.assertIn("text", names)
        self.assertIn("json", names)

    def test_one_plugin(self):
        r = self.nd("plugins", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("exporter", out)
        self.assertIn("dir", out)
        self.assertIn("default ./outbox", out)

    def test_json(self):
        r = self.nd("plugins", "json", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        p = json.loads(r.stdout)
        self.assertEqual(p["name"], "json")
        self.assertEqual(p["role"], "exporter")
        self.assertEqual(p["options"][0]["name"], "dir")
        self.assertEqual(p["options"][0]["type"], "path")
        r = self.nd("plugins", "--json")
        self.assertIn("text", [p["name"] for p in json.loads(r.stdout)])

    def test_plugin_path_and_option_types(self):
        cfg = self.write("nd.yaml", "service:\n  plugin_path: [\"%s\"]\n" % ndtest.TEST_PLUGINS)
        r = self.nd("plugins", "-c", cfg, "good", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        p = json.loads(r.stdout)
        opts = {o["name"]: o for o in p["options"]}
        self.assertEqual(opts["colour"]["choices"], ["red", "green", "blue"])
        self.assertEqual(opts["ratio"]["min"], 0)
        self.assertEqual(opts["ratio"]["max"], 1)
        self.assertTrue(opts["old"]["deprecated"])
        self.assertTrue(opts["password"]["secret"])
        self.assertFalse(opts["greeting"]["secret"])
        r = self.nd("plugins", "-c", cfg, "good")
        self.assertIn("secret (never shown)", r.stdout.decode())
        r = self.nd("plugins", "-c", cfg, "upper")
        self.assertIn("required", r.stdout.decode())
        self.assertIn("serial", r.stdout.decode())

    def test_refused_below_a_folder_others_can_write(self):
        # Anyone can write "open" and it is not sticky: anyone could rename
        # open/plugins away and put a folder of their own in its place.
        open_dir = self.path("open")
        plugins = os.path.join(open_dir, "plugins")
        os.makedirs(plugins)
        shutil.copy(os.path.join(ndtest.TEST_PLUGINS, "good.so"), plugins)
        os.chmod(plugins, 0o755)
        os.chmod(open_dir, 0o777)
        cfg = self.write("nd.yaml", "service:\n  plugin_path: [\"%s\"]\n"
                         "pipeline:\n  - plugin: text\n  - plugin: good\n" % plugins)
        why = ("the directory %s is writable by others and not sticky (mode "
               "0777), so anyone could replace %s (chmod o-w %s"
               % (open_dir, plugins, open_dir))

        r = self.nd("plugins", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("good", [l.split()[0] for l in r.stdout.decode().splitlines()])
        self.assertIn("warning: %s/good.so: %s" % (plugins, why), r.stderr.decode())

        r = self.nd("plugins", "-c", cfg, "good")
        self.assertEqual(r.returncode, 2)
        self.assertIn("plugin good cannot be used: %s/good.so: %s" % (plugins, why),
                      r.stderr.decode())

        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 78)
        self.assertIn(':5:13: plugin "good" cannot be used: %s/good.so: %s'
                      % (plugins, why), r.stderr.decode())

        # With the sticky bit, as /tmp has, only the owner of open/plugins
        # (root or us) can rename it.
        os.chmod(open_dir, 0o1777)
        r = self.nd("check", "-c", cfg)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("good", r.stdout.decode())

    def test_unknown(self):
        r = self.nd("plugins", "nonesuch")
        self.assertEqual(r.returncode, 2)
        self.assertIn('no plugin named "nonesuch"', r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
