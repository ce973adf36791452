"""When execve fails anyway, explain_exec_failure gives the best cause for the real errno."""

import errno
import os

import pytest

from helpers import binaries
from pyinit import preflight


@pytest.mark.timeout(10)
def test_text_file_busy_from_a_real_etxtbsy(tmp_path):
    """A binary held open for writing: the kernel says ETXTBSY, the record says text_file_busy."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "busy")
    with open(prog, "r+b"):
        assert binaries.kernel_errno(prog) == "ETXTBSY"
        record = preflight.explain_exec_failure([prog], {}, prog, errno.ETXTBSY)
    assert record["event"] == "exec_failed" and record["cause"] == "text_file_busy"
    assert record["errno"] == "ETXTBSY" and record["errno_code"] == errno.ETXTBSY
    assert record["exit_code"] == 126 and prog in record["hint"]


@pytest.mark.timeout(10)
def test_diagnosis_wins_when_it_agrees_with_the_errno(tmp_path):
    """ENOENT for an existing binary with a missing loader is explained as missing_interpreter."""
    prog = binaries.with_interp(binaries.TRUE, tmp_path / "app", "/lib/ld-gone.so.2")
    record = preflight.explain_exec_failure([prog], {}, prog, errno.ENOENT)
    assert record["event"] == "exec_failed" and record["cause"] == "missing_interpreter"
    assert record["interpreter"] == "/lib/ld-gone.so.2" and record["exit_code"] == 127


@pytest.mark.timeout(10)
def test_errno_decides_when_the_diagnosis_finds_nothing(tmp_path):
    """Each errno falls back to its cause and exit code; unknown ones are exec_error (126)."""
    expected = {errno.ENOENT: ("not_found", 127), errno.EACCES: ("permission_denied", 126),
                errno.ENOEXEC: ("not_executable_format", 126), errno.E2BIG: ("argument_list_too_long", 126),
                errno.ELOOP: ("symlink_loop", 126), errno.ENAMETOOLONG: ("name_too_long", 126),
                errno.ENOMEM: ("out_of_memory", 126), errno.EIO: ("exec_error", 126)}
    missing = str(tmp_path / "gone")
    for code, (cause, exit_code) in expected.items():
        path = missing if code == errno.ENOENT else binaries.TRUE
        record = preflight.explain_exec_failure([path], {}, path, code)
        assert (record["cause"], record["exit_code"]) == (cause, exit_code), code
        assert record["errno"] == errno.errorcode[code] and record["strerror"] == os.strerror(code)


@pytest.mark.timeout(10)
def test_symlink_loop(tmp_path):
    """A symlink loop is symlink_loop (ELOOP) before exec and after it."""
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    path = str(tmp_path / "a")
    record = preflight.check([path], {})
    assert record["cause"] == "symlink_loop"
    assert record["errno"] == binaries.kernel_errno(path) == "ELOOP"
    assert preflight.explain_exec_failure([path], {}, path, errno.ELOOP)["cause"] == "symlink_loop"
