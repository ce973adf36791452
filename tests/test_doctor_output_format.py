"""--doctor writes one JSON object per check and a summary line, or readable text."""

import json
import subprocess

import pytest

from helpers.doctoring import UNSHARE

CHECKS = ["pid_namespace", "subreaper", "mounts", "credentials", "limits", "signals", "zombies"]


@pytest.mark.timeout(60)
def test_json_is_one_object_per_check_then_a_summary(pyinit):
    """Every stdout line parses; one record per check in a fixed order, the summary last."""
    result = subprocess.run(UNSHARE + ["--mount-proc", pyinit, "--doctor", "--report-format", "json"],
                            capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("check") for r in lines[:-1]] == CHECKS
    for record in lines[:-1]:
        assert record["event"] == "doctor"
        assert record["verdict"] in ("ok", "warn", "fail") and record["message"]
    summary = lines[-1]
    assert summary["event"] == "doctor_summary"
    assert summary["exit_code"] == result.returncode == (1 if summary["failed"] else 0)
    assert result.stderr == ""


@pytest.mark.timeout(60)
def test_with_a_command_a_command_check_is_added(pyinit):
    """pyinit --doctor -- CMD adds the --check validation of CMD as a `command` record."""
    result = subprocess.run(UNSHARE + ["--mount-proc", pyinit, "--doctor", "--report-format", "json",
                                       "--", "true", "x"], capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    command, = [r for r in lines if r.get("check") == "command"]
    assert command["argv"] == ["true", "x"] and command["verdict"] == "ok"
    mounts, = [r for r in lines if r.get("check") == "mounts"]
    assert mounts["target"] == "/usr/bin/true" or mounts["target"].endswith("/true")


@pytest.mark.timeout(60)
def test_text_is_a_verdict_line_per_check_and_a_summary(pyinit):
    """--report-format text: `[verdict] check: explanation` per check, then `doctor: ...`."""
    result = subprocess.run(UNSHARE + ["--mount-proc", pyinit, "--doctor", "--report-format", "text"],
                            capture_output=True, text=True, timeout=60)
    heads = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [h.split("]")[1].split(":")[0].strip() for h in heads] == CHECKS
    assert result.stdout.splitlines()[-1].startswith("doctor: ")
