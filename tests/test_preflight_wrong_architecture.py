"""An ELF for another machine is wrong_architecture (126); the kernel says ENOEXEC."""

import os

import pytest

from helpers import binaries
from pyinit import preflight


@pytest.mark.timeout(10)
def test_aarch64_header_is_named(tmp_path):
    """/bin/true with e_machine patched to aarch64: machine and host named, ENOEXEC like the kernel."""
    prog = binaries.patch(binaries.copy(binaries.TRUE, tmp_path / "arm"), 18, b"\xb7\x00")
    record = preflight.check([prog], {})
    assert record["cause"] == "wrong_architecture"
    assert record["machine"] == "aarch64" and record["host_machine"] == os.uname().machine
    assert record["errno"] == binaries.kernel_errno(prog) == "ENOEXEC"
    assert record["exit_code"] == 126 and "aarch64" in record["hint"]


@pytest.mark.timeout(10)
def test_big_endian_foreign_binary_is_named_by_its_own_byte_order(tmp_path):
    """A header claiming big-endian s390 is named s390, not a garbled number."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "s390")
    binaries.patch(prog, 5, b"\x02")
    binaries.patch(prog, 18, b"\x00\x16")
    record = preflight.check([prog], {})
    assert record["cause"] == "wrong_architecture" and record["machine"] == "s390"
    assert binaries.kernel_errno(prog) == "ENOEXEC"


@pytest.mark.timeout(10)
def test_class_byte_alone_does_not_stop_the_kernel(tmp_path):
    """The kernel ignores EI_CLASS/EI_DATA on x86-64: a patched class byte still runs, and passes."""
    for offset, byte in ((4, b"\x01"), (5, b"\x02")):
        prog = binaries.patch(binaries.copy(binaries.TRUE, tmp_path / ("p%d" % offset)), offset, byte)
        assert binaries.kernel_errno(prog) is None
        assert preflight.check([prog], {}) is None


@pytest.mark.timeout(10)
def test_32_bit_class_and_i386_machine_is_refused_as_the_kernel_does(tmp_path):
    """A 64-bit body with a 32-bit i386 header: refused (126, ENOEXEC) as the kernel refuses it."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "i386")
    binaries.patch(prog, 4, b"\x01")
    binaries.patch(prog, 18, b"\x03\x00")
    record = preflight.check([prog], {})
    assert record["cause"] in ("wrong_architecture", "not_executable_format")
    assert record["errno"] == binaries.kernel_errno(prog) == "ENOEXEC"
