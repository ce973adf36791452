"""A memory cgroup of the test's own, with a limit, under the one the tests run in.

cgroup v1 (this machine's hybrid layout: the memory controller at /sys/fs/cgroup/memory) or
cgroup v2 (the unified hierarchy, memory enabled for children). Removed again by the caller.
"""

import os
import time


def _own(controller):
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in (controllers.split(",") if controllers else [""]):
                return path
    return None


def create(name, limit_bytes):
    """Make the cgroup, set its limit; returns its directory. Raises RuntimeError saying why not."""
    v1 = _own("memory")
    if v1 is not None and os.path.isdir("/sys/fs/cgroup/memory"):
        parent = os.path.join("/sys/fs/cgroup/memory", v1.lstrip("/"))
        directory = os.path.join(parent, name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "memory.limit_in_bytes"), "w") as f:
            f.write(str(limit_bytes))
        memsw = os.path.join(directory, "memory.memsw.limit_in_bytes")
        if os.path.exists(memsw):
            with open(memsw, "w") as f:
                f.write(str(limit_bytes))
        return directory
    v2 = _own("")
    if v2 is not None and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        # A v2 cgroup with processes cannot enable controllers for its children: use a
        # sibling of ours under our parent, whose memory controller we enable.
        parent = os.path.dirname(os.path.join("/sys/fs/cgroup", v2.lstrip("/")))
        with open(os.path.join(parent, "cgroup.subtree_control"), "w") as f:
            f.write("+memory")
        directory = os.path.join(parent, name)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "memory.max"), "w") as f:
            f.write(str(limit_bytes))
        swap = os.path.join(directory, "memory.swap.max")
        if os.path.exists(swap):
            with open(swap, "w") as f:
                f.write("0")
        return directory
    raise RuntimeError("no memory cgroup controller (v1 or v2) found in /proc/self/cgroup")


def remove(directory):
    """rmdir once its processes are gone (the kernel refuses while any remain)."""
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
