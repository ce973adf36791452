"""A loader that exists but is not executable, not ELF, or the wrong machine is bad_interpreter."""

import shutil
import tempfile

import pytest

from helpers import binaries
from pyinit import preflight


@pytest.fixture
def tmp_path():
    """A short directory: a loader path must fit in /bin/true's 28-byte PT_INTERP."""
    import pathlib

    path = tempfile.mkdtemp(prefix="pf", dir="/tmp")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def _program_with_loader(tmp_path, loader):
    return binaries.with_interp(binaries.TRUE, tmp_path / "prog", str(loader))


@pytest.mark.timeout(10)
def test_loader_that_is_a_text_file(tmp_path):
    """A text file as the loader: bad_interpreter, ELIBBAD as the kernel answers."""
    loader = tmp_path / "ld.so"
    loader.write_text("not a loader, but long enough to hold an ELF header.\n" * 3)
    loader.chmod(0o755)
    prog = _program_with_loader(tmp_path, loader)
    record = preflight.check([prog], {})
    assert record["cause"] == "bad_interpreter" and record["interpreter"] == str(loader)
    assert record["errno"] == binaries.kernel_errno(prog) == "ELIBBAD"
    assert record["exit_code"] == 126 and str(loader) in record["hint"]


@pytest.mark.timeout(10)
def test_loader_shorter_than_an_elf_header(tmp_path):
    """A loader file shorter than an ELF header: bad_interpreter with EIO, as the kernel answers."""
    loader = tmp_path / "ld.so"
    loader.write_text("#!/bin/sh\n")
    loader.chmod(0o755)
    prog = _program_with_loader(tmp_path, loader)
    record = preflight.check([prog], {})
    assert record["cause"] == "bad_interpreter"
    assert record["errno"] == binaries.kernel_errno(prog) == "EIO"


@pytest.mark.timeout(10)
def test_loader_without_execute_permission(tmp_path):
    """A 0644 copy of the real loader: bad_interpreter with EACCES, as the kernel answers."""
    loader = binaries.copy("/lib64/ld-linux-x86-64.so.2", tmp_path / "ld.so", mode=0o644)
    prog = _program_with_loader(tmp_path, loader)
    record = preflight.check([prog], {})
    assert record["cause"] == "bad_interpreter" and "not executable" in record["detail"]
    assert record["errno"] == binaries.kernel_errno(prog) == "EACCES"


@pytest.mark.timeout(10)
def test_loader_for_another_machine(tmp_path):
    """The real loader patched to e_machine aarch64: bad_interpreter naming both machines."""
    loader = binaries.copy("/lib64/ld-linux-x86-64.so.2", tmp_path / "ld.so")
    binaries.patch(loader, 18, b"\xb7\x00")
    prog = _program_with_loader(tmp_path, loader)
    record = preflight.check([prog], {})
    assert record["cause"] == "bad_interpreter" and "aarch64" in record["detail"]
    assert record["errno"] == binaries.kernel_errno(prog) == "ELIBBAD"


@pytest.mark.timeout(10)
def test_copied_real_loader_passes(tmp_path):
    """A program pointing at a copy of the real loader runs, and the check passes."""
    loader = binaries.copy("/lib64/ld-linux-x86-64.so.2", tmp_path / "ld.so")
    prog = _program_with_loader(tmp_path, loader)
    assert preflight.check([prog], {}) is None
    assert binaries.kernel_errno(prog) is None
