"""pyinit lowers its own oom_score_adj as far as it may; its child gets the original back.

Started at 500 (raising a score needs no privilege), pyinit goes to -999 where the kernel
lets it (CAP_SYS_RESOURCE), else to 0 (the floor a privileged process last set, 0 here),
else stays. Whatever it did, the child reads exactly 500: pyinit writes the text it read
back between fork and exec.
"""

import subprocess

import pytest

from helpers.pid1 import UNSHARE

START = "500"
# The child prints its own score, then pyinit's (its parent: PID 1 or pyinit itself).
CHILD = "cat /proc/self/oom_score_adj; cat /proc/$PPID/oom_score_adj"


def _lowest_allowed():
    """What a process started at 500 here may lower itself to: -999, 0 or nothing (500)."""
    for target in ("-999", "0"):
        probe = "echo %s > /proc/self/oom_score_adj && echo %s > /proc/self/oom_score_adj" % (
            START, target)
        if subprocess.run(["sh", "-c", probe], capture_output=True, timeout=10).returncode == 0:
            return target
    return START


def _run(argv):
    script = 'echo %s > /proc/self/oom_score_adj && exec "$@"' % START
    return subprocess.run(["sh", "-c", script, "sh"] + argv, capture_output=True, text=True,
                          timeout=30)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "plain"])
def test_child_gets_the_score_pyinit_started_with(pyinit, pid1):
    """The child reads 500; pyinit itself is as low as this host lets a process go."""
    argv = ([] if not pid1 else UNSHARE) + [pyinit] + ([] if pid1 else ["-s"])
    result = _run(argv + ["--", "sh", "-c", CHILD])
    assert result.returncode == 0, result.stderr
    child, parent = result.stdout.split()
    assert child == START
    assert parent == _lowest_allowed()
