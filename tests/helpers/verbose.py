"""Run pyinit -v as PID 1 of a new namespace and read its trace as it is written."""

import json
import os
import select
import time

from helpers.pid1 import Namespace


def read_until(stream, predicate, timeout, collected):
    """Read JSON lines from stream into collected until predicate(record) or timeout."""
    deadline = time.monotonic() + timeout
    fd = stream.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = stream.readline()
        if not line:
            break
        record = json.loads(line)
        collected.append(record)
        if predicate(record):
            return record
    raise AssertionError("no matching trace line within %ss; got %r" % (timeout, collected))


def traced(pyinit, args):
    """A Namespace running `pyinit -v --report-format json ARGS`, text streams."""
    return Namespace(pyinit, ["-v", "--report-format", "json"] + list(args),
                     universal_newlines=True)


def parse_all(text):
    """Every line must be a JSON object: json.loads raises on the first that is not."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def child_script(*parts):
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), *parts)
