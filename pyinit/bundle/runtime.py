"""Collect the interpreter, glibc's loader and every shared library the bundle's ELF files need.

The loader itself says what it would load (`ld.so --list FILE`, what ldd runs), so the
libraries found are exactly the ones the interpreter's own loader resolves on this machine:
rpaths, $ORIGIN, ld.so.cache and all. They are copied under their DT_NEEDED names into one
directory that the launcher hands to the loader with --library-path, which is searched before
any RUNPATH of the copied files and before the image's ld.so.cache.
"""

import os
import re
import shutil
import subprocess
import sys

from pyinit.preflight import elf
from pyinit.bundle.stdlib import BundleError, os_error

# `libfoo.so.1 => /usr/lib/libfoo.so.1 (0x...)`; the vdso and the loader itself have no `=>`.
_LIST_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(\S.*?)\s+\(0x[0-9a-f]+\)\s*$")
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")
# Loaded by glibc with dlopen when a thread is cancelled or exits: without it glibc aborts.
DLOPENED_BY_GLIBC = ("libgcc_s.so.1",)


def interpreter():
    """The real ELF file of the running interpreter (a venv's python is a symlink or a copy)."""
    path = os.path.realpath(sys.executable)
    if not os.path.isfile(path):
        raise BundleError("the running interpreter %r is not a file" % sys.executable)
    return path


def elf_info(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as error:
        raise BundleError("cannot open %s: %s" % (path, os_error(error)))
    try:
        head = os.pread(fd, elf.HEAD_BYTES, 0)
        if not elf.is_elf(head):
            raise BundleError("%s is not an ELF file" % path)
        return elf.kernel_view(fd, head, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def loader_of(python):
    """glibc's dynamic loader named by the interpreter's PT_INTERP (real path)."""
    info = elf_info(python)
    if info.problem:
        raise BundleError("%s: %s" % (python, info.problem))
    if not info.interp:
        raise BundleError("%s is statically linked: a bundle is made from a dynamically "
                          "linked interpreter (it carries its loader)" % python)
    if "ld-musl" in info.interp:
        raise BundleError("%s uses musl's loader %s: bundles are made from a glibc-linked "
                          "interpreter (build it in a Debian-based python image)"
                          % (python, info.interp))
    loader = os.path.realpath(info.interp)
    if not os.access(loader, os.X_OK):
        raise BundleError("the loader %s of %s is missing or not executable" % (info.interp, python))
    return loader


def libraries_needed(loader, objects):
    """{DT_NEEDED name: real path} for everything the objects load, transitively."""
    found = {}
    for path in objects:
        try:
            done = subprocess.run([loader, "--list", path], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise BundleError("`%s --list %s` failed: %s" % (loader, path, os_error(error)
                                                          if isinstance(error, OSError) else error))
        if done.returncode != 0:
            raise BundleError("`%s --list %s` exited %d: %s"
                              % (loader, path, done.returncode, done.stderr.strip()[-500:]))
        for line in done.stdout.splitlines():
            missing = _NOT_FOUND.match(line)
            if missing:
                raise BundleError("%s needs %s, which the loader %s cannot find here"
                                  % (path, missing.group(1), loader))
            match = _LIST_LINE.match(line)
            # The loader appears as `/lib64/ld-linux-x86-64.so.2 => ...`: it is carried as ld.so.
            if match and "/" not in match.group(1) and os.path.isabs(match.group(2)):
                found[match.group(1)] = os.path.realpath(match.group(2))
    return found


def glibc_dlopened(libraries):
    """Libraries glibc opens on its own: from ld.so.cache, or next to the collected libc."""
    libc = libraries.get("libc.so.6")
    if libc is None:
        return {}
    from pyinit.preflight.libraries import read_ld_so_cache
    cache = read_ld_so_cache()
    libc_info = elf_info(libc)
    extra = {}
    for name in DLOPENED_BY_GLIBC:
        candidates = cache.get(name, []) + [os.path.join(os.path.dirname(libc), name)]
        for candidate in candidates:
            # The cache lists every architecture's copy (multiarch i386 next to x86-64).
            if os.path.isfile(candidate) and _same_machine(elf_info(candidate), libc_info):
                extra[name] = os.path.realpath(candidate)
                break
    return extra


def _same_machine(info, other):
    return (info.machine, info.bits) == (other.machine, other.bits)


def strip_command():
    """`strip` when binutils is installed, else None (the bundle is then larger, not broken)."""
    return shutil.which("strip")


def strip_debug(strip, path):
    """Drop debug sections from a copied ELF file (pyenv and source builds keep them: 20+ MB)."""
    done = subprocess.run([strip, "--strip-unneeded", path], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise BundleError("`%s --strip-unneeded %s` exited %d: %s"
                          % (strip, path, done.returncode, done.stderr.strip()[-500:]))
