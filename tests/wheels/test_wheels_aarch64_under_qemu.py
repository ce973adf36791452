"""The cross-built aarch64 wheels are manylinux_2_17 and work as PID 1 of an arm64 Debian under qemu-user."""

import re
import subprocess
import zipfile

import pytest

from helpers import wheel_checks, wheel_installs
from helpers.wheel_installs import ARM64_SUITES, MINORS

pytestmark = pytest.mark.timeout(1800)   # cold: an arm64 debootstrap runs under emulation


@pytest.mark.parametrize("minor", MINORS)
def test_one_static_stripped_manylinux_2_17_wheel_per_cpython(aarch64_wheels, minor, tmp_path):
    """cpXY-manylinux_2_17_aarch64, auditwheel-consistent, launcher static and both ELF stripped."""
    wheel = aarch64_wheels[minor]
    tag = "cp" + minor.replace(".", "")
    assert wheel.name.endswith("-%s-%s-manylinux2014_aarch64.manylinux_2_17_aarch64.whl"
                               % (tag, tag)), wheel.name
    shown = subprocess.run([str(wheel_installs.tool_bin() / "auditwheel"), "show", str(wheel)],
                           capture_output=True, text=True, timeout=120)
    assert '"manylinux_2_17_aarch64"' in shown.stdout, shown
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(tmp_path)
    launcher = next(tmp_path.glob("*.data/scripts/pyinit"))
    extension = next(tmp_path.glob("pyinit_core.cpython-%s-aarch64-linux-gnu.so" % tag[2:]))
    for path, kind in ((launcher, "statically linked"), (extension, "shared object")):
        described = subprocess.run(["file", "-b", str(path)], capture_output=True, text=True,
                                   timeout=30).stdout
        assert "ARM aarch64" in described and kind in described and ", stripped" in described, \
            described
    versions = re.findall(r"GLIBC_(\d+)\.(\d+)", subprocess.run(
        ["aarch64-linux-gnu-objdump", "-T", str(extension)], capture_output=True, text=True,
        timeout=30).stdout)
    assert versions and max((int(a), int(b)) for a, b in versions) <= (2, 17), versions


@pytest.mark.parametrize("arm64_runc_runner", ARM64_SUITES, indirect=True)
def test_exit_code_passes_through(arm64_runc_runner):
    """Under qemu-user, the child's exit codes 0, 3 and 7 are pyinit's."""
    wheel_checks.check_exit_code(arm64_runc_runner)


@pytest.mark.parametrize("arm64_runc_runner", ARM64_SUITES, indirect=True)
def test_sigterm_reaches_the_child(arm64_runc_runner):
    """Under qemu-user, `runc kill TERM` reaches the child, whose trap's 42 is pyinit's."""
    wheel_checks.check_sigterm_forwarded(arm64_runc_runner)


@pytest.mark.parametrize("arm64_runc_runner", ARM64_SUITES, indirect=True)
def test_check_and_failure_report(arm64_runc_runner):
    """Under qemu-user, --check and a missing command give 0 / 127 with a not_found record."""
    wheel_checks.check_check(arm64_runc_runner)
    wheel_checks.check_failure_report(arm64_runc_runner)


@pytest.mark.parametrize("arm64_runc_runner", ARM64_SUITES, indirect=True)
def test_doctor_reports(arm64_runc_runner):
    """Under qemu-user, --doctor prints its checks and a summary whose exit_code is pyinit's."""
    wheel_checks.check_doctor(arm64_runc_runner)
