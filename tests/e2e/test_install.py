"""`meson install` into a temporary DESTDIR: the layout of SPEC section 9,
the systemd files, and the SDK as a package: examples/plugin-hello builds
out of tree with nothing but `pkg-config newsdesk-plugin`, loads through
plugin_path into the installed binary, and its field shows in the output."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import ndtest


def installed_map():
    """{file in the build tree: where `meson install` puts it}."""
    out = subprocess.run(["meson", "introspect", ndtest.BUILD, "--installed"],
                         capture_output=True, check=True)
    return json.loads(out.stdout)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("meson"):
            raise unittest.SkipTest("meson is not installed")
        cls._tmp = tempfile.TemporaryDirectory(prefix="newsdesk-install-")
        cls.destdir = os.path.join(cls._tmp.name, "root")
        r = subprocess.run(["meson", "install", "-C", ndtest.BUILD,
                            "--no-rebuild", "--quiet", "--destdir",
                            cls.destdir], capture_output=True)
        if r.returncode != 0:
            raise AssertionError("meson install failed: %s" %
                                 r.stderr.decode(errors="replace"))
        cls.paths = {}  # installed path (without DESTDIR) by its basename
        for dst in installed_map().values():
            cls.paths.setdefault(os.path.basename(dst), []).append(dst)

    @classmethod
    def tearDownClass(cls):
        cls._tmp.cleanup()

    def one(self, name, pattern):
        """The installed path (without DESTDIR) called `name` whose full
        path matches `pattern`."""
        got = [p for p in self.paths.get(name, []) if re.search(pattern, p)]
        self.assertEqual(len(got), 1, "%s matching %s: %s" % (name, pattern, got))
        self.assertTrue(os.path.exists(self.dest(got[0])), got[0])
        return got[0]

    def dest(self, p):
        return self.destdir + p

    def test_layout(self):
        bindir = os.path.dirname(self.one("newsdesk", r"/bin/newsdesk$"))
        prefix = os.path.dirname(bindir)
        self.one("text.so", r"/lib[^ ]*/newsdesk/plugins/text\.so$")
        self.one("json.so", r"/lib[^ ]*/newsdesk/plugins/json\.so$")
        self.one("plugin.h", r"/include/newsdesk/plugin\.h$")
        self.one("newsdesk-plugin.pc", r"/pkgconfig/newsdesk-plugin\.pc$")
        self.one("newsdesk.yaml", r"/etc/newsdesk/newsdesk\.yaml$")
        guide = self.one("user-guide.md", r"/share/doc/newsdesk/docs/")
        man1 = self.one("newsdesk.1", r"/share/man/man1/newsdesk\.1$")
        self.one("newsdesk.yaml.5", r"/share/man/man5/newsdesk\.yaml\.5$")
        self.one("newsdesk", r"/share/bash-completion/completions/newsdesk$")
        with open(self.dest(man1)) as f:
            text = f.read()
        # The page names this prefix's plugins and configuration.
        plugins = os.path.dirname(self.one("text.so", r"/newsdesk/plugins/"))
        self.assertIn(plugins + "/", text)
        self.assertNotRegex(text, r"@[A-Z]+@")
        unit = self.one("newsdesk.service", r"/lib/systemd/system/")
        with open(self.dest(unit)) as f:
            text = f.read()
        # The unit names this prefix's binary and configuration.
        self.assertIn("ExecStart=%s/newsdesk run -c " % bindir, text)
        self.assertRegex(text, r"-c %s/(etc/)?newsdesk/newsdesk\.yaml"
                         % re.escape(prefix if prefix != "/usr" else ""))
        self.assertIn("Type=notify", text)
        self.assertRegex(text, r"(?m)^Wants=network-online\.target$")
        self.assertRegex(text, r"(?m)^After=network-online\.target$")
        self.assertRegex(text, r"(?m)^Wants=network-online\.target$")
        self.assertRegex(text, r"(?m)^After=network-online\.target$")
        self.assertIn("Documentation=file://%s\n" % guide, text)
        su = [p for p in self.paths["newsdesk.conf"] if "/sysusers.d/" in p]
        tf = [p for p in self.paths["newsdesk.conf"] if "/tmpfiles.d/" in p]
        self.assertEqual(len(su), 1)
        self.assertEqual(len(tf), 1)
        with open(self.dest(su[0])) as f:
            self.assertRegex(f.read(), r"(?m)^u newsdesk ")
        with open(self.dest(tf[0])) as f:
            self.assertRegex(f.read(), r"(?m)^d /var/lib/newsdesk/inbox ")

    def test_docs(self):
        """All of docs/, with README, LICENSE and NOTICE, and every relative
        link in them leads to a file that is installed too."""
        readme = self.one("README.md", r"/share/doc/newsdesk/README\.md$")
        top = os.path.dirname(readme)
        self.one("LICENSE", r"/share/doc/newsdesk/LICENSE$")
        self.one("NOTICE", r"/share/doc/newsdesk/NOTICE$")
        for name in os.listdir(os.path.join(ndtest.SOURCE, "docs")):
            if name.endswith(".md"):
                self.one(name, r"/share/doc/newsdesk/docs/")
        self.one("newsdesk-1.schema.json", r"/share/doc/newsdesk/docs/schema/")
        self.assertTrue(os.path.exists(self.dest(
            top + "/examples/plugin-hello/hello.c")))
        checked = 0
        for dirpath, _, names in os.walk(self.dest(top)):
            for name in names:
                if not name.endswith(".md"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for target in re.findall(r"\]\(([^)\s]+)\)", text):
                    target = target.split("#")[0]
                    if not target or re.match(r"[a-z]+:", target):
                        continue
                    checked += 1
                    self.assertTrue(
                        os.path.exists(os.path.join(dirpath, target)),
                        "%s links to %s, which is not installed"
                        % (path[len(self.destdir):], target))
        self.assertGreater(checked, 20)

    def pkg_env(self):
        pc = self.one("newsdesk-plugin.pc", r"/pkgconfig/")
        env = dict(os.environ)
        env["PKG_CONFIG_LIBDIR"] = self.dest(os.path.dirname(pc))
        env.pop("PKG_CONFIG_PATH", None)
        env["PKG_CONFIG_SYSROOT_DIR"] = self.destdir
        return env

    def test_pkg_config(self):
        env = self.pkg_env()
        cflags = subprocess.run(["pkg-config", "--cflags", "newsdesk-plugin"],
                                env=env, capture_output=True, check=True)
        inc = os.path.dirname(os.path.dirname(
            self.one("plugin.h", r"/include/newsdesk/")))
        self.assertEqual(cflags.stdout.decode().split(),
                         ["-I" + self.dest(inc)])
        # plugindir is the folder the installed binary searches (pkgconf
        # puts the sysroot, here DESTDIR, before it).
        pdir = subprocess.run(["pkg-config", "--variable=plugindir",
                               "newsdesk-plugin"], env=env,
                              capture_output=True, check=True)
        self.assertEqual(pdir.stdout.decode().strip(), self.dest(
            os.path.dirname(self.one("text.so", r"/newsdesk/plugins/"))))

    def test_example_plugin_builds_and_runs(self):
        if not shutil.which("make") or not shutil.which("cc"):
            self.skipTest("make or cc is not installed")
        work = os.path.join(self._tmp.name, "hello-%d" % os.getpid())
        shutil.copytree(os.path.join(ndtest.SOURCE, "examples",
                                     "plugin-hello"), work)
        env = self.pkg_env()
        env.pop("CFLAGS", None)
        r = subprocess.run(["make", "-C", work,
                            "CFLAGS=-O2 -Wall -Wextra -Werror"], env=env,
                           capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        # Only the installed header was used: no -I into the source tree.
        self.assertNotIn(ndtest.SOURCE + "/include", r.stdout.decode())
        self.assertTrue(os.path.exists(os.path.join(work, "hello.so")))

        plugins = self.dest(os.path.dirname(
            self.one("text.so", r"/newsdesk/plugins/")))
        cfg = os.path.join(work, "newsdesk.yaml")
        with open(cfg, "w") as f:
            f.write("service:\n  plugin_path: [%s, %s]\npipeline:\n"
                    "  - plugin: text\n  - plugin: hello\n"
                    "    greeting: good morning\n    shout: true\n"
                    % (json.dumps(plugins), json.dumps(work)))
        article = os.path.join(work, "note.txt")
        with open(article, "w") as f:
            f.write("Harbour cranes idle\n\nThe night shift counted four "
                    "ships waiting offshore.\n")
        exe = self.dest(self.one("newsdesk", r"/bin/newsdesk$"))
        env = dict(os.environ)
        env.pop("NEWSDESK_CONFIG", None)
        r = subprocess.run([exe, "plugins", "-c", cfg, "hello"], cwd=work,
                           env=env, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertIn(work + "/hello.so", r.stdout.decode())
        r = subprocess.run([exe, "process", "-c", cfg, article], cwd=work,
                           env=env, capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(len(docs), 1)
        self.assertEqual(docs[0]["hello"],
                         {"greeting": "GOOD MORNING",
                          "words": len(docs[0]["text"].split())})
        self.assertGreater(docs[0]["hello"]["words"], 5)

    def test_unit_passes_systemd_analyze(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        unit = self.one("newsdesk.service", r"/lib/systemd/system/")
        exe = self.one("newsdesk", r"/bin/newsdesk$")
        # verify insists that ExecStart exists: point it at the binary as
        # it sits in DESTDIR, nothing else changed.
        copy = os.path.join(self._tmp.name, "verify", "newsdesk.service")
        os.makedirs(os.path.dirname(copy), exist_ok=True)
        with open(self.dest(unit)) as f, open(copy, "w") as out:
            out.write(f.read().replace("ExecStart=" + exe,
                                       "ExecStart=" + self.dest(exe)))
        # verify also looks up the man pages of Documentation=: the
        # installed ones.
        man1 = self.one("newsdesk.1", r"/man1/")
        env = dict(os.environ,
                   MANPATH=self.dest(os.path.dirname(os.path.dirname(man1))))
        r = subprocess.run(["systemd-analyze", "verify", copy],
                           capture_output=True, env=env)
        self.assertEqual(r.stderr.decode(), "")
        self.assertEqual(r.returncode, 0)
        r = subprocess.run(["systemd-analyze", "security", "--offline=true",
                            copy], capture_output=True)
        m = re.search(r"Overall exposure level for newsdesk\.service: "
                      r"([0-9.]+)", r.stdout.decode())
        self.assertIsNotNone(m, r.stdout.decode() + r.stderr.decode())
        self.assertLessEqual(float(m.group(1)), 2.0)


if __name__ == "__main__":
    ndtest.main()
