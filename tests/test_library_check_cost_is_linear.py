"""The deep library check costs work linear in its input, even for crafted library graphs.

Nine small libraries, each loading the next, each with a DT_RPATH of 400 entries (under
the 4 KiB a string may have) that $LIB turns into 1,200 directories that do not exist, and
8 libraries that are missing: ld.so tries each missing directory once. Searching every
directory of every ancestor's RPATH for every name would try about 400,000 paths. The work is counted (system calls, with strace), and memory is capped (ulimit -v),
never timed.
"""

import json
import os
import shutil
import subprocess

import pytest

from helpers import binaries
from helpers.debian import ensure_packages

DEPTH = 9
RPATH_ENTRIES = 400
LIB_VALUES = 3   # $LIB: lib64, lib, lib/TRIPLET
MISSING_PER_LIBRARY = 8


@pytest.fixture(scope="module")
def hostile_program(tmp_path_factory):
    where = tmp_path_factory.mktemp("hostile_libraries")
    libs = where / "libs"
    stubs = where / "stubs"
    libs.mkdir()
    stubs.mkdir()
    stub = binaries.compile_c("int stub(void) { return 0; }\n", stubs / "stub.so", "-shared",
                              "-fPIC")
    for level in range(DEPTH):
        for index in range(MISSING_PER_LIBRARY):
            shutil.copy(stub, stubs / ("m_%d_%d.so" % (level, index)))
    for level in reversed(range(DEPTH)):
        rpath = ":".join("/%d$LIB" % (level * RPATH_ENTRIES + i) for i in range(RPATH_ENTRIES))
        needed = ["-l:m_%d_%d.so" % (level, i) for i in range(MISSING_PER_LIBRARY)]
        if level + 1 < DEPTH:
            needed.append("-l:lib%d.so" % (level + 1))
        binaries.compile_c("int f%d(void) { return 0; }\n" % level, libs / ("lib%d.so" % level),
                           "-shared", "-fPIC", "-Wl,--no-as-needed", "-Wl,--disable-new-dtags",
                           "-Wl,-rpath," + rpath, "-L", str(stubs), "-L", str(libs), *needed)
    program = binaries.compile_c("int main(void) { return 0; }\n", where / "program",
                                 "-Wl,--no-as-needed", "-Wl,--disable-new-dtags",
                                 "-Wl,-rpath," + str(libs), "-L", str(libs), "-l:lib0.so")
    shutil.rmtree(stubs)
    return program


# A 116 KB LD_LIBRARY_PATH of directories that do not exist.
LIBRARY_PATH_ENTRIES = 10000


def check(pyinit, program, wrapper=(), library_path=None):
    env = {"PATH": "/usr/bin:/bin"}
    if library_path:
        env["LD_LIBRARY_PATH"] = library_path
    return subprocess.run(list(wrapper) + [pyinit, "--check", "--report-format", "json", "--",
                                           program],
                          capture_output=True, text=True, timeout=300, env=env)


def system_calls(pyinit, program, tmp_path, library_path):
    """(CompletedProcess, system calls counted by strace -f -c) of pyinit --check PROGRAM."""
    summary = tmp_path / "strace.txt"
    result = check(pyinit, program, ["strace", "-f", "-c", "-o", str(summary)], library_path)
    total = [line for line in summary.read_text().splitlines() if line.split()[-1:] == ["total"]]
    return result, int(total[0].split()[3])   # % time, seconds, usecs/call, calls, [errors,] total


@pytest.mark.timeout(600)
@pytest.mark.parametrize("library_path_entries", [0, LIBRARY_PATH_ENTRIES])
def test_system_calls_are_linear_in_the_directories(pyinit, hostile_program, tmp_path,
                                                    library_path_entries):
    """All 72 missing libraries are named, with fewer than 4 system calls per directory of
    the RPATHs (and LD_LIBRARY_PATH) beyond what checking /bin/true costs. (The baseline
    holds the interpreter's own start-up, whose loader also walks LD_LIBRARY_PATH.)"""
    ensure_packages("strace")
    library_path = ":".join("/llp/%05d" % i for i in range(library_path_entries))
    _, baseline = system_calls(pyinit, shutil.which("true"), tmp_path, library_path)
    result, calls = system_calls(pyinit, hostile_program, tmp_path, library_path)
    assert result.returncode == 127, result.stderr[-2000:]
    record = json.loads(result.stderr.splitlines()[-1])
    assert record["cause"] == "missing_library"
    assert len(record["libraries"]) == DEPTH * MISSING_PER_LIBRARY
    directories = DEPTH * RPATH_ENTRIES * LIB_VALUES + library_path_entries
    assert calls - baseline < 4 * directories + 20000, (calls, baseline)


@pytest.mark.timeout(600)
def test_memory_stays_small(pyinit, hostile_program):
    """Under a 256 MiB address-space limit the check still completes and names them all."""
    result = check(pyinit, hostile_program, ["prlimit", "--as=%d" % (256 << 20)])
    assert result.returncode == 127, result.stderr[-2000:]
    assert json.loads(result.stderr.splitlines()[-1])["cause"] == "missing_library"
