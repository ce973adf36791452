"""Every line of a -v run is a timestamped trace record, however pyinit is turned on and ends."""

import ctypes

import pytest

from helpers.pid1 import Namespace
from helpers.recorder import LineReader
from helpers.run import run_pid1, run_plain
from helpers.verbose import parse_all


def assert_bracketed(records, exit_code):
    assert records[0]["event"] == "start", records[0]
    assert records[-1] == dict(records[-1], event="exit", exit_code=exit_code), records[-1]
    assert all("t" in r for r in records), [r for r in records if "t" not in r]
    assert [r["t"] for r in records] == sorted(r["t"] for r in records)


@pytest.mark.timeout(30)
def test_outside_a_namespace_the_warning_is_a_trace_record(pyinit):
    """Not PID 1: start, the not_a_reaper warning with its time, ..., exit."""
    result = run_plain(pyinit, ["-v", "--report-format", "json", "--", "true"])
    records = parse_all(result.stderr)
    assert_bracketed(records, 0)
    assert [r["cause"] for r in records if r["event"] == "warning"] == ["not_a_reaper"]


@pytest.mark.timeout(30)
def test_a_failure_report_is_a_trace_record_after_start(pyinit):
    """A command that cannot start: start, preflight_failed with its time, exit 127."""
    result = run_plain(pyinit, ["-v", "-s", "--report-format", "json", "--", "/nonexistent"])
    records = parse_all(result.stderr)
    assert_bracketed(records, 127)
    assert [r["event"] for r in records] == ["start", "preflight_failed", "exit"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("variable", ["PYINIT_VERBOSITY", "TINI_VERBOSITY"])
def test_the_verbosity_variable_turns_tracing_on(pyinit, monkeypatch, variable):
    """PYINIT_VERBOSITY=1 (or tini's TINI_VERBOSITY) traces as -v does."""
    monkeypatch.setenv(variable, "1")
    result = run_pid1(pyinit, ["--report-format", "json", "--", "true"])
    assert_bracketed(parse_all(result.stderr), 0)


@pytest.mark.timeout(30)
def test_double_verbose_adds_the_targets_signal_sets(pyinit):
    """-vv: each forward carries the target's blocked, ignored and caught sets."""
    script = "trap 'exit 0' USR1; kill -USR1 1; while :; do :; done"
    result = run_pid1(pyinit, ["-vv", "--report-format", "json", "--", "sh", "-c", script])
    forward, = [r for r in parse_all(result.stderr) if r["event"] == "forward"]
    assert "SIGUSR1" in forward["target_caught"]
    assert {"target_blocked", "target_ignored", "target_signalfd", "target_in_sigwait"} <= set(forward)


@pytest.mark.timeout(30)
def test_text_format_writes_readable_blocks(pyinit):
    """--report-format text: each record a `pyinit: EVENT` line followed by `  key: value` lines."""
    result = run_pid1(pyinit, ["-v", "--report-format", "text", "--", "sh", "-c", "exit 3"])
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert lines[0] == "pyinit: start"
    assert "pyinit: exit" in lines and "  exit_code: 3" in lines
    assert all(line.startswith(("pyinit: ", "  ")) for line in lines), result.stderr


@pytest.mark.timeout(30)
def test_a_sigqueue_from_outside_the_namespace_is_named_as_such(pyinit, recorder):
    """sigqueue() from the parent namespace: code `queue`, sender 0, explained as outside."""
    libc = ctypes.CDLL(None, use_errno=True)
    rtmin = 34
    with Namespace(pyinit, ["-v", "--report-format", "json", "--", recorder],
                   universal_newlines=True) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l.startswith("ready"), 20)
        assert libc.sigqueue(ns.init_pid, rtmin, ctypes.c_void_p(7)) == 0, ctypes.get_errno()
        out.read_until(lambda l: l.startswith("signal %d " % rtmin), 10)
        ns.kill(15)
        _, _, err = ns.wait()
    queued, = [r for r in parse_all(err) if r["event"] == "signal" and r["signo"] == rtmin]
    assert queued["code"] == "queue" and queued["sender_pid"] == 0
    assert queued["sender"].startswith("outside this PID namespace")
