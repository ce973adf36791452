"""A DT_NEEDED library the loader cannot find is missing_library (127), found by the deep check."""

import os
import shutil
import subprocess

import pytest

from helpers import binaries
from pyinit import preflight
from pyinit.preflight import libraries

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


def _unusable(record, path):
    """The reason the record gives for not using ``path``."""
    return record["unusable"][str(path)]


@pytest.mark.timeout(60)
def test_empty_library_is_found_but_unusable(tmp_path):
    """A 0-byte libanswer.so where the rpath points: ld.so says 'file too short'; the hint says
    the library was found and why it cannot be used, not that it cannot be found."""
    server, lib = _build(tmp_path)
    (lib / "libanswer.so").write_bytes(b"")
    result = subprocess.run([server], capture_output=True, text=True, timeout=10)
    assert result.returncode == 127 and "file too short" in result.stderr
    record = preflight.check([server], {}, deep=True)
    assert record["cause"] == "missing_library" and record["libraries"] == ["libanswer.so"]
    assert "empty" in _unusable(record, lib / "libanswer.so")
    assert "found" in record["hint"] and "cannot find" not in record["hint"]
    assert str(lib / "libanswer.so") in record["hint"] and "empty" in record["hint"]


@pytest.mark.timeout(60)
def test_glibc_stops_at_a_library_too_short_to_be_elf(tmp_path):
    """An empty libanswer.so first on LD_LIBRARY_PATH, a good one after: ld.so stops at the
    first (fatal 'file too short'), so the check must not pass."""
    server, lib = _build(tmp_path)
    good = tmp_path / "good"
    shutil.move(str(lib), str(good))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "libanswer.so").write_bytes(b"")
    env = {"LD_LIBRARY_PATH": "%s:%s" % (bad, good)}
    assert subprocess.run([server], env=env, capture_output=True, timeout=10).returncode == 127
    record = preflight.check([server], env, deep=True)
    assert record["cause"] == "missing_library"
    assert "empty" in _unusable(record, bad / "libanswer.so")


@pytest.mark.timeout(60)
def test_library_of_the_wrong_class_is_named_with_its_class(tmp_path):
    """libanswer.so with EI_CLASS 32: skipped by ld.so ('wrong ELF class'), and the hint says so."""
    server, lib = _build(tmp_path)
    binaries.patch(str(lib / "libanswer.so"), 4, b"\x01")
    result = subprocess.run([server], capture_output=True, text=True, timeout=10)
    assert result.returncode == 127 and "wrong ELF class: ELFCLASS32" in result.stderr
    record = preflight.check([server], {}, deep=True)
    assert "32-bit" in _unusable(record, lib / "libanswer.so")
    assert "32-bit" in record["hint"] and "cannot find" not in record["hint"]


@pytest.mark.timeout(60)
def test_unreadable_library_is_named_as_unreadable(shared_dir):
    """A 0600 root-owned libanswer.so, checked as uid 65534: found, but cannot be read."""
    from helpers import namespaces

    server, lib = _build(shared_dir)
    os.chmod(lib / "libanswer.so", 0o600)
    record = namespaces.check_as(65534, [server], mode="deep")
    assert record["cause"] == "missing_library"
    assert "Permission denied" in _unusable(record, lib / "libanswer.so")
    assert "cannot be read" in record["hint"]
