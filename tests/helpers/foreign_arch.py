"""Running aarch64 programs on this x86_64 machine: qemu-user through binfmt_misc, arm64 Debian trees.

binfmt_misc with qemu-user-static's handler lets the kernel start an aarch64 ELF file (and
everything it execs: a launcher that execs python that forks a shell) under emulation, in a
chroot or a runc container alike (the F flag opens the emulator at registration). An arm64
Debian tree is made with `debootstrap --foreign` and its second stage run under that handler,
cached like helpers.rootfs caches the native ones.
"""

import contextlib
import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from helpers import debian, rootfs

BINFMT = Path("/proc/sys/fs/binfmt_misc")
HANDLERS = Path("/usr/share/binfmts")   # qemu-user-static's descriptions of its handlers
DEBOOTSTRAP_TIMEOUT_S = 1800


class Unavailable(RuntimeError):
    """binfmt_misc cannot be used here, or an arm64 tree could not be made."""


def _handler_fields(name):
    fields = {}
    for line in (HANDLERS / name).read_text().splitlines():
        key, _, value = line.partition(" ")
        fields[key] = value.strip()
    return fields


@contextlib.contextmanager
def binfmt_handler(arch="aarch64"):
    """qemu-ARCH registered with binfmt_misc while the block runs (mounting binfmt_misc if
    needed); removed after unless it was registered before.

    The registration is machine-wide: while it exists an ARCH ELF file is no longer
    "wrong_architecture" for pyinit's preflight, so it must not outlive the tests that need it.
    """
    debian.ensure_packages("qemu-user-static")
    name = "qemu-" + arch
    if not (BINFMT / "register").exists():
        done = subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise Unavailable("cannot mount binfmt_misc on %s: %s" % (BINFMT, done.stderr.strip()))
    entry = BINFMT / name
    if entry.exists():
        yield entry
        return
    fields = _handler_fields(name)
    flags = "F" + ("P" if fields.get("preserve") == "yes" else "") \
        + ("C" if fields.get("credentials") == "yes" else "")
    line = ":%s:M:%s:%s:%s:%s:%s" % (name, fields.get("offset", "0"), fields["magic"],
                                      fields["mask"], fields["interpreter"], flags)
    try:
        with open(BINFMT / "register", "w") as register:
            register.write(line)
    except OSError as exc:
        raise Unavailable("cannot register %s with binfmt_misc: %s" % (name, exc)) from exc
    try:
        yield entry
    finally:
        if entry.exists():
            entry.write_text("-1")


def debootstrap_foreign(suite, arch, include=()):
    """Path of a cached minbase `suite` tree for `arch`, second stage run under qemu-user."""
    debian.ensure_packages("debootstrap")
    include = sorted(set(include))
    root = rootfs.cache_dir("rootfs")
    target = root / ("%s-%s-minbase-%s" % (suite, arch, "-".join(include) or "plain"))
    if (target / ".complete").exists():
        return target
    with open(str(target) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return target
        building = Path(str(target) + ".partial")
        shutil.rmtree(building, ignore_errors=True)
        first = ["debootstrap", "--arch=" + arch, "--foreign", "--variant=minbase"] + \
            (["--include=" + ",".join(include)] if include else []) + \
            [suite, str(building), rootfs.apt_mirror()]
        second = ["chroot", str(building), "/debootstrap/debootstrap", "--second-stage"]
        with binfmt_handler({"arm64": "aarch64"}.get(arch, arch)):
            _debootstrap_stages(first, second, building)
        shutil.rmtree(building / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        (building / ".complete").write_text(" ".join(first) + "\n")
        shutil.rmtree(target, ignore_errors=True)
        os.rename(building, target)
    return target


def _debootstrap_stages(first, second, building):
    for command in (first, second):
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=DEBOOTSTRAP_TIMEOUT_S,
                                  env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                                       "LC_ALL": "C"})
        except subprocess.TimeoutExpired as exc:
            raise Unavailable("`%s` did not finish in %ds"
                              % (" ".join(command), DEBOOTSTRAP_TIMEOUT_S)) from exc
        if done.returncode != 0:
            log = building / "debootstrap" / "debootstrap.log"
            detail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise Unavailable("`%s` exited %d:\n%s%s" % (" ".join(command), done.returncode,
                                                         done.stderr[-2000:], detail))
