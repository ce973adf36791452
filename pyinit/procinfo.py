"""Facts about processes and mounts, read from /proc and prctl at the moment of asking.

Shared by the --verbose tracer and --doctor. Every reader returns None (or an empty result)
when the process is gone or the file is unreadable: a process can exit between any two
reads, and a diagnosis must describe that, not crash on it.
"""

import os

from pyinit import sigsets

PR_GET_CHILD_SUBREAPER = 37


def read_status(pid):
    """/proc/PID/status as {field: raw text}, or None when the process is gone."""
    return _read_status_file("/proc/%s/status" % pid)


def _read_status_file(path):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    fields = {}
    for line in data.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value.strip()
    return fields


def comm(pid):
    """The command name (/proc/PID/comm): still readable while the process is a zombie."""
    try:
        with open("/proc/%s/comm" % pid, "rb") as f:
            return f.read().decode("utf-8", "replace").rstrip("\n")
    except OSError:
        return None


def stat_fields(pid):
    """(comm, state, ppid, pgrp) from /proc/PID/stat, or None.

    The name sits between the first '(' and the *last* ')': a command may contain either.
    """
    try:
        with open("/proc/%s/stat" % pid, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    left, right = data.find("("), data.rfind(")")
    if left < 0 or right < left:
        return None
    rest = data[right + 2:].split()
    try:
        return data[left + 1:right], rest[0], int(rest[1]), int(rest[2])
    except (IndexError, ValueError):
        return None


def children(pid):
    """Direct children of PID, from /proc/PID/task/*/children (every thread can have children)."""
    found = []
    try:
        tids = os.listdir("/proc/%s/task" % pid)
    except OSError:
        return found
    for tid in tids:
        try:
            with open("/proc/%s/task/%s/children" % (pid, tid), "rb") as f:
                found.extend(int(word) for word in f.read().split())
        except (OSError, ValueError):
            continue
    return found


# rt_sigtimedwait's number on this machine, for kernels that do not name wchan symbols.
_SIGTIMEDWAIT_SYSCALL = {"x86_64": b"128", "aarch64": b"137"}.get(os.uname().machine)
# A process with more descriptors than this is not searched for signalfds past this many.
_MAX_FDS_SEARCHED = 4096


def signal_masks(pid):
    """{'blocked', 'ignored', 'caught', 'waited', 'signalfd', 'threads', 'state'} of PID, or
    None when it is gone.

    A process-directed signal is delivered to any thread that does not block it, so a
    signal counts as blocked only when every thread blocks it (Go and the JVM block
    signals in some threads and not others). Two ways of taking a signal show no handler:
    a thread sleeping in sigwaitinfo()/sigtimedwait() (the kernel unblocks the awaited
    signals while it waits, so SigBlk no longer shows them: `waited` holds what such a
    thread does not block), and a signalfd (the signal stays blocked and is read from the
    descriptor: `signalfd` holds what the process's signalfds accept).
    """
    status = read_status(pid)
    if status is None or "SigBlk" not in status:
        return None
    try:
        ignored = sigsets.parse_hex(status["SigIgn"])
        caught = sigsets.parse_hex(status["SigCgt"])
        blocked = sigsets.parse_hex(status["SigBlk"])
        threads = int(status.get("Threads", "1"))
    except (KeyError, ValueError):
        return None
    waited = 0
    if threads > 1:
        try:
            tids = os.listdir("/proc/%s/task" % pid)
        except OSError:
            tids = []
        for tid in tids:
            task = _read_status_file("/proc/%s/task/%s/status" % (pid, tid))
            if task and "SigBlk" in task:
                task_blocked = sigsets.parse_hex(task["SigBlk"])
                blocked &= task_blocked
                if _in_sigtimedwait("/proc/%s/task/%s" % (pid, tid)):
                    waited |= ~task_blocked & sigsets.ALL
    elif _in_sigtimedwait("/proc/%s" % pid):
        waited = ~blocked & sigsets.ALL
    return {"blocked": blocked, "ignored": ignored, "caught": caught, "waited": waited,
            "signalfd": _signalfd_mask(pid) if blocked else 0, "threads": threads,
            "state": status.get("State", "?")}


def _in_sigtimedwait(task_dir):
    """Whether the task sleeps in rt_sigtimedwait (sigwait, sigwaitinfo, sigtimedwait)."""
    try:
        with open(task_dir + "/wchan", "rb") as f:
            if f.read().startswith(b"do_sigtimedwait"):
                return True
    except OSError:
        pass
    if _SIGTIMEDWAIT_SYSCALL is None:
        return False
    try:
        with open(task_dir + "/syscall", "rb") as f:
            return f.read().split(b" ", 1)[0] == _SIGTIMEDWAIT_SYSCALL
    except OSError:
        return False


def _signalfd_mask(pid):
    """The signals PID's signalfd descriptors accept (fdinfo's sigmask), OR-ed together."""
    try:
        fds = os.listdir("/proc/%s/fd" % pid)[:_MAX_FDS_SEARCHED]
    except OSError:
        return 0
    mask = 0
    for fd in fds:
        try:
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) != "anon_inode:[signalfd]":
                continue
            with open("/proc/%s/fdinfo/%s" % (pid, fd), "rb") as f:
                for line in f.read().decode("ascii", "replace").splitlines():
                    if line.startswith("sigmask:"):
                        mask |= sigsets.parse_hex(line.split(":", 1)[1])
        except (OSError, ValueError):
            continue
    return mask


