"""--doctor names each zombie whose live parent does not wait(), and that parent."""

import json
import os
import subprocess
import sys

import pytest

LEAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers", "leak_zombie.py")

# PID 1 (sh) starts the leaking parent, waits until its zombie exists, then execs pyinit.
SCRIPT = ('"$0" "$1" "$2" & while [ ! -s "$2" ]; do sleep 0.01; done; '
          'exec "$3" --doctor --report-format json')


@pytest.mark.timeout(60)
def test_a_zombie_of_a_live_parent_that_does_not_wait_is_named_with_its_parent(pyinit, tmp_path):
    """A real parent leaks a real zombie in the namespace: both named, verdict warn."""
    ready = tmp_path / "ready"
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", SCRIPT,
                             sys.executable, LEAK, str(ready), pyinit],
                            capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    zombies, = [r for r in lines if r.get("check") == "zombies"]
    parent_pid, zombie_pid = (int(word) for word in ready.read_text().split())
    assert zombies["verdict"] == "warn", zombies
    assert zombies["zombies"] == [{"pid": zombie_pid, "command": "true", "parent_pid": parent_pid,
                                   "parent_command": "leaky-parent", "parent_sigchld": "default"}]
    assert "Parent %d (leaky-parent) is alive and does not wait()" % parent_pid in zombies["message"]
    assert "%d (true)" % zombie_pid in zombies["message"]


NONREAPING_PID1 = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers",
                               "nonreaping_pid1.py")


@pytest.mark.timeout(60)
def test_orphans_left_by_a_pid1_that_does_not_reap_fail_the_check(pyinit):
    """PID 1 is a program that never wait()s for orphans: zombies of PID 1, verdict fail, exit 1."""
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable,
                             NONREAPING_PID1, pyinit, "--doctor", "--report-format", "json"],
                            capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    zombies, = [r for r in lines if r.get("check") == "zombies"]
    assert zombies["verdict"] == "fail", zombies
    leaked, = zombies["zombies"]
    assert leaked["parent_pid"] == 1 and leaked["command"] == "true"
    assert zombies["message"].startswith("PID 1 (python") and "does not reap" in zombies["message"]
    pid_namespace, = [r for r in lines if r.get("check") == "pid_namespace"]
    assert pid_namespace["pid1"] is False and pid_namespace["pid1_kind"] == "other"
    assert result.returncode == 1
