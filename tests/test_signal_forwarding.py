"""Every catchable signal sent to pyinit reaches the child; --rewrite maps or drops them."""

import os
import subprocess

import pytest

from helpers.pid1 import Namespace, wait_for
from helpers.recorder import LineReader, pending, usr1_reaches_the_group

FORWARDED = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGABRT", "SIGUSR1", "SIGUSR2", "SIGPIPE",
             "SIGALRM", "SIGSTKFLT", "SIGCONT", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
             "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
             "SIGRTMIN", "SIGRTMIN+1", "SIGRTMAX"]


def number(name):
    import signal
    if name.startswith("SIGRTMIN"):
        return signal.SIGRTMIN + int(name[8:] or 0)
    if name == "SIGRTMAX":
        return signal.SIGRTMAX
    if name == "SIGSTKFLT":
        return 16   # the signal module names it from Python 3.11 on
    return getattr(signal, name)


@pytest.mark.timeout(60)
def test_each_catchable_signal_is_forwarded_to_the_child(pyinit, recorder):
    """As PID 1, each signal in turn reaches the child, sent by pyinit (pid 1)."""
    with Namespace(pyinit, ["--", recorder]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        for name in FORWARDED:
            sig = number(name)
            ns.kill(sig)
            line = out.read_until(lambda l, s=sig: l.startswith("signal %d " % s), 10)
            assert " from 1 " in line, line
        ns.kill(15)
        code, _, err = ns.wait()
    assert code == 0, err


@pytest.mark.timeout(60)
def test_rewrite_maps_one_signal_to_another_and_zero_drops(pyinit, recorder):
    """-r USR1:USR2 turns USR1 into USR2; -r HUP:0 drops HUP; others pass unchanged."""
    with Namespace(pyinit, ["-r", "USR1:USR2", "--rewrite", "1:0", "--", recorder]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        ns.kill(10)
        out.read_until(lambda l: l.startswith("signal 12 "), 10)
        ns.kill(1)
        ns.kill(2)   # a marker: once INT arrived, HUP would have arrived before it
        out.read_until(lambda l: l.startswith("signal 2 "), 10)
        ns.kill(15)
        ns.wait()
    assert out.signals()[:2] == [12, 2], out.lines


@pytest.mark.timeout(120)
def test_realtime_storm_arrives_exactly_as_often_as_sent(pyinit, recorder):
    """10 000 SIGRTMIN+1 (queued, never merged) reach the child 10 000 times."""
    rt = number("SIGRTMIN+1")
    with Namespace(pyinit, ["--", recorder, "--quiet"]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        child = ns.child_pid()
        for _ in range(10000):
            os.kill(ns.init_pid, rt)
        for _ in range(10000):
            os.kill(ns.init_pid, 10)
        # Lower-numbered signals are taken first: let the storm drain before SIGTERM.
        wait_for(lambda: not pending(ns.init_pid, rt) and not pending(child, rt), 60,
                 "the realtime storm to drain", interval=0.05)
        ns.kill(15)
        out.read_until(lambda l: l.startswith("counts"), 30)
        code, _, err = ns.wait()
    counts = dict(item.split(":") for item in out.lines[-1].split()[1:])
    assert int(counts[str(rt)]) == 10000, out.lines[-1]
    assert int(counts["10"]) >= 1
    assert code == 0, err


@pytest.mark.timeout(30)
def test_glibc_reserved_signals_are_forwarded_not_fatal(pyinit):
    """kill -33 to pyinit (not PID 1) does not kill pyinit: the child dies of it (161)."""
    proc = subprocess.Popen([pyinit, "-s", "--", "sleep", "30"], stderr=subprocess.PIPE)
    wait_for(lambda: os.path.exists("/proc/%d/task" % proc.pid) and
             open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)).read().strip(),
             20, "pyinit to start sleep")
    os.kill(proc.pid, 33)
    assert proc.wait(20) == 128 + 33


@pytest.mark.timeout(30)
def test_pgroup_reaches_a_grandchild_in_the_childs_group(pyinit, recorder):
    """-g sends to the child's process group: a grandchild in that group gets the signal."""
    assert usr1_reaches_the_group(pyinit, recorder, ["-g"]) == 143


@pytest.mark.timeout(30)
def test_without_pgroup_a_grandchild_is_not_signalled(pyinit, recorder):
    """Without -g only the child is signalled, as tini does."""
    script = '"$0" & wait'
    with Namespace(pyinit, ["--grace", "0", "--", "sh", "-c", script, recorder]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        ns.kill(10)
        code, _, _ = ns.wait()
    assert code == 128 + 10
    assert 10 not in out.signals()


@pytest.mark.timeout(30)
def test_pgroup_from_the_environment(pyinit, recorder, monkeypatch):
    """PYINIT_KILL_PROCESS_GROUP=1 acts as -g."""
    monkeypatch.setenv("PYINIT_KILL_PROCESS_GROUP", "1")
    usr1_reaches_the_group(pyinit, recorder)


@pytest.mark.timeout(30)
def test_a_sigqueued_value_is_kept(pyinit, recorder):
    """A value sent with sigqueue() to pyinit reaches the child with the signal (SI_QUEUE)."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    rt = number("SIGRTMIN+2")
    with Namespace(pyinit, ["--", recorder]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        assert libc.sigqueue(ns.init_pid, rt, ctypes.c_void_p(4242)) == 0, ctypes.get_errno()
        line = out.read_until(lambda l: l.startswith("signal %d " % rt), 10)
        ns.kill(15)
        ns.wait()
    assert line.endswith("code -1 from 1 value 4242"), line
