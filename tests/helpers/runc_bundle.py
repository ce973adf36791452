"""OCI bundles for the runc suite: config.json and a rootfs made of the host's own directories.

A bundle is what Docker and Kubernetes hand to runc: a config.json and a root filesystem.
Ours is assembled from read-only bind mounts of the host's system directories plus the
Python installation and venv that hold pyinit (bound at their host paths, so the launcher's
baked interpreter path and the venv's python symlink resolve inside the container too), an
/app directory for test programs and one writable /markers directory through which the
container tells the test what happened.
"""

import json
import os
import sys
from pathlib import Path

# Host directories the rootfs is made of. On merged-/usr systems /bin, /lib, /lib64 and
# /sbin are symlinks into /usr: the rootfs gets the same symlinks instead of a mount.
HOST_SYSTEM_DIRS = ("/usr", "/bin", "/lib", "/lib64", "/sbin", "/etc")

MARKERS = "/markers"  # the container's only writable host directory: how it reports back
APP = "/app"  # read-only: programs the test prepared for the container to run

# Docker's default capability set, so the container is as privileged as one under `docker run`.
DOCKER_DEFAULT_CAPS = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)

CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def python_install_dirs():
    """Host directories the running interpreter and its venv live in (bound at the same paths).

    The venv's bin/python is a symlink into the base installation, and libpython lives there:
    both trees must exist in the container at their host paths.
    """
    wanted = sorted({os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix),
                     os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))})
    kept = []
    for path in wanted:  # sorted: a parent comes before the directories inside it
        if not any(path == outer or path.startswith(outer + "/") for outer in kept):
            kept.append(path)
    return kept


def bind(source, destination, writable=False):
    options = ["rbind", "nosuid", "nodev"] + ([] if writable else ["ro"])
    return {"destination": destination, "type": "bind", "source": str(source), "options": options}


def kernel_mounts():
    """The mounts `runc spec` gives every container (and Docker gives too)."""
    return [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "nodev", "mode=1777", "size=16m"]},
    ]


class Bundle:
    """One OCI bundle directory: config.json, rootfs/, and the host sides of /app and /markers."""

    def __init__(self, directory, args, env=None, pid_namespace=None):
        self.directory = Path(directory)
        self.rootfs = self.directory / "rootfs"
        self.app_dir = self.directory / "app"
        self.markers_dir = self.directory / "markers"
        self.args = [str(arg) for arg in args]
        self.env = dict(env or {})
        # A path like /proc/PID/ns/pid joins that PID namespace, as containers of a Kubernetes
        # Pod with shareProcessNamespace do: the pod's pause process stays PID 1.
        self.pid_namespace = pid_namespace

    def write(self):
        """Create the rootfs skeleton and config.json; returns self for chaining."""
        self.rootfs.mkdir(parents=True, exist_ok=True)
        self.app_dir.mkdir(exist_ok=True)
        self.markers_dir.mkdir(exist_ok=True)
        mounts = kernel_mounts()
        for host_dir in HOST_SYSTEM_DIRS:
            mounts.extend(self._system_dir(host_dir))
        for install_dir in python_install_dirs():
            mounts.append(bind(install_dir, install_dir))
        mounts.append(bind(self.app_dir, APP))
        mounts.append(bind(self.markers_dir, MARKERS, writable=True))
        (self.directory / "config.json").write_text(json.dumps(self.config(mounts), indent=1))
        return self

    def _system_dir(self, host_dir):
        """A bind mount for a real directory, the same symlink for a merged-/usr one."""
        inside = self.rootfs / host_dir.lstrip("/")
        if os.path.islink(host_dir):
            if not os.path.lexists(inside):
                os.symlink(os.readlink(host_dir), inside)
            return []
        if os.path.isdir(host_dir):
            return [bind(host_dir, host_dir)]
        return []  # absent on this architecture (e.g. no /lib64): nothing to show

    def namespaces(self):
        pid = {"type": "pid", **({"path": self.pid_namespace} if self.pid_namespace else {})}
        return [pid] + [{"type": kind} for kind in ("network", "ipc", "uts", "mount")]

    def config(self, mounts):
        env = {"PATH": CONTAINER_PATH, **self.env}
        caps = list(DOCKER_DEFAULT_CAPS)
        return {
            "ociVersion": "1.0.2",
            "process": {
                "terminal": False,
                "user": {"uid": 0, "gid": 0},
                "args": self.args,
                "env": ["%s=%s" % item for item in env.items()],
                "cwd": "/",
                "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                "noNewPrivileges": True,
            },
            "root": {"path": "rootfs", "readonly": True},
            "hostname": "pyinit-runc",
            "mounts": mounts,
            "linux": {
                "resources": {"devices": [{"allow": False, "access": "rwm"}]},
                "namespaces": self.namespaces(),
                "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                  "/proc/sysrq-trigger"],
            },
        }


