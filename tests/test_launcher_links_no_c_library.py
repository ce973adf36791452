"""On x86_64 and aarch64 the launcher links no C library (its own entry point and system calls),
also when a distribution's hardening flags are in CFLAGS; elsewhere it is a static libc build."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.installs import assert_runs, what_runs
from helpers.launcher_builds import (DISTRIBUTION_CFLAGS, DISTRIBUTION_LDFLAGS,
                                     c_library_traces, executable_stack, launcher_links_no_c_library,
                                     launcher_of_wheel, make_installation, program_headers,
                                     PT_INTERP)
from helpers.wheels import copy_sources

SOURCE = Path(__file__).resolve().parent.parent


def check_launcher_file(path):
    """Static always; without any trace of a C library where none is linked; no exec stack."""
    if launcher_links_no_c_library():
        assert c_library_traces(path) == [], (path, c_library_traces(path))
    else:
        assert PT_INTERP not in [p_type for p_type, _ in program_headers(path)], path
    assert not executable_stack(path), path


@pytest.mark.timeout(30)
def test_installed_launcher_links_no_c_library(pyinit):
    """The installed launcher has no loader, no dynamic section and no C library's strings
    (x86_64, aarch64), and a non-executable stack."""
    check_launcher_file(os.path.realpath(pyinit))


@pytest.mark.timeout(900)
def test_launcher_built_with_distribution_hardening_flags(tmp_path):
    """A wheel built with Debian's hardening CFLAGS/LDFLAGS (stack protector, fortify, CET,
    PIE) still has a launcher without a C library, and it runs its installation's pyinit."""
    sources = copy_sources(SOURCE, tmp_path / "src")
    env = dict(os.environ, CFLAGS=DISTRIBUTION_CFLAGS, LDFLAGS=DISTRIBUTION_LDFLAGS,
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                           str(tmp_path / "out"), str(sources)], capture_output=True, text=True,
                          timeout=800, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    wheel = next((tmp_path / "out").glob("pyinit-*.whl"))
    launcher = launcher_of_wheel(wheel, tmp_path)
    check_launcher_file(launcher)
    installed, python, packages = make_installation(tmp_path / "prefix", launcher)
    assert_runs(what_runs(installed), python, packages)

