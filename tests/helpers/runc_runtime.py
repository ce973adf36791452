"""runc itself: installed on demand, one private state root, containers run like a shim runs them.

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

from helpers.runc_bundle import Bundle

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

    def signal_right_after_start(self, bundle, signame, deadline=DEFAULT_DEADLINE, when="start"):
        """create, start, kill at once through the shim; the container's exit status.

        when="exec": kill as soon as PID 1 has blocked or caught SIGTERM (see runc_shim.py)."""
        shim = Path(__file__).with_name("runc_shim.py")
        command = [sys.executable, str(shim), self.runc.binary, self.runc.state_root,
                   str(bundle.directory), bundle.ctr_id, signame, when]
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
