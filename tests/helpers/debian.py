"""Debian packages the tests need, installed on demand with apt-get.

CI starts on a machine that may have none of them: a tier asks for what it uses and gets it,
or fails loudly with the command and its output. Never a skip.
"""

import fcntl
import os
import subprocess

# One apt-get at a time from every test process of this machine; dpkg's own lock is waited
# for as well (another apt-get of the machine may hold it).
LOCK_PATH = "/var/lock/pyinit-tests-apt.lock"
APT_TIMEOUT_S = 1200


class Unavailable(RuntimeError):
    """A package is missing and apt-get could not install it."""


def installed(package):
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                          capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.endswith("ok installed")


def _apt_get(*args):
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-y", "-q", *args]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=APT_TIMEOUT_S, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable("`%s` failed: %s" % (" ".join(command), exc)) from exc
    if done.returncode != 0:
        raise Unavailable("`%s` exited %d:\n%s" % (" ".join(command), done.returncode,
                                                   (done.stderr or done.stdout)[-3000:]))


def ensure_packages(*packages):
    """Install whichever of `packages` are missing (apt-get update first, once, if needed)."""
    missing = [p for p in packages if not installed(p)]
    if not missing:
        return
    with open(LOCK_PATH, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [p for p in missing if not installed(p)]
        if not missing:
            return
        try:
            _apt_get("install", "--no-install-recommends", *missing)
        except Unavailable:
            # A fresh machine has no package lists yet, or stale ones.
            _apt_get("update")
            _apt_get("install", "--no-install-recommends", *missing)
