"""pyinit -v: forwarding SIGTERM to a child that ignores it gives handling `ignored` and a warning."""

import signal

import pytest

from helpers.verbose import LineReader, parse_all, read_until, traced

CHILD = "trap '' TERM; echo ready; sleep 20 & wait"


@pytest.mark.timeout(60)
def test_sigterm_to_a_child_with_trap_ignoring_it_is_traced_as_ignored(pyinit):
    """The forward record says ignored (read before the kill) and a warning explains docker stop."""
    with traced(pyinit, ["--grace", "0.2", "--", "sh", "-c", CHILD]) as ns:
        assert ns.proc.stdout.readline().strip() == "ready"
        ns.kill(signal.SIGTERM)
        seen, stderr = [], LineReader(ns.proc.stderr)
        forward = read_until(stderr, lambda r: r["event"] == "forward", 20, seen)
        warning = read_until(stderr, lambda r: r["event"] == "warning", 5, seen)
        ns.kill(signal.SIGUSR1)   # sh has no handler for it: this ends the run
        code, _, rest = ns.wait()
    assert forward["signal"] == "SIGTERM" and forward["target"] == 2
    assert forward["result"] == "ok" and forward["command"] == "sh"
    assert forward["handling"] == "ignored" and forward["handling_read"] == "before_kill"
    assert warning["cause"] == "signal_ignored"
    assert warning["message"] == ("pid 2 (sh) ignores SIGTERM: it will not stop; docker stop will "
                                  "SIGKILL it after the grace period")
    signal_record, = [r for r in seen if r["event"] == "signal"]
    assert signal_record["code"] == "user" and signal_record["sender_pid"] == 0
    parse_all(stderr.rest(rest))
    assert code == 128 + signal.SIGUSR1
