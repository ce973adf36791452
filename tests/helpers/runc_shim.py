"""A tiny containerd-shim: create, start, signal at once, and collect the container's exit status.

`runc run` cannot separate "the container exists" from "its PID 1 has started", so it cannot
test a signal that lands right after start. Docker can: containerd's shim runs `runc create`,
then `runc start`, and `docker stop` may arrive at any moment after. The shim is a child
subreaper, so the container's PID 1 (orphaned when `runc create` exits) is re-parented to it
and its exit status can be read with waitpid, as the real shim does.

`runc start` returns before runc's own init (`runc init`, Go, catching every signal) has
exec'd the container's PID 1: a signal that lands then is taken by runc's handler, or is
still pending with SIG_DFL when the new program first runs and is dropped by the kernel, as
for any namespace init. Measured here: a static C init that installs its handler first thing
loses one SIGTERM in 20 that way. With `exec`, the shim waits until PID 1 has left runc's
init and signals it then: the earliest moment any init can answer for (pyinit's launcher
blocks signals in its first instruction; `python -m pyinit` still loses it, in CPython's start).

The container's stdout and stderr go to BUNDLE/stdout and BUNDLE/stderr.
Usage: python runc_shim.py RUNC STATE_ROOT BUNDLE CTR_ID SIGNAL [exec]
Prints one JSON object: {"status": <exit code, 128+N for death by signal N>, "pid": host pid}.
"""

import ctypes
import json
import os
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, "prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(errno))


def runc(binary, root, *args, stdout=None, stderr=None):
    subprocess.run([binary, "--root", root, *args], check=True, stdin=subprocess.DEVNULL,
                   stdout=stdout, stderr=stderr)


def exit_code(wait_status):
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.WEXITSTATUS(wait_status)


EXEC_DEADLINE_S = 20.0


def wait_until_runc_init_is_gone(pid):
    """Busy-poll PID's cmdline until it no longer is `runc init` (argv[0] "runc" or runc's
    full path, argv[1] "init"): it has exec'd the container's program. Return early if PID
    is gone. The next `runc kill` is milliseconds away: the new program's first instructions
    have run by then."""
    end = time.monotonic() + EXEC_DEADLINE_S
    while time.monotonic() < end:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as cmdline:
                argv = cmdline.read().split(b"\0")
        except OSError:
            return
        if not (len(argv) > 1 and argv[1] == b"init" and os.path.basename(argv[0]) == b"runc"):
            return


def main(binary, root, bundle, ctr_id, signame, when="start"):
    become_subreaper()
    pid_file = os.path.join(bundle, "init.pid")
    # Without a terminal runc passes its stdio through: the container writes to these files.
    with open(os.path.join(bundle, "stdout"), "wb") as out, open(os.path.join(bundle, "stderr"), "wb") as err:
        runc(binary, root, "create", "--bundle", bundle, "--pid-file", pid_file, ctr_id,
             stdout=out, stderr=err)
    pid = int(open(pid_file).read())
    runc(binary, root, "start", ctr_id)
    if when == "exec":
        wait_until_runc_init_is_gone(pid)
    runc(binary, root, "kill", ctr_id, signame)
    while True:  # other orphans of runc's own may land here too: wait for PID 1 only
        done, status = os.waitpid(-1, 0)
        if done == pid:
            break
    print(json.dumps({"status": exit_code(status), "pid": pid}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
