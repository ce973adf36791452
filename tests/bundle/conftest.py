"""Fixtures for the bundle tier: the bundle built from the tree under test, images, containers."""

import os
import subprocess
import sys

import pytest

from helpers import debian, images
from helpers.runc_bundle import python_install_dirs
from helpers.runc_image import ImageContainers

BUILD_TIMEOUT_S = 300



def build_bundle(output, tarball=None):
    """`python -m pyinit.bundle` of the venv running the tests: the tree under test."""
    # -I: the installed pyinit, not the source tree in the working directory.
    command = [sys.executable, "-I", "-m", "pyinit.bundle", "--output", str(output)]
    if tarball:
        command += ["--tar", str(tarball)]
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=BUILD_TIMEOUT_S)


@pytest.fixture(scope="session")
def pyinit_bundle(tmp_path_factory):
    """The bundle directory (and tarball beside it), built once per session."""
    debian.ensure_packages("binutils")   # strip: without it the bundle keeps debug sections
    where = tmp_path_factory.mktemp("pyinit-bundle")
    os.chmod(where, 0o755)
    done = build_bundle(where / "pyinit", where / "pyinit.tar.gz")
    if done.returncode != 0:
        pytest.fail("python -m pyinit.bundle exited %d: %s" % (done.returncode, done.stderr),
                    pytrace=False)
    return where / "pyinit"


@pytest.fixture(scope="session")
def programs(tmp_path_factory):
    return images.Programs(tmp_path_factory.mktemp("image-programs"))


def _host_python_libraries():
    """glibc files the host's interpreter needs beyond its own tree (libc, libm, the loader)."""
    trees = python_install_dirs()
    wanted = images.glibc_files(os.path.realpath(sys.executable))
    return {inside: source for inside, source in wanted.items()
            if not any(source.startswith(tree + "/") or inside.startswith(tree + "/")
                       for tree in trees)}


@pytest.fixture(scope="session")
def image_roots(tmp_path_factory, programs):
    """{name: root directory} of every image in helpers/images.py."""
    base = tmp_path_factory.mktemp("images")
    roots = {}
    for name in images.IMAGES:
        extra = _host_python_libraries() if name == "distroless" else None
        roots[name] = images.build(name, base / name, programs, extra_files=extra)
        os.chmod(roots[name], 0o755)
    return roots


@pytest.fixture
def image_containers(runc, pyinit_bundle, tmp_path, request):
    made = ImageContainers(runc, tmp_path, request.node.name, pyinit_bundle)
    yield made
    made.cleanup()
