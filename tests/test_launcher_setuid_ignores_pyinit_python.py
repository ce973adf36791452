"""A setuid launcher ignores PYINIT_PYTHON (the kernel's AT_SECURE, as secure_getenv): an
unprivileged caller cannot choose what it executes."""

import os
import shutil
import subprocess

import pytest

NOBODY = "65534:65534"


def run_as_nobody(root, value):
    """/bin/pyinit of `root`, in a chroot (no /proc, no interpreter) as uid/gid 65534."""
    chroot = shutil.which("chroot") or pytest.fail("chroot (coreutils) is not on PATH")
    return subprocess.run([chroot, "--userspec=" + NOBODY, str(root), "/bin/pyinit", "true"],
                          env={"PYINIT_PYTHON": value, "PATH": "/bin"}, capture_output=True,
                          text=True, timeout=20)


@pytest.fixture
def launcher_root(pyinit, shared_dir):
    (shared_dir / "bin").mkdir(mode=0o755)
    launcher = shared_dir / "bin" / "pyinit"
    shutil.copy2(os.path.realpath(pyinit), launcher)
    os.chown(launcher, 0, 0)
    return shared_dir, launcher


@pytest.mark.timeout(30)
@pytest.mark.parametrize("value", ["python3", "/opt/python3"])
def test_setuid_launcher_ignores_pyinit_python(launcher_root, value):
    """Setuid root, run by uid 65534: PYINIT_PYTHON (relative or absolute) is neither refused
    nor tried; the usual candidates are, and the one line names them."""
    root, launcher = launcher_root
    launcher.chmod(0o4755)
    result = run_as_nobody(root, value)
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "pyinit: no python interpreter could run pyinit: tried /bin/python3"), result
    assert "PYINIT_PYTHON=" not in lines[0] and "absolute path" not in lines[0], lines[0]


@pytest.mark.timeout(30)
def test_same_launcher_without_setuid_honours_pyinit_python(launcher_root):
    """The control: the same launcher, not setuid, refuses a relative PYINIT_PYTHON (exit 2)."""
    root, launcher = launcher_root
    launcher.chmod(0o755)
    result = run_as_nobody(root, "python3")
    assert result.returncode == 2, result
    assert "PYINIT_PYTHON must be an absolute path" in result.stderr, result
