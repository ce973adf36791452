"""An ELF for another machine is wrong_architecture (126); the kernel says ENOEXEC."""

import os

import pytest

from helpers import binaries
from helpers.run import run_pid1
from pyinit import preflight

# The foreign machine: one no qemu-user emulates. A host with qemu-user-static's binfmt_misc
# handlers (aarch64, arm, s390x, riscv64, ...) runs those binaries instead of refusing them.
FOREIGN, FOREIGN_E_MACHINE = "ia64", b"\x32\x00"


@pytest.mark.timeout(10)
def test_foreign_header_is_named(tmp_path):
    """/bin/true with e_machine patched to ia64: machine and host named, ENOEXEC like the kernel."""
    prog = _foreign_true(tmp_path)
    record = preflight.check([prog], {})
    assert record["cause"] == "wrong_architecture"
    assert record["machine"] == FOREIGN and record["host_machine"] == os.uname().machine
    assert record["errno"] == binaries.kernel_errno(prog) == "ENOEXEC"
    assert record["exit_code"] == 126 and FOREIGN in record["hint"]


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


def _foreign_true(tmp_path):
    return binaries.patch(binaries.copy(binaries.TRUE, tmp_path / FOREIGN), 18, FOREIGN_E_MACHINE)


def _records(stderr):
    import json

    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


# run_pid1 mounts a fresh /proc: binfmt_misc is not mounted under it, as in most containers.

@pytest.mark.timeout(60)
def test_start_leaves_a_foreign_binary_to_execve_when_binfmt_misc_is_unreadable(pyinit, tmp_path):
    """A start does not refuse what a host-registered emulator might run: execve answers ENOEXEC."""
    prog = _foreign_true(tmp_path)
    result = run_pid1(pyinit, ["--", prog])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "exec_failed" and record["cause"] == "wrong_architecture"
    assert record["errno"] == "ENOEXEC" and record["machine"] == FOREIGN
    assert "binfmt_misc" not in record


@pytest.mark.timeout(60)
def test_start_leaves_an_unknown_format_to_execve_when_binfmt_misc_is_unreadable(pyinit, tmp_path):
    """A text file without #!: execve decides (ENOEXEC), then the record is the precise one."""
    prog = tmp_path / "notes"
    prog.write_text("echo hello\n")
    prog.chmod(0o755)
    result = run_pid1(pyinit, ["--", str(prog)])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "exec_failed" and record["cause"] == "not_executable_format"
    assert record["errno"] == "ENOEXEC" and record["detail"] == "neither ELF nor #!"


@pytest.mark.timeout(60)
def test_check_claims_it_and_says_binfmt_misc_was_not_seen(pyinit, tmp_path):
    """--check still fails (126) but records that binfmt_misc was unreadable, and the hint says so."""
    prog = _foreign_true(tmp_path)
    result = run_pid1(pyinit, ["--check", "--", prog])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "preflight_failed" and record["cause"] == "wrong_architecture"
    assert record["binfmt_misc"] == "unreadable"
    assert "binfmt_misc" in record["hint"] and "host" in record["hint"]


@pytest.mark.timeout(60)
def test_script_whose_interpreter_is_foreign_is_left_to_execve(pyinit, tmp_path):
    """#!/path/to/foreign-binary: a start leaves it to execve too (ENOEXEC, 126)."""
    prog = _foreign_true(tmp_path)
    script = tmp_path / "run"
    script.write_bytes(b"#!" + prog.encode() + b"\n")
    script.chmod(0o755)
    result = run_pid1(pyinit, ["--", str(script)])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "exec_failed" and record["errno"] == "ENOEXEC"
    assert binaries.kernel_errno(str(script)) == "ENOEXEC"


@pytest.mark.timeout(10)
def test_explanation_after_enoexec_is_precise(tmp_path):
    """explain_exec_failure after ENOEXEC gives wrong_architecture, not the 'cannot know' pass."""
    import errno

    prog = _foreign_true(tmp_path)
    record = preflight.explain_exec_failure([prog], {}, prog, errno.ENOEXEC)
    assert record["event"] == "exec_failed" and record["cause"] == "wrong_architecture"
    assert record["machine"] == FOREIGN and record["exit_code"] == 126
