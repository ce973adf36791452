"""Fixtures of the wheel tier: the manylinux wheels (tools/build-wheels), installed for real.

The wheels, the venvs and the Debian trees are cached under the test cache by source and
wheel hash: a warm run builds and installs nothing. A missing interpreter or distribution is
a failure, never a skip.
"""

import os

import pytest

from helpers import debian, foreign_arch, wheel_installs
from helpers.runc_runtime import Containers
from helpers.runc_runtime import unique_id
from helpers.wheel_checks import NamespaceRunner, RuncRunner

from helpers.wheel_installs import MINORS



@pytest.fixture
def containers(runc, tmp_path, request):
    """This test's containers; the runners give each its own bundle. Always deleted after."""
    made = Containers(runc, [], tmp_path, request.node.name)
    yield made
    made.cleanup()


def _every_minors_wheel(directory, arch="x86_64"):
    """{"3.N": path} of the wheels tools/build-wheels made for arch into directory, or took
    from its cache; fails the session unless every supported minor has one."""
    try:
        wheels = wheel_installs.build_wheels(directory, arch)
    except AssertionError as exc:
        pytest.fail("tools/build-wheels --arch %s failed: %s" % (arch, exc), pytrace=False)
    missing = [m for m in MINORS if m not in wheels]
    if missing:
        pytest.fail("no %s wheel for CPython %s (built: %s)" % (arch, missing, sorted(wheels)),
                    pytrace=False)
    return wheels


@pytest.fixture(scope="session")
def manylinux_wheels(tmp_path_factory):
    """{"3.N": path} of the x86_64 wheels tools/build-wheels made (or took from its cache)."""
    debian.ensure_packages("gcc", "libc6-dev", "binutils", "file")
    return _every_minors_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def pyenv_pythons():
    """{"3.N": interpreter} under pyenv: every supported minor must be there."""
    try:
        return wheel_installs.build_tool().find_interpreters(MINORS)
    except Exception as exc:    # the tool's Usage error names the missing version
        pytest.fail("CPython interpreters missing: %s" % exc, pytrace=False)


@pytest.fixture(scope="session")
def pyenv_venvs(manylinux_wheels, pyenv_pythons, tmp_path_factory):
    """{"3.N": venv} with that minor's wheel installed (no compiler on PATH), cached."""
    scratch = tmp_path_factory.mktemp("pyenv-venvs")
    return {minor: wheel_installs.pyenv_venv(pyenv_pythons[minor], minor,
                                             manylinux_wheels[minor], scratch)
            for minor in MINORS}


@pytest.fixture(scope="session")
def bare_path(tmp_path_factory):
    """A PATH directory with a shell and a few coreutils, and no compiler."""
    return wheel_installs.bare_path(tmp_path_factory.mktemp("bare-bin"))


@pytest.fixture
def namespace_runner(request, pyenv_venvs, pyenv_pythons, bare_path, tmp_path):
    """Run the venv's pyinit as PID 1 of a new PID namespace, PATH without a compiler."""
    minor = request.param
    venv = pyenv_venvs[minor]
    env = {"PATH": "%s:%s" % (venv / "bin", bare_path), "HOME": str(tmp_path)}
    return NamespaceRunner(venv / "bin" / "pyinit", pyenv_pythons[minor], env, tmp_path)


@pytest.fixture
def pyenv_runc_runner(request, pyenv_venvs, pyenv_pythons, bare_path, containers, tmp_path):
    """Run the venv's pyinit as PID 1 of a runc container (host dirs, the venv, its pyenv),
    PATH without a compiler."""
    minor = request.param
    venv = pyenv_venvs[minor]
    python = pyenv_pythons[minor]
    extra = [venv, python.parent.parent, bare_path]
    env = {"PATH": "%s:%s" % (venv / "bin", bare_path)}

    def make_bundle(args):
        ctr_id = unique_id(request.node.name)
        bundle = wheel_installs.HostDirsBundle(tmp_path / ctr_id, [venv / "bin" / "pyinit"] + args,
                                               extra, env=env).write()
        bundle.ctr_id = ctr_id
        return bundle
    return RuncRunner(containers, make_bundle, os.path.realpath(python))


def rootfs_runner(request, containers, tmp_path, tree):
    """A RuncRunner of the venv's pyinit in the Debian `tree` (its root, read-only)."""
    pyinit = wheel_installs.VENV_IN_ROOTFS + "/bin/pyinit"
    python = os.path.realpath(tree / "usr" / "bin" / "python3")[len(str(tree)):]

    def make_bundle(args):
        ctr_id = unique_id(request.node.name)
        bundle = wheel_installs.RootfsBundle(tmp_path / ctr_id, [pyinit] + args, tree).write()
        bundle.ctr_id = ctr_id
        return bundle
    return RuncRunner(containers, make_bundle, python)


@pytest.fixture
def debian_runc_runner(request, manylinux_wheels, containers, tmp_path):
    """Run pyinit from a venv in a Debian root filesystem as PID 1 of a runc container."""
    tree, _ = wheel_installs.debian_install(request.param, manylinux_wheels)
    return rootfs_runner(request, containers, tmp_path, tree)


@pytest.fixture(scope="session")
def cross_toolchain():
    """Debian's aarch64 cross compiler, binutils and C library for the extension (installed if
    missing)."""
    debian.ensure_packages("gcc-aarch64-linux-gnu", "binutils-aarch64-linux-gnu",
                           "libc6-dev-arm64-cross", "file")


@pytest.fixture(scope="session")
def aarch64_wheels(cross_toolchain, tmp_path_factory):
    """{"3.N": path} of the aarch64 wheels (cross-built by tools/build-wheels, cached)."""
    return _every_minors_wheel(tmp_path_factory.mktemp("dist-aarch64"), "aarch64")


@pytest.fixture(scope="module")
def qemu_binfmt():
    """qemu-aarch64 registered with binfmt_misc for one test module, removed after it: while
    registered, pyinit's preflight rightly stops calling aarch64 files wrong_architecture."""
    try:
        with foreign_arch.binfmt_handler("aarch64") as entry:
            yield entry
    except foreign_arch.Unavailable as exc:
        pytest.fail("qemu-user through binfmt_misc is not available: %s" % exc, pytrace=False)


@pytest.fixture
def arm64_runc_runner(request, qemu_binfmt, aarch64_wheels, containers, tmp_path):
    """pyinit from the aarch64 wheel in an arm64 Debian tree, PID 1 of runc, under qemu-user."""
    try:
        tree, _ = wheel_installs.debian_install(request.param, aarch64_wheels, arch="aarch64")
    except foreign_arch.Unavailable as exc:
        pytest.fail("no arm64 Debian tree under qemu-user: %s" % exc, pytrace=False)
    return rootfs_runner(request, containers, tmp_path, tree)
