"""--timeout SECONDS stops the command as a SIGTERM from outside would, then exits 124."""

import os
import time

import pytest

from helpers.lifecycle import CHILDREN, records_of
from helpers.run import run_pid1, run_plain


@pytest.mark.timeout(60)
def test_timeout_terms_the_child_and_exits_124(pyinit, tmp_path):
    """The child's TERM trap runs (its cleanup happens), pyinit exits 124 and says timeout."""
    marker = tmp_path / "cleaned"
    script = "trap 'echo cleaned > %s; exit 0' TERM; while :; do sleep 0.05; done" % marker
    result = run_pid1(pyinit, ["--timeout", "1", "--report-format", "json", "--",
                               "sh", "-c", script])
    assert result.returncode == 124, result.stderr
    assert marker.read_text().strip() == "cleaned"
    timeout, = records_of(result.stderr, "timeout")
    assert timeout["timeout_s"] == 1.0 and timeout["sent"] == "SIGTERM", timeout
    exit_record, = records_of(result.stderr, "exit")
    assert exit_record["exit_code"] == 124 and exit_record["reason"] == "exited", exit_record
    assert exit_record["timed_out_after_s"] == 1.0, exit_record


@pytest.mark.timeout(60)
def test_child_ignoring_term_is_killed_after_grace(pyinit):
    """A child ignoring TERM is SIGKILLed --grace seconds after the timeout: grace_killed, 124."""
    started = time.monotonic()
    result = run_pid1(pyinit, ["--timeout", "0.5", "--grace", "1", "--report-format", "json",
                               "--"] + CHILDREN["ignored"])
    took = time.monotonic() - started
    assert result.returncode == 124, result.stderr
    assert took >= 1.5, took
    exit_record, = records_of(result.stderr, "exit")
    assert exit_record["reason"] == "grace_killed", exit_record
    assert exit_record["signal"] == "SIGKILL", exit_record


@pytest.mark.timeout(60)
def test_timeout_reaches_the_forking_childs_descendants_as_pid1(pyinit, tmp_path):
    """A child that forked a TERM-ignoring worker: after --grace everything is killed, 124."""
    script = "(trap '' TERM; sleep 1000) & trap '' TERM; wait"
    result = run_pid1(pyinit, ["--timeout", "0.5", "--grace", "0.5", "--", "sh", "-c", script])
    assert result.returncode == 124, result.stderr


@pytest.mark.timeout(60)
def test_timeout_as_a_subreaper(pyinit):
    """Outside a namespace (-s), the same: TERM, then exit 124."""
    result = run_plain(pyinit, ["-s", "--timeout", "0.5", "--report-format", "json", "--",
                                "sleep", "1000"])
    assert result.returncode == 124, result.stderr
    assert records_of(result.stderr, "exit")[0]["signal"] == "SIGTERM"


@pytest.mark.timeout(60)
def test_command_that_finishes_in_time_keeps_its_code(pyinit):
    """A command done before --timeout exits with its own code and no timeout record."""
    result = run_pid1(pyinit, ["--timeout", "30", "--report-format", "json", "--",
                               "sh", "-c", "exit 3"])
    assert result.returncode == 3, result.stderr
    assert records_of(result.stderr, "timeout") == []


@pytest.mark.timeout(60)
def test_timeout_from_the_environment(pyinit):
    """PYINIT_TIMEOUT=0.5 works as --timeout 0.5."""
    result = run_pid1(pyinit, ["--", "sleep", "1000"], env=dict(os.environ, PYINIT_TIMEOUT="0.5"))
    assert result.returncode == 124, result.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args,env", [
    (["--timeout", "soon"], {}), (["--timeout", "-1"], {}), (["--timeout", "nan"], {}),
    (["--stop-report-after", "x"], {}), ([], {"PYINIT_TIMEOUT": "1m"}),
    ([], {"PYINIT_STOP_REPORT_AFTER": "-3"}), (["--timeout"], {}),
])
def test_bad_seconds_are_one_line_and_exit_2(pyinit, args, env):
    """Not a number of seconds: one line on stderr, exit 2, the command never runs."""
    result = run_plain(pyinit, args + ["--", "true"], env=dict(os.environ, **env))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr
