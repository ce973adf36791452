"""Build the two compiled pieces: the `pyinit_core` extension and the `pyinit` launcher.

The launcher is a plain C executable installed as the `pyinit` script (pip copies a script that
does not start with `#!python` as it is). It has the interpreter that builds it baked in, because
that is the interpreter the extension is compiled for.
"""

import os
import subprocess
import sys

from Cython.Build import cythonize
from setuptools import Extension, setup
from distutils.command.build_scripts import build_scripts  # setuptools provides distutils

LAUNCHER_SOURCE = os.path.join("launcher", "pyinit.c")
LAUNCHER_BINARY = os.path.join("build", "launcher", "pyinit")


class build_launcher_then_scripts(build_scripts):
    def run(self):
        os.makedirs(os.path.dirname(LAUNCHER_BINARY), exist_ok=True)
        cc = os.environ.get("CC", "cc")
        define = '-DPYINIT_PYTHON="%s"' % sys.executable
        base = [cc, "-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration", define, LAUNCHER_SOURCE, "-o", LAUNCHER_BINARY]
        # The entry stub (see launcher/pyinit.c) exists for x86-64 and arm64 only.
        entry = "-Wl,-e,pyinit_entry"
        # Static when the C library allows it: no dynamic loader work before signals are blocked.
        attempts = [base + ["-static", entry], base + ["-static"], base + [entry], base]
        for command in attempts:
            if subprocess.call(command, stderr=subprocess.DEVNULL) == 0:
                break
        else:
            subprocess.check_call(base)   # fails again, this time showing the compiler's error
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
        [Extension("pyinit_core", ["pyinit_core.pyx"])],
        compiler_directives={"language_level": "3"},
    ),
    scripts=[LAUNCHER_BINARY],
    cmdclass={"build_scripts": build_launcher_then_scripts},
)
