"""Run pyinit as PID 1 of a fresh PID namespace and find it from the parent namespace.

`unshare --pid --fork --mount-proc` forks; its child becomes PID 1 of the new namespace and
execs pyinit. Tests signal that process by its pid in *our* namespace, as `docker stop` does.
"""

import os
import subprocess
import time

UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc"]


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(word) for word in f.read().split()]
    except OSError:
        return []


def exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None


def wait_for(predicate, timeout, what, interval=0.0005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


class Namespace:
    """A running `unshare ... pyinit ARGS` and the host pid of its PID 1."""

    def __init__(self, pyinit, args, **popen):
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        self.proc = subprocess.Popen(UNSHARE + [pyinit] + list(args), **popen)
        unshare_exe = exe(self.proc.pid)
        self.init_pid = wait_for(lambda: (children(self.proc.pid) or [None])[0], 10,
                                 "unshare to fork the namespace's PID 1")
        # PID 1 has exec'd once its executable is no longer unshare's.
        wait_for(lambda: exe(self.init_pid) not in (None, unshare_exe), 10, "PID 1 to exec pyinit")
        self.exec_seen = time.monotonic()

    def kill(self, sig):
        os.kill(self.init_pid, sig)

    def child_pid(self, timeout=10):
        """Host pid of pyinit's child, once pyinit forked it."""
        return wait_for(lambda: (children(self.init_pid) or [None])[0], timeout, "pyinit's child")

    def wait(self, timeout=30):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
            raise AssertionError("pyinit did not exit within %ss; stderr: %r" % (timeout, err))
        return self.proc.returncode, out, err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            try:
                os.kill(self.init_pid, 9)
            except OSError:
                pass
            self.proc.kill()
            self.proc.wait(5)
