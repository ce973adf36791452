"""Docker and podman for the engines tier: installed on demand, private to the tests, stopped by pid.

dockerd runs with its own data root (kept between runs: imported and built images stay, so a
warm run builds nothing), its own exec root and socket, no bridge and no iptables: every
container uses --network=none. podman is rootful with its own storage too. Neither touches an
engine the machine may already run.
"""

import fcntl
import json
import os
import signal
import subprocess
import time
from pathlib import Path

from helpers import debian

STATE = Path(os.environ.get("PYINIT_TEST_ENGINES", "/var/lib/pyinit-tests"))
RUNTIME = Path("/run/pyinit-tests")
# Debian's docker.io client, not whatever newer `docker` PATH finds first: the daemon is 20.10.
DOCKER_CLIENT = "/usr/bin/docker"
DOCKERD = "/usr/sbin/dockerd"
START_TIMEOUT_S = 120
STOP_TIMEOUT_S = 60
# Rootful podman 4.3 on this kernel's hybrid cgroup layout: crun refuses it (runc), systemd
# cgroups are absent (cgroupfs), no journald (file events), and the default ulimits are above
# what runc may set here. A config file rather than flags, so that `kube play` gets them too.
PODMAN_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
"""


class EngineError(RuntimeError):
    """An engine could not be installed, started or used: the message says which command."""


def default_signals():
    """In the daemon before exec: pytest may have been started with SIGINT/SIGQUIT ignored
    (`cmd &`, nohup), and ignored dispositions would be inherited down to every container."""
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)


class Cli:
    """One engine's command line: `run(*args)` returns the CompletedProcess, `ok(*args)` its
    stdout and raises EngineError naming the command when it fails. Commands start with
    default signal dispositions: podman's containers descend from the podman command itself."""

    def __init__(self, argv, env, cwd=None):
        self.argv = list(argv)
        self.env = env
        self.cwd = cwd

    def command(self, *args):
        return self.argv + [str(a) for a in args]

    def run(self, *args, timeout=120, input=None, **kwargs):
        kwargs.setdefault("capture_output", True)
        if input is None:
            kwargs.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.run(self.command(*args), env=self.env, input=input, text=True,
                              timeout=timeout, preexec_fn=default_signals, cwd=self.cwd,
                              **kwargs)

    def ok(self, *args, timeout=120, **kwargs):
        done = self.run(*args, timeout=timeout, **kwargs)
        if done.returncode != 0:
            raise EngineError("`%s` exited %d:\n%s%s" % (" ".join(self.command(*args)),
                                                        done.returncode, done.stdout[-2000:],
                                                        done.stderr[-3000:]))
        return done.stdout

    def inspect(self, name, template):
        return self.ok("inspect", "-f", template, name).strip()

    def state(self, name):
        return json.loads(self.ok("inspect", "-f", "{{json .State}}", name))

    def popen(self, *args, **kwargs):
        return subprocess.Popen(self.command(*args), env=self.env, preexec_fn=default_signals,
                                cwd=self.cwd, **kwargs)


