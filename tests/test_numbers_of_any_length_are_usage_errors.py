"""A number of any length in an option or variable is a usage error: exit 2, one short line."""

import pytest

from helpers.run import run_plain

HUGE = "9" * 5000   # past CPython's 4300-digit limit for int()
LONG = "1" * 80


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args", [
    ["-e", HUGE], ["-e", LONG], ["--remap-exit=" + HUGE], ["--grace", HUGE], ["--grace", LONG],
    ["-p", HUGE], ["-p", LONG], ["-p" + HUGE], ["-r", HUGE + ":1"], ["-r", "1:" + HUGE],
    ["-r", "TERM:" + LONG],
], ids=lambda a: "%s(%d chars)" % (a[0][:14], len(a[-1])))
def test_huge_option_values(pyinit, args):
    """Each ends in exit 2 and one `pyinit: ...` line that shows the value shortened."""
    result = run_plain(pyinit, args + ["--", "true"])
    assert result.returncode == 2, result.stderr[:300]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyinit: "), result.stderr[:300]
    assert len(lines[0]) < 200 and "internal_error" not in lines[0], lines[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("variable", ["PYINIT_VERBOSITY", "TINI_VERBOSITY", "PYINIT_GRACE"])
@pytest.mark.parametrize("value", [HUGE, LONG], ids=["5000_digits", "80_digits"])
def test_huge_variable_values(pyinit, monkeypatch, variable, value):
    """A verbosity or grace of thousands of digits: exit 2, one short line naming the variable."""
    monkeypatch.setenv(variable, value)
    result = run_plain(pyinit, ["-s", "--", "true"])
    assert result.returncode == 2, result.stderr[:300]
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyinit: %s=" % variable), result.stderr[:300]
    assert len(lines[0]) < 200, lines[0]


@pytest.mark.timeout(30)
def test_leading_zeros_are_still_a_number(pyinit):
    """-e 0003 is exit code 3, however many zeros lead it."""
    result = run_plain(pyinit, ["-s", "-e", "0" * 20 + "3", "--", "sh", "-c", "exit 3"])
    assert result.returncode == 0, result.stderr
