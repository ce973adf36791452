"""The flight recorder's events, and `pyinit --events [PID]`, which reads them from outside.

pyinit keeps its last 1024 events in a ring inside a memfd named "pyinit-events" (created
close-on-exec, so no child inherits it; layout in pyinit_core.pyx, copied below). Another
process of the container finds it as /proc/PID/fd/N and maps it read-only. Opening
/proc/PID/fd/N needs only PTRACE_MODE_READ, which a root process of the same container has
without CAP_SYS_PTRACE and which Yama does not restrict (it restricts attaching). Reading
/proc/PID/mem would need PTRACE_MODE_ATTACH: that is why the ring is a file.

Event kinds and their four numbers (a, b, c, d):
    0 signal        signo, si_code, sender pid, sender uid
    1 forward       received, sent (0 dropped), target (-pgid for a group), errno
    2 reap          pid, raw wait status, is the main child, 0
    3 child_exit    pid, raw wait status, 0, 0
    4 shutdown      signal sent to what is left, 0, grace ms, 0
    5 spawn         pid, 0, 0, 0
    7 timeout       --timeout ms, child pid, signal sent, errno
    8 stop_stalled  signal received, child pid, cause (STALL_CAUSES index), ms waited
    9 exit          pyinit's exit code, reason (REASONS index), raw wait status, 0
   10 grace_kill    target, SIGKILL, grace ms, errno
"""

import mmap
import os
import struct
import time

KINDS = {0: "signal", 1: "forward", 2: "reap", 3: "child_exit", 4: "shutdown", 5: "spawn",
         7: "timeout", 8: "stop_stalled", 9: "exit", 10: "grace_kill"}
KIND = {name: number for number, name in KINDS.items()}
STALL_CAUSES = ("unknown", "dropped", "stopped", "uninterruptible", "ignored", "blocked",
                "shell_wrapper", "handled")
REASONS = ("exited", "signaled", "oom_killed", "grace_killed", "killed_from_outside")

MEMFD_NAME = "/memfd:pyinit-events"
MAGIC = b"PYINITEV"
_HEADER = struct.Struct("=8sIIIIQQi20x")     # 64 bytes
_EVENT = struct.Struct("=QIiiiiI")           # 32 bytes

EXIT_UNREADABLE = 3   # no pyinit, no /proc, not allowed to read its history


class Unreadable(Exception):
    """The history cannot be read: one line for the user, exit EXIT_UNREADABLE."""


def _recorder_fd(pid):
    """/proc/PID/fd/N of pid's ring, or None when it has none; Unreadable when it cannot tell."""
    directory = "/proc/%d/fd" % pid
    try:
        entries = os.listdir(directory)
    except FileNotFoundError:
        if not os.path.isdir("/proc/self"):
            raise Unreadable("/proc is not mounted: the recorder is found through /proc/PID/fd") from None
        raise Unreadable("no process %d in this PID namespace" % pid) from None
    except PermissionError:
        raise Unreadable("cannot read %s: EACCES (pid %d runs as another user, or this process "
                         "may not inspect it: the same uid, or CAP_SYS_PTRACE, is needed)"
                         % (directory, pid)) from None
    denied = 0
    for entry in entries:
        try:
            if os.readlink(os.path.join(directory, entry)).startswith(MEMFD_NAME):
                return os.path.join(directory, entry)
        except (PermissionError, OSError) as error:
            denied += isinstance(error, PermissionError)
            continue
    if entries and denied == len(entries):
        raise Unreadable("cannot read the links in %s: EACCES (%s)" % (directory, _why_denied(pid)))
    return None


# Capability numbers (linux/capability.h), for saying which ones the reader lacks.
_CAPS = ("chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
         "setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
         "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
         "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
         "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
         "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
         "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore")


