"""--doctor reads the pids cgroup it runs in: a full one fails, a nearly full one warns."""

import os
import subprocess
import json

import pytest

from helpers.doctoring import pids_cgroup_root

# The shell joins the cgroup, then becomes pyinit --doctor (same pid, so one process).
SCRIPT = 'echo $$ > "$1/cgroup.procs" && exec "$2" --doctor --report-format json'


def _limits_in_cgroup(pyinit, limit):
    group = os.path.join(pids_cgroup_root(), "pyinit-doctor-%d-%d" % (os.getpid(), limit))
    os.mkdir(group)
    try:
        with open(os.path.join(group, "pids.max"), "w") as f:
            f.write(str(limit))
        result = subprocess.run(["sh", "-c", SCRIPT, "sh", group, pyinit], capture_output=True,
                                text=True, timeout=30)
    finally:
        os.rmdir(group)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    limits, = [r for r in lines if r.get("check") == "limits"]
    return result, limits, group


@pytest.mark.timeout(60)
def test_a_full_pids_cgroup_fails_the_limits_check(pyinit):
    """pids.max=1 and pyinit is that one process: verdict fail, fork would get EAGAIN."""
    result, limits, group = _limits_in_cgroup(pyinit, 1)
    assert limits["verdict"] == "fail", limits
    assert limits["pids_max"] == 1 and limits["pids_current"] == 1
    assert os.path.basename(limits["pids_cgroup"]) == os.path.basename(group)
    assert "EAGAIN" in limits["message"]
    assert result.returncode == 1


@pytest.mark.timeout(60)
def test_a_nearly_full_pids_cgroup_warns(pyinit):
    """pids.max=5 with one process in it: verdict warn, the numbers shown."""
    result, limits, group = _limits_in_cgroup(pyinit, 5)
    assert limits["verdict"] == "warn", limits
    assert limits["pids_max"] == 5 and limits["pids_current"] == 1
    assert "nearly full" in limits["message"]
