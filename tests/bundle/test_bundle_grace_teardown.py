"""When the child exits, the bundle's pyinit gives what it left behind SIGTERM and --grace."""

import pytest

from helpers.bundle_runs import USERS
from helpers.images import IMAGES
from helpers.runc_image import PYINIT


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_leftover_gets_term_within_grace(image_containers, image_roots, image, user):
    """A process left running when the child exits 0 is sent SIGTERM, writes its marker, and
    the container exits 0 with the child's code."""
    container = image_containers.run_image(
        image_roots[image], [PYINIT, "--grace", "30", "--", "/app/probe", "leftover", "/markers/leftover"],
        user=USERS[user])
    assert container.wait(deadline=60) == 0, container.describe()
    assert container.marker("leftover").read_text() == "term\n", container.describe()
