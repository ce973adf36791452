"""The launcher as builds other than the test venv's make it, and a throwaway installation to
run such a launcher in.

The launcher finds its interpreter and package from where it lies, so a launcher built
elsewhere is checked by copying it into a fresh prefix (bin/pyinit, bin/python3.X, the package
under lib/python3.X/site-packages) and asking the kernel, from the child, what runs.
"""

import os
import platform
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pyinit
import pyinit_core

from helpers.installs import SITE_PACKAGES, VERSIONED

# Machines whose launcher links no C library (setup.py's NOLIBC_MACHINES).
NOLIBC_MACHINES = ("x86_64", "aarch64")
PT_DYNAMIC, PT_INTERP, PT_GNU_STACK = 2, 3, 0x6474E551
PF_X = 1
ELF64_PHDR = struct.Struct("<IIQQQQQQ")

# Debian 12's `dpkg-buildflags --get CFLAGS/LDFLAGS` with DEB_BUILD_MAINT_OPTIONS=hardening=+all,
# plus -fPIE as other distributions pass it: flags a distribution build hands to setup.py.
DISTRIBUTION_CFLAGS = ("-g -O2 -ffile-prefix-map=/build/pyinit=. -fstack-protector-strong "
                       "-fstack-clash-protection -Wformat -Werror=format-security "
                       "-fcf-protection -D_FORTIFY_SOURCE=2 -fPIE")
DISTRIBUTION_LDFLAGS = "-Wl,-z,relro -Wl,-z,now"


def launcher_links_no_c_library():
    """True on the machines whose launcher is built without a C library."""
    return platform.machine() in NOLIBC_MACHINES


def program_headers(path):
    """[(p_type, p_flags)] of a 64-bit little-endian ELF file."""
    data = Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, path
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return [ELF64_PHDR.unpack_from(data, phoff + i * phentsize)[:2] for i in range(phnum)]


def c_library_traces(path):
    """What in an ELF file shows a C library inside or needed: [] when there is none."""
    found = []
    kinds = [p_type for p_type, _ in program_headers(path)]
    if PT_INTERP in kinds:
        found.append("PT_INTERP (a dynamic loader)")
    if PT_DYNAMIC in kinds:
        found.append("PT_DYNAMIC (DT_NEEDED libraries or relocations at start)")
    data = Path(path).read_bytes().lower()
    for marker in (b"glibc", b"gnu c library", b"musl", b"__libc_start_main"):
        if marker in data:
            found.append("the string %r" % marker.decode())
    return found


def executable_stack(path):
    """True when the file asks for an executable stack (no PT_GNU_STACK, or one with PF_X)."""
    stacks = [flags for p_type, flags in program_headers(path) if p_type == PT_GNU_STACK]
    return not stacks or bool(stacks[0] & PF_X)


def launcher_of_wheel(wheel, directory):
    """The launcher (NAME.data/scripts/pyinit) of `wheel`, extracted into `directory`."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".data/scripts/pyinit"))
        target = Path(directory) / "pyinit"
        target.write_bytes(archive.read(name))
    target.chmod(0o755)
    return target


def make_installation(prefix, launcher):
    """PREFIX/bin/pyinit (a copy of `launcher`), PREFIX/bin/python3.X (a link to the interpreter
    running the tests) and a copy of this pyinit under PREFIX/lib/python3.X/site-packages.
    Returns (launcher, python, package directory)."""
    prefix = Path(prefix)
    bindir = prefix / "bin"
    bindir.mkdir(parents=True)
    shutil.copy2(launcher, bindir / "pyinit")
    python = bindir / VERSIONED
    os.symlink(os.path.realpath(sys.executable), python)
    packages = prefix / SITE_PACKAGES
    packages.mkdir(parents=True)
    shutil.copytree(os.path.dirname(pyinit.__file__), packages / "pyinit",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(pyinit_core.__file__, packages / os.path.basename(pyinit_core.__file__))
    return bindir / "pyinit", python, packages


def compile_libc_launcher(output):
    """launcher/pyinit.c built as on the machines without a nolibc layer: linked with the
    static C library (the entry stub, where there is one, then jumps to the C library's
    _start). Baked in: this interpreter's version, and /nonexistent as the build's python."""
    from helpers import debian
    debian.ensure_packages("gcc", "libc6-dev")
    source = Path(__file__).resolve().parent.parent.parent / "launcher" / "pyinit.c"
    command = ["gcc", "-O2", "-Wall", "-Wextra", "-Werror",
               '-DPYINIT_BUILD_PYTHON="/nonexistent/python3"',
               '-DPYINIT_PYTHON_VERSION="%d.%d"' % sys.version_info[:2], "-static", "-s"]
    if launcher_links_no_c_library():
        command.append("-Wl,-e,pyinit_entry")
    done = subprocess.run(command + [str(source), "-o", str(output)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, "`%s` failed:\n%s" % (" ".join(command), done.stderr)
    return Path(output)
