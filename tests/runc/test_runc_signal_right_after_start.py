"""A signal sent right after `runc start` (a docker stop racing the start) is not lost."""

import signal

import pytest

# `runc kill` lands while CPython is still starting: `python -m pyinit` as PID 1 loses it every
# time (the kernel drops a SIG_DFL signal aimed at a namespace's init); the launcher, which
# blocks signals in its first instruction, never does. Each attempt lands at a different point.
ATTEMPTS = 3


@pytest.mark.timeout(60)
def test_term_right_after_start_reaches_the_child(containers):
    """create, start, kill TERM at once: the child still dies of it and the container exits 143."""
    for _ in range(ATTEMPTS):
        bundle = containers.bundle(["sleep", "3600"])
        status = containers.signal_right_after_start(bundle, "TERM", when="exec")
        assert status == 128 + signal.SIGTERM, "container %s exited %d" % (bundle.ctr_id, status)
