"""OCI bundles and runc containers for the integration suite: an init as PID 1 under a real runtime.

A bundle is what Docker and Kubernetes hand to runc: a config.json and a root filesystem.
Ours is assembled from read-only bind mounts of the host's system directories plus the
Python installation and venv that hold pyinit (bound at their host paths, so the launcher's
baked interpreter path and the venv's python symlink resolve inside the container too), an
/app directory for test programs and one writable /markers directory through which the
container tells the test what happened.

Every runc call goes through one `Runc` object with its own state root, so the suite's
containers never mix with anyone else's and are all found again at cleanup.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
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

# Generous: a container start is well under a second, but two cores are shared with others.
DEFAULT_DEADLINE = 20.0
POLL_INTERVAL = 0.02


class RuncUnavailable(RuntimeError):
    """runc is missing and could not be installed, or cannot run a container here."""


class RuncError(RuntimeError):
    """A runc command exited non-zero; the message carries the command and its stderr."""


def ensure_runc():
    """Path of runc, installing Debian's `runc` package when it is missing.

    Raises RuncUnavailable with the failing command and its output: the suite must fail
    loudly when the runtime cannot be had, never skip.
    """
    found = shutil.which("runc")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "runc"]):
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=600, env=env)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuncUnavailable("runc is not installed and `%s` failed: %s"
                                  % (" ".join(command), exc)) from exc
        if done.returncode != 0:
            raise RuncUnavailable("runc is not installed and `%s` exited %d:\n%s"
                                  % (" ".join(command), done.returncode,
                                     (done.stderr or done.stdout)[-2000:]))
    found = shutil.which("runc")
    if not found:
        raise RuncUnavailable("apt-get installed the runc package but `runc` is not on PATH=%s"
                              % os.environ.get("PATH", ""))
    return found


class Runc:
    """The runc binary bound to one private state root (`runc --root`)."""

    def __init__(self, binary, state_root):
        self.binary = str(binary)
        self.state_root = str(state_root)

    def command(self, *args):
        return [self.binary, "--root", self.state_root, *map(str, args)]

    def call(self, *args, timeout=DEFAULT_DEADLINE):
        """Run one runc subcommand to completion; its stdout, or RuncError with its stderr."""
        command = self.command(*args)
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise RuncError("`%s` did not finish in %ss" % (" ".join(command), timeout)) from exc
        if done.returncode != 0:
            raise RuncError("`%s` exited %d: %s"
                            % (" ".join(command), done.returncode, done.stderr.strip()))
        return done.stdout

    def kill(self, ctr_id, signame):
        """What `docker stop` / `kubectl delete pod` do: signal the container's PID 1."""
        self.call("kill", ctr_id, signame)

    def state(self, ctr_id):
        return json.loads(self.call("state", ctr_id))

    def host_pids(self, ctr_id):
        """Host PIDs of the container's live processes (its cgroup: a zombie has already left it)."""
        return [int(pid) for pid in json.loads(self.call("ps", "--format", "json", ctr_id) or "[]")]

    def delete(self, ctr_id):
        """`runc delete -f`, quiet when the container is already gone."""
        command = self.command("delete", "-f", ctr_id)
        subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=DEFAULT_DEADLINE)

    def list_ids(self):
        # An empty list is printed as `null`.
        return [entry["id"] for entry in json.loads(self.call("list", "--format", "json") or "null") or []]


def probe(runc, directory):
    """Run `true` in a bare container; RuncUnavailable with runc's own words if that fails."""
    bundle = Bundle(directory, ["/bin/true"]).write()
    ctr_id = unique_id("probe")
    try:
        done = subprocess.run(runc.command("run", "--bundle", bundle.directory, ctr_id),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=DEFAULT_DEADLINE)
    except subprocess.TimeoutExpired:
        raise RuncUnavailable("a container running /bin/true did not finish in %ss" % DEFAULT_DEADLINE) from None
    finally:
        runc.delete(ctr_id)
    if done.returncode != 0:
        raise RuncUnavailable("runc cannot run a container here (a bundle running /bin/true exited %d): %s"
                              % (done.returncode, (done.stderr or done.stdout).strip()))


def unique_id(label):
    """A container id no other test, run or agent on this host uses."""
    label = label[len("test_"):] if label.startswith("test_") else label
    safe = "".join(ch if ch.isalnum() else "-" for ch in label)[:40].strip("-")
    return "pyinit-%s-%s" % (safe, uuid.uuid4().hex[:8])


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


def proc_state(host_pid):
    """The one-letter state of a host process (R, S, Z...), or None when it is gone.

    The name in /proc/PID/stat may contain spaces and parentheses: the state follows the last `)`.
    """
    try:
        stat = Path("/proc/%d/stat" % host_pid).read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


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


def signal_pending(host_pid, signum):
    """True while `signum` is queued for the process (shared or thread-private) and not yet taken."""
    bit = 1 << (signum - 1)
    return any(int(proc_status_field(host_pid, field) or "0", 16) & bit for field in ("ShdPnd", "SigPnd"))


