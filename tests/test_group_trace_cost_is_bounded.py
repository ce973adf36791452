"""-v -g: the work pyinit does per forwarded signal does not grow with the number of
processes (a signal storm must not starve reaping).

The work is counted (read system calls of PID 1, from /proc/PID/io), never timed. Reading
all of /proc for each forward cost about 12 reads per process in the namespace.
"""

import json
import time

import pytest

from helpers.pid1 import Namespace, wait_for
from helpers.verbose import LineReader

SIGNALS = 20


def reads_of(pid):
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            if line.startswith("syscr:"):
                return int(line.split()[1])
    raise AssertionError("no syscr in /proc/%d/io" % pid)


def count_processes(init):
    """Processes in the namespace of init (its descendants), from the host's /proc."""
    found, queue = 0, [init]
    while queue:
        pid = queue.pop()
        try:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                kids = [int(k) for k in f.read().split()]
        except OSError:
            kids = []
        found += len(kids)
        queue.extend(kids)
    return found


def reads_per_forward(pyinit, processes):
    """Read syscalls PID 1 makes per SIGUSR1 forwarded to a group of `processes` sleeps."""
    # The shell and its sleeps ignore USR1 (inherited), so the group survives every signal.
    script = ("trap '' USR1; i=0; while [ $i -lt %d ]; do sleep 60 & i=$((i+1)); done; "
              "echo ready; wait" % processes)
    with Namespace(pyinit, ["-v", "-g", "--grace", "0", "--report-format", "json", "--",
                            "sh", "-c", script], universal_newlines=True) as ns:
        out, err = LineReader(ns.proc.stdout), LineReader(ns.proc.stderr)
        assert out.readline(time.monotonic() + 60) == "ready"
        wait_for(lambda: count_processes(ns.init_pid) >= processes + 1, 30, "the sleeps")
        before = reads_of(ns.init_pid)
        forwards = 0
        for _ in range(SIGNALS):
            ns.kill(10)
            while True:
                line = err.readline(time.monotonic() + 30)
                assert line is not None, "no forward record"
                if json.loads(line)["event"] == "forward":
                    forwards += 1
                    break
        after = reads_of(ns.init_pid)
    return (after - before) / forwards


@pytest.mark.timeout(180)
def test_reads_per_forward_do_not_grow_with_the_processes(pyinit):
    """With 300 processes in the group, a forward costs PID 1 at most a fixed number of
    reads more than with 4 (a rescan of /proc costs about 3,500 more)."""
    few = reads_per_forward(pyinit, 4)
    many = reads_per_forward(pyinit, 300)
    print("reads per forward: %.0f with 4 processes, %.0f with 300" % (few, many))
    assert many < few + 1000, (few, many)
