"""Orphans left to the bundle's pyinit (PID 1 of the container) are reaped."""

import pytest

from helpers.bundle_runs import USERS
from helpers.images import IMAGES
from helpers.runc_image import PYINIT

ORPHANS = 5


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_orphans_do_not_stay_zombies(image_containers, image_roots, image, user):
    """The child leaves 5 orphans that exit: none of the namespace's processes stays a zombie."""
    container = image_containers.run_image(
        image_roots[image], [PYINIT, "--", "/app/probe", "orphans", str(ORPHANS), "/markers/zombies"],
        user=USERS[user])
    assert container.wait() == 0, container.describe()
    assert container.marker("zombies").read_text() == "zombies 0\n", container.describe()
