"""Did the kernel's OOM killer act in our memory cgroup? Counters read before and after.

cgroup v2: memory.events `oom_kill` (every kind of OOM kill of a process of the cgroup).
cgroup v1: memory.oom_control `oom_kill` (kernel 4.13 and later), and memory.failcnt (how often
the limit was hit) as supporting evidence. The cgroup is pyinit's own (the child inherits it);
its directory is where the usual mount points have it (pyinit_core.usual_memory_cgroup), else
found through /proc/self/mountinfo, because inside a container the mount's root may be the
container's cgroup, not the hierarchy's root. The counters are read by pyinit_core.oom_counters:
the "before" of every run is read there, without this module (see pyinit.supervisor).

A counter that cannot be read is never guessed: the snapshot says why instead.
"""

import pyinit_core as core
from pyinit import lazy_os as os   # no `import os` (see lazy_os)

_V1_LIMIT_UNLIMITED = 1 << 62   # v1 prints ~2^63 rounded to pages for "no limit"


class Snapshot:
    """Counters of one cgroup at one moment, or the reason they could not be read."""

    __slots__ = ("version", "path", "oom_kill", "failcnt", "limit", "error")

    def __init__(self, version=None, path=None, oom_kill=None, failcnt=None, limit=None, error=None):
        self.version, self.path, self.oom_kill = version, path, oom_kill
        self.failcnt, self.limit, self.error = failcnt, limit, error


def _read(path):
    # os.open/os.read: no file object to build.
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536).decode("ascii", "replace")
    finally:
        os.close(fd)


def _join(directory, name):
    # os.path.join without importing os.path.
    return directory.rstrip("/") + "/" + name.lstrip("/")


def _exists(path):
    try:
        os.stat(path)
    except OSError:
        return False
    return True


def _own_cgroups():
    """{controller or '' (v2): path} from /proc/self/cgroup."""
    found = {}
    for line in _read("/proc/self/cgroup").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                found[controller] = parts[2]
    return found


def _mounts():
    """(mount root, mount point, fstype, super options) of each cgroup mount."""
    for line in _read("/proc/self/mountinfo").splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
            yield fields[3], fields[4].replace("\\040", " "), tail[0], tail[2].split(",")


def _directory(mount_root, mount_point, path):
    if mount_root != "/" and (path == mount_root or path.startswith(mount_root + "/")):
        path = path[len(mount_root):]
    return _join(mount_point, path.lstrip("/")).rstrip("/") or "/"


def locate():
    """(version, directory) of pyinit's memory cgroup, or raise OSError/LookupError saying why."""
    usual = core.usual_memory_cgroup()
    if usual is not None:
        return usual
    cgroups = _own_cgroups()
    # Later lines of mountinfo are mounted on top of earlier ones at the same point.
    mounts, seen = [], set()
    for mount in reversed(list(_mounts())):
        if mount[1] not in seen:
            seen.add(mount[1])
            mounts.append(mount)
    if "memory" in cgroups:
        for root, point, fstype, options in mounts:
            if fstype == "cgroup" and "memory" in options:
                return 1, _directory(root, point, cgroups["memory"])
        raise LookupError("the memory controller (cgroup v1, %s) is not mounted here"
                          % cgroups["memory"])
    if "" in cgroups:
        for root, point, fstype, _ in mounts:
            if fstype == "cgroup2":
                directory = _directory(root, point, cgroups[""])
                if _exists(_join(directory, "memory.events")):
                    return 2, directory
                raise LookupError("%s has no memory.events: the memory controller is not "
                                  "enabled for this cgroup" % directory)
        raise LookupError("no cgroup2 file system is mounted here")
    raise LookupError("/proc/self/cgroup names no memory cgroup")


def snapshot(with_limit=True):
    """The OOM counters now (a Snapshot; .error says why when they cannot be read). The limit
    is read only when asked: the "before" of a run does not need it."""
    try:
        return from_counters(core.oom_counters(*locate()), with_limit)
    except OSError as error:
        import errno
        return Snapshot(error=("cannot read %s: %s (%s)" % (
            error.filename or "the memory cgroup", errno.errorcode.get(error.errno, error.errno),
            error.strerror)))
    except (LookupError, ValueError) as error:
        return Snapshot(error=str(error))


def from_counters(counters, with_limit=False):
    """A Snapshot of what pyinit_core.oom_counters() read, with the limit when asked (which
    may raise OSError or ValueError)."""
    version, directory, oom_kill, failcnt = counters
    limit = None
    if with_limit and version == 2:
        limit = _read(_join(directory, "memory.max")).strip()
        limit = None if limit == "max" else int(limit)
    elif with_limit:
        if failcnt is None:
            failcnt = int(_read(_join(directory, "memory.failcnt")))
        limit = int(_read(_join(directory, "memory.limit_in_bytes")))
        limit = None if limit >= _V1_LIMIT_UNLIMITED else limit
    return Snapshot(version, directory, oom_kill, failcnt, limit)


def compare(before, after):
    """(verdict, facts): verdict True (an OOM kill happened between the two snapshots), False
    (none did) or None (the check could not be made; facts say why)."""
    for snap in (before, after):
        if snap.error:
            return None, {"oom_check": "not made: %s" % snap.error}
    facts = {"cgroup": after.path, "cgroup_version": after.version}
    if after.limit is not None:
        facts["memory_limit_bytes"] = after.limit
    if before.oom_kill is not None and after.oom_kill is not None:
        facts["oom_kills"] = after.oom_kill - before.oom_kill
        return after.oom_kill > before.oom_kill, facts
    if before.failcnt is not None and after.failcnt is not None:
        # A kernel without the oom_kill counter (v1 before 4.13): the limit was hit, or not.
        facts["limit_hits"] = after.failcnt - before.failcnt
        facts["oom_check"] = "no oom_kill counter here: judged from the limit's failcnt"
        return after.failcnt > before.failcnt, facts
    return None, {"oom_check": "not made: %s has no oom_kill or failcnt counter" % after.path}
