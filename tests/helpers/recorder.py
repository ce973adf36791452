"""Drive tests/helpers/signal_recorder as pyinit's child and read what it saw."""

import os
import select
import time

from helpers.pid1 import Namespace


class LineReader:
    """Read lines from a pipe with a deadline, without threads."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        self.buffer = b""
        self.lines = []

    def read_until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for line in self.lines:
                if predicate(line):
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; lines so far: %r" % self.lines[-20:])
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    raise AssertionError("stream ended; lines: %r" % self.lines[-20:])
                self.buffer += chunk
                *complete, self.buffer = self.buffer.split(b"\n")
                self.lines.extend(part.decode() for part in complete)

    def signals(self):
        return [int(line.split()[1]) for line in self.lines if line.startswith("signal ")]


def pending(pid, sig):
    """True while signal `sig` is pending for the process (ShdPnd: sent with kill)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("ShdPnd:"):
                return bool(int(line.split()[1], 16) & (1 << (sig - 1)))
    return False


# sh waits for the recorder, its child in its process group, and ignores USR1: it outlives
# the signal (its death could end the namespace before the recorder prints what it got).
USR1_IGNORING_SHELL = 'trap "" USR1; "$0" & wait'


def usr1_reaches_the_group(pyinit, recorder, flags=()):
    """pyinit FLAGS -- sh (USR1_IGNORING_SHELL) recorder, as PID 1: USR1 to pyinit must show
    up at the recorder (the read fails the test after 10 s otherwise), then TERM ends the
    run. Returns pyinit's exit code."""
    argv = list(flags) + ["--grace", "0", "--", "sh", "-c", USR1_IGNORING_SHELL, recorder]
    with Namespace(pyinit, argv) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        ns.kill(10)
        out.read_until(lambda l: l.startswith("signal 10 "), 10)
        ns.kill(15)
        code, _, _ = ns.wait()
    return code
