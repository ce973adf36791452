"""Outside a PID namespace pyinit reaps orphans only as a subreaper, and says so otherwise."""

import json

import pytest

from helpers.run import run_plain

# A grandchild outlives its parent: an orphan that is re-parented to the nearest subreaper.
ORPHAN = "sleep 0.3 & exit 0"


def events(stderr):
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.mark.timeout(30)
def test_subreaper_reaps_an_orphan_and_w_warns_about_it(pyinit):
    """-s -w: the orphan is re-parented to pyinit, reaped, and warned about."""
    result = run_plain(pyinit, ["-s", "-w", "--report-format", "json", "--", "sh", "-c", ORPHAN])
    assert result.returncode == 0, result.stderr
    reaped = [e for e in events(result.stderr) if e.get("cause") == "reaped_zombie"]
    assert len(reaped) == 1, result.stderr


@pytest.mark.timeout(30)
def test_subreaper_from_the_environment(pyinit, monkeypatch):
    """PYINIT_SUBREAPER=1 acts as -s: no warning that orphans go unreaped."""
    monkeypatch.setenv("PYINIT_SUBREAPER", "1")
    result = run_plain(pyinit, ["--report-format", "json", "--", "true"])
    assert result.returncode == 0
    assert not [e for e in events(result.stderr) if e.get("cause") == "not_a_reaper"]


@pytest.mark.timeout(30)
def test_neither_pid1_nor_subreaper_warns_once(pyinit):
    """Without -s, outside a namespace, one warning line says orphans will not be reaped."""
    result = run_plain(pyinit, ["--report-format", "json", "--", "sh", "-c", ORPHAN])
    assert result.returncode == 0
    warnings = [e for e in events(result.stderr) if e.get("cause") == "not_a_reaper"]
    assert len(warnings) == 1, result.stderr
