"""The launcher's static-libc build (what machines other than x86_64 and aarch64 get) runs its
installation and fails with the same line as the installed launcher."""

import os
import re
import shutil
import subprocess

import pytest

from helpers.installs import VERSIONED, assert_runs, what_runs
from helpers.launcher_builds import compile_libc_launcher, make_installation
from helpers.run import run_plain


@pytest.fixture(scope="module")
def libc_launcher(tmp_path_factory):
    return compile_libc_launcher(tmp_path_factory.mktemp("libc-launcher") / "pyinit")


@pytest.mark.timeout(300)
def test_libc_build_runs_its_installation(libc_launcher, tmp_path):
    """Copied into an installation, the libc build runs that installation's interpreter and
    pyinit_core."""
    launcher, python, packages = make_installation(tmp_path / "prefix", libc_launcher)
    assert_runs(what_runs(launcher), python, packages)


@pytest.mark.timeout(300)
def test_libc_build_refuses_a_relative_pyinit_python(libc_launcher, monkeypatch):
    """PYINIT_PYTHON=python3: one line, exit 2, as the installed launcher."""
    monkeypatch.setenv("PYINIT_PYTHON", "python3")
    result = run_plain(str(libc_launcher), ["true"])
    assert result.returncode == 2, result
    assert result.stderr.splitlines() == [
        "pyinit: PYINIT_PYTHON must be an absolute path to a python interpreter, not 'python3'"]


def failure_line(launcher, root):
    """stderr of `launcher` in a chroot where no candidate runs, the build's path masked."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "bin").mkdir(parents=True)
    shutil.copy2(launcher, root / "bin" / "pyinit")
    garbage = root / "bin" / VERSIONED
    garbage.write_bytes(b"\x00not a program\n")
    garbage.chmod(0o755)
    (root / "bin" / "python3").write_text("")   # not executable
    chroot = shutil.which("chroot") or pytest.fail("chroot (coreutils) is not on PATH")
    result = subprocess.run([chroot, str(root), "/bin/pyinit", "true"],
                            env={"PYINIT_PYTHON": "/opt/python3", "PATH": "/bin"},
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1, result
    return re.sub(r"the build's \S+ \(", "the build's BUILD (", result.stderr)


@pytest.mark.timeout(300)
def test_libc_build_says_what_the_installed_launcher_says(pyinit, libc_launcher, tmp_path):
    """In a root without /proc where every candidate fails, both builds print the same line."""
    assert failure_line(libc_launcher, tmp_path / "libc") == \
        failure_line(os.path.realpath(pyinit), tmp_path / "installed")
