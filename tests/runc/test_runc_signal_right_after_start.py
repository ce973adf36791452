"""A signal sent right after `runc start` (a docker stop racing the start) is not lost."""

import signal

import pytest

ATTEMPTS = 3  # each attempt lands the signal at a different point of the init's startup


@pytest.mark.timeout(60)
def test_term_right_after_start_reaches_the_child(containers):
    """create, start, kill TERM at once: the child still dies of it and the container exits 143."""
    for _ in range(ATTEMPTS):
        bundle = containers.bundle(["sleep", "3600"])
        status = containers.signal_right_after_start(bundle, "TERM")
        assert status == 128 + signal.SIGTERM, "container %s exited %d" % (bundle.ctr_id, status)
