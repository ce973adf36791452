"""A SIGTERM sent right after the container starts reaches the child of the bundle's pyinit."""

import signal

import pytest

from helpers.bundle_runs import USERS
from helpers.images import IMAGES
from helpers.runc_image import PYINIT

# Each attempt lands at another point of the start: in the launcher, in ld.so, in CPython.
# The kill waits until PID 1 has left `runc init`: before that, runc's own init takes the
# signal or is inside execve(), and it is lost whatever init follows (tests/helpers/runc_shim.py:
# a static C init with a handler loses it as often).
ATTEMPTS = 2


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image", IMAGES)
def test_term_at_start_is_not_lost(image_containers, image_roots, image, user):
    """create, start, kill TERM the moment runc has exec'd the launcher: the sleeping child
    still dies of it (the signal survived ld.so and CPython's start), the container exits 143."""
    for _ in range(ATTEMPTS):
        bundle = image_containers.image_bundle(image_roots[image],
                                               [PYINIT, "--", "/app/probe", "sleep"],
                                               user=USERS[user])
        status = image_containers.signal_right_after_start(bundle, "TERM", when="exec")
        assert status == 128 + signal.SIGTERM, "container %s exited %d" % (bundle.ctr_id, status)
