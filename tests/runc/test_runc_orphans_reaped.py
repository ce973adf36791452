"""Orphans re-parented to the init inside a runc container are reaped: no zombie stays."""

import time

import pytest

from helpers.runc_bundle import DEFAULT_DEADLINE, MARKERS, POLL_INTERVAL, namespace_pid, proc_state, sh

ORPHANS = 3
# `( cmd & )`: the subshell exits at once, so cmd's parent becomes the container's PID 1.
MAKES_ORPHANS = """
for i in %(range)s; do ( sh -c 'echo $$ > %(m)s/orphan-'$i & ) ; done
touch %(m)s/ready
exec sleep 3600
""" % {"m": MARKERS, "range": " ".join(str(i) for i in range(1, ORPHANS + 1))}


def container_processes(container):
    """{pid inside the container: state letter} for every process still in its cgroup."""
    seen = {}
    for host_pid in container.runc.host_pids(container.id):
        inner, state = namespace_pid(host_pid), proc_state(host_pid)
        if inner is not None and state is not None:
            seen[inner] = state
    return seen


@pytest.mark.timeout(60)
def test_exited_orphans_leave_no_zombie(containers):
    """Each orphan has exited and is gone from the container, and no process is in state Z."""
    container = containers.run(sh(MAKES_ORPHANS))
    container.wait_for_marker("ready")
    orphans = {int(container.wait_for_marker("orphan-%d" % i)) for i in range(1, ORPHANS + 1)}
    end = time.monotonic() + DEFAULT_DEADLINE
    while True:
        seen = container_processes(container)
        if not orphans & set(seen) and "Z" not in seen.values():
            break
        assert time.monotonic() < end, ("orphans %s not reaped: processes %s\n%s"
                                         % (sorted(orphans), seen, container.describe()))
        time.sleep(POLL_INTERVAL)
    assert seen.get(1) not in (None, "Z"), "PID 1 gone or a zombie: %s" % seen
