"""Every trace record is one JSON line with `t` and `event`; text when asked; nothing when off."""

import json
import signal
import time

import pytest

from helpers.tracing import new_tracer, records


def _feed(tracer):
    tracer.start(["app", "--serve"], 0, 1 << (signal.SIGTERM - 1))
    tracer("signal", signal.SIGTERM, 0, 0, 0)
    tracer("forward", signal.SIGTERM, signal.SIGTERM, 999999, 3)   # ESRCH
    tracer("forward", signal.SIGHUP, 0, 999999, 0)                 # dropped by --rewrite
    tracer("signal", signal.SIGINT, 0x80, 0, 0)
    tracer("signal", signal.SIGUSR1, -1, 42, 1000)
    tracer("reap", 999999, 256, 0, 0)
    tracer("child_exit", 999999, 256, 0, 0)
    tracer("shutdown", signal.SIGKILL, 2, 0, 0)
    tracer("not_a_kind_yet", 1, 2, 3, 4)
    tracer.exit(1)


@pytest.mark.timeout(30)
def test_every_line_is_a_json_object_with_a_monotonic_time_and_an_event():
    """json format: each line parses, carries t (monotonic, non-decreasing) and event."""
    tracer, out = new_tracer()
    before = time.monotonic()
    _feed(tracer)
    lines = records(out.getvalue())
    assert [r["event"] for r in lines] == ["start", "signal", "forward", "forward", "signal",
                                           "signal", "reap", "child_exit", "shutdown",
                                           "not_a_kind_yet", "exit"]
    times = [r["t"] for r in lines]
    assert times == sorted(times) and times[0] >= round(before, 6) - 1e-6
    start, signal_term, esrch, dropped, tty, queued = lines[:6]
    assert start["child_ignored"] == ["SIGTERM"] and start["child_blocked"] == []
    assert signal_term["code"] == "user" and "outside this PID namespace" in signal_term["sender"]
    assert esrch["result"] == "ESRCH"
    assert dropped["result"] == "dropped" and dropped["sent"] is None
    assert tty["code"] == "tty" and queued["code"] == "queue" and queued["sender_uid"] == 1000
    assert lines[6]["exit_code"] == 1 and lines[-1]["exit_code"] == 1


@pytest.mark.timeout(30)
def test_text_format_writes_no_json():
    """text format: readable `pyinit: event` blocks, not JSON."""
    tracer, out = new_tracer(fmt="text")
    _feed(tracer)
    text = out.getvalue()
    assert "pyinit: forward" in text and "  result: ESRCH" in text
    for line in text.splitlines():
        with pytest.raises(ValueError):
            json.loads(line)


@pytest.mark.timeout(30)
def test_verbosity_zero_writes_nothing():
    """Installed only for -w, with verbosity 0: no trace line at all for these events."""
    tracer, out = new_tracer(verbosity=0)
    _feed(tracer)
    assert out.getvalue() == ""


@pytest.mark.timeout(30)
def test_warn_on_reap_alone_warns_only_about_orphans():
    """-w without -v: one reaped_zombie warning per orphan, none for the main child."""
    tracer, out = new_tracer(verbosity=0, warn_on_reap=True)
    tracer("reap", 999998, 0, 1, 0)
    tracer("reap", 999999, 9, 0, 0)
    warning, = records(out.getvalue())
    assert warning["event"] == "warning" and warning["cause"] == "reaped_zombie"
    assert warning["pid"] == 999999 and "SIGKILL" in warning["message"]
