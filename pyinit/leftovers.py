"""Find the processes left behind when pyinit is a subreaper but not a namespace's PID 1.

There, `kill(-1, ...)` would signal every process of the user on the host, so the processes
to stop are found by walking pyinit's own descendants through /proc/PID/task/TID/children.
"""

import os

from pyinit.procinfo import children as children_of, proc_state


def descendants_are_visible():
    """Whether /proc is this PID namespace's: another one's would name other processes."""
    return proc_state() == "ours"


def descendants(pid):
    """Every live descendant of pid, parents before their children."""
    seen = []
    queue = children_of(pid)
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.append(current)
        queue.extend(children_of(current))
    return seen


def signal_descendants(sig):
    """Send sig to each descendant of this process; return how many were signalled.

    Signals nothing when /proc is another namespace's: its pids are not ours.
    """
    if not descendants_are_visible():
        return 0
    count = 0
    for pid in descendants(os.getpid()):
        try:
            os.kill(pid, sig)
            count += 1
        except OSError:
            pass
    return count
