"""--doctor reports the signal mask and ignored set pyinit was started with, via the launcher."""


import pytest

from helpers.doctoring import UNSHARE, run_doctor


@pytest.mark.timeout(60)
def test_sigterm_ignored_by_whoever_started_pyinit_fails_the_signals_check(pyinit):
    """sh `trap '' TERM` then exec pyinit --doctor: SIGTERM listed as ignored, verdict fail, exit 1."""
    result, checks, summary = run_doctor(
        UNSHARE + ["--mount-proc", "sh", "-c", "trap '' TERM; exec \"$0\" \"$@\""], pyinit)
    record = checks["signals"]
    assert record["source"] == "inherited"
    assert record["ignored"] == ["SIGTERM"] and record["blocked"] == []
    assert record["verdict"] == "fail"
    assert "SIGTERM ignored" in record["message"]
    assert result.returncode == 1 and "signals" in summary["failed"]


@pytest.mark.timeout(60)
def test_a_clean_start_reports_nothing_blocked_or_ignored(pyinit):
    """Started from a clean shell: not the launcher's own full block, but what it inherited."""
    result, checks, summary = run_doctor(UNSHARE + ["--mount-proc"], pyinit)
    record = checks["signals"]
    assert record["source"] == "inherited"
    assert record["blocked"] == [] and record["ignored"] == []
    assert record["verdict"] == "ok"


@pytest.mark.timeout(60)
def test_sighup_ignored_as_by_nohup_is_only_a_warning(pyinit):
    """nohup ignores SIGHUP on purpose: warn, not fail."""
    result, checks, summary = run_doctor(UNSHARE + ["--mount-proc", "nohup"], pyinit)
    record = checks["signals"]
    assert record["ignored"] == ["SIGHUP"] and record["verdict"] == "warn"
    assert result.returncode == 0, result.stdout
