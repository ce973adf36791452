"""Root filesystems of real Debian releases, made with debootstrap and cached outside the clone.

`debootstrap --variant=minbase` from the Debian mirror apt already uses; each (suite, extra
packages) pair is built once per machine under $PYINIT_TEST_CACHE (default
/var/cache/pyinit-tests) and reused by every later run. The tests never write into a cached
tree: they bind it read-only or copy it.
"""

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

from helpers import debian

CACHE = Path(os.environ.get("PYINIT_TEST_CACHE", "/var/cache/pyinit-tests"))
DEBOOTSTRAP_TIMEOUT_S = 1800
FALLBACK_MIRROR = "http://deb.debian.org/debian"


def cache_dir(*parts):
    """A directory under the test cache (created)."""
    path = CACHE.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def apt_mirror():
    """The Debian archive URI this machine's apt uses (deb822 or one-line sources)."""
    candidates = []
    sources = Path("/etc/apt/sources.list.d")
    for path in sorted(sources.glob("*.sources")) if sources.is_dir() else []:
        candidates += re.findall(r"^URIs:\s*(\S+)", path.read_text(errors="replace"), re.M)
    for path in [Path("/etc/apt/sources.list")] + (sorted(sources.glob("*.list"))
                                                    if sources.is_dir() else []):
        if path.is_file():
            candidates += re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)",
                                     path.read_text(errors="replace"), re.M)
    for uri in candidates:
        if "security" not in uri and uri.rstrip("/").endswith("/debian"):
            return uri
    return FALLBACK_MIRROR


def debootstrap(suite, include=()):
    """Path of a cached minbase root filesystem of `suite` with the `include` packages."""
    include = sorted(set(include))
    tag = hashlib.sha256(",".join(include).encode()).hexdigest()[:10] if include else "plain"
    root = cache_dir("rootfs")
    target = root / ("%s-minbase-%s" % (suite, tag))
    if (target / ".complete").exists():
        return target
    debian.ensure_packages("debootstrap")
    with open(root / (target.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        building = root / (target.name + ".partial")
        shutil.rmtree(building, ignore_errors=True)
        command = ["debootstrap", "--variant=minbase"]
        if include:
            command.append("--include=" + ",".join(include))
        command += [suite, str(building), apt_mirror()]
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=DEBOOTSTRAP_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError("`%s` did not finish in %ds" % (" ".join(command),
                                                               DEBOOTSTRAP_TIMEOUT_S)) from exc
        if done.returncode != 0:
            log = building / "debootstrap" / "debootstrap.log"
            detail = log.read_text(errors="replace")[-3000:] if log.exists() else done.stderr[-3000:]
            raise RuntimeError("`%s` exited %d:\n%s" % (" ".join(command), done.returncode, detail))
        # Keep the tree small and free of downloaded .debs.
        shutil.rmtree(building / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        (building / ".complete").write_text(" ".join(command) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(building, target)
    return target
