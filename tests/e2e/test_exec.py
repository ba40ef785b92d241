"""The exec plugin: a step run by a child process (docs/plugins.md,
"Plugins in any language"). The Python example end to end, through
`newsdesk process` and the daemon; every answer of the protocol; children
that crash, hang, answer garbage or huge lines, close their output or do
not start; `newsdesk check` and `newsdesk plugins exec`; reload, SIGTERM,
stop_timeout and kill -9 of the daemon, after which no child may be left.

The misbehaving child is tests/e2e/execchild.py, which speaks the protocol
by hand; the Python example uses examples/plugin-python."""
import json
import os
import signal
import sys
import time
import unittest

import ndtest

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "execchild.py")
EXAMPLE = os.path.join(ndtest.SOURCE, "examples", "plugin-python")
FAST_RETRY = "service:\n  retry_min: 20ms\n  retry_max: 50ms\n"


def q(s):
    """A string as YAML reads it (JSON is YAML)."""
    return json.dumps(s)


def exec_step(args=(), name="kid", program=None, **opts):
    """YAML of an exec step running execchild.py with `args`."""
    cmd = [program or sys.executable] + ([] if program else [CHILD]) + list(args)
    text = ("  - plugin: exec\n    name: %s\n    command: [%s]\n"
            % (name, ", ".join(q(c) for c in cmd)))
    for k, v in opts.items():
        text += "    %s: %s\n" % (k, v)
    return text


def alive(pid):
    """Is process pid there and not a zombie?"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def children_of(pid):
    """Pids of the live processes whose parent is pid."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(p))
    return out


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(what)


class ExecTest(ndtest.TempDirTest):
    def setUp(self):
        super().setUp()
        self.state = self.path("state")
        os.makedirs(self.state)

    def pids(self, kind):
        """Pids of the children that noted `kind` (started, stopped)."""
        return sorted(int(n.split("-")[1]) for n in os.listdir(self.state)
                      if n.startswith(kind + "-"))

    def process(self, steps, *texts, service=FAST_RETRY):
        """`newsdesk process` of files with these texts through text and
        `steps`: (CompletedProcess, {file name: document})."""
        self.write("nd.yaml", service + "pipeline:\n  - plugin: text\n" + steps)
        files = []
        for i, t in enumerate(texts):
            files.append(self.write("doc%d.txt" % i, t + "\n"))
        r = self.nd("process", "-c", "nd.yaml", *files)
        docs = {d["source"]["name"]: d for d in ndtest.lines_json(r.stdout)}
        return r, docs


class AnswerTest(ExecTest):
    """Each answer of the protocol, through `newsdesk process`."""

    def test_set_remove_text_skip_stop_fail(self):
        steps = (exec_step(["--tag", "t1", "--state", self.state]) +
                 exec_step(["--tag", "after"], name="after"))
        r, docs = self.process(steps, "Plain words here.",
                               "Title to drop\n\nDROPTITLE please.",
                               "NEWTEXT please.", "SKIPME please.",
                               "STOPHERE please.", "FAILME please.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertEqual(docs["doc0.txt"]["child"]["tag"], "after")
        self.assertEqual(docs["doc0.txt"]["child"]["group"], 1)
        # remove, then set
        self.assertNotIn("title", docs["doc1.txt"])
        self.assertTrue(docs["doc1.txt"]["dropped"])
        # set "text" replaces the text
        self.assertEqual(docs["doc2.txt"]["text"], "Replaced text.")
        # skip: nothing set (by either step), and the next one still runs
        self.assertEqual([p["step"] for p in docs["doc3.txt"]["pipeline"]],
                         ["text", "kid", "after"])
        self.assertNotIn("child", docs["doc3.txt"])
        # stop: marked, and the chain ends here
        self.assertEqual(docs["doc4.txt"]["stopped_by"], "t1")
        self.assertEqual([p["step"] for p in docs["doc4.txt"]["pipeline"]],
                         ["text", "kid"])
        # fail: the message is the child's
        self.assertNotIn("doc5.txt", docs)
        self.assertIn("doc5.txt: step kid (plugin exec): told to fail", err)

    def got(self, name):
        """The line the child got for the document of file `name`."""
        with open(os.path.join(self.state, "got-" + name)) as f:
            return json.loads(f.read())

    def test_an_echo_changes_nothing(self):
        # The fields set back as they came (ECHORAW), as Python writes them
        # (ECHO: other spacing, \u escapes, the same numbers), or with one
        # of them changed (ECHOTITLE); with entities, reals and non-ASCII
        # text in the document.
        steps = ("  - plugin: language\n  - plugin: entities\n" +
                 exec_step(["--state", self.state]))
        text = ("Señor Núñez in Madrid\n\n{} Pedro Sánchez met Olaf Scholz "
                "in Madrid on Monday, the café said.")
        r, docs = self.process(steps, text.format("ECHO"),
                               text.format("ECHORAW"), text.format("ECHOTITLE"))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        for i in range(3):
            name = "doc%d.txt" % i
            got, out = self.got(name), docs[name]
            self.assertEqual(out["pipeline"][:-1], got["pipeline"])
            self.assertEqual(out["pipeline"][-1]["step"], "kid")
            del got["pipeline"], out["pipeline"]
            self.assertTrue(got["entities"] and got["language"], got)
            if i == 2:
                self.assertEqual(out["title"], "A new title")
                got["title"] = "A new title"
            self.assertEqual(out, got)

    def test_cat_is_a_child(self):
        # A child that writes back every line it reads: it echoes the
        # hello, which is one, and each document, which changes nothing.
        steps = ("  - plugin: language\n  - plugin: entities\n" +
                 exec_step(["--state", self.state]) +
                 exec_step(name="echo", program="cat"))
        r, docs = self.process(steps, "Pedro Sánchez met Olaf Scholz in "
                               "Madrid, ECHORAW and all.")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        got, out = self.got("doc0.txt"), docs["doc0.txt"]
        self.assertEqual([p["step"] for p in out["pipeline"]][-2:], ["kid", "echo"])
        del got["pipeline"], out["pipeline"]
        self.assertTrue(got["entities"], got)
        self.assertEqual(out, got)

    def test_the_document_itself_as_the_answer(self):
        # Fields it has are set, the ones it got and left out removed;
        # with `send`, what it did not get stays as it was.
        steps = ("  - plugin: language\n  - plugin: entities\n" +
                 exec_step(["--state", self.state]))
        text = "A title\n\nDOCUMENT of Olaf Scholz in Madrid."
        r, docs = self.process(steps, text)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        got, out = self.got("doc0.txt"), docs["doc0.txt"]
        self.assertIn("stats", got)
        self.assertNotIn("stats", out)
        self.assertEqual((out["desk"], out["title"]), ("world", "Doc title"))
        self.assertEqual(out["entities"], got["entities"])
        self.assertEqual(out["text"], got["text"])
        r, docs = self.process(
            steps.replace("    name: kid\n",
                          "    name: kid\n    send: [title, text, stats]\n"),
            text)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = docs["doc0.txt"]
        self.assertEqual(list(self.got(out["id"])),
                         ["schema", "id", "title", "text", "stats"])
        self.assertNotIn("stats", out)
        self.assertEqual((out["desk"], out["title"]), ("world", "Doc title"))
        self.assertEqual(out["entities"], got["entities"])
        self.assertEqual(out["language"], got["language"])

    def test_the_document_with_another_id_is_refused(self):
        r, docs = self.process(exec_step(), "DOCUMENTID here.", "And a good one.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertIn('breaks the protocol: it answers with the document, but '
                      'with another "id"', err)
        self.assertNotIn("doc0.txt", docs)
        self.assertIn("doc1.txt", docs)

    def test_remove_then_set_to_the_same_value_keeps_the_field(self):
        r, docs = self.process(exec_step(), "The title\n\nREMOVESET please.")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(docs["doc0.txt"]["title"], "The title")

    def test_send_names_the_fields_the_child_gets(self):
        steps = exec_step(["--state", self.state],
                          send="[title, nothing, text]")
        r, docs = self.process(steps, "A title\n\nECHOTITLE please.")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        doc = docs["doc0.txt"]
        got = self.got(doc["id"])
        self.assertEqual(list(got), ["schema", "id", "title", "text"])
        self.assertEqual(got["text"], doc["text"])
        self.assertEqual(got["id"], doc["id"])
        # What it sets back is the whole answer: the title changes, the
        # text it got back is the text the document has.
        self.assertEqual(doc["title"], "A new title")
        self.assertEqual(doc["text"], "ECHOTITLE please.")
        # A name that is no name is refused at the start.
        r, _ = self.process(exec_step(send='[title, ""]'), "x")
        self.assertEqual(r.returncode, 78)
        self.assertIn("send: a field name cannot be empty", r.stderr.decode())

    def test_retry_is_retried_until_given_up(self):
        r, docs = self.process(exec_step(), "RETRYME please.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1)
        self.assertIn("told to retry; retrying in", err)
        self.assertIn("still failing after", err)

    def test_an_answer_that_breaks_the_protocol_fails_at_once(self):
        r, docs = self.process(exec_step(["--state", self.state]),
                               "REFUSE this.", "Then a good one.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1)
        self.assertIn('the answer of child 1 breaks the protocol: it sets "id"', err)
        self.assertNotIn("retrying", err)
        # The child stays: it is still in step.
        self.assertEqual(len(self.pids("started")), 1)
        self.assertIn("doc1.txt", docs)

    def test_stderr_goes_to_the_log_under_the_steps_name(self):
        r, docs = self.process(exec_step(["--tag", "talker"],
                                         stderr_level="warning"),
                               "STDERR please.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 0, err)
        lines = [l for l in err.splitlines() if "step=kid plugin=exec" in l]
        self.assertTrue(any("child 1: first line from talker" in l and
                            'file="doc0.txt"' in l for l in lines), err)
        long = [l for l in lines if "yyyy" in l][0]
        self.assertIn("[line cut]", long)
        self.assertLess(len(long), 1300)
        self.assertTrue(any("child 1: third line" in l for l in lines))
        # Written at start (no document then) and at the stop.
        self.assertTrue(any("(pid " in l and "started talker" in l for l in lines))
        self.assertTrue(any("stopping talker" in l for l in lines))


class FailureTest(ExecTest):
    """Children that misbehave: killed, started again, the document retried
    and then failed, with a reason; the other documents go on."""

    def bad(self, marker, *want, **opts):
        opts.setdefault("timeout", "700ms")
        r, docs = self.process(exec_step(["--state", self.state], **opts),
                               "Good one.", marker + " here.", "Good two.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1, err)
        self.assertEqual(sorted(docs), ["doc0.txt", "doc2.txt"], err)
        self.assertEqual(err.count("doc1.txt: child 1"), 2, err)
        self.assertIn("(failure 2 of max_failures 3); retrying in", err)
        final = [l for l in err.splitlines()
                 if "doc1.txt: step kid (plugin exec)" in l]
        self.assertEqual(len(final), 1, err)
        self.assertIn("3 times (max_failures): giving up on it", final[0])
        for w in want:
            self.assertIn(w, final[0])
        # One child at the start, one after each of the three failures.
        self.assertEqual(len(self.pids("started")), 4)
        for pid in self.pids("started"):
            self.assertFalse(alive(pid), "child %d is still there" % pid)
        return err

    def test_a_child_that_exits(self):
        self.bad("CRASH", 'exited with status 3 before answering; its last '
                 'stderr line: "about to crash on doc1.txt"')

    def test_a_child_that_hangs(self):
        self.bad("HANG", "did not answer within 700 ms (timeout)")

    def test_a_child_that_answers_garbage(self):
        self.bad("GARBAGE", 'answered "this is not json", which is not a JSON object')

    def test_a_child_that_answers_a_huge_line(self):
        self.bad("HUGE", "wrote a line longer than max_line (65536 bytes)",
                 max_line="64KiB")

    def test_a_child_that_closes_its_output(self):
        self.bad("CLOSE", "closed its output before answering, without exiting")

    def test_a_child_that_answers_twice(self):
        self.bad("TWO", "wrote more than one line for one document")

    def test_a_crash_that_does_not_come_back_is_only_retried(self):
        r, docs = self.process(exec_step(["--state", self.state]),
                               "CRASH-ONCE here.")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("(failure 1 of max_failures 3); retrying", r.stderr.decode())
        self.assertEqual(len(self.pids("started")), 2)

    def test_max_failures(self):
        r, docs = self.process(exec_step(max_failures=1), "CRASH here.")
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("retrying", err)
        self.assertIn("1 times (max_failures)", err)


class StartTest(ExecTest):
    """A step whose children do not start does not start; check and
    plugins see the step without starting anything."""

    def refused(self, args, *want, **opts):
        self.write("nd.yaml", "pipeline:\n  - plugin: text\n" +
                   exec_step(["--state", self.state] + args, **opts))
        r = self.nd("process", "-c", "nd.yaml", self.write("a.txt", "Words.\n"))
        err = r.stderr.decode()
        self.assertEqual(r.returncode, 78, err)
        self.assertIn("step kid (plugin exec): cannot start: ", err)
        for w in want:
            self.assertIn(w, err)
        for pid in self.pids("started"):
            self.assertFalse(alive(pid))
        return err

    def test_a_child_that_exits_before_its_hello(self):
        self.refused(["--hello", "exit"], "child 1 exited with status 1 before "
                     'its hello; its last stderr line: "cannot load the model"',
                     workers=2)

    def test_a_child_that_does_not_answer_the_hello(self):
        self.refused(["--hello", "silent"], "child 1 did not answer the hello "
                     "within start_timeout", workers=2, start_timeout="300ms")

    def test_a_child_that_answers_something_else(self):
        self.refused(["--hello", "garbage"], 'child 1 answered the hello with '
                     '"hello there", not {"newsdesk_exec": 1}')

    def test_a_child_of_another_version(self):
        self.refused(["--hello", "v2"], "child 1 speaks version 2 of the "
                     "protocol; this newsdesk speaks version 1")

    def test_env_and_cwd(self):
        self.refused([], 'env: "JUSTANAME" is not NAME=value', env="[JUSTANAME]")
        self.refused([], "cwd: there is no folder ./nowhere", cwd="./nowhere")

    def test_env_and_cwd_reach_the_child(self):
        os.makedirs(self.path("work"))
        script = self.write("envchild.py", (
            "import json, os, sys\n"
            "sys.stdin.readline()\n"
            "print(json.dumps({'newsdesk_exec': 1}), flush=True)\n"
            "for line in sys.stdin:\n"
            "    print(json.dumps({'set': {'env': {\n"
            "        'cwd': os.getcwd(), 'desk': os.environ.get('DESK'),\n"
            "        'notify': os.environ.get('NOTIFY_SOCKET'),\n"
            "        'fds': sorted(os.listdir('/proc/self/fd'))},\n"
            "        'nobody': None}}), flush=True)\n"))
        r, docs = self.process(
            exec_step(name="kid", program=sys.executable).replace(
                "]\n", ", %s]\n" % q(script), 1) +
            "    env: [DESK=sport]\n    cwd: ./work\n", "Words.",
            service="service:\n  retry_min: 20ms\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        env = docs["doc0.txt"]["env"]
        self.assertEqual(env["cwd"], os.path.realpath(self.path("work")))
        self.assertEqual(env["desk"], "sport")
        self.assertIsNone(env["notify"])
        # a field set to null is removed: no document has a null field
        self.assertNotIn("nobody", docs["doc0.txt"])
        # stdin, stdout, stderr, and the folder listdir itself opened
        self.assertEqual(env["fds"], ["0", "1", "2", "3"])

    def test_check_finds_a_missing_or_unusable_program(self):
        self.write("nd.yaml", "pipeline:\n  - plugin: text\n" +
                   exec_step(program="no-such-interpreter"))
        r = self.nd("check", "-c", "nd.yaml")
        self.assertEqual(r.returncode, 78)
        self.assertRegex(r.stderr.decode(), r"nd\.yaml:5:\d+: .*command: there is "
                         r'no program "no-such-interpreter" in the folders of PATH')
        self.write("script.py", "print()\n", mode=0o644)
        self.write("nd.yaml", "pipeline:\n  - plugin: text\n" +
                   exec_step(program="./script.py"))
        r = self.nd("check", "-c", "nd.yaml")
        self.assertEqual(r.returncode, 78)
        self.assertIn("script.py is not an executable file (chmod +x "
                      "./script.py", r.stderr.decode())
        self.write("nd.yaml", "pipeline:\n  - plugin: text\n" +
                   exec_step(["--state", self.state]))
        r = self.nd("check", "-c", "nd.yaml")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertIn("kid (plugin exec)", r.stdout.decode())
        self.assertEqual(self.pids("started"), [])  # check starts nothing

    def test_plugins_lists_the_options(self):
        r = self.nd("plugins", "exec")
        out = r.stdout.decode()
        self.assertEqual(r.returncode, 0)
        for opt in ("command", "workers", "env", "cwd", "timeout",
                    "start_timeout", "stop_grace", "max_line", "max_failures",
                    "stderr_level"):
            self.assertRegex(out, r"\n  %s +" % opt)
        self.assertIn("a program (checked", out)
        r = self.nd("plugins", "exec", "--json")
        command = json.loads(r.stdout)["options"][0]
        self.assertEqual(command["name"], "command")
        self.assertTrue(command["program"])


class PythonExampleTest(ExecTest):
    """examples/plugin-python/desk.py, as a user would run it."""

    def article(self):
        seed = ndtest.shared_path("corpus", "seed-trade-talks-madrid.txt")
        return seed or os.path.join(ndtest.SOURCE, "bench", "data", "news",
                                    "31-election-result.txt")

    CHAIN = ("pipeline:\n  - plugin: text\n  - plugin: language\n"
             "  - plugin: entities\n  - plugin: topics\n")

    def desk_step(self):
        return exec_step(name="desk", program=sys.executable).replace(
            "]\n", ", %s]\n" % q(os.path.join(EXAMPLE, "desk.py")), 1) + \
            "    workers: 2\n"

    def test_process(self):
        self.write("nd.yaml", self.CHAIN + self.desk_step())
        r = self.nd("process", "-c", "nd.yaml", self.article(),
                    os.path.join(ndtest.SOURCE, "bench", "data", "news",
                                 "44-tennis-final.txt"))
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        docs = ndtest.lines_json(r.stdout)
        self.assertEqual(docs[0]["desk"]["name"], "politics")
        self.assertIn("politics and government", docs[0]["desk"]["because"])
        self.assertEqual(docs[1]["desk"], {"name": "sport",
                                           "because": "topic sport (1.0)"})
        self.assertEqual(docs[0]["pipeline"][-1]["step"], "desk")

    def test_daemon(self):
        d = ndtest.Daemon(self, "inbox:\n  path: ./inbox\n  state: ./var\n" +
                          self.CHAIN + self.desk_step() +
                          "  - plugin: json\n    dir: ./outbox\n").start()
        with open(self.article(), "rb") as f:
            d.drop("story.txt", f.read())
        d.wait(lambda: d.done() == ["story.txt"], 30, "not done")
        out = [n for n in d.ls("outbox") if n.endswith(".json")]
        with open(self.path("outbox", out[0])) as f:
            self.assertEqual(json.load(f)["desk"]["name"], "politics")
        self.assertEqual(d.stop(), 0)


class DaemonTest(ExecTest):
    """The daemon with an exec step: it stays up, nothing is lost, and no
    child outlives it, whatever the children and the daemon go through."""

    def daemon(self, steps, service="", **kw):
        return ndtest.Daemon(self, (
            "inbox:\n  path: ./inbox\n  state: ./var\n"
            "service:\n  retry_min: 50ms\n  retry_max: 200ms\n" + service +
            "pipeline:\n  - plugin: text\n" + steps +
            "  - plugin: json\n    dir: ./outbox\n"), **kw)

    def exported(self):
        out = {}
        for n in os.listdir(self.path("outbox")) if os.path.isdir(self.path("outbox")) else []:
            with open(self.path("outbox", n)) as f:
                doc = json.load(f)
            out[doc["source"]["name"]] = doc
        return out

    def test_misbehaving_children_lose_nothing(self):
        d = self.daemon(exec_step(["--state", self.state], workers=2,
                                  timeout="1s", max_line="64KiB")).start()
        bad = ["CRASH", "HANG", "GARBAGE", "HUGE", "CLOSE", "TWO"]
        for i in range(30):
            d.drop("good%02d.txt" % i, "Story number %d is fine.\n" % i)
        for b in bad:
            d.drop("bad-%s.txt" % b, "This one says %s now.\n" % b)
        # By name: while a record is written, failed/ also holds its
        # temporary file, which a count would take for a filed document.
        want_failed = sorted("bad-%s.txt" % b for b in bad)
        d.wait(lambda: len(d.done()) == 30 and d.failed() == want_failed, 90,
               "not every file filed")
        self.assertEqual(d.ls("inbox"), [])
        self.assertEqual(d.ls("var", "work"), [])
        exported = self.exported()
        self.assertEqual(sorted(exported), ["good%02d.txt" % i for i in range(30)])
        for b in bad:
            rec = d.error_record("bad-%s.txt" % b)
            self.assertEqual(rec["stage"], "kid")
            self.assertEqual(rec["plugin"], "exec")
            self.assertIn("3 times (max_failures)", rec["message"])
            self.assertEqual(rec["attempts"], 3)
        self.assertIn("exited with status 3", d.error_record("bad-CRASH.txt")["message"])
        self.assertIn("timeout", d.error_record("bad-HANG.txt")["message"])
        # Still up: a file dropped now goes through.
        d.drop("late.txt", "A late story.\n")
        d.wait(lambda: "late.txt" in d.done(), 30, "the daemon stopped working")
        pid = d.proc.pid
        self.assertEqual(d.stop(), 0)
        self.assertEqual(children_of(pid), [])
        for p in self.pids("started"):
            self.assertFalse(alive(p), "child %d is still there" % p)

    def test_batches(self):
        d = self.daemon(exec_step(["--batch", "4", "--state", self.state]),
                        service="  workers: 4\n").start()
        for i in range(40):
            d.drop("s%02d.txt" % i, "Story %d.\n" % i)
        d.wait(lambda: len(d.done()) == 40, 60, "not every file done")
        groups = [doc["child"]["group"] for doc in self.exported().values()]
        self.assertEqual(len(groups), 40)
        self.assertTrue(all(1 <= g <= 4 for g in groups))
        self.assertGreater(max(groups), 1)
        self.assertEqual(d.stop(), 0)

    def test_a_crash_in_a_batch_is_counted_against_its_document(self):
        d = self.daemon(exec_step(["--batch", "4", "--state", self.state],
                                  max_failures=2),
                        service="  workers: 4\n").start()
        for i in range(20):
            d.drop("s%02d.txt" % i, "Story %d. SLOW\n" % i if i % 5 == 0
                   else "Story %d.\n" % i)
        d.drop("poison.txt", "This one will CRASH now.\n")
        d.wait(lambda: len(d.done()) == 20 and d.failed() == ["poison.txt"], 60,
               "not every file filed")
        self.assertEqual(d.stop(), 0)

    def test_reload_starts_the_new_children_before_stopping_the_old(self):
        d = self.daemon(exec_step(["--tag", "v1", "--state", self.state],
                                  workers=2)).start()
        d.drop("one.txt", "Before the reload.\n")
        d.wait(lambda: "one.txt" in d.done(), 30, "one.txt not done")
        with open(d.cfg) as f:
            cfg = f.read()
        with open(d.cfg, "w") as f:
            f.write(cfg.replace('"v1"', '"v2"'))
        d.proc.send_signal(signal.SIGHUP)
        d.wait(lambda: "notice: reloaded" in d.log(), 30, "no reload")
        d.drop("two.txt", "After the reload.\n")
        d.wait(lambda: "two.txt" in d.done(), 30, "two.txt not done")
        d.wait(lambda: d.log().count("stopping v1 pid") == 2, 30,
               "the old children did not stop")
        log = d.log()
        last_v2_start = max(log.index("started v2 pid %d" % p)
                            for p in self.pids("started")
                            if "started v2 pid %d" % p in log)
        first_v1_stop = log.index("stopping v1 pid")
        self.assertLess(last_v2_start, first_v1_stop, log)
        self.assertEqual(self.exported()["one.txt"]["child"]["tag"], "v1")
        self.assertEqual(self.exported()["two.txt"]["child"]["tag"], "v2")
        self.assertEqual(d.stop(), 0)

    def test_a_reload_whose_children_cannot_start_is_refused(self):
        d = self.daemon(exec_step(["--tag", "v1", "--state", self.state])).start()
        with open(d.cfg) as f:
            cfg = f.read()
        with open(d.cfg, "w") as f:
            f.write(cfg.replace('"v1"', '"v1", "--hello", "exit"'))
        d.proc.send_signal(signal.SIGHUP)
        d.wait(lambda: "reload failed" in d.log(), 30, "the reload was not refused")
        self.assertIn("cannot load the model", d.log())
        d.drop("one.txt", "Still working.\n")
        d.wait(lambda: "one.txt" in d.done(), 30, "one.txt not done")
        self.assertEqual(self.exported()["one.txt"]["child"]["tag"], "v1")
        self.assertEqual(d.stop(), 0)

    def working(self):
        return [n for n in os.listdir(self.state) if n.startswith("working-")]

    def test_sigterm_lets_a_child_finish_its_document(self):
        d = self.daemon(exec_step(["--state", self.state], timeout="10s")).start()
        d.drop("slow.txt", "This one is SLOW to do.\n")
        wait_for(self.working, 30, "the child never got the document")
        pid = d.proc.pid
        kids = children_of(pid)
        self.assertEqual(len(kids), 1)
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.done(), ["slow.txt"])
        self.assertIn("slow.txt", self.exported())
        self.assertEqual(self.pids("stopped"), kids)  # it exited at its EOF
        self.assertFalse(alive(kids[0]))

    def test_stop_timeout_kills_a_child_that_does_not_finish(self):
        d = self.daemon(exec_step(["--state", self.state], timeout="60s"),
                        service="  stop_timeout: 1s\n").start()
        d.drop("hang.txt", "This one will HANG for ever.\n")
        wait_for(self.working, 30, "the child never got the document")
        kids = children_of(d.proc.pid)
        t0 = time.monotonic()
        self.assertEqual(d.stop(), 0)
        self.assertLess(time.monotonic() - t0, 10)
        self.assertEqual(d.ls("inbox"), ["hang.txt"])
        wait_for(lambda: not alive(kids[0]), 10, "the child outlived the daemon")

    def test_kill9_of_the_daemon_leaves_no_child(self):
        d = self.daemon(exec_step(["--state", self.state], workers=3)).start()
        d.drop("slow.txt", "This one is SLOW to do.\n")
        wait_for(self.working, 30, "the child never got the document")
        kids = children_of(d.proc.pid)
        self.assertEqual(len(kids), 3)
        self.assertEqual(sorted(kids), self.pids("started"))
        d.kill()
        wait_for(lambda: not any(alive(k) for k in kids), 10,
                 "children outlived the daemon")


if __name__ == "__main__":
    ndtest.main()