class Container:
    """One container run in the foreground by `runc run`, as a shim would.

    `runc run` without --detach stays the container's parent and exits with the container's
    exit status (128+N when PID 1 died of signal N): that is how the test reads the status.
    stdout and stderr go to files, so a chatty container can never block on a full pipe.
    """

    def __init__(self, runc, bundle, ctr_id):
        self.runc = runc
        self.bundle = bundle
        self.id = ctr_id
        self.stdout_path = bundle.directory / "stdout"
        self.stderr_path = bundle.directory / "stderr"
        self.process = None

    def start(self):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            # A session of its own: a Ctrl-C at the test's terminal must reach the test only.
            self.process = subprocess.Popen(
                self.runc.command("run", "--bundle", self.bundle.directory, self.id),
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
        return self

    @property
    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    @property
    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def describe(self):
        """What a failing assertion should show: the runtime's view and the container's output."""
        try:
            state = self.runc.state(self.id).get("status")
        except RuncError as exc:
            state = "deleted" if "does not exist" in str(exc) else "unknown (%s)" % exc
        markers = sorted(p.name for p in self.bundle.markers_dir.iterdir())
        return ("container %s: state %s, runc run %s, markers %s\n--- stdout\n%s--- stderr\n%s"
                % (self.id, state,
                   "still running" if self.process.poll() is None else "exited %s" % self.process.returncode,
                   markers, self.stdout, self.stderr))

    def marker(self, name):
        return self.bundle.markers_dir / name

    def wait_for_marker(self, name, deadline=DEFAULT_DEADLINE):
        """Content of /markers/NAME once the container wrote it; AssertionError after the deadline."""
        path = self.marker(name)
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if path.exists():
                return path.read_text()
            if self.process.poll() is not None:
                if path.exists():
                    return path.read_text()
                raise AssertionError("container exited before writing %s\n%s" % (name, self.describe()))
            time.sleep(POLL_INTERVAL)
        raise AssertionError("no %s after %ss\n%s" % (name, deadline, self.describe()))

    def wait_for_output(self, text, deadline=DEFAULT_DEADLINE):
        """Wait until the container's stdout contains TEXT; AssertionError after the deadline."""
        end = time.monotonic() + deadline
        while text not in self.stdout:
            if self.process.poll() is not None and text not in self.stdout:
                raise AssertionError("container exited before printing %r\n%s" % (text, self.describe()))
            if time.monotonic() > end:
                raise AssertionError("no %r on stdout after %ss\n%s" % (text, deadline, self.describe()))
            time.sleep(POLL_INTERVAL)

    def wait(self, deadline=DEFAULT_DEADLINE):
        """The container's exit status; AssertionError if it still runs after the deadline."""
        try:
            return self.process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            raise AssertionError("container still running after %ss\n%s"
                                 % (deadline, self.describe())) from None

    def init_host_pid(self):
        return int(self.runc.state(self.id)["pid"])

    def kill(self, signame):
        self.runc.kill(self.id, signame)

    def cleanup(self):
        """Always safe: removes the container whatever state it (or the test) is in."""
        self.runc.delete(self.id)
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=DEFAULT_DEADLINE)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=DEFAULT_DEADLINE)


def sh(script):
    """argv for a /bin/sh script (dash here: POSIX traps, `wait` interrupted by a trapped signal)."""
    return ["/bin/sh", "-c", script]


class Containers:
    """Makes one test's containers, INIT_ARGV prepended to each command; deletes them all after."""

    def __init__(self, runc, init_argv, directory, label):
        self.runc = runc
        self.init_argv = list(init_argv)
        self.directory = Path(directory)
        self.label = label
        self.made = []  # container ids, deleted at cleanup even if never started
        self.started = []

    def bundle(self, args, env=None, with_init=True, pid_namespace=None):
        """A written bundle whose process is the init running ARGS (ARGS alone without with_init).

        Fill bundle.app_dir before start. pid_namespace joins an existing PID namespace.
        """
        ctr_id = unique_id(self.label)
        argv = (self.init_argv if with_init else []) + list(args)
        bundle = Bundle(self.directory / ctr_id, argv, env=env, pid_namespace=pid_namespace).write()
        bundle.ctr_id = ctr_id
        self.made.append(ctr_id)
        return bundle

    def start(self, bundle):
        container = Container(self.runc, bundle, bundle.ctr_id).start()
        self.started.append(container)
        return container

    def run(self, args, env=None, **options):
        """bundle + start: the init as PID 1 running ARGS under `runc run`."""
        return self.start(self.bundle(args, env, **options))

    def signal_right_after_start(self, bundle, signame, deadline=DEFAULT_DEADLINE):
        """create, start, kill at once through the shim; the container's exit status."""
        shim = Path(__file__).with_name("runc_shim.py")
        command = [sys.executable, str(shim), self.runc.binary, self.runc.state_root,
                   str(bundle.directory), bundle.ctr_id, signame]
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=deadline)
        except subprocess.TimeoutExpired:
            raise AssertionError("container %s still running %ss after `runc kill %s` right after start:"
                                 " the signal was lost\n--- stderr\n%s"
                                 % (bundle.ctr_id, deadline, signame,
                                    (bundle.directory / "stderr").read_text(errors="replace"))) from None
        if done.returncode != 0:
            raise AssertionError("shim failed (%d): %s" % (done.returncode, done.stderr))
        return json.loads(done.stdout)["status"]

    def cleanup(self):
        for container in self.started:
            container.cleanup()
        for ctr_id in self.made:
            self.runc.delete(ctr_id)
