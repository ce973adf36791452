"""-v from the bundle traces the start, the spawn, the reap and the exit in every image."""

import pytest

from helpers.bundle_runs import USERS
from helpers.run import reports
from helpers.images import IMAGES
from helpers.runc_image import PYINIT


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_verbose_trace_is_complete(image_containers, image_roots, image, user):
    """`pyinit -v -- probe exit 5`: exit 5, and the trace has start, spawn, reap and exit 5."""
    container = image_containers.run_image(
        image_roots[image], [PYINIT, "-v", "--", "/app/probe", "exit", "5"], user=USERS[user])
    assert container.wait() == 5, container.describe()
    events = [r.get("event") for r in reports(container.stderr)]
    for event in ("start", "spawn", "reap", "exit"):
        assert event in events, container.describe()
    assert reports(container.stderr)[-1] == {**reports(container.stderr)[-1], "event": "exit",
                                             "exit_code": 5}, container.describe()
