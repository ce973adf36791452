"""When pyinit itself cannot work (fork hits pids.max) it says so in one JSON line and exits 1."""

import json
import os
import subprocess

import pytest

from helpers.doctoring import pids_cgroup_root


@pytest.mark.timeout(30)
def test_fork_failure_is_reported_and_exits_1(pyinit):
    """With pids.max=1 pyinit cannot fork: one pyinit_failed line naming EAGAIN, exit 1."""
    group = os.path.join(pids_cgroup_root(), "pyinit-test-%d" % os.getpid())
    os.mkdir(group)
    try:
        with open(os.path.join(group, "pids.max"), "w") as f:
            f.write("1")
        procs = "cgroup.procs"
        # The shell joins the cgroup, then becomes pyinit (same pid): the one process allowed.
        script = 'echo $$ > "$1/%s" && exec "$2" -s --report-format json -- true' % procs
        result = subprocess.run(["sh", "-c", script, "sh", group, pyinit], capture_output=True,
                                text=True, timeout=20)
    finally:
        os.rmdir(group)
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    failure = [line for line in lines if line["event"] == "pyinit_failed"]
    assert len(failure) == 1, result.stderr
    assert failure[0]["errno"] == "EAGAIN" and "pids.max" in failure[0]["hint"]
