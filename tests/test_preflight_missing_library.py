"""A DT_NEEDED library the loader cannot find is missing_library (127), found by the deep check."""

import os
import shutil
import subprocess

import pytest

from helpers import binaries
from pyinit import libraries, preflight

LIB_SOURCE = "int answer(void) { return 42; }\n"
MAIN_SOURCE = "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n"


def _build(tmp_path, rpath="-Wl,-rpath,$ORIGIN/lib"):
    """app/server linked against app/lib/libanswer.so through an $ORIGIN rpath."""
    lib = tmp_path / "app" / "lib"
    lib.mkdir(parents=True)
    binaries.compile_c(LIB_SOURCE, lib / "libanswer.so", "-shared", "-fPIC")
    server = binaries.compile_c(MAIN_SOURCE, tmp_path / "app" / "server",
                                "-L%s" % lib, "-lanswer", rpath)
    assert subprocess.run([server], timeout=10).returncode == 0
    return server, lib


@pytest.mark.timeout(60)
def test_removed_library_directory_is_named(tmp_path):
    """With app/lib deleted, deep check names libanswer.so and the $ORIGIN directory searched."""
    server, lib = _build(tmp_path)
    shutil.rmtree(lib)
    assert preflight.check([server], {}) is None        # the cheap check cannot see it
    record = preflight.check([server], {}, deep=True)
    assert record["cause"] == "missing_library"
    assert record["libraries"] == ["libanswer.so"]
    assert record["needed_by"] == [server]
    assert str(lib) in record["searched"]
    assert record["exit_code"] == 127
    assert "libanswer.so" in record["hint"] and "ld-linux-x86-64.so.2" in record["hint"]


@pytest.mark.timeout(60)
def test_the_real_loader_fails_the_same_way(tmp_path):
    """Running it really exits 127 with 'error while loading shared libraries' naming the library."""
    server, lib = _build(tmp_path)
    shutil.rmtree(lib)
    result = subprocess.run([server], capture_output=True, text=True, timeout=10)
    assert result.returncode == 127
    assert "error while loading shared libraries: libanswer.so" in result.stderr


@pytest.mark.timeout(60)
def test_early_127_diagnosis_names_the_library(tmp_path):
    """diagnose_early_127 after the fact gives an exec_failed missing_library record."""
    server, lib = _build(tmp_path)
    shutil.rmtree(lib)
    record = preflight.diagnose_early_127([server], {}, server)
    assert record["event"] == "exec_failed" and record["cause"] == "missing_library"
    assert record["libraries"] == ["libanswer.so"]
    assert preflight.diagnose_early_127(["/bin/true"], {}, "/bin/true") is None


@pytest.mark.timeout(60)
def test_ld_library_path_and_runpath_are_searched(tmp_path):
    """The library moved elsewhere is found through LD_LIBRARY_PATH; a RUNPATH build is resolved too."""
    server, lib = _build(tmp_path)
    moved = tmp_path / "elsewhere"
    shutil.move(str(lib), str(moved))
    assert preflight.check([server], {"LD_LIBRARY_PATH": str(moved)}, deep=True) is None
    other = tmp_path / "other"
    other.mkdir()
    runpath_server, runpath_lib = _build(other, "-Wl,-rpath,$ORIGIN/lib,--enable-new-dtags")
    assert preflight.check([runpath_server], {}, deep=True) is None
    os.unlink(runpath_lib / "libanswer.so")
    assert preflight.check([runpath_server], {}, deep=True)["libraries"] == ["libanswer.so"]


@pytest.mark.timeout(60)
def test_library_of_the_wrong_machine_is_skipped(tmp_path):
    """A libanswer.so patched to aarch64 is skipped as ld.so skips it, and listed."""
    server, lib = _build(tmp_path)
    binaries.patch(str(lib / "libanswer.so"), 18, b"\xb7\x00")
    record = preflight.check([server], {}, deep=True)
    assert record["cause"] == "missing_library"
    assert record["skipped_incompatible"] == [str(lib / "libanswer.so")]


@pytest.mark.timeout(30)
def test_ld_so_cache_and_system_binaries_resolve():
    """The new-format /etc/ld.so.cache is read, and python3's libraries all resolve."""
    cache = libraries.read_ld_so_cache()
    assert any(p.endswith("/libc.so.6") for p in cache["libc.so.6"])
    assert preflight.check(["/usr/bin/python3"], {}, deep=True) is None