def handling(masks, signo):
    """How a process handles signo: 'ignored', 'blocked', 'signalfd', 'caught', 'waited',
    'default' or 'exited'.

    Ignored wins over blocked: an ignored signal that is also blocked waits pending and is
    discarded when unblocked, unless a handler is installed meanwhile. A blocked signal that
    a signalfd accepts is read from it, and one a thread awaits in sigtimedwait() is taken
    there: both are handled, though no handler shows. A zombie has 'exited': it keeps the
    masks it died with, but no signal reaches it any more.
    """
    if masks.get("state", "").startswith("Z"):
        return "exited"
    if sigsets.has(masks["ignored"], signo):
        return "ignored"
    if sigsets.has(masks["blocked"], signo):
        return "signalfd" if sigsets.has(masks.get("signalfd", 0), signo) else "blocked"
    if sigsets.has(masks["caught"], signo):
        return "caught"
    if sigsets.has(masks.get("waited", 0), signo):
        return "waited"
    return "default"


def child_subreaper():
    """PR_GET_CHILD_SUBREAPER for this process: True/False, or None when prctl is unavailable."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        value = ctypes.c_int(0)
        if libc.prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(value), 0, 0, 0) != 0:
            return None
        return value.value != 0
    except (OSError, AttributeError):
        return None


def pid_ns_inode(pid="self"):
    """The inode that names PID's pid namespace (as in 'pid:[4026531836]'), or None."""
    try:
        return os.stat("/proc/%s/ns/pid" % pid).st_ino
    except OSError:
        return None


def proc_self_pid():
    """The pid /proc/self resolves to: equal to os.getpid() only when /proc is our namespace's."""
    try:
        return int(os.readlink("/proc/self"))
    except (OSError, ValueError):
        return None


def proc_state():
    """'ours' when /proc is this PID namespace's, 'missing' when it is not mounted, or
    'foreign': mounted by another namespace, whose pids name other processes."""
    seen = proc_self_pid()
    if seen == os.getpid():
        return "ours"
    return "missing" if seen is None else "foreign"


def mountinfo(path="/proc/self/mountinfo"):
    """Mounts in order, each {'root', 'mount_point', 'options', 'fstype', 'source',
    'super_options'}, the two option fields as sets (one parser: pyinit.mounts)."""
    from pyinit.mounts import read_mountinfo

    entries = read_mountinfo(path)
    for entry in entries:
        entry["options"] = set(entry["options"].split(","))
        entry["super_options"] = set(entry["super_options"].split(",")) - {""}
    return entries


def mount_for(path, entries):
    """The mount that holds path: the longest matching mount point, the last one stacked on it."""
    best = None
    for entry in entries:
        point = entry["mount_point"]
        if path == point or point == "/" or path.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) >= len(best["mount_point"]):
                best = entry
    return best
