"""Debian's own pyconfig.h for amd64 and arm64: what configure finds on each machine.

Fetched with apt-get (`libpython3.N-dev` of both architectures) inside a throwaway copy of the
suite's cached tree, so the host's apt configuration is never touched; the two headers are
cached per suite.
"""

import fcntl
import shutil
import subprocess
import tempfile
from pathlib import Path

from helpers import rootfs

ARCHES = {"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
APT_TIMEOUT_S = 900


def _run(command, what):
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=APT_TIMEOUT_S, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                                      "LC_ALL": "C"})
    if done.returncode != 0:
        raise AssertionError("%s: `%s` exited %d:\n%s" % (what, " ".join(map(str, command)),
                                                        done.returncode, done.stderr[-3000:]))


def pyconfigs(suite, minor):
    """{"amd64": text, "arm64": text} of Debian `suite`'s libpython`minor`-dev pyconfig.h."""
    out = rootfs.cache_dir("debian-pyconfig") / suite
    wanted = {arch: out / ("%s-pyconfig.h" % arch) for arch in ARCHES}
    if not all(path.exists() for path in wanted.values()):
        with open(str(out) + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not all(path.exists() for path in wanted.values()):
                _fetch(suite, minor, out, wanted)
    return {arch: path.read_text() for arch, path in wanted.items()}


def _fetch(suite, minor, out, wanted):
    base = rootfs.debootstrap(suite, include=("python3", "python3-venv"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pyinit-pyconfig-") as scratch:
        tree = Path(scratch) / "tree"
        _run(["cp", "-a", "--reflink=auto", str(base), str(tree)], "copy the %s tree" % suite)
        shutil.copy2("/etc/resolv.conf", tree / "etc" / "resolv.conf")
        packages = " ".join("libpython%s-dev:%s" % (minor, arch) for arch in ARCHES)
        _run(["chroot", str(tree), "sh", "-c",
              "dpkg --add-architecture arm64 && apt-get -q update && cd /tmp && "
              "apt-get -q download " + packages], "apt-get download in %s" % suite)
        for deb in (tree / "tmp").glob("*.deb"):
            _run(["dpkg-deb", "-x", str(deb), str(Path(scratch) / "x")], "unpack %s" % deb.name)
        for arch, triplet in ARCHES.items():
            found = Path(scratch) / "x" / "usr" / "include" / triplet / ("python" + minor) / "pyconfig.h"
            if not found.exists():
                raise AssertionError("libpython%s-dev:%s of %s has no %s" % (minor, arch, suite, found))
            shutil.copy2(found, wanted[arch])
