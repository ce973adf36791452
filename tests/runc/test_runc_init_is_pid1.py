"""Under runc the init is PID 1 of the container and the parent of the command it runs."""

import pytest

from helpers.proc_tree import namespace_pid
from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import sh


@pytest.mark.timeout(60)
def test_init_is_pid1_and_parent_of_the_command(containers):
    """The command sees PID 1 as its parent, and PID 1 is the init binary, not a shell or runc."""
    container = containers.run(sh("echo $PPID > %s/ppid; exec sleep 3600" % MARKERS))
    assert container.wait_for_marker("ppid").strip() == "1", container.describe()
    init_pid = container.init_host_pid()
    assert namespace_pid(init_pid) == 1, container.describe()
