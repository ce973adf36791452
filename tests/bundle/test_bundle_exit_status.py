"""The bundle's pyinit, PID 1 of a container on a Python-less image, exits with CMD's status."""

import signal

import pytest

from helpers.bundle_runs import USERS
from helpers.images import IMAGES
from helpers.runc_image import PYINIT


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_exit_code_and_death_by_signal_pass_through(image_containers, image_roots, image, user):
    """CMD's exit code 3 comes out as 3; CMD killed by SIGUSR1 comes out as 128+10."""
    exits = image_containers.run_image(image_roots[image], [PYINIT, "--", "/app/probe", "exit", "3"],
                                       user=USERS[user])
    killed = image_containers.run_image(image_roots[image],
                                        [PYINIT, "--", "/app/probe", "kill", str(int(signal.SIGUSR1))],
                                        user=USERS[user])
    assert exits.wait() == 3, exits.describe()
    assert killed.wait() == 128 + signal.SIGUSR1, killed.describe()