class Dockerd:
    """A private dockerd: `start()` waits for its API, `stop()` ends it by pid."""

    def __init__(self):
        self.data_root = STATE / "docker"
        self.exec_root = RUNTIME / "docker-exec"
        self.socket = RUNTIME / "docker.sock"
        self.pidfile = RUNTIME / "docker.pid"
        self.log_path = STATE / "dockerd.log"
        self.process = None
        self.lock = None
        env = dict(os.environ, DOCKER_HOST="unix://%s" % self.socket, DOCKER_BUILDKIT="1",
                   DOCKER_CONFIG=str(STATE / "docker-client"))
        self.cli = Cli([DOCKER_CLIENT], env)

    def start(self):
        debian.ensure_packages("docker.io")
        for path in (STATE, RUNTIME, STATE / "docker-client"):
            path.mkdir(parents=True, exist_ok=True)
        # One test session at a time owns this daemon and its data root.
        self.lock = open(STATE / "docker.lock", "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self._end_leftover()
        try:
            return self._start("overlay2")
        except EngineError:
            # A kernel or filesystem without overlay: dockerd exits at once naming it. Then vfs
            # (copies, slower), in its own data root.
            if self.process.returncode is None or "overlay" not in self.log():
                raise
            self.data_root = STATE / "docker-vfs"
            return self._start("vfs")

    def _start(self, storage_driver):
        self.data_root.mkdir(parents=True, exist_ok=True)
        command = [DOCKERD, "--data-root", str(self.data_root), "--exec-root",
                   str(self.exec_root), "--host", "unix://%s" % self.socket, "--pidfile",
                   str(self.pidfile), "--iptables=false", "--ip6tables=false", "--bridge=none",
                   "--storage-driver=" + storage_driver]
        log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=default_signals)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineError("`%s` exited %d at start:\n%s" % (
                    " ".join(command), self.process.returncode, self.log()[-3000:]))
            if self.socket.exists() and self.cli.run("version", timeout=30).returncode == 0:
                self._remove_containers()
                return self
            time.sleep(0.2)
        self.process.kill()
        self.process.wait(30)
        raise EngineError("dockerd did not answer on %s within %ds:\n%s"
                          % (self.socket, START_TIMEOUT_S, self.log()[-3000:]))

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def _end_leftover(self):
        """A dockerd of an interrupted session (we hold the lock, so it is no one's now)."""
        try:
            pid = int(self.pidfile.read_text())
            cmdline = Path("/proc/%d/cmdline" % pid).read_bytes()
        except (OSError, ValueError):
            return
        if str(STATE).encode() in cmdline:
            os.kill(pid, signal.SIGTERM)
            wait_for_exit(pid, STOP_TIMEOUT_S)

    def _remove_containers(self):
        ids = self.cli.ok("ps", "-aq").split()
        if ids:
            self.cli.run("rm", "-f", *ids, timeout=120)

    def stop(self):
        if self.process and self.process.poll() is None:
            self._remove_containers()
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        if self.lock:
            self.lock.close()
            self.lock = None


def wait_for_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists("/proc/%d" % pid):
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def podman():
    """Rootful podman with private storage; no daemon to start."""
    debian.ensure_packages("podman", "runc")
    root, runroot = STATE / "podman", RUNTIME / "podman"
    # conmon writes an `oom` marker into its working directory when the OOM killer strikes.
    workdir = RUNTIME / "podman-cwd"
    for path in (root, runroot, workdir):
        path.mkdir(parents=True, exist_ok=True)
    conf = STATE / "podman-containers.conf"
    conf.write_text(PODMAN_CONF)
    argv = ["podman", "--root", str(root), "--runroot", str(runroot)]
    env = dict(os.environ, CONTAINERS_CONF=str(conf))
    env.pop("DOCKER_HOST", None)
    cli = Cli(argv, env, cwd=workdir)
    cli.run("pod", "rm", "--all", "--force", timeout=300)
    cli.run("rm", "--all", "--force", timeout=300)
    return cli


def move_images(docker, podman, *tags):
    """`docker save | podman load` of the images podman lacks or has in another version; the
    names podman knows them by (localhost/...)."""
    names = []
    missing = []
    for tag in tags:
        name = "localhost/" + tag
        wanted = docker.inspect(tag, "{{.Id}}").split(":")[-1]
        have = podman.run("image", "inspect", "--format", "{{.Id}}", name)
        if have.returncode != 0 or have.stdout.strip() != wanted:
            missing.append(tag)
        names.append(name)
    if missing:
        save = docker.popen("save", *missing, stdout=subprocess.PIPE)
        podman.ok("load", stdin=save.stdout, timeout=900)
        save.stdout.close()
        if save.wait(120) != 0:
            raise EngineError("`docker save %s` failed" % " ".join(missing))
    return names
