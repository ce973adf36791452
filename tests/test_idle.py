"""An idle pyinit sleeps in the kernel: no wakeup and no CPU while nothing happens."""

import time

import pytest

from helpers.pid1 import Namespace, exe, wait_for


def wakeups_and_cpu(pid):
    switches = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    with open("/proc/%d/schedstat" % pid) as f:
        cpu_ns = int(f.read().split()[0])
    return switches, cpu_ns


@pytest.mark.timeout(60)
def test_idle_pyinit_has_no_wakeups(pyinit):
    """Over 3 s with a sleeping child, pyinit's context switches and CPU time do not move."""
    with Namespace(pyinit, ["--", "sleep", "60"]) as ns:
        child = ns.child_pid()
        wait_for(lambda: (exe(child) or "").endswith("sleep"), 20, "the child to exec sleep")
        time.sleep(0.2)   # let pyinit reach its wait
        before = wakeups_and_cpu(ns.init_pid)
        time.sleep(3)
        after = wakeups_and_cpu(ns.init_pid)
        ns.kill(15)
        ns.wait()
    assert after == before
