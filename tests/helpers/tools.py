"""Python tools the install tests drive (uv, pipx, build, twine), in a venv of their own.

Installed from PyPI with the interpreter running the tests, once per machine and interpreter,
under $PYINIT_TEST_CACHE/tools; never into the venv under test.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys

from helpers.rootfs import cache_dir

TOOLS = ("uv", "pipx", "build", "twine")
INSTALL_TIMEOUT_S = 600


def tools_venv():
    """bin/ directory of a venv holding TOOLS (built on first use)."""
    key = hashlib.sha256(("%s\0%s\0%s" % (os.path.realpath(sys.executable), sys.version,
                                          ",".join(TOOLS))).encode()).hexdigest()[:12]
    root = cache_dir("tools")
    target = root / key
    if (target / ".complete").exists():
        return target / "bin"
    with open(root / (key + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target / "bin"
        shutil.rmtree(target, ignore_errors=True)
        for command in ([sys.executable, "-m", "venv", str(target)],
                        [str(target / "bin" / "python"), "-m", "pip", "install", "-q", *TOOLS]):
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=INSTALL_TIMEOUT_S, stdin=subprocess.DEVNULL)
            if done.returncode != 0:
                raise RuntimeError("`%s` exited %d:\n%s" % (" ".join(command), done.returncode,
                                                            (done.stderr or done.stdout)[-3000:]))
        (target / ".complete").write_text("")
    return target / "bin"
