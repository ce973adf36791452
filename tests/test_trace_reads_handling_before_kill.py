"""The tracer reads how the target handles a forwarded signal from its real /proc/PID/status."""

import signal

import pytest

from helpers.tracing import (events_of, forward_through, new_tracer, signal_child, spawn_ready,
                             wait_comm)


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
def test_a_forward_to_a_process_group_reads_the_group_leader():
    """target -pgid: the handling is the group leader's, and the warning names the group."""
    tracer, out = new_tracer()
    proc = spawn_ready(["setsid", "sh", "-c", "trap '' TERM; echo ready; sleep 20"])
    try:
        tracer.spawned(proc.pid)
        tracer("signal", signal.SIGTERM, 0, 0, 0)
        tracer("forward", signal.SIGTERM, signal.SIGTERM, -proc.pid, 0)
    finally:
        _finish(proc)
    forward, = events_of(out.getvalue(), "forward")
    assert forward["target_kind"] == "process_group" and forward["handling"] == "ignored"
    warning, = events_of(out.getvalue(), "warning")
    assert warning["message"].startswith("process group %d (leader sh) ignores SIGTERM" % proc.pid)
