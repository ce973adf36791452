"""--doctor decodes capabilities by name and notices NoNewPrivs and a missing CAP_KILL."""

import pytest

from helpers.doctoring import UNSHARE, run_doctor


@pytest.mark.timeout(60)
def test_root_without_cap_kill_is_warned_that_forwards_may_fail(pyinit):
    """setpriv drops CAP_KILL and sets NoNewPrivs: both reported, credentials verdict warn."""
    prefix = UNSHARE + ["--mount-proc", "setpriv", "--bounding-set", "-kill", "--no-new-privs"]
    result, checks, summary = run_doctor(prefix, pyinit)
    record = checks["credentials"]
    assert "CAP_KILL" not in record["capabilities"] and "CAP_SYS_ADMIN" in record["capabilities"]
    assert record["no_new_privs"] is True
    assert record["verdict"] == "warn"
    assert "without CAP_KILL" in record["message"] and "NoNewPrivs" in record["message"]


@pytest.mark.timeout(60)
def test_full_root_has_cap_kill_and_an_ok_verdict(pyinit):
    """Plain root in a PID namespace: CAP_KILL present, no user namespace, verdict ok."""
    result, checks, summary = run_doctor(UNSHARE + ["--mount-proc"], pyinit)
    record = checks["credentials"]
    assert "CAP_KILL" in record["capabilities"]
    assert record["user_namespace"] is False and record["verdict"] == "ok"


@pytest.mark.timeout(60)
def test_a_user_namespace_is_reported_with_the_outside_uid(pyinit):
    """unshare --user --map-root-user: user_namespace true, uid 0 inside maps to our uid outside."""
    import os

    prefix = ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"]
    result, checks, summary = run_doctor(prefix, pyinit)
    record = checks["credentials"]
    assert record["user_namespace"] is True
    assert record["uid_map"] == ["0 %d 1" % os.geteuid()]
    assert record["uid_outside"] == os.geteuid()
    assert "user namespace" in record["message"]
