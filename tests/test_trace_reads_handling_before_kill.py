"""The tracer reads how the target handles a forwarded signal from its real /proc/PID/status."""

import signal

import pytest

from helpers.pid1 import children, wait_for
from helpers.tracing import (comm, events_of, forward_through, new_tracer, signal_child,
                             spawn_ready, wait_comm)


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _finish(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


@pytest.mark.timeout(30)
def test_a_shell_with_trap_ignoring_term_is_reported_ignored_with_a_warning():
    """sh with `trap '' TERM`: handling `ignored`, and a warning that docker stop will SIGKILL it."""
    tracer, out = new_tracer()
    proc = spawn_ready(["sh", "-c", "trap '' TERM; echo ready; sleep 20"])
    try:
        tracer.spawned(proc.pid)
        forward_through(tracer, proc, signal.SIGTERM)
        assert proc.poll() is None, "the shell should have ignored SIGTERM"
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == "ignored"
    assert forward["handling_read"] == "before_kill"
    assert forward["result"] == "ok" and forward["command"] == "sh"
    warning, = events_of(out.getvalue(), "warning")
    assert warning["cause"] == "signal_ignored"
    assert warning["message"] == ("pid %d (sh) ignores SIGTERM: it will not stop; docker stop will "
                                  "SIGKILL it after the grace period" % proc.pid)


@pytest.mark.timeout(30)
def test_a_plain_sleep_is_reported_default_and_warned_that_it_dies_without_cleanup():
    """sleep has no handler: handling `default`, and a no_handler warning."""
    tracer, out = new_tracer()
    proc = spawn_ready(["sh", "-c", "echo ready; exec sleep 20"])
    try:
        wait_comm(proc.pid, "sleep")
        tracer.spawned(proc.pid)
        forward_through(tracer, proc, signal.SIGTERM)
        assert proc.wait(10) == -signal.SIGTERM
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == "default" and forward["handling_read"] == "before_kill"
    warning, = events_of(out.getvalue(), "warning")
    assert warning["cause"] == "no_handler"
    assert "has no handler for SIGTERM" in warning["message"]


@pytest.mark.timeout(30)
def test_a_python_child_with_a_handler_is_reported_caught_without_warning():
    """A Python child with a SIGTERM handler: handling `caught`, no warning."""
    tracer, out = new_tracer()
    proc = signal_child("caught")
    try:
        tracer.spawned(proc.pid)
        forward_through(tracer, proc, signal.SIGTERM)
        assert proc.stdout.readline().strip() == "caught"
        assert proc.wait(10) == 0
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == "caught"
    assert events_of(out.getvalue(), "warning") == []


@pytest.mark.timeout(30)
def test_a_child_blocking_the_signal_is_reported_blocked_with_a_warning():
    """A child that blocks SIGTERM: handling `blocked`, and a warning that it stays pending."""
    tracer, out = new_tracer()
    proc = signal_child("blocked")
    try:
        tracer.spawned(proc.pid)
        forward_through(tracer, proc, signal.SIGTERM)
        assert proc.poll() is None
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == "blocked"
    warning, = events_of(out.getvalue(), "warning")
    assert warning["cause"] == "signal_blocked" and "stays pending" in warning["message"]


@pytest.mark.timeout(30)
def test_without_a_known_main_child_every_child_is_read_before_the_kill():
    """No spawned() call: the tracer reads its children at the signal event, still before the kill."""
    tracer, out = new_tracer()
    proc = spawn_ready(["sh", "-c", "echo ready; exec sleep 20"])
    try:
        wait_comm(proc.pid, "sleep")
        forward_through(tracer, proc, signal.SIGTERM)
        proc.wait(10)
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == "default" and forward["handling_read"] == "before_kill"


@pytest.mark.timeout(30)
def test_a_forward_to_a_process_group_reads_every_member():
    """target -pgid: each member is read; the leader ignores TERM, its sleep dies of it."""
    tracer, out = new_tracer()
    proc = spawn_ready(["setsid", "sh", "-c", "trap '' TERM; echo ready; (trap - TERM; exec sleep 20)"])
    try:
        sleeper = wait_for(lambda: ([p for p in children(proc.pid) if comm(p) == "sleep"] or [None])[0],
                           10, "the group's sleep")
        tracer.spawned(proc.pid)
        tracer("signal", signal.SIGTERM, 0, 0, 0)
        tracer("forward", signal.SIGTERM, signal.SIGTERM, -proc.pid, 0)
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["target_kind"] == "process_group" and forward["handling"] == "ignored"
    assert forward["group"] == ["%d (sh): ignored" % proc.pid, "%d (sleep): default" % sleeper]
    ignored, no_handler = events_of(out.getvalue(), "warning")
    assert ignored["message"].startswith("pid %d (sh) in process group %d ignores SIGTERM"
                                         % (proc.pid, proc.pid))
    assert no_handler["cause"] == "no_handler" and no_handler["target"] == sleeper


@pytest.mark.timeout(30)
@pytest.mark.parametrize("mode", ["waited", "signalfd"])
def test_a_signal_taken_without_a_handler_is_not_warned_about(mode):
    """sigwait() and signalfd take SIGTERM with no handler: reported as such, and no warning."""
    tracer, out = new_tracer(verbosity=2)
    proc = signal_child(mode)
    try:
        if mode == "waited":
            # ready is printed just before sigwait(): wait until the kernel shows it waiting.
            wait_for(lambda: read_text("/proc/%d/wchan" % proc.pid).startswith("do_sigtimedwait")
                     or read_text("/proc/%d/syscall" % proc.pid).split(" ")[0] == "128", 10,
                     "the child to wait in sigtimedwait")
        tracer.spawned(proc.pid)
        forward_through(tracer, proc, signal.SIGTERM)
        assert proc.stdout.readline().strip() == "got"
        assert proc.wait(10) == 0
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["handling"] == mode
    if mode == "signalfd":
        assert forward["target_signalfd"] == ["SIGTERM"]
    else:
        assert forward["target_in_sigwait"] is True
    assert events_of(out.getvalue(), "warning") == []
