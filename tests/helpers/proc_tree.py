"""Facts about host processes read from the host's /proc: state, namespace PID, descendants."""

import os
from pathlib import Path


def proc_state(host_pid):
    """The one-letter state of a host process (R, S, Z...), or None when it is gone.

    The name in /proc/PID/stat may contain spaces and parentheses: the state follows the last `)`.
    """
    try:
        stat = Path("/proc/%d/stat" % host_pid).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


def host_processes():
    """(pid, command name, the /proc/PID/stat fields after the name) of every process the
    host's /proc lists now; one that is gone before its stat is read is passed over. The
    fields start with the state: [0] state, [1] ppid, [2] pgrp, [3] session."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path("/proc/%s/stat" % entry).read_text()
        except OSError:
            continue
        yield int(entry), stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()


def proc_status_field(host_pid, field):
    """One `Field:` line of /proc/PID/status, as a string, or None when the process is gone."""
    try:
        lines = Path("/proc/%d/status" % host_pid).read_text().splitlines()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == field:
            return value.strip()
    return None


def namespace_pid(host_pid):
    """The PID a host process has inside its own (innermost) PID namespace."""
    nspid = proc_status_field(host_pid, "NSpid")
    return int(nspid.split()[-1]) if nspid else None


def process_tree(root_host_pid):
    """{host pid: parent host pid} for ROOT and all its descendants, zombies included.

    Read from the host's /proc because a cgroup forgets a process when it exits, before it is
    reaped: only the parent links still show a zombie.
    """
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = proc_status_field(int(entry), "PPid")
            if ppid is not None:
                parents[int(entry)] = int(ppid)
    tree = {root_host_pid: parents.get(root_host_pid)}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree[pid] = ppid
                grew = True
    return tree
