"""Ported from tini (test/reaping): orphans left by the child's child are reaped, whether
pyinit is PID 1, a subreaper by -s, or by TINI_SUBREAPER set (even empty); -w reports each
reap, no reap is reported without it; neither PID 1 nor subreaper, pyinit warns."""

import json
import os
import subprocess
import sys

import pytest

from helpers.pid1 import UNSHARE

# Starts a child that leaves three orphans and exits, then waits until its init (pyinit)
# has no descendant but itself: exit 0 once reaped, 1 after 20 s.
ORPHANS_THEN_WAIT = r"""
import os, subprocess, sys, time
subprocess.run(["sh", "-c", "sleep 0.2 & sleep 0.3 & sleep 0.4 &"], check=True)
init = os.getppid()
def descendants(pid):
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        with open("/proc/%d/task/%d/children" % (current, current)) as f:
            kids = [int(k) for k in f.read().split()]
        found += kids
        queue += kids
    return found
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    if descendants(init) == [os.getpid()]:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
"""


def run(pyinit, args, as_pid1=False, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    argv = [pyinit, "--report-format", "json"] + args + ["--", sys.executable, "-c",
                                                          ORPHANS_THEN_WAIT]
    return subprocess.run(UNSHARE + argv if as_pid1 else argv, capture_output=True, text=True,
                          timeout=60, env=env)


def causes(stderr):
    return [json.loads(line).get("cause") for line in stderr.splitlines() if line.startswith("{")]


MODES = {"pid1": ([], True, None), "-s": (["-s"], False, None),
         "TINI_SUBREAPER=": ([], False, {"TINI_SUBREAPER": ""})}


@pytest.mark.timeout(90)
@pytest.mark.parametrize("mode", list(MODES))
def test_orphans_are_reaped_silently(pyinit, mode):
    """The orphans are reaped; without -w nothing is written."""
    args, as_pid1, env = MODES[mode]
    result = run(pyinit, args, as_pid1, env)
    assert result.returncode == 0, result.stderr
    assert causes(result.stderr) == []


@pytest.mark.timeout(90)
@pytest.mark.parametrize("mode", list(MODES))
def test_w_reports_each_reaped_orphan(pyinit, mode):
    """-w: one reaped_zombie warning per orphan."""
    args, as_pid1, env = MODES[mode]
    result = run(pyinit, args + ["-w"], as_pid1, env)
    assert result.returncode == 0, result.stderr
    assert causes(result.stderr).count("reaped_zombie") == 3, result.stderr


@pytest.mark.timeout(90)
def test_neither_pid1_nor_subreaper_warns(pyinit):
    """tini prints "zombie reaping won't work"; pyinit writes a not_a_reaper warning (the
    orphans go to whoever is PID 1 here, not to pyinit)."""
    result = run(pyinit, [], False, None)
    assert "not_a_reaper" in causes(result.stderr)
