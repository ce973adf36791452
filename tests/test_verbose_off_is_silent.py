"""Without -v pyinit writes no trace at all; with -v every line is JSON from start to exit."""

import subprocess

import pytest

from helpers.run import run_pid1
from helpers.verbose import parse_all

# Signals, an orphan, a forwarded signal the child catches: everything a trace would show.
# After `kill` the shell spins on builtins only: dash blocks every signal while it forks, and
# a forward that lands then is rightly traced as `blocked`.
BUSY = ("trap 'got=1' USR1; (sleep 0.1 &); got=; kill -USR1 1; "
        "while [ -z \"$got\" ]; do :; done; echo got-usr1; sleep 0.3; echo done")


@pytest.mark.timeout(60)
def test_without_verbose_nothing_is_written_to_stderr(pyinit):
    """-v off: stderr stays empty (the run is PID 1, so no not_a_reaper warning either)."""
    result = run_pid1(pyinit, ["--report-format", "json", "--", "sh", "-c", BUSY])
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.split() == ["got-usr1", "done"]


@pytest.mark.timeout(60)
def test_with_verbose_every_line_parses_and_the_run_is_bracketed(pyinit):
    """-v: start first, exit last, every line one JSON object with t and event."""
    result = run_pid1(pyinit, ["-v", "--report-format", "json", "--", "sh", "-c", BUSY])
    records = parse_all(result.stderr)
    assert records[0]["event"] == "start" and records[0]["pid1"] is True
    assert records[-1]["event"] == "exit" and records[-1]["exit_code"] == 0
    assert all("t" in r and "event" in r for r in records)
    kinds = {r["event"] for r in records}
    assert {"signal", "forward", "reap", "child_exit"} <= kinds
    usr1, = [r for r in records if r["event"] == "forward"]
    assert usr1["signal"] == "SIGUSR1" and usr1["handling"] == "caught"


@pytest.mark.timeout(60)
def test_the_start_record_shows_the_signals_the_child_inherits(pyinit):
    """A wrapper that ignores SIGTERM before pyinit: start.child_ignored names it."""
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                             "trap '' TERM; exec \"$0\" -v --report-format json -- true", pyinit],
                            capture_output=True, text=True, timeout=60)
    start = parse_all(result.stderr)[0]
    assert start["event"] == "start"
    assert start["child_ignored"] == ["SIGTERM"] and start["child_blocked"] == []
