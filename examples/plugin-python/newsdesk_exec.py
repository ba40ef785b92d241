"""newsdesk_exec: a newsdesk pipeline step in Python, with the standard
library only. Copy this file beside your script (or put its folder on
PYTHONPATH) and:

    import newsdesk_exec

    def process(doc):
        # doc: the document as a dict (schema newsdesk/1)
        if not doc.get("title"):
            raise newsdesk_exec.Skip("no title")
        return {"desk": "business"}   # fields to set; None sets nothing

    newsdesk_exec.run(process)

and in newsdesk.yaml:

    - plugin: exec
      name: desk
      command: [python3, desk.py]

What `process` may do:
  return a dict       set those fields ("text" replaces the text; a value
                      of newsdesk_exec.REMOVE or None removes the field)
  return None         done, nothing changed
  raise Skip(why)     nothing to do for this document
  raise Stop(why, fields)  end the chain here (after setting fields)
  raise Retry(why)    a passing failure: newsdesk tries again later
  raise Fail(why)     the document fails (it goes to failed/ with why)
  raise anything else the document fails with the exception's name and
                      message; the traceback goes to newsdesk's log

print() goes to newsdesk's log too (stdout carries the protocol, so this
module points sys.stdout at stderr). The step ends when newsdesk closes
our input: run() then returns.

For a model that works faster on several documents at once, run_batch()
asks newsdesk for up to `size` documents at a time (docs/plugins.md,
"Plugins in any language", has the protocol itself)."""
import json
import os
import select
import sys
import traceback

PROTOCOL = 1

# The hello newsdesk sent: {"newsdesk_exec": 1, "step": ..., "worker": n,
# "workers": n}. Set by run() before the first document.
hello = {}


class Skip(Exception):
    """Nothing to do for this document; it goes on down the chain."""


class Stop(Exception):
    """End the chain for this document here (the steps after this one,
    exporters included, do not run; it counts as done). `fields` are set
    first: mark the document, so the reason stays visible."""

    def __init__(self, why, fields=None):
        super().__init__(why)
        self.fields = fields


class Retry(Exception):
    """A passing failure (a service down): newsdesk runs this step on the
    document again later, with backoff."""


class Fail(Exception):
    """The document fails for good, with this message."""


class _Remove:
    def __repr__(self):
        return "newsdesk_exec.REMOVE"


REMOVE = _Remove()


def answer(result):
    """The protocol's answer (a dict) for what `process` returned or
    raised."""
    if isinstance(result, BaseException):
        if isinstance(result, Skip):
            return {"skip": str(result) or True}
        if isinstance(result, Stop):
            out = answer(result.fields)
            out["stop"] = str(result) or "stopped"
            return out
        if isinstance(result, Retry):
            return {"retry": str(result) or "retry"}
        if isinstance(result, Fail):
            return {"fail": str(result) or "failed"}
        return {"fail": "%s: %s" % (type(result).__name__, result)}
    if result is None:
        return {}
    if not isinstance(result, dict):
        return {"fail": "process() returned a %s, not a dict of fields"
                        % type(result).__name__}
    out = {}
    remove = [k for k, v in result.items() if v is REMOVE]
    fields = {k: v for k, v in result.items() if v is not REMOVE}
    if fields:
        out["set"] = fields
    if remove:
        out["remove"] = remove
    return out


class _Lines:
    """Lines from a file descriptor, with a way to tell whether another
    one is there without waiting."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.eof = False

    def _fill(self):
        data = os.read(self.fd, 1 << 20)
        if not data:
            self.eof = True
        self.buf += data

    def next(self, wait=True):
        """The next line (bytes, without its newline), or None at the end
        of input (or, without `wait`, when none is there yet)."""
        while b"\n" not in self.buf:
            if self.eof:
                return None
            if not wait and not select.select([self.fd], [], [], 0)[0]:
                return None
            self._fill()
        line, _, self.buf = self.buf.partition(b"\n")
        return line


def _start(batch):
    """Take stdout for the protocol, read newsdesk's hello, answer it."""
    global hello
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    lines = _Lines(0)
    first = lines.next()
    if first is None:
        sys.exit(0)
    hello = json.loads(first)
    if hello.get("newsdesk_exec") != PROTOCOL:
        sys.exit("newsdesk_exec: newsdesk speaks protocol %r, this module %d"
                 % (hello.get("newsdesk_exec"), PROTOCOL))
    mine = {"newsdesk_exec": PROTOCOL}
    if batch > 1:
        mine["batch"] = batch
    _write(out, [mine])
    return lines, out


def _write(fd, answers):
    data = "".join(json.dumps(a) + "\n" for a in answers).encode("utf-8")
    while data:
        data = data[os.write(fd, data):]


def _call(fn, arg):
    try:
        return fn(arg)
    except (Skip, Stop, Retry, Fail) as e:
        return e
    except Exception as e:  # the document fails; the log gets the trace
        traceback.print_exc()
        return e


def run(process):
    """Answer one document at a time until newsdesk closes our input."""
    lines, out = _start(1)
    while True:
        line = lines.next()
        if line is None:
            return
        _write(out, [answer(_call(process, json.loads(line)))])


def run_batch(process_batch, size):
    """Answer up to `size` documents at a time: process_batch gets a list
    of documents (as many as newsdesk has sent, at least one) and returns
    a list of as many results, each what process() would return, or an
    exception instance (Skip, Stop, Retry, Fail or any other) for that
    document. An exception raised by process_batch fails the whole
    batch."""
    lines, out = _start(size)
    while True:
        line = lines.next()
        if line is None:
            return
        batch = [line]
        while len(batch) < size:
            more = lines.next(wait=False)
            if more is None:
                break
            batch.append(more)
        docs = [json.loads(l) for l in batch]
        results = _call(process_batch, docs)
        if isinstance(results, BaseException):
            results = [results] * len(docs)
        elif not isinstance(results, list) or len(results) != len(docs):
            results = [Fail("process_batch returned %r for %d documents"
                            % (type(results).__name__, len(docs)))] * len(docs)
        _write(out, [answer(r) for r in results])
