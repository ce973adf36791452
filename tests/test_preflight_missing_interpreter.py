"""A dynamically linked ELF whose PT_INTERP loader does not exist is missing_interpreter (127)."""

import pytest

from helpers import binaries, namespaces
from pyinit import preflight

GLIBC_LOADER = "/lib64/ld-linux-x86-64.so.2"


@pytest.mark.timeout(10)
def test_patched_loader_path_is_named(tmp_path):
    """python3 with PT_INTERP patched to a missing path: the loader and the binary are named."""
    prog = binaries.with_interp(binaries.PYTHON, tmp_path / "server", "/lib/ld-nowhere.so.1")
    record = preflight.check([prog], {})
    assert record["cause"] == "missing_interpreter"
    assert record["interpreter"] == "/lib/ld-nowhere.so.1"
    assert record["resolved"] == prog and record["exit_code"] == 127
    assert "/lib/ld-nowhere.so.1" in record["hint"] and prog in record["hint"]
    assert record["errno"] == binaries.kernel_errno(prog) == "ENOENT"


@pytest.mark.timeout(10)
def test_musl_loader_hint_talks_about_musl(tmp_path):
    """A musl loader path gets a hint about musl, not glibc."""
    # Not /lib/: a host with musl installed has /lib/ld-musl-x86_64.so.1. (It must fit in
    # the space of the original PT_INTERP.)
    loader = "/nx/ld-musl-x86_64.so.1"
    prog = binaries.with_interp(binaries.TRUE, tmp_path / "app", loader)
    record = preflight.check([prog], {})
    assert record["cause"] == "missing_interpreter"
    assert "musl" in record["hint"] and loader in record["hint"]


@pytest.mark.timeout(30)
def test_hidden_glibc_loader_in_a_namespace(tmp_path):
    """With the loader's directory hidden by an empty bind mount, /bin/true's loader is missing."""
    empty = tmp_path / "empty"
    empty.mkdir()
    prog = binaries.copy(binaries.TRUE, tmp_path / "true")
    setup = "mount --bind %s /usr/lib64" % empty
    record = namespaces.run_in_namespace(setup, [prog], python=namespaces.private_python(tmp_path))
    assert record["cause"] == "missing_interpreter"
    assert record["interpreter"] == GLIBC_LOADER
    assert record["pid"] == 1 and record["pid1"] is True
    assert GLIBC_LOADER in record["hint"] and "glibc" in record["hint"]


@pytest.mark.timeout(30)
def test_dangling_loader_symlink_is_reported_with_its_target(tmp_path):
    """When the loader symlink exists but its target was hidden, the record gives the link target."""
    empty = tmp_path / "empty"
    empty.mkdir()
    prog = binaries.copy(binaries.TRUE, tmp_path / "true")
    setup = "mount --bind %s /usr/lib/x86_64-linux-gnu" % empty
    record = namespaces.run_in_namespace(setup, [prog], python=namespaces.private_python(tmp_path))
    assert record["cause"] == "missing_interpreter"
    assert record["interpreter"] == GLIBC_LOADER
    assert record["interpreter_link"] == "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"


@pytest.mark.timeout(30)
def test_32_bit_binary_without_its_loader_in_a_64_bit_glibc_image(tmp_path):
    """An i386 program needing /lib/ld-linux.so.2 where only the 64-bit loader exists: the record
    gives class and machine, and the hint says the 32-bit loader is missing (not 'no glibc')."""
    import os
    import subprocess

    source = tmp_path / "start.S"
    source.write_text(".globl _start\n_start:\n movl $1, %eax\n movl $0, %ebx\n int $0x80\n")
    subprocess.run(["as", "--32", "-o", str(tmp_path / "start.o"), str(source)], check=True, timeout=60)
    prog = str(tmp_path / "prog32")
    subprocess.run(["ld", "-m", "elf_i386", "-pie", "--dynamic-linker=/lib/ld-linux.so.2", "-o", prog,
                    str(tmp_path / "start.o")], check=True, timeout=60)
    assert not os.path.exists("/lib/ld-linux.so.2") and os.path.exists(GLIBC_LOADER)
    record = preflight.check([prog], {})
    assert record["cause"] == "missing_interpreter" and record["interpreter"] == "/lib/ld-linux.so.2"
    assert record["errno"] == binaries.kernel_errno(prog) == "ENOENT"
    assert record["bits"] == 32 and record["machine"] == "i386"
    assert record["native_loader"] == GLIBC_LOADER
    assert "32-bit" in record["hint"] and "i386" in record["hint"] and GLIBC_LOADER in record["hint"]
    assert "without glibc" not in record["hint"]
