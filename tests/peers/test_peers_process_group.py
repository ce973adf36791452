"""Ported from tini (test/pgroup) and dumb-init (child_processes_test.py): -g signals the
child's whole process group, without it only the child; what the child leaves behind is
given SIGTERM when it exits (pyinit's grace period), or left alone with --grace 0."""

import os
import subprocess
import sys

import pytest

from helpers.peers import alive, descendants, kill_all
from helpers.pid1 import wait_for
from helpers.recorder import LineReader

# tini's pgroup scenario: the child ignores SIGUSR1 and waits for a grandchild that does not.
IGNORE_USR1_WAIT_FOR_SLEEP = (
    "import signal, subprocess\n"
    "signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n"
    "child = subprocess.Popen(['sleep', '60'], "
    "preexec_fn=lambda: signal.signal(signal.SIGUSR1, signal.SIG_DFL))\n"
    "print('ready', flush=True)\n"
    "child.wait()\n")
PIPELINE = "yes 'oh, hi' | tail & yes error | tail >&2"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("how", ["-g", "PYINIT_KILL_PROCESS_GROUP=1", "TINI_KILL_PROCESS_GROUP=1"])
def test_group_signal_reaches_the_grandchild(pyinit, how):
    """SIGUSR1 to pyinit ends the grandchild, then the child, then pyinit (exit 0)."""
    env = dict(os.environ)
    args = ["-s"]
    if how == "-g":
        args.append("-g")
    else:
        name, _, value = how.partition("=")
        env[name] = value
    with subprocess.Popen([pyinit] + args + ["--", sys.executable, "-c",
                                             IGNORE_USR1_WAIT_FOR_SLEEP],
                          stdout=subprocess.PIPE, text=True, env=env,
                          start_new_session=True) as proc:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(10)
        assert proc.wait(30) == 0


def start_pipeline(pyinit, args):
    proc = subprocess.Popen([pyinit, "-s"] + args + ["--", "sh", "-c", PIPELINE],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    pids = wait_for(lambda: len(alive(descendants(proc.pid))) == 5 and descendants(proc.pid), 20,
                    "sh and its four pipeline processes")
    return proc, pids


@pytest.mark.timeout(60)
def test_group_mode_ends_the_whole_pipeline(pyinit):
    """-g: SIGTERM to pyinit ends sh and all four pipeline processes."""
    proc, pids = start_pipeline(pyinit, ["-g", "--grace", "0"])
    proc.send_signal(15)
    proc.wait(30)
    wait_for(lambda: not alive(pids), 20, "the pipeline to end")


@pytest.mark.timeout(60)
def test_child_mode_with_no_grace_leaves_the_pipeline(pyinit):
    """Without -g and --grace 0 (tini, dumb-init --single-child): only sh ends; the four
    pipeline processes are left running."""
    proc, pids = start_pipeline(pyinit, ["--grace", "0"])
    try:
        proc.send_signal(15)
        proc.wait(30)
        wait_for(lambda: len(alive(pids)) == 4, 20, "sh to end")
    finally:
        kill_all(pids)


@pytest.mark.timeout(60)
def test_leftovers_get_sigterm_when_the_child_exits(pyinit, recorder):
    """Like dumb-init's setsid mode: the child exits leaving a process that handles
    SIGTERM; pyinit (default grace) sends it SIGTERM."""
    with subprocess.Popen([pyinit, "-s", "--", "sh", "-c", '"$0" & sleep 1', recorder],
                          stdout=subprocess.PIPE, start_new_session=True) as proc:
        out = LineReader(proc.stdout)
        out.read_until(lambda line: line.startswith("ready"), 20)
        out.read_until(lambda line: line.startswith("signal 15 "), 20)
        assert proc.wait(30) == 0


@pytest.mark.timeout(60)
def test_leftovers_are_left_alone_with_no_grace(pyinit, recorder):
    """--grace 0 (tini's and dumb-init's default): the leftover gets no signal from pyinit."""
    with subprocess.Popen([pyinit, "-s", "--grace", "0", "--", "sh", "-c", '"$0" & sleep 1',
                           recorder], stdout=subprocess.PIPE, start_new_session=True) as proc:
        out = LineReader(proc.stdout)
        leftover = int(out.read_until(lambda line: line.startswith("ready"), 20).split()[1])
        assert proc.wait(30) == 0
        try:
            for signum in (1, 2, 3):
                os.kill(leftover, signum)
                out.read_until(lambda line, n=signum: line.startswith("signal %d " % n), 10)
            assert 15 not in out.signals()
        finally:
            kill_all([leftover])
