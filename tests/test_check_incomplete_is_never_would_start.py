"""--check never answers "would start" when the check itself could not finish.

Under an address-space limit (ulimit -v) the check runs out of memory part-way. Whatever
the limit, a command that cannot start is never given exit 0; pyinit's own functions never
end in a traceback; and a check cut short says so: check_incomplete, exit 3. (Running out
while the interpreter starts or imports pyinit is the launcher's and CPython's to report.)
"""

import json
import re
import subprocess

import pytest

from helpers import binaries

# A traceback frame inside one of pyinit's functions (not a module body being imported).
PYINIT_FUNCTION_FRAME = re.compile(r'pyinit/\w+\.py", line \d+, in (?!<module>)')

LIBRARY = "int gone(void) { return 1; }\n"
PROGRAM = "int gone(void);\nint main(void) { return gone(); }\n"


@pytest.fixture(scope="module")
def needs_a_missing_library(tmp_path_factory):
    """A program linked against libgone.so, which is then deleted: it can never start."""
    where = tmp_path_factory.mktemp("missing_library")
    binaries.compile_c(LIBRARY, where / "libgone.so", "-shared", "-fPIC", cwd=str(where))
    binaries.compile_c(PROGRAM, where / "needs_gone", "-L.", "-lgone", cwd=str(where))
    (where / "libgone.so").unlink()
    return str(where / "needs_gone")


def check_under(pyinit, program, kib):
    return subprocess.run(["prlimit", "--as=%d" % (kib * 1024), pyinit, "--check",
                           "--report-format", "json", "--", program],
                          capture_output=True, text=True, timeout=30)


@pytest.mark.timeout(180)
def test_no_memory_limit_makes_check_say_would_start(pyinit, needs_a_missing_library):
    """From 64 MiB down, in 512 KiB steps, until the interpreter itself cannot start (its
    output is no longer pyinit's JSON): never exit 0, never a traceback from pyinit's
    functions, and check_incomplete (exit 3) where the check was cut short. (Further down,
    CPython's own start-up can spin with every signal blocked: not a place to test.)"""
    outcomes = []
    for kib in range(64 * 1024, 2048, -512):
        result = check_under(pyinit, needs_a_missing_library, kib)
        outcomes.append((kib, result.returncode, result.stderr[:300]))
        assert result.returncode != 0, outcomes[-1]
        assert not PYINIT_FUNCTION_FRAME.search(result.stderr), outcomes[-1]
        if not result.stderr.startswith("{"):
            break   # the interpreter or the import of pyinit failed: below pyinit's floor
        record = json.loads(result.stderr.splitlines()[0])
        if kib == 64 * 1024:
            assert record["cause"] == "missing_library", outcomes[-1]
        if record["cause"] == "check_incomplete":
            assert result.returncode == 3 and record["exit_code"] == 3, outcomes[-1]
        if record["cause"] == "missing_library":
            assert result.returncode == 127, outcomes[-1]
    assert any(code == 3 for _, code, _ in outcomes), outcomes
