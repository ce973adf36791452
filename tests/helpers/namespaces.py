"""Run the checker under another uid, or inside fresh PID + mount namespaces (we are root)."""

import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_CHECK = os.path.join(HERE, "run_check.py")
SYSTEM_PYTHON = "/usr/bin/python3.11"   # readable by every uid, unlike the pyenv under /root


def check_as(uid, argv, mode="check", env=None):
    """The record check() returns when run with effective uid/gid ``uid`` (no supplementary groups)."""
    result = subprocess.run(
        ["/usr/bin/setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups",
         SYSTEM_PYTHON, "-I", RUN_CHECK, mode, json.dumps(argv)],
        capture_output=True, text=True, timeout=30, env=env or {"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, "checker failed as uid %d: %s" % (uid, result.stderr)
    return json.loads(result.stdout)


def private_python(directory):
    """A command running the system Python through copies of its loader and libraries.

    For namespaces that hide the real loader or libc: the checker must still run there.
    """
    import shutil

    libs = os.path.join(str(directory), "pylibs")
    os.makedirs(libs, exist_ok=True)
    for name in ("ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libz.so.1", "libexpat.so.1"):
        shutil.copyfile(os.path.join("/lib/x86_64-linux-gnu", name), os.path.join(libs, name))
    os.chmod(os.path.join(libs, "ld-linux-x86-64.so.2"), 0o755)
    return "%s/ld-linux-x86-64.so.2 --library-path %s %s" % (libs, libs, SYSTEM_PYTHON)


def run_in_namespace(setup_shell, argv, mode="check", env=None, python=SYSTEM_PYTHON):
    """Run ``setup_shell`` (mounts) then the checker, in new PID and mount namespaces."""
    script = "set -e\n%s\nexec %s -I %s %s '%s'\n" % (
        setup_shell, python, RUN_CHECK, mode, json.dumps(argv))
    result = subprocess.run(
        ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--propagation", "private",
         "sh", "-c", script],
        capture_output=True, text=True, timeout=30, env=env or {"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, "namespace run failed (%d): %s" % (result.returncode, result.stderr)
    return json.loads(result.stdout)


def shell_in_namespace(script, timeout=30):
    """Run a shell script in new PID and mount namespaces; return the CompletedProcess."""
    return subprocess.run(
        ["unshare", "--pid", "--fork", "--kill-child", "--mount", "--mount-proc", "--propagation", "private",
         "sh", "-c", script],
        capture_output=True, text=True, timeout=timeout, env={"PATH": "/usr/bin:/bin"})
