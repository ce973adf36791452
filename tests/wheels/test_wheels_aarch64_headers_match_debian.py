"""The aarch64 pyconfig.h tools/build-wheels makes differs from x86_64's as Debian's arm64 one does."""

import re

import pytest

from helpers import debian_headers, rootfs, wheel_installs
from helpers.wheel_installs import SUITES

DEFINE = re.compile(r"^#define \S+.*$", re.M)


def defines(text):
    return set(line.strip() for line in DEFINE.findall(text))


@pytest.mark.timeout(1200)
@pytest.mark.parametrize("suite", SUITES)
def test_generated_aarch64_pyconfig_changes_what_debian_changes(suite, pyenv_pythons,
                                                               cross_toolchain, tmp_path):
    """Same minor: pyenv's x86_64 → generated aarch64 changes exactly Debian's amd64 → arm64 lines."""
    minor = wheel_installs.rootfs_python_version(
        rootfs.debootstrap(suite, include=("python3", "python3-venv")))
    debian = debian_headers.pyconfigs(suite, minor)
    tool = wheel_installs.build_tool()
    python = pyenv_pythons[minor]
    include = tool.aarch64_headers(python, tmp_path, "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-nm")
    ours = defines((include / "pyconfig.h").read_text())
    pyenv = defines((python.parent.parent / "include" / include.name / "pyconfig.h").read_text())
    debian_change = defines(debian["amd64"]) ^ defines(debian["arm64"])
    our_change = pyenv ^ ours
    assert our_change == debian_change, "ours: %s\ndebian: %s" % (sorted(our_change),
                                                                   sorted(debian_change))
