"""The sdist holds everything a build and the tests need, installs where a compiler is, and
without one fails with one message naming what is missing and the packages that provide it."""

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from helpers.installs import SITE_PACKAGES, VERSIONED, assert_runs, what_runs
from helpers.tools import tools_venv
from helpers.wheels import built_wheel

SOURCE = Path(__file__).resolve().parent.parent
# Local state of a working tree that is not source.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".hypothesis", "*.so", "pyinit_core.c",
                                    "pyinit_core.html")
MUST_SHIP = ["pyinit_core.pyx", "launcher/pyinit.c", "LICENSE", "README.md", "setup.py",
             "pyproject.toml", "pyinit/__init__.py", "tests/conftest.py",
             "tests/helpers/signal_recorder.c", "tests/helpers/exec_without_argv.c",
             "tests/runc/conftest.py", "docs/install.md", "bench/initbench.py",
             "docker/Dockerfile"]
PACKAGES = ["apt-get install gcc libc6-dev python3-dev", "apk add build-base python3-dev",
            "dnf install gcc python3-devel"]


@pytest.fixture(scope="session")
def sdist(tmp_path_factory):
    """`python -m build --sdist` of a copy of this tree (build from PyPI)."""
    scratch = tmp_path_factory.mktemp("sdist")
    source = scratch / "src"
    shutil.copytree(SOURCE, source, ignore=NOT_SOURCE, symlinks=True)
    tools = tools_venv()
    done = subprocess.run([tools / "python", "-m", "build", "--sdist", "--outdir",
                           scratch / "dist", source], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        pytest.fail("python -m build --sdist exited %d:\n%s" % (done.returncode,
                                                                (done.stderr + done.stdout)[-3000:]))
    return sorted((scratch / "dist").glob("pyinit-*.tar.gz"))[0]


def pip_install(sdist, venv, env=None):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    return subprocess.run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python",
                           "install", "--no-cache-dir", "--no-deps", "--disable-pip-version-check",
                           sdist], capture_output=True, text=True, timeout=600, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.mark.timeout(300)
def test_sdist_holds_the_sources_tests_and_docs(sdist):
    """The sdist has the .pyx, the launcher, LICENSE, tests with C helpers and runc/, docs/,
    bench/ and docker/."""
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = [name for name in MUST_SHIP if name not in names]
    assert not missing, missing


@pytest.mark.timeout(900)
def test_sdist_installs_and_runs(sdist, tmp_path):
    """pip install of the sdist into a fresh venv compiles and runs that venv's pyinit."""
    venv = tmp_path / "venv"
    done = pip_install(sdist, venv)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_runs(what_runs(venv / "bin" / "pyinit"), venv / "bin" / VERSIONED, venv / SITE_PACKAGES)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("how", ["no compiler on PATH", "CC names nothing"])
def test_sdist_without_a_compiler_says_what_is_missing(sdist, tmp_path, how):
    """No compiler: the build fails with one message naming it and the Debian, Alpine and
    Fedora packages, without compiler output."""
    env = {k: v for k, v in os.environ.items() if k not in ("CC", "PYTHONPATH")}
    if how == "no compiler on PATH":
        (tmp_path / "empty").mkdir()
        env["PATH"] = str(tmp_path / "empty")
    else:
        env["CC"] = "/nonexistent/cc"
    done = pip_install(sdist, tmp_path / "venv", env=env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    messages = [line for line in output.splitlines() if "pyinit cannot be built here" in line]
    assert len(messages) == 1, output
    assert "missing a working C compiler" in messages[0], messages[0]
    for package in PACKAGES:
        assert package in messages[0], messages[0]
    assert "Python.h" not in output and "gcc:" not in output and "error: command" not in output


@pytest.mark.timeout(300)
def test_sdist_and_wheel_pass_twine_check(sdist):
    """twine check --strict passes for the sdist and the wheel (license metadata included)."""
    wheel = built_wheel(sys.executable, SOURCE)
    done = subprocess.run([tools_venv() / "twine", "check", "--strict", sdist, wheel],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    with tarfile.open(sdist) as tar:
        info = next(m for m in tar.getmembers() if m.name.endswith("/PKG-INFO"))
        metadata = tar.extractfile(info).read().decode()
    assert "License-Expression: MIT" in metadata.splitlines(), metadata[:2000]
