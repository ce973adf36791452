"""A child that ignores TERM survives `runc kill TERM` and the container ends on `runc kill KILL`."""

import signal
import time

import pytest

from helpers.recorder import pending
from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import DEFAULT_DEADLINE, POLL_INTERVAL, sh

# USR1 is the witness: the init forwards signals one at a time in the order it takes them, so
# once USR1's trap has run, the TERM taken before it was delivered to the child (and ignored).
IGNORES_TERM = """
trap '' TERM
trap 'echo usr1 > %(m)s/usr1' USR1
touch %(m)s/ready
while :; do sleep 3600 & wait $!; done
""" % {"m": MARKERS}


def wait_until_taken(host_pid, signum):
    end = time.monotonic() + DEFAULT_DEADLINE
    while pending(host_pid, signum):
        assert time.monotonic() < end, "init %d never took signal %d" % (host_pid, signum)
        time.sleep(POLL_INTERVAL)


@pytest.mark.timeout(60)
def test_child_ignoring_term_survives_term_and_ends_on_kill(containers):
    """TERM is forwarded and ignored, the container keeps running; KILL ends it with 137."""
    container = containers.run(sh(IGNORES_TERM))
    container.wait_for_marker("ready")
    init_pid = container.init_host_pid()
    container.kill("TERM")
    wait_until_taken(init_pid, signal.SIGTERM)
    container.kill("USR1")
    container.wait_for_marker("usr1")
    assert container.process.poll() is None, container.describe()
    assert container.runc.state(container.id)["status"] == "running", container.describe()
    container.kill("KILL")
    assert container.wait() == 128 + signal.SIGKILL, container.describe()
