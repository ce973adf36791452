"""A memory cgroup of a test's own with a hard limit, on cgroup v1 or cgroup v2.

v1: the memory controller's hierarchy (/sys/fs/cgroup/memory on this machine's hybrid
layout), under the cgroup this process is in. v2: wherever cgroup2 is mounted
(/sys/fs/cgroup, or /sys/fs/cgroup/unified in the hybrid layout) when its memory controller
is available there. The limit covers swap too, so that the limit is what the OOM killer
enforces. `command_in(cgroup, argv)` runs argv inside it; `oom_kills(cgroup)` counts the
kills the kernel made in it.
"""

import os
import time


def _mounts():
    """(fstype, mount point, super options) of every cgroup/cgroup2 mount."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            before, _, after = line.partition(" - ")
            fstype, _, options = after.split()[:3]
            if fstype in ("cgroup", "cgroup2"):
                found.append((fstype, before.split()[4], options.split(",")))
    return found


def _own_path(hierarchy):
    """This process's cgroup path in the v1 hierarchy of `hierarchy` ('' for v2)."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if hierarchy in (controllers.split(",") if controllers else [""]):
                return path
    return None


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _create_v1(mount_point, name, limit):
    own = _own_path("memory")
    directory = os.path.join(mount_point, own.lstrip("/"), name)
    os.mkdir(directory)
    _write(os.path.join(directory, "memory.limit_in_bytes"), str(limit))
    swap = os.path.join(directory, "memory.memsw.limit_in_bytes")
    if os.path.exists(swap):
        _write(swap, str(limit))
    return ("v1", directory)


def _create_v2(mount_point, name, limit):
    own = _own_path("")
    here = os.path.join(mount_point, own.lstrip("/"))
    # Only a cgroup without processes of its own (or the root) can give its children a
    # controller: below the root, the new cgroup is a sibling of ours.
    parent = here if own == "/" else os.path.dirname(here)
    with open(os.path.join(parent, "cgroup.controllers")) as f:
        if "memory" not in f.read().split():
            raise RuntimeError("cgroup2 at %s does not offer the memory controller" % parent)
    _write(os.path.join(parent, "cgroup.subtree_control"), "+memory")
    directory = os.path.join(parent, name)
    os.mkdir(directory)
    _write(os.path.join(directory, "memory.max"), str(limit))
    if os.path.exists(os.path.join(directory, "memory.swap.max")):
        _write(os.path.join(directory, "memory.swap.max"), "0")
    return ("v2", directory)


def create(name, limit):
    """A new cgroup limited to `limit` bytes: (version, directory). RuntimeError says why not."""
    errors = []
    for fstype, mount_point, options in _mounts():
        try:
            if fstype == "cgroup" and "memory" in options and _own_path("memory") is not None:
                return _create_v1(mount_point, name, limit)
            if fstype == "cgroup2" and _own_path("") is not None:
                return _create_v2(mount_point, name, limit)
        except (OSError, RuntimeError) as error:
            errors.append("%s at %s: %s" % (fstype, mount_point, error))
    raise RuntimeError("no memory cgroup could be created: %s" % ("; ".join(errors) or
                                                              "no cgroup memory controller mounted"))


def command_in(cgroup, argv):
    """argv, started by a shell that first moves itself into the cgroup."""
    _, directory = cgroup
    script = 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"'
    return ["sh", "-c", script, "sh", directory] + list(argv)


def oom_kills(cgroup):
    """How many processes the OOM killer ended in this cgroup."""
    version, directory = cgroup
    name = "memory.oom_control" if version == "v1" else "memory.events"
    with open(os.path.join(directory, name)) as f:
        for line in f:
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
    return 0


def remove(cgroup):
    """rmdir once its last process is gone (the kernel refuses before)."""
    _, directory = cgroup
    deadline = time.monotonic() + 10
    while True:
        try:
            os.rmdir(directory)
            return
        except FileNotFoundError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
