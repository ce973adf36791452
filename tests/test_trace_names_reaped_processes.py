"""A reap names the process although it is gone: the name was read while it was a zombie."""

import os
import signal
import subprocess

import pytest

from helpers.pid1 import wait_for
from helpers.tracing import events_of, new_tracer, wait_comm


def _zombie(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "Z"


@pytest.mark.timeout(30)
def test_an_orphan_reaped_after_sigchld_is_named_and_marked_orphan():
    """SIGCHLD event, then waitpid, then reap: the record has the command name and orphan=true."""
    tracer, out = new_tracer()
    proc = subprocess.Popen(["sh", "-c", "read line; exec sleep 0"], stdin=subprocess.PIPE)
    wait_comm(proc.pid, "sh")
    proc.stdin.close()   # EOF: the shell execs `sleep 0`, which exits at once
    wait_for(lambda: _zombie(proc.pid), 10, "the child to become a zombie")
    tracer("signal", signal.SIGCHLD, 1, proc.pid, 0)
    pid, status = os.waitpid(proc.pid, 0)
    proc.returncode = 0
    tracer("reap", pid, status, 0, 0)
    reap, = events_of(out.getvalue(), "reap")
    assert reap["command"] == "sleep"
    assert reap["orphan"] is True and reap["main_child"] is False
    assert reap["status"] == "exited" and reap["exit_code"] == 0


@pytest.mark.timeout(30)
def test_the_main_child_killed_by_a_signal_is_reported_with_128_plus_n():
    """reap and child_exit of the main child: killed, the signal's name, exit_status 128+N."""
    tracer, out = new_tracer()
    proc = subprocess.Popen(["sleep", "20"])
    wait_comm(proc.pid, "sleep")
    tracer.spawned(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    wait_for(lambda: _zombie(proc.pid), 10, "the child to become a zombie")
    tracer("signal", signal.SIGCHLD, 2, proc.pid, 0)
    pid, status = os.waitpid(proc.pid, 0)
    proc.returncode = -9
    tracer("reap", pid, status, 1, 0)
    tracer("child_exit", pid, status, 0, 0)
    reap, = events_of(out.getvalue(), "reap")
    exit_record, = events_of(out.getvalue(), "child_exit")
    for record in (reap, exit_record):
        assert record["command"] == "sleep"
        assert record["status"] == "killed" and record["signal"] == "SIGKILL"
        assert record["exit_status"] == 137
    assert reap["main_child"] is True and reap["orphan"] is False


@pytest.mark.timeout(30)
def test_a_process_never_seen_alive_is_named_with_a_question_mark():
    """A reap with no earlier chance to read the name says `?` rather than guessing."""
    tracer, out = new_tracer()
    tracer("reap", 999999, 0, 0, 0)
    reap, = events_of(out.getvalue(), "reap")
    assert reap["command"] == "?"


@pytest.mark.timeout(30)
def test_child_exit_keeps_the_main_childs_name_without_a_spawned_call():
    """The reap marked is_main names the child, and child_exit repeats that name."""
    tracer, out = new_tracer()
    proc = subprocess.Popen(["sh", "-c", "read line; exit 5"], stdin=subprocess.PIPE)
    wait_comm(proc.pid, "sh")
    proc.stdin.close()
    wait_for(lambda: _zombie(proc.pid), 10, "the child to become a zombie")
    tracer("signal", signal.SIGCHLD, 1, proc.pid, 0)
    pid, status = os.waitpid(proc.pid, 0)
    proc.returncode = 5
    tracer("reap", pid, status, 1, 0)
    tracer("child_exit", pid, status, 0, 0)
    exit_record, = events_of(out.getvalue(), "child_exit")
    assert exit_record["command"] == "sh" and exit_record["exit_code"] == 5
