"""pyinit stops itself with its stopped child only under a job-control shell, never under
a parent that would not continue it (tini, dumb-init: `docker run --init -t`)."""

import os
import time

import pytest

from helpers.pid1 import children, wait_for
from helpers.terminal import Terminal

STOP_SELF = 'echo rea""dy; kill -TSTP $$; echo continued; exit 4'


def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        stat = f.read()
    return stat[stat.rindex(")") + 2]


@pytest.mark.timeout(60)
def test_child_stopping_itself_under_a_parent_without_job_control(pyinit):
    """pyinit holds the terminal under a parent that does not ignore SIGTSTP: the child's
    `kill -TSTP $$` stops only the child, and pyinit still exits when the child dies."""
    with Terminal([pyinit, "-s", "--", "sh", "-c", STOP_SELF]) as term:
        term.read_until("ready")
        child = wait_for(lambda: (children(term.proc.pid) or [None])[0], 10, "pyinit's child")
        wait_for(lambda: state(child) == "T", 20, "the child to stop", interval=0.01)
        # Had pyinit followed it, it would be stopped by now: give it a moment to (not) do so.
        time.sleep(0.5)
        assert state(term.proc.pid) != "T"
        os.kill(child, 9)
        assert term.proc.wait(20) == 128 + 9
