"""Build the two compiled pieces: the `pyinit_core` extension and the `pyinit` launcher.

The launcher is a plain C executable installed as the `pyinit` script (pip copies a script that
does not start with `#!python` as it is). It is linked statically, so that no dynamic loader
runs before it has blocked signals, and it gets two facts of this build baked in: the "3.X"
version the extension is compiled for (it looks for python3.X and lib/python3.X of its own
installation) and the interpreter that built it (its last resort; see launcher/pyinit.c).
On x86_64 and aarch64 it links no C library at all (-nostdlib, its own entry point and system
calls: a static glibc's own start costs ~0.6 ms); elsewhere it links the static C library.

Before compiling anything, the build checks that a C compiler and Python.h are there (and a
static C library where the launcher needs one), and when one is missing says so in one
message naming the packages that provide them, instead of a page of compiler output.
"""

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile

from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import SetupError
from distutils.command.build_scripts import build_scripts  # setuptools provides distutils

LAUNCHER_SOURCE = os.path.join("launcher", "pyinit.c")
LAUNCHER_BINARY = os.path.join("build", "launcher", "pyinit")
PYTHON_VERSION = "%d.%d" % sys.version_info[:2]

# Architectures whose launcher links no C library (launcher/pyinit.c has their system calls
# and entry stub); every other one links the static C library.
NOLIBC_MACHINES = ("x86_64", "aarch64")
# After the user's CFLAGS, so that distribution flags cannot bring libc back in: no stack
# protector (__stack_chk_fail is libc's), no PIE (nothing would relocate it), no LTO (it could
# drop the memcpy the compiler's own calls need), no unwind tables (nothing unwinds).
NOLIBC_FLAGS = ["-DPYINIT_NOLIBC", "-ffreestanding", "-fno-stack-protector",
                "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-pie", "-no-pie",
                "-fno-lto", "-nostdlib", "-static"]
PACKAGES_HINT = ("the packages that provide them: Debian/Ubuntu `apt-get install gcc libc6-dev python3-dev` (or "
                 "build-essential python3-dev); Alpine `apk add build-base python3-dev`; Fedora "
                 "`dnf install gcc python3-devel` (and glibc-static on other machines than "
                 "x86_64 and aarch64); or install a pyinit wheel, which needs none of them")


def compiler():
    """The C compiler command, as a list: $CC (which may carry arguments) or cc."""
    return shlex.split(os.environ.get("CC") or "cc")


def _compiles(command, source):
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "probe.c")
        with open(path, "w") as out:
            out.write(source)
        try:
            done = subprocess.run(command + [path, "-o", os.path.join(scratch, "probe")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return done.returncode == 0


_checked = []


def check_prerequisites():
    """Fail with one message naming every missing build prerequisite (checked once)."""
    if _checked:
        return
    cc = compiler()
    missing = []
    if not _compiles(cc, "int main(void) { return 0; }\n"):
        missing.append("a working C compiler (%s; set CC to another)" % " ".join(cc))
    else:
        include = [sysconfig.get_paths()["include"], sysconfig.get_paths()["platinclude"]]
        flags = ["-I" + d for d in include] + shlex.split(os.environ.get("CFLAGS", ""))
        if not _compiles(cc + flags + ["-c"], "#include <Python.h>\n"):
            missing.append("Python.h for Python %s (looked in %s)" % (PYTHON_VERSION, include[0]))
        if not builds_without_libc(cc) and not _compiles(cc + ["-static"],
                                                          "int main(void) { return 0; }\n"):
            missing.append("a static C library (libc.a), to link the launcher statically")
    if missing:
        raise SetupError("pyinit cannot be built here: missing %s; %s"
                         % ("; ".join(missing), PACKAGES_HINT))
    _checked.append(True)


def builds_without_libc(cc):
    """launcher/pyinit.c has its own entry stub and system calls for x86-64 and arm64 only; ask
    the compiler which machine it builds for (it may be a cross compiler)."""
    try:
        machine = subprocess.run(cc + ["-dumpmachine"], capture_output=True, text=True).stdout
    except OSError:
        return False
    return machine.startswith(NOLIBC_MACHINES)


class build_ext_checked(build_ext):
    def run(self):
        check_prerequisites()
        super().run()


class build_launcher_then_scripts(build_scripts):
    def run(self):
        check_prerequisites()
        os.makedirs(os.path.dirname(LAUNCHER_BINARY), exist_ok=True)
        cc = compiler()
        # Static, always: a dynamically linked launcher would run the dynamic loader before
        # signals are blocked, the window the launcher exists to close. -s: stripped.
        command = cc + ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
        command += shlex.split(os.environ.get("CFLAGS", ""))
        command += ['-DPYINIT_BUILD_PYTHON="%s"' % sys.executable,
                    '-DPYINIT_PYTHON_VERSION="%s"' % PYTHON_VERSION]
        if builds_without_libc(cc):
            command += NOLIBC_FLAGS + ["-Wl,-e,pyinit_entry"]
        else:
            command += ["-static"]
        command += ["-s", LAUNCHER_SOURCE, "-o", LAUNCHER_BINARY]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupError("cannot link the pyinit launcher statically (`%s` exited %d):\n%s"
                             % (" ".join(command), done.returncode, done.stderr[-2000:]))
        super().run()

    def copy_scripts(self):
        # The base class reads scripts as text to rewrite `#!python`; the launcher is ELF.
        self.mkpath(self.build_dir)
        target = os.path.join(self.build_dir, "pyinit")
        self.copy_file(LAUNCHER_BINARY, target)
        os.chmod(target, 0o755)
        return [target], [target]


setup(
    ext_modules=cythonize(
        [Extension("pyinit_core", ["pyinit_core.pyx"], extra_link_args=["-s"])],
        compiler_directives={"language_level": "3"},
    ),
    scripts=[LAUNCHER_BINARY],
    cmdclass={"build_scripts": build_launcher_then_scripts, "build_ext": build_ext_checked},
)
