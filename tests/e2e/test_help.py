"""Every command answers --help (and -h) with its usage on stdout and exit
status 0, whatever else is on the command line, and a wrong option with
the usage on stderr and exit status 2."""
import re
import unittest

import ndtest

COMMANDS = ["run", "process", "check", "plugins", "train", "search",
            "status", "retry"]


def listed_commands(usage):
    """The commands `newsdesk --help` lists, in order."""
    return re.findall(r"(?m)^  ([a-z]+) ", usage)


class HelpTest(ndtest.TempDirTest):
    def assert_help(self, args, first_line):
        r = self.nd(*args, timeout=30)
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0, "%s: %s" % (args, r.stderr.decode()))
        self.assertEqual(r.stderr.decode(), "", args)
        self.assertTrue(out.startswith(first_line), "%s: %s" % (args, out))
        self.assertIn("Exit status:", out, args)
        return out

    def test_top_level(self):
        for flag in ("--help", "-h", "help"):
            out = self.assert_help([flag], "usage: newsdesk COMMAND")
            self.assertEqual(sorted(set(listed_commands(out))), sorted(COMMANDS))
            self.assertIn("--version", out)
            self.assertIn("newsdesk COMMAND --help", out)

    def test_every_command(self):
        for cmd in COMMANDS:
            for flag in ("--help", "-h"):
                with self.subTest(cmd=cmd, flag=flag):
                    out = self.assert_help([cmd, flag],
                                           "usage: newsdesk %s " % cmd)
                    self.assertRegex(out, r"(?m)^  -h, --help +print this help")

    def test_help_wins_over_other_arguments(self):
        # Not a daemon started, a file processed or a missing
        # configuration reported: the help, and nothing else.
        missing = self.path("missing.yaml")
        for args in (["run", "-c", missing, "--help"],
                     ["process", "--export", "--help", "article.txt"],
                     ["check", "-c", missing, "-h"],
                     ["status", "-c", missing, "--help"],
                     ["search", "--topic", "economy", "--help", "inflation"],
                     ["plugins", "text", "--help"],
                     ["retry", "--all", "--help"],
                     ["train", "-o", "model.bin", "--help"]):
            with self.subTest(args=args):
                self.assert_help(args, "usage: newsdesk %s " % args[0])

    def test_wrong_option_is_a_usage_error(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                r = self.nd(cmd, "--no-such-option", timeout=30)
                self.assertEqual(r.returncode, 2, r.stderr.decode())
                self.assertEqual(r.stdout.decode(), "")
                self.assertIn("usage: newsdesk %s " % cmd, r.stderr.decode())
        r = self.nd()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: newsdesk COMMAND", r.stderr.decode())
        r = self.nd("frobnicate")
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown command "frobnicate"', r.stderr.decode())


if __name__ == "__main__":
    ndtest.main()
