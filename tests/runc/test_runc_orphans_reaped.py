"""Orphans re-parented to the init inside a runc container are reaped: no zombie stays."""

import os
import signal
import time

import pytest

from helpers.proc_tree import namespace_pid, proc_state, process_tree
from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import DEFAULT_DEADLINE, POLL_INTERVAL, sh

ORPHANS = 3
# `( cmd & )`: the subshell exits at once, so cmd's parent becomes the container's PID 1.
# The main command then becomes `sleep`, which reaps nothing: only PID 1 can reap the orphans.
MAKES_ORPHANS = """
for i in %(range)s; do ( sh -c 'echo $$ > %(m)s/orphan-'$i'; exec sleep 3600' & ) ; done
exec sh -c 'touch %(m)s/ready; exec sleep 3600'
""" % {"m": MARKERS, "range": " ".join(str(i) for i in range(1, ORPHANS + 1))}


def container_processes(init_host_pid):
    """{pid inside the container: (host pid, state letter)} for PID 1 and its descendants, zombies too."""
    seen = {}
    for host_pid in process_tree(init_host_pid):
        inner, state = namespace_pid(host_pid), proc_state(host_pid)
        if inner is not None and state is not None:
            seen[inner] = (host_pid, state)
    return seen


@pytest.mark.timeout(60)
def test_orphans_killed_from_the_host_leave_no_zombie(containers):
    """Orphans SIGKILLed from the host while the main child runs are reaped: gone, and no state Z."""
    container = containers.run(sh(MAKES_ORPHANS))
    container.wait_for_marker("ready")
    orphans = {int(container.wait_for_marker("orphan-%d" % i)) for i in range(1, ORPHANS + 1)}
    init_host_pid = container.init_host_pid()
    before = container_processes(init_host_pid)
    assert orphans <= set(before), "orphans %s not in the container: %s" % (sorted(orphans), before)
    for inner in orphans:
        os.kill(before[inner][0], signal.SIGKILL)
    end = time.monotonic() + DEFAULT_DEADLINE
    while True:
        seen = container_processes(init_host_pid)
        if not orphans & set(seen) and all(state != "Z" for _, state in seen.values()):
            break
        assert time.monotonic() < end, ("orphans %s not reaped: processes %s\n%s"
                                         % (sorted(orphans), seen, container.describe()))
        time.sleep(POLL_INTERVAL)
    assert 1 in seen and container.process.poll() is None, container.describe()
