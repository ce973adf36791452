"""Run pyinit -v as PID 1 of a new namespace and read its trace as it is written."""

import json
import os
import select
import time

from helpers.pid1 import Namespace


class LineReader:
    """Lines from a pipe read with os.read: select() on a buffered file object would miss
    lines already pulled into its buffer."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.pending = b""

    def readline(self, deadline):
        while b"\n" not in self.pending:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.pending += chunk
        line, _, self.pending = self.pending.partition(b"\n")
        return line.decode()

    def rest(self, more):
        """What is left in the buffer followed by `more` (the remaining output)."""
        return self.pending.decode() + more


def read_until(reader, predicate, timeout, collected):
    """Read JSON lines into collected until predicate(record) is true or timeout passes."""
    deadline = time.monotonic() + timeout
    while True:
        line = reader.readline(deadline)
        if line is None:
            raise AssertionError("no matching trace line within %ss; got %r" % (timeout, collected))
        record = json.loads(line)
        collected.append(record)
        if predicate(record):
            return record


def traced(pyinit, args):
    """A Namespace running `pyinit -v --report-format json ARGS`, text streams."""
    return Namespace(pyinit, ["-v", "--report-format", "json"] + list(args),
                     universal_newlines=True)


def parse_all(text):
    """Every line must be a JSON object: json.loads raises on the first that is not."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def child_script(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *parts)
