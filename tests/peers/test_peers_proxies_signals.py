"""Ported from tini (test/signals) and dumb-init (proxies_signals_test.py,
shell_background_test.py): signals sent to pyinit reach the child, rewritten or dropped
with -r; where pyinit deliberately differs (stop signals, faults) the test pins what
docs/differences-from-tini.md says."""

import os
import subprocess
import sys

import pytest

from helpers.peers import FAULT_SIGNALS, NORMAL_SIGNALS, SUSPEND_SIGNALS, state
from helpers.pid1 import UNSHARE, children, wait_for
from helpers.recorder import LineReader


class Recorded:
    """pyinit ARGS -- signal_recorder, as PID 1 or as a plain child (-s)."""

    def __init__(self, pyinit, recorder, args=(), as_pid1=True):
        argv = [pyinit] + (["-s"] if not as_pid1 else []) + list(args) + ["--", recorder]
        self.proc = subprocess.Popen(UNSHARE + argv if as_pid1 else argv,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True)
        self.pid = (wait_for(lambda: (children(self.proc.pid) or [None])[0], 10, "PID 1")
                    if as_pid1 else self.proc.pid)
        self.out = LineReader(self.proc.stdout)
        self.out.read_until(lambda line: line.startswith("ready"), 20)

    def send(self, signum):
        os.kill(self.pid, signum)

    def expect(self, signum):
        seen = len(self.out.signals())
        self.out.read_until(lambda _: len(self.out.signals()) > seen, 10)
        assert self.out.signals()[seen] == signum, self.out.lines

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send(9)   # PID 1, when it runs in a namespace: unshare would outlive it
            except ProcessLookupError:
                pass
            self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def recorded(pyinit, recorder):
    opened = []

    def start(args=(), as_pid1=True):
        opened.append(Recorded(pyinit, recorder, args, as_pid1))
        return opened[-1]
    yield start
    for item in opened:
        item.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("as_pid1", [True, False], ids=["pid1", "subreaper"])
def test_every_normal_signal_reaches_the_child(recorded, as_pid1):
    """Signals 1-31 but KILL, STOP, CHLD, the stops and the faults: each arrives, in order."""
    child = recorded(as_pid1=as_pid1)
    for signum in [s for s in NORMAL_SIGNALS if s != 15] + [15]:   # the recorder ends on TERM
        child.send(signum)
        child.expect(signum)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("rewrite, sent, received", [
    ({}, [3, 18, 2, 15], [3, 18, 2, 15]),   # the recorder ends on TERM: last
    ({15: 2}, [15, 3, 18, 2], [2, 3, 18, 2]),
    ({15: 2, 2: 15, 3: 3}, [15, 3, 18, 2], [2, 3, 18, 15]),
    ({1: 30, 30: 1}, [1, 30], [30, 1]),
])
def test_rewrite(recorded, rewrite, sent, received):
    """-r FROM:TO: each signal sent arrives as its rewrite."""
    args = [arg for item in rewrite.items() for arg in ("-r", "%d:%d" % item)]
    child = recorded(args)
    for signum, expected in zip(sent, received):
        child.send(signum)
        child.expect(expected)


@pytest.mark.timeout(60)
def test_rewrite_to_zero_drops(recorded):
    """-r 15:3 -r 2:0 -r 28:0: TERM then INT arrive as QUIT alone; WINCH then HUP as HUP."""
    child = recorded(["-r", "15:3", "-r", "2:0", "-r", "28:0"])
    child.send(15)
    child.send(2)
    child.expect(3)
    child.send(28)
    child.send(1)
    child.expect(1)


@pytest.mark.timeout(60)
def test_stop_signals_are_forwarded_and_pyinit_runs_on(recorded):
    """dumb-init forwards TSTP, TTIN, TTOU and then stops itself; pyinit forwards them and
    keeps running (it stops only with a stopped child under a job-control shell)."""
    child = recorded(as_pid1=False)
    for signum in SUSPEND_SIGNALS:
        child.send(signum)
        child.expect(signum)
        assert state(child.pid) != "T"


@pytest.mark.timeout(60)
def test_fault_signals_sent_to_pid1_are_not_forwarded(recorded):
    """SIGSEGV and the other faults, sent to PID 1 from outside: dropped (pyinit leaves them
    unblocked and unhandled so that a real fault crashes it); the child gets none of them."""
    child = recorded()
    for signum in FAULT_SIGNALS:
        child.send(signum)
    child.send(10)
    child.expect(10)
    assert child.out.signals() == [10]
    assert child.proc.poll() is None


@pytest.mark.timeout(60)
@pytest.mark.parametrize("signum", [15, 10, 12])
@pytest.mark.parametrize("as_pid1", [True, False], ids=["pid1", "subreaper"])
def test_default_action_ends_child_and_pyinit_exits_128_plus_n(pyinit, signum, as_pid1):
    """tini's signals test: TERM, USR1, USR2 to pyinit kill a child with default handlers;
    pyinit exits 128+N."""
    argv = [pyinit, "-s", "--", sys.executable, "-c", "import time; print('ready', flush=True); "
            "time.sleep(60)"]
    with subprocess.Popen(UNSHARE + argv if as_pid1 else argv, stdout=subprocess.PIPE,
                          text=True, start_new_session=True) as proc:
        assert proc.stdout.readline() == "ready\n"
        target = children(proc.pid)[0] if as_pid1 else proc.pid
        os.kill(target, signum)
        assert proc.wait(30) == 128 + signum
