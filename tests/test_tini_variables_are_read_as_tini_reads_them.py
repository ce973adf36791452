"""TINI_SUBREAPER and TINI_KILL_PROCESS_GROUP turn their feature on when set at all, as in
tini; PYINIT_* read 0/false/no/off and empty as off."""

import json

import pytest

from helpers.recorder import usr1_reaches_the_group
from helpers.run import run_plain


def not_a_reaper_warned(stderr):
    return any(json.loads(line).get("cause") == "not_a_reaper"
               for line in stderr.splitlines() if line.startswith("{"))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("value", ["", "0", "1", "no"])
def test_tini_subreaper_set_to_anything_is_on(pyinit, monkeypatch, value):
    """TINI_SUBREAPER=VALUE (even empty or 0) makes pyinit a subreaper: no not_a_reaper warning."""
    monkeypatch.setenv("TINI_SUBREAPER", value)
    result = run_plain(pyinit, ["--report-format", "json", "--", "true"])
    assert result.returncode == 0 and not not_a_reaper_warned(result.stderr), result.stderr


@pytest.mark.timeout(30)
@pytest.mark.parametrize("value,on", [("", False), ("0", False), ("off", False), ("FALSE", False),
                                      ("1", True), ("yes", True)])
def test_pyinit_subreaper_values(pyinit, monkeypatch, value, on):
    """PYINIT_SUBREAPER: empty, 0, off, false (any case) are off; anything else is on."""
    monkeypatch.setenv("PYINIT_SUBREAPER", value)
    result = run_plain(pyinit, ["--report-format", "json", "--", "true"])
    assert result.returncode == 0 and not_a_reaper_warned(result.stderr) != on, result.stderr


@pytest.mark.timeout(60)
@pytest.mark.parametrize("value", ["", "0"])
def test_tini_kill_process_group_set_to_anything_is_on(pyinit, recorder, monkeypatch, value):
    """TINI_KILL_PROCESS_GROUP=VALUE (even empty or 0): a signal to pyinit reaches a
    grandchild in the child's process group."""
    monkeypatch.setenv("TINI_KILL_PROCESS_GROUP", value)
    usr1_reaches_the_group(pyinit, recorder)
