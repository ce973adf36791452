"""Ported from tini (test/test.py) and dumb-init (cli_test.py): usage, help, version,
verbose. Usage errors exit 2 (tini and dumb-init exit 1), as getopt-style tools do."""

import json

import pytest

from helpers.run import run_plain


@pytest.mark.timeout(30)
def test_no_arguments_is_a_usage_error(pyinit):
    """No command: exit 2 and one `pyinit: ... usage` line."""
    result = run_plain(pyinit, [])
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "usage" in result.stderr


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(pyinit, flag):
    """Help on stdout, exit 0."""
    result = run_plain(pyinit, [flag])
    assert result.returncode == 0 and result.stdout.startswith("usage: pyinit")


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(pyinit, flag):
    """`pyinit X.Y.Z` on stdout, exit 0."""
    result = run_plain(pyinit, [flag])
    assert result.returncode == 0 and result.stdout.startswith("pyinit ")


@pytest.mark.timeout(30)
def test_unknown_option_exits_2(pyinit):
    """tini's `-z` case: exit 2 (tini: 1)."""
    result = run_plain(pyinit, ["-z"])
    assert result.returncode == 2 and result.stderr.startswith("pyinit: unknown option -z")


@pytest.mark.timeout(30)
def test_command_not_found_exits_127(pyinit):
    """tini's `-- zzzz` case: exit 127 (tini: 1)."""
    assert run_plain(pyinit, ["-s", "--", "zzzz"]).returncode == 127


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag", ["-v", "--verbose"])
def test_verbose_traces_on_stderr_and_leaves_stdout_alone(pyinit, flag):
    """The child's output on stdout untouched; the trace on stderr, start to exit."""
    result = run_plain(pyinit, [flag, "-s", "--report-format", "json", "--", "echo", "oh,", "hi"])
    assert (result.returncode, result.stdout) == (0, "oh, hi\n")
    events = [json.loads(line)["event"] for line in result.stderr.splitlines()]
    assert events[0] == "start" and events[-1] == "exit" and "spawn" in events
