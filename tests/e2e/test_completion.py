"""Bash completion (completion/newsdesk.bash): bash sources it, and
completing a command line gives the commands, each command's options
(the very ones its --help lists), the plugins newsdesk finds (with the
configuration on the line) and file names."""
import os
import re
import shutil
import subprocess
import unittest

import ndtest

SCRIPT = os.path.join(ndtest.SOURCE, "completion", "newsdesk.bash")

# Complete the line in $1 at its end, as bash would, and print COMPREPLY
# one a line.
DRIVER = r"""
source "$COMPLETION" || exit 3
complete -p newsdesk | grep -q -- '-F _newsdesk' || exit 4
read -ra COMP_WORDS <<<"$1"
[[ $1 == *" " ]] && COMP_WORDS+=("")
COMP_LINE=$1
COMP_POINT=${#1}
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_newsdesk newsdesk "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


class CompletionTest(ndtest.TempDirTest):
    def complete(self, line):
        """The completions of `line`, as a sorted list."""
        env = dict(os.environ, COMPLETION=SCRIPT,
                   PATH=os.path.dirname(os.path.abspath(ndtest.BIN)) +
                   os.pathsep + os.environ.get("PATH", ""))
        env.pop("NEWSDESK_CONFIG", None)
        r = subprocess.run([shutil.which("bash") or "/bin/bash", "-c",
                            DRIVER, "bash", line], cwd=self.dir, env=env,
                           capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return sorted(w for w in r.stdout.decode().split("\n") if w)

    def test_commands(self):
        usage = ndtest.run(["--help"]).stdout.decode()
        commands = set(re.findall(r"(?m)^  ([a-z]+) ", usage))
        self.assertEqual(set(self.complete("newsdesk ")),
                         commands | {"-h", "--help", "-V", "--version"})
        self.assertEqual(self.complete("newsdesk pro"), ["process"])
        self.assertEqual(self.complete("newsdesk s"), ["search", "status"])

    def test_options_are_those_of_help(self):
        usage = ndtest.run(["--help"]).stdout.decode()
        for cmd in sorted(set(re.findall(r"(?m)^  ([a-z]+) ", usage))):
            with self.subTest(command=cmd):
                out = ndtest.run([cmd, "--help"]).stdout.decode()
                listed = set()
                for short, long_ in re.findall(
                        r"(?m)^  (?:(-\w), )? *(--[a-z][\w-]*)", out):
                    listed |= {long_} | ({short} if short else set())
                self.assertEqual(set(self.complete("newsdesk %s -" % cmd)),
                                 listed)
        self.assertEqual(self.complete("newsdesk process --ex"),
                         ["--export"])
        self.assertEqual(self.complete("newsdesk search -c nd.yaml --l"),
                         ["--lang", "--limit"])

    def test_plugin_names(self):
        names = self.complete("newsdesk plugins ")
        for name in ("text", "json", "json-reader", "sqlite", "entities"):
            self.assertIn(name, names)
        self.assertEqual(self.complete("newsdesk plugins js"),
                         ["json", "json-reader", "jsonl"])
        # With -c, the plugins of that configuration's plugin_path too.
        self.write("nd.yaml", "service:\n  plugin_path: [%s]\n"
                   % ndtest.TEST_PLUGINS)
        self.assertNotIn("upper", names)
        self.assertIn("upper", self.complete("newsdesk plugins -c nd.yaml "))

    def test_file_names(self):
        self.write("article one.txt", "A story.\n")
        self.write("archive/old.txt", "An old story.\n")
        self.write("nd.yaml", "inbox: {path: ./inbox}\n")
        self.assertEqual(self.complete("newsdesk process ar"),
                         ["archive", "article one.txt"])
        self.assertEqual(self.complete("newsdesk run -c n"), ["nd.yaml"])
        self.assertEqual(self.complete("newsdesk search --db archive/"),
                         ["archive/old.txt"])
        self.assertEqual(self.complete("newsdesk train -o m"), [])

    def test_values(self):
        self.assertEqual(self.complete("newsdesk train -a "),
                         ["logreg", "nb"])
        self.assertEqual(self.complete("newsdesk search --lang "), [])
        self.assertEqual(self.complete("newsdesk search --topic e"), [])


if __name__ == "__main__":
    ndtest.main()
