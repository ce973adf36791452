"""What an installed `pyinit` command really runs: its interpreter and its pyinit_core.

The child asks the kernel about its parent (pyinit): /proc/PPID/exe is the interpreter's
binary, /proc/PPID/maps lists the pyinit_core extension file it loaded. No output of pyinit
itself is trusted for this.
"""

import os
import subprocess
import sys

PROBE = ("readlink /proc/$PPID/exe; "
         "grep -o '/[^ ]*pyinit_core[^ ]*[.]so$' /proc/$PPID/maps | sort -u")
VERSIONED = "python%d.%d" % sys.version_info[:2]
SITE_PACKAGES = os.path.join("lib", VERSIONED, "site-packages")


class Seen:
    def __init__(self, exe, cores, result):
        self.exe, self.cores, self.result = exe, cores, result

    def __repr__(self):
        return "exe=%s cores=%s rc=%d stderr=%r" % (self.exe, self.cores,
                                                     self.result.returncode, self.result.stderr)


def what_runs(command, env=None, timeout=60):
    """Run `command` (a pyinit path, or a list ending in one) with the probe as its child."""
    command = [command] if isinstance(command, (str, os.PathLike)) else list(command)
    result = subprocess.run([str(c) for c in command] + ["-s", "--", "sh", "-c", PROBE],
                            capture_output=True, text=True, timeout=timeout, env=env,
                            stdin=subprocess.DEVNULL)
    lines = result.stdout.splitlines()
    return Seen(lines[0] if lines else None, lines[1:], result)


def assert_runs(seen, python, package_dir):
    """pyinit ran as `python` (compared by real path) and loaded pyinit_core from
    `package_dir`, and only from there."""
    assert seen.result.returncode == 0, seen
    assert seen.exe == os.path.realpath(python), seen
    assert seen.cores, seen
    for core in seen.cores:
        assert os.path.dirname(core) == os.path.realpath(package_dir), seen


def first_system_python(versioned=VERSIONED, builder=sys.executable):
    """The interpreter the launcher falls back to for installs without one of their own
    (--user, --target): /usr/local/bin/python3.X, /usr/bin/python3.X, else the one that
    built it (by default the interpreter running these tests: the wheel is built with it)."""
    for path in ("/usr/local/bin/" + versioned, "/usr/bin/" + versioned):
        if os.access(path, os.X_OK):
            return path
    return builder
