"""Small helpers for the ports of tini's and dumb-init's black-box tests (tests/peers/).

Those suites run the init as a black box and look at processes through /proc; these are
our own versions of the few functions they share: a process's state, its descendants, and
a child that reports every signal (signal_recorder, compiled by the `recorder` fixture).
"""

import os

# Signals 1-31 that every init forwards: not KILL/STOP (they never reach it), not CHLD (how
# it learns of exits), not the job-control stops (their handling differs per init), not
# the faults (left unblocked so that a real fault crashes rather than hangs).
SUSPEND_SIGNALS = (20, 21, 22)            # SIGTSTP, SIGTTIN, SIGTTOU
FAULT_SIGNALS = (4, 5, 7, 8, 11, 31)      # SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS
NORMAL_SIGNALS = tuple(sorted(set(range(1, 32)) - {9, 19, 17} - set(SUSPEND_SIGNALS)
                              - set(FAULT_SIGNALS)))


def state(pid):
    """The one-letter state of /proc/PID/stat (R, S, T, Z...), or None once it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2]


def children(pid):
    found = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return found
    for task in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                found.extend(int(word) for word in f.read().split())
        except OSError:
            continue
    return found


def descendants(pid):
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop()):
            found.append(child)
            queue.append(child)
    return found


def alive(pids):
    return [pid for pid in pids if state(pid) not in (None, "Z")]


def kill_all(pids, sig=9):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