def _permitted(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("CapPrm:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _why_denied(pid):
    """The kernel lets a process inspect another of the same uid only when it holds every
    capability the other holds (or CAP_SYS_PTRACE): say which ones are missing."""
    mine, theirs = _permitted("self"), _permitted(pid)
    if mine is not None and theirs is not None and theirs & ~mine:
        missing = [_CAPS[n] if n < len(_CAPS) else str(n) for n in range(64) if (theirs & ~mine) >> n & 1]
        return ("pid %d holds capabilities this process lacks: %s; run it with the same "
                "capabilities (docker exec and kubectl exec do), or with CAP_SYS_PTRACE"
                % (pid, ", ".join("CAP_" + name.upper() for name in missing)))
    return "pid %d runs as another user, or is not dumpable: the same uid, or CAP_SYS_PTRACE, is needed" % pid


def _comm(pid):
    try:
        with open("/proc/%s/comm" % pid, "rb") as f:
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return None


def find_pyinit():
    """(pid, path of its ring): PID 1 when it is a pyinit with a recorder, else the only one."""
    if not os.path.isdir("/proc/self"):
        raise Unreadable("/proc is not mounted: the recorder is found through /proc/PID/fd")
    if _comm(1) == "pyinit":
        path = _recorder_fd(1)
        if path:
            return 1, path
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) not in (me, 1) and _comm(entry) == "pyinit":
            try:
                path = _recorder_fd(int(entry))
            except Unreadable:
                continue
            if path:
                found.append((int(entry), path))
    if not found:
        raise Unreadable("no pyinit with a flight recorder is visible here (PID 1 is %s)"
                         % (_comm(1) or "unknown"))
    if len(found) > 1:
        raise Unreadable("several pyinit processes are visible (%s): name one, pyinit --events PID"
                         % ", ".join(str(pid) for pid, _ in sorted(found)))
    return found[0]


def read(pid=None):
    """(pid, events) where events is a list of (t_ns, kind, a, b, c, d), oldest first."""
    if pid is None:
        pid, path = find_pyinit()
    else:
        path = _recorder_fd(pid)
        if path is None:
            raise Unreadable("pid %d (%s) has no flight recorder: it is not pyinit, or an older "
                             "one" % (pid, _comm(pid) or "?"))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        import errno
        raise Unreadable("cannot open %s: %s (%s)" % (path, errno.errorcode.get(error.errno, error.errno),
                                                     error.strerror)) from None
    try:
        size = os.fstat(fd).st_size
        if size < _HEADER.size:
            raise Unreadable("%s holds %d bytes: not a flight recorder" % (path, size))
        with mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ) as ring:
            magic, version, slots, slot_size, header_size, written, _, _ = _HEADER.unpack_from(ring, 0)
            if magic != MAGIC or version != 1 or slot_size != _EVENT.size:
                raise Unreadable("%s: unknown recorder layout (version %d)" % (path, version))
            data = ring[header_size:header_size + slots * slot_size]
            written_after = _HEADER.unpack_from(ring, 0)[5]
    finally:
        os.close(fd)
    events = []
    # Slots below `written` were complete when it was read; one that pyinit rewrote while it
    # was copied carries another sequence number (or 0) and is left out.
    for index in range(max(0, written_after - slots), written):
        event = _EVENT.unpack_from(data, (index % slots) * slot_size)
        if event[6] == (index + 1) & 0xFFFFFFFF:
            events.append(event[:6])
    return pid, events


def describe(event, now_ns=None):
    """One event as a record (a dict), the way -v names the same facts."""
    from pyinit import sigsets
    t_ns, kind, a, b, c, d = event
    now_ns = time.monotonic_ns() if now_ns is None else now_ns
    name = KINDS.get(kind, "kind_%d" % kind)
    record = {"event": name, "t": round(t_ns / 1e9, 6), "ago_s": round((now_ns - t_ns) / 1e9, 3)}
    if name == "signal":
        record.update(signal=sigsets.name(a), code=sigsets.si_code_name(a, b), sender_pid=c,
                      sender_uid=d)
        if c == 0 and record["code"] in ("user", "queue"):
            record["sender"] = "outside this PID namespace (e.g. docker stop/kill, kubelet)"
    elif name == "forward":
        record.update(signal=sigsets.name(a), sent=sigsets.name(b) if b else None, target=c,
                      result=_result(d) if b else "dropped")
    elif name in ("reap", "child_exit"):
        record["pid"] = a
        record.update(sigsets.describe_wait_status(b))
        if name == "reap":
            record["main_child"] = bool(c)
    elif name == "shutdown":
        record.update(signal=sigsets.name(a), grace_ms=c)
    elif name == "spawn":
        record["pid"] = a
    elif name == "timeout":
        record.update(timeout_s=a / 1000, pid=b, sent=sigsets.name(c) if c else None, result=_result(d))
    elif name == "stop_stalled":
        record.update(signal=sigsets.name(a), pid=b,
                      cause=STALL_CAUSES[c] if 0 <= c < len(STALL_CAUSES) else c, waited_s=d / 1000)
    elif name == "exit":
        record.update(exit_code=a, reason=REASONS[b] if 0 <= b < len(REASONS) else b)
        record.update(sigsets.describe_wait_status(c))
        record.pop("exit_status", None)
    elif name == "grace_kill":
        record.update(target=a, signal=sigsets.name(b), grace_ms=c, result=_result(d))
    else:
        record.update(a=a, b=b, c=c, d=d)
    return record


def _result(err):
    import errno
    return "ok" if err == 0 else errno.errorcode.get(err, "errno %d" % err)


def text_line(record):
    """One line per event: time, age, kind, then key=value."""
    fields = " ".join("%s=%s" % (key, value) for key, value in record.items()
                      if key not in ("event", "t", "ago_s") and value is not None)
    return "%14.6f %9.3fs ago  %-12s %s" % (record["t"], record["ago_s"], record["event"], fields)


def run(pid, fmt, stream):
    """`pyinit --events [PID]`: print the history; returns the exit code."""
    from pyinit import report
    try:
        pid, events = read(pid)
    except Unreadable as error:
        import sys
        try:
            sys.stderr.write("pyinit: --events: %s\n" % error)
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        return EXIT_UNREADABLE
    now_ns = time.monotonic_ns()
    lines = []
    for event in events:
        record = describe(event, now_ns)
        lines.append(report.format_json(record) if fmt == "json" else text_line(record))
    if fmt != "json":
        lines.insert(0, "pyinit pid %d: %d events (oldest first)" % (pid, len(events)))
    try:
        stream.write("\n".join(lines) + ("\n" if lines else ""))
        stream.flush()
    except (OSError, ValueError):
        return 1
    return 0
