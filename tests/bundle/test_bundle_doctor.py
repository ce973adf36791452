"""--doctor from the bundle runs every check in a Python-less image, as PID 1, as any user."""

import pytest

from helpers.bundle_runs import USERS
from helpers.run import reports
from helpers.images import IMAGES
from helpers.runc_image import PYINIT

CHECKS = {"pid_namespace", "subreaper", "mounts", "credentials", "limits", "signals", "zombies",
          "command"}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_doctor_reports_every_check(image_containers, image_roots, image, user):
    """One JSON record per check (the command's too), a summary, no internal failure; PID 1
    is pyinit itself, so the namespace check passes."""
    container = image_containers.run_image(
        image_roots[image], [PYINIT, "--doctor", "--report-format", "json", "--", "/app/probe"],
        user=USERS[user])
    code = container.wait()
    records = reports(container.stdout) + reports(container.stderr)
    assert not [r for r in records if r.get("event") == "pyinit_failed"], container.describe()
    checks = {r.get("check"): r for r in records if r.get("event") == "doctor"}
    assert CHECKS <= set(checks), container.describe()
    # A check that raised (a module the bundle lacks) says so instead of its verdict.
    assert not [r for r in checks.values() if "could not run" in r.get("message", "")], checks
    assert checks["pid_namespace"]["verdict"] == "ok", checks["pid_namespace"]
    assert checks["command"]["verdict"] == "ok", checks["command"]
    summary = [r for r in records if "exit_code" in r and r.get("event") != "doctor"]
    assert summary and summary[-1]["exit_code"] == code, container.describe()
