"""The OOM check finds the memory cgroup as a container sees it: a cgroup mount rooted at the
container's own cgroup (Docker without a cgroup namespace) is read through mountinfo."""

import os

import pytest

from helpers import memory_limit
from helpers.lifecycle import records_of
from helpers.run import run_plain


@pytest.mark.timeout(60)
def test_mount_rooted_at_its_own_cgroup_is_found(pyinit):
    """Our cgroup bind-mounted over the controller's mount point: the check is made there."""
    try:
        cgroup = memory_limit.create("pyinit-test-layout-%d" % os.getpid(), 256 << 20)
    except (OSError, RuntimeError) as error:
        pytest.fail("cannot create a memory cgroup: %s" % error)
    directory = cgroup[1]
    mount_point = next(point for point in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified",
                                           "/sys/fs/cgroup") if directory.startswith(point + "/"))
    script = ("echo $$ > %s/cgroup.procs && mount --bind %s %s && exec %s --report-format json "
              "-- sh -c 'kill -KILL $$'" % (directory, directory, mount_point, pyinit))
    try:
        result = run_plain("unshare", ["--pid", "--fork", "--mount", "--mount-proc",
                                       "--propagation", "private", "sh", "-c", script])
    finally:
        memory_limit.remove(cgroup)
    assert result.returncode == 137, result.stderr
    record, = records_of(result.stderr, "exit")
    assert record["reason"] == "killed_from_outside", record
    assert record["cgroup"] == mount_point and record["memory_limit_bytes"] == 256 << 20, record
