"""pyinit -v: a signal that arrives before the child installed its handler is traced as `default`."""

import signal
import sys

import pytest

from helpers.verbose import child_script, parse_all, traced


@pytest.mark.timeout(60)
def test_sigterm_before_the_handler_exists_is_default_and_warned(pyinit):
    """The child is ready but has no handler yet: handling default, a no_handler warning, 143."""
    args = ["--", sys.executable, child_script("signal_child.py"), "late"]
    with traced(pyinit, args) as ns:
        assert ns.proc.stdout.readline().strip() == "ready"
        ns.kill(signal.SIGTERM)
        code, _, rest = ns.wait(30)
    records = parse_all(rest)
    forward, = [r for r in records if r["event"] == "forward"]
    assert forward["handling"] == "default" and forward["handling_read"] == "before_kill"
    warning, = [r for r in records if r["event"] == "warning"]
    assert warning["cause"] == "no_handler"
    assert "has no handler for SIGTERM" in warning["message"]
    child_exit, = [r for r in records if r["event"] == "child_exit"]
    assert child_exit["status"] == "killed" and child_exit["signal"] == "SIGTERM"
    assert records[-1] == dict(records[-1], event="exit", exit_code=143)
    assert code == 143


@pytest.mark.timeout(60)
def test_sigterm_after_the_handler_exists_is_caught_without_warning(pyinit):
    """The same signal to a child whose handler is in place: caught, no warning, exit 0."""
    args = ["--", sys.executable, child_script("signal_child.py"), "caught"]
    with traced(pyinit, args) as ns:
        assert ns.proc.stdout.readline().strip() == "ready"
        ns.kill(signal.SIGTERM)
        code, _, rest = ns.wait(30)
    records = parse_all(rest)
    forward, = [r for r in records if r["event"] == "forward"]
    assert forward["handling"] == "caught"
    assert [r for r in records if r["event"] == "warning"] == []
    assert code == 0
