"""The man pages: newsdesk(1) (man/newsdesk.1.in, as the build fills it in)
and newsdesk.yaml(5) (generated, man/newsdesk.yaml.5) render with man
without a warning, and newsdesk(1) describes every command and every
option that the commands' --help print, and the exit statuses."""
import os
import re
import subprocess
import unittest

import ndtest

PAGES = {
    "newsdesk.1": os.path.join(ndtest.BUILD, "man", "newsdesk.1"),
    "newsdesk.yaml.5": os.path.join(ndtest.SOURCE, "man", "newsdesk.yaml.5"),
}


def render(path, width=80):
    """(text, warnings) of `man -l path` at that width, in ASCII."""
    env = dict(os.environ, MANWIDTH=str(width), LC_ALL="C", MAN_KEEP_FORMATTING="")
    env.pop("MANOPT", None)
    r = subprocess.run([ndtest.need_program("man", "man-db"), "--warnings",
                        "-l", path], env=env, capture_output=True)
    if r.returncode != 0:
        raise AssertionError("man -l %s: exit status %d: %s"
                             % (path, r.returncode, r.stderr.decode()))
    # Bold and underline by overstriking, as man writes them to a pipe.
    text = re.sub(r".\x08", "", r.stdout.decode("ascii", errors="replace"))
    return text, r.stderr.decode()


def help_options(cmd):
    """The options `newsdesk CMD --help` lists, as (short or "", long)."""
    out = ndtest.run([cmd, "--help"]).stdout.decode()
    return re.findall(r"(?m)^  (?:(-\w), )? *(--[a-z][\w-]*)", out)


class ManTest(unittest.TestCase):
    def test_pages_render_without_warnings(self):
        for name, path in PAGES.items():
            for width in (80, 60):
                with self.subTest(page=name, width=width):
                    text, warnings = render(path, width)
                    self.assertEqual(warnings, "")
                    self.assertIn("NAME", text)
                    self.assertIn("SEE ALSO", text)
                    self.assertNotIn("@", re.sub(r"\S+@\S+", "", text))

    def test_newsdesk_1_has_every_command_and_option(self):
        text, _ = render(PAGES["newsdesk.1"], width=200)
        self.assertNotRegex(text, r"@[A-Z]+@")
        usage = ndtest.run(["--help"]).stdout.decode()
        commands = sorted(set(re.findall(r"(?m)^  ([a-z]+) ", usage)))
        self.assertGreaterEqual(len(commands), 8)
        synopsis = text.split("DESCRIPTION")[0]
        described = text.split("COMMANDS")[1].split("EXIT STATUS")[0]
        for cmd in commands:
            with self.subTest(command=cmd):
                self.assertIn("newsdesk %s " % cmd, synopsis)
                self.assertRegex(described, r"(?m)^   newsdesk %s\b" % cmd)
                # Each option described in a paragraph of its own, under
                # the command or under OPTIONS.
                for short, long_ in help_options(cmd):
                    tag = (short + ", " if short else "") + long_
                    self.assertTrue(
                        re.search(r"(?m)^       %s\b" % tag, text),
                        "newsdesk(1) does not describe newsdesk %s %s"
                        % (cmd, tag))
        for opt in ("--version", "--help"):
            self.assertIn(opt, synopsis)
        status = text.split("EXIT STATUS")[1].split("ENVIRONMENT")[0]
        for code in ("0", "1", "2", "78"):
            self.assertRegex(status, r"(?m)^       %s +\S" % code)

    def test_newsdesk_yaml_5_has_every_section(self):
        text, _ = render(PAGES["newsdesk.yaml.5"], width=200)
        for section in ("INBOX", "SERVICE", "PIPELINE", "PLUGINS"):
            self.assertRegex(text, r"(?m)^%s$" % section)
        self.assertIn("max_bytes (size, default 32MiB, 1 to 1024GiB)", text)


if __name__ == "__main__":
    ndtest.main()
