"""Run `pyinit --doctor` for real and index its JSON lines by check."""

import json
import subprocess

UNSHARE = ["unshare", "--pid", "--fork"]


def run_doctor(prefix, pyinit, extra=(), timeout=60, **kwargs):
    """prefix + [pyinit, --doctor, --report-format, json] + extra; returns (result, {check: record}, summary)."""
    result = subprocess.run(list(prefix) + [pyinit, "--doctor", "--report-format", "json"] + list(extra),
                            capture_output=True, text=True, timeout=timeout, **kwargs)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    checks = {r["check"]: r for r in lines if r.get("event") == "doctor"}
    summaries = [r for r in lines if r.get("event") == "doctor_summary"]
    assert len(summaries) == 1, "expected one summary line; stdout %r stderr %r" % (
        result.stdout, result.stderr)
    return result, checks, summaries[0]


def pids_cgroup_root():
    """The pids controller: cgroup v1's pids hierarchy, or a v2 tree that enables pids."""
    import os

    if os.path.exists("/sys/fs/cgroup/pids/tasks"):
        return "/sys/fs/cgroup/pids"
    for root in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        try:
            with open(os.path.join(root, "cgroup.controllers")) as f:
                if "pids" in f.read().split():
                    return root
        except OSError:
            pass
    raise AssertionError("no cgroup pids controller is mounted: cannot limit processes")
