"""Run the checker under another uid, or inside fresh PID + mount namespaces (we are root)."""

import json
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
RUN_CHECK = os.path.join(HERE, "run_check.py")
# Debian's python3, whatever its version: every uid can run it, unlike a pyenv under /root.
# conftest.py makes sure it is installed.
SYSTEM_PYTHON = os.path.realpath("/usr/bin/python3")


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
    # What the interpreter links (ldd: its version decides), and what its own extension
    # modules load.
    linked = subprocess.run(["ldd", SYSTEM_PYTHON], capture_output=True, text=True,
                            timeout=30).stdout
    paths = set(re.findall(r"(/\S+\.so[.\d]*) \(0x", linked))
    for name in ("ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6", "libz.so.1", "libexpat.so.1"):
        if os.path.exists(os.path.join("/lib/x86_64-linux-gnu", name)):
            paths.add(os.path.join("/lib/x86_64-linux-gnu", name))
    for path in paths:
        shutil.copyfile(path, os.path.join(libs, os.path.basename(path)))
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
