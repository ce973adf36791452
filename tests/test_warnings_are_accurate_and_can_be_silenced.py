"""Warnings say what is true where pyinit runs, and verbosity 0 (tini's level 0) silences them."""

import json

import pytest

from helpers.run import run_pid1, run_plain


def records(stderr):
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.mark.timeout(30)
def test_not_a_reaper_under_an_init_that_reaps(pyinit):
    """pyinit under another init (here pyinit as PID 1, as tini under docker run --init):
    the warning names PID 1 and does not claim that orphans go unreaped."""
    result = run_pid1(pyinit, ["--report-format", "json", "--", pyinit, "--report-format",
                               "json", "--", "true"])
    assert result.returncode == 0, result.stderr
    warning, = [r for r in records(result.stderr) if r.get("cause") == "not_a_reaper"]
    assert "will not be reaped" not in warning["message"]
    assert warning["pid1_command"] == "pyinit"
    assert "PID 1 (pyinit)" in warning["message"]
    assert "docker run --init" in warning["hint"]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("variable", ["PYINIT_VERBOSITY", "TINI_VERBOSITY"])
def test_verbosity_zero_silences_warnings(pyinit, monkeypatch, variable):
    """VAR=0: no not_a_reaper warning (stderr empty), exit code unchanged."""
    monkeypatch.setenv(variable, "0")
    result = run_plain(pyinit, ["--report-format", "json", "--", "sh", "-c", "exit 4"])
    assert (result.returncode, result.stderr) == (4, "")


@pytest.mark.timeout(30)
def test_verbosity_zero_still_reports_failures(pyinit, monkeypatch):
    """PYINIT_VERBOSITY=0 keeps the failure report of a command that cannot start."""
    monkeypatch.setenv("PYINIT_VERBOSITY", "0")
    result = run_plain(pyinit, ["-s", "--report-format", "json", "--", "/nonexistent/cmd"])
    assert result.returncode == 127
    assert [r["cause"] for r in records(result.stderr)] == ["not_found"]


@pytest.mark.timeout(30)
def test_without_verbosity_variable_warnings_stay(pyinit):
    """Unset: the warning is written, as before."""
    result = run_plain(pyinit, ["--report-format", "json", "--", "true"])
    assert [r["cause"] for r in records(result.stderr)] == ["not_a_reaper"]
