"""A child for the exec plugin's tests. It speaks the protocol by hand,
not through examples/plugin-python, so that the tests see the protocol as
a program in any language would, and it misbehaves on request.

usage: execchild.py [--hello ok|exit|garbage|v2|silent] [--batch N]
                    [--state DIR] [--tag TAG]

--hello   how it answers the hello: properly, or it exits first (after a
          line on stderr), answers garbage, speaks version 2, or never
          answers
--batch   ask for N documents at a time (answers each, noting the size of
          the group it came in)
--state   a folder where it notes started-<pid> when it starts,
          stopped-<pid> when its input ends, working-<pid> while it
          works on a document, got-<file name> (got-<id> when it was not
          sent the source) the line it got for it,
          and crashed-<id> for CRASH-ONCE
--tag     written into its answers and its stderr lines

What it does with a document depends on a word in its text:

  CRASH       exits with status 3, after a line on stderr
  CRASH-ONCE  exits with status 3 the first time it sees the document
  HANG        sleeps for ever
  SLOW        sleeps one second, then answers
  GARBAGE     answers a line that is not JSON
  HUGE        answers a line of 2 MiB
  CLOSE       closes its stdout and sleeps
  TWO         answers two lines
  STDERR      writes three lines to stderr, one of them 5,000 bytes
  REFUSE      answers with a field the protocol reserves
  DROPTITLE   removes the title; NEWTEXT replaces the text
  ECHO        sets every field it got back (but the four newsdesk
              writes), as Python's json.dumps writes them
  ECHORAW     the same, written as compactly as newsdesk writes them
  ECHOTITLE   the same, with a new title
  REMOVESET   removes the title and sets it to the value it has
  DOCUMENT    answers with the document itself, as Python writes it:
              "desk" added, the title changed, "stats" left out
  DOCUMENTID  answers with the document itself, with another id
  SKIPME / STOPHERE / RETRYME / FAILME  answers skip / stop / retry / fail
  anything else: sets "child" to {"pid", "tag", "group"}
"""
import argparse
import json
import os
import select
import sys
import time


def note(state, name, text=""):
    if state:
        with open(os.path.join(state, name), "w") as f:
            f.write(text)


def answer(doc, a, group):
    text = doc.get("text") or ""
    words = text.split()
    mine = {"set": {"child": {"pid": os.getpid(), "tag": a.tag, "group": group}}}
    if "CRASH-ONCE" in words:
        seen = os.path.join(a.state, "crashed-" + doc["id"])
        if not os.path.exists(seen):
            note(a.state, "crashed-" + doc["id"])
            os._exit(3)
        return mine
    if "CRASH" in words:
        sys.stderr.write("about to crash on %s\n" % doc["source"]["name"])
        sys.stderr.flush()
        os._exit(3)
    if "HANG" in words:
        time.sleep(3600)
    if "SLOW" in words:
        time.sleep(1)
    if "GARBAGE" in words:
        return "this is not json"
    if "HUGE" in words:
        return json.dumps({"set": {"big": "x" * (2 << 20)}})
    if "CLOSE" in words:
        os.close(1)
        time.sleep(3600)
    if "TWO" in words:
        return "{}\n{}"
    if "STDERR" in words:
        sys.stderr.write("first line from %s\n" % a.tag)
        sys.stderr.write("y" * 5000 + "\n")
        sys.stderr.write("third line\n")
        sys.stderr.flush()
    echo = {k: v for k, v in doc.items()
            if k not in ("schema", "id", "source", "pipeline")}
    if "ECHO" in words:
        return {"set": echo}
    if "ECHORAW" in words:
        return json.dumps({"set": echo}, separators=(",", ":"),
                          ensure_ascii=False)
    if "ECHOTITLE" in words:
        echo["title"] = "A new title"
        return {"set": echo}
    if "DOCUMENT" in words:
        doc = dict(doc, desk="world", title="Doc title")
        doc.pop("stats", None)
        return doc
    if "DOCUMENTID" in words:
        return dict(doc, id="0" * 64)
    if "REMOVESET" in words:
        return {"remove": ["title"], "set": {"title": doc["title"]}}
    if "REFUSE" in words:
        return {"set": {"id": "mine"}}
    if "DROPTITLE" in words:
        return {"remove": ["title"], "set": {"dropped": True}}
    if "NEWTEXT" in words:
        return {"set": {"text": "Replaced text."}}
    if "SKIPME" in words:
        return {"skip": "told to skip"}
    if "STOPHERE" in words:
        return {"stop": "told to stop", "set": {"stopped_by": a.tag}}
    if "RETRYME" in words:
        return {"retry": "told to retry"}
    if "FAILME" in words:
        return {"fail": "told to fail"}
    return mine


class Lines:
    def __init__(self):
        self.buf = b""

    def next(self, wait=True):
        while b"\n" not in self.buf:
            if not wait and not select.select([0], [], [], 0)[0]:
                return None
            data = os.read(0, 1 << 20)
            if not data:
                return None
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line


def write(lines):
    data = "".join(l + "\n" for l in lines).encode()
    while data:
        data = data[os.write(1, data):]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hello", default="ok")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--state")
    ap.add_argument("--tag", default="")
    a = ap.parse_args()
    note(a.state, "started-%d" % os.getpid(), a.tag)
    sys.stderr.write("started %s pid %d\n" % (a.tag, os.getpid()))
    sys.stderr.flush()
    lines = Lines()
    hello = json.loads(lines.next())
    assert hello["newsdesk_exec"] == 1, hello
    if a.hello == "exit":
        sys.stderr.write("cannot load the model\n")
        sys.exit(1)
    if a.hello == "silent":
        time.sleep(3600)
    write({"ok": [json.dumps({"newsdesk_exec": 1, "batch": a.batch})],
           "garbage": ["hello there"],
           "v2": [json.dumps({"newsdesk_exec": 2})]}[a.hello])
    while True:
        line = lines.next()
        if line is None:
            break
        group = [line]
        while len(group) < a.batch:
            more = lines.next(wait=False)
            if more is None:
                break
            group.append(more)
        out = []
        for l in group:
            doc = json.loads(l)
            name = doc.get("source", {}).get("name", doc["id"])
            note(a.state, "working-%d" % os.getpid(), name)
            note(a.state, "got-%s" % name, l.decode())
            r = answer(doc, a, len(group))
            out.append(r if isinstance(r, str) else json.dumps(r))
        write(out)
    sys.stderr.write("stopping %s pid %d\n" % (a.tag, os.getpid()))
    sys.stderr.flush()
    note(a.state, "stopped-%d" % os.getpid(), a.tag)


if __name__ == "__main__":
    main()
