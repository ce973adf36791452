"""A SIGTERM sent to pyinit as PID 1 from outside its namespace is never lost, however early."""

import time

import pytest

from helpers.pid1 import Namespace

# The issue's +5/+10/+20/+50 ms, and earlier ones that land in the launcher's own start-up.
# Not 0: /proc/PID/exe changes while execve() is still loading the binary in the kernel, and a
# signal to a namespace's PID 1 sent there is dropped for every init (the runtime's window).
DELAYS_MS = [1, 2, 5, 10, 20, 50, 100]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("delay_ms", DELAYS_MS)
@pytest.mark.parametrize("attempt", range(3))
def test_sigterm_after_exec_reaches_the_child(pyinit, delay_ms, attempt):
    """SIGTERM at +delay after pyinit's exec ends `sleep 30` with 143, never a hang."""
    with Namespace(pyinit, ["--", "sleep", "30"]) as ns:
        remaining = ns.exec_seen + delay_ms / 1000.0 - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        ns.kill(15)
        code, _, err = ns.wait(timeout=20)
    assert code == 143, err
