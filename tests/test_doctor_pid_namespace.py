"""--doctor tells a namespace's own /proc from one mounted by another PID namespace."""

import pytest

from helpers.doctoring import UNSHARE, run_doctor


@pytest.mark.timeout(60)
def test_as_pid1_with_its_own_proc_it_reports_pid1_and_a_matching_proc(pyinit):
    """unshare --pid --fork --mount-proc: pid1 true, /proc/self is 1, verdict ok."""
    result, checks, summary = run_doctor(UNSHARE + ["--mount-proc"], pyinit)
    record = checks["pid_namespace"]
    assert record["verdict"] == "ok", record
    assert record["pid1"] is True and record["pid"] == 1
    assert record["proc_matches_pid_ns"] is True and record["proc_self"] == 1
    assert record["nspid"] == [1]
    assert checks["subreaper"]["verdict"] == "ok"


@pytest.mark.timeout(60)
def test_without_mount_proc_it_detects_the_proc_of_another_namespace(pyinit):
    """unshare --pid --fork without --mount-proc: /proc/self lies; verdict fail, exit 1."""
    result, checks, summary = run_doctor(UNSHARE, pyinit)
    record = checks["pid_namespace"]
    assert record["verdict"] == "fail", record
    assert record["pid1"] is True
    assert record["proc_matches_pid_ns"] is False and record["proc_self"] != 1
    assert len(record["nspid"]) == 2 and record["nspid"][-1] == 1
    assert "belongs to another PID namespace" in record["message"]
    assert result.returncode == 1 and summary["exit_code"] == 1
    assert "pid_namespace" in summary["failed"]
    # Nothing read from that /proc is passed off as this namespace's processes.
    assert checks["zombies"]["verdict"] == "warn" and checks["zombies"]["zombies"] == []


@pytest.mark.timeout(60)
def test_outside_a_namespace_without_s_it_warns_that_orphans_escape(pyinit):
    """Not PID 1, no -s: the subreaper check warns; PYINIT_SUBREAPER=1 makes it ok."""
    import os

    _, checks, _ = run_doctor([], pyinit)
    assert checks["subreaper"]["verdict"] == "warn"
    assert checks["pid_namespace"]["pid1"] is False
    env = dict(os.environ, PYINIT_SUBREAPER="1")
    _, checks, _ = run_doctor([], pyinit, env=env)
    assert checks["subreaper"]["verdict"] == "ok"


@pytest.mark.timeout(60)
def test_hidepid_on_proc_is_named(pyinit):
    """/proc remounted hidepid=2: the option is reported; root still sees everything (ok)."""
    script = 'mount -o remount,hidepid=2 /proc && exec "$0" "$@"'
    result, checks, summary = run_doctor(
        ["unshare", "--mount", "--pid", "--fork", "--mount-proc", "sh", "-c", script], pyinit)
    record = checks["pid_namespace"]
    assert record["proc_options"] in (["hidepid=2"], ["hidepid=invisible"]), record
    assert record["verdict"] == "ok" and "root sees every process" in record["message"]
