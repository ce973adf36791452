"""--check never answers "would start" when the check itself could not finish.

Under an address-space limit (ulimit -v) the check runs out of memory part-way. Whatever
the limit, a command that cannot start is never given exit 0; pyinit's own code never
ends in a traceback; and a check cut short says so: check_incomplete, exit 3.
"""

import json
import subprocess

import pytest

from helpers import binaries

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


@pytest.mark.timeout(120)
def test_no_memory_limit_makes_check_say_would_start(pyinit, needs_a_missing_library):
    """From 4 MiB up, in 512 KiB steps, until the check completes: never exit 0, never a
    traceback from pyinit's code, and check_incomplete (exit 3) where the check was cut short."""
    outcomes = []
    for kib in range(4096, 256 * 1024, 512):
        result = subprocess.run(["prlimit", "--as=%d" % (kib * 1024), pyinit, "--check",
                                 "--report-format", "json", "--", needs_a_missing_library],
                                capture_output=True, text=True, timeout=30)
        outcomes.append((kib, result.returncode, result.stderr[:300]))
        assert result.returncode != 0, outcomes[-1]
        assert not ("Traceback" in result.stderr and "pyinit/" in result.stderr), outcomes[-1]
        if result.stderr.startswith("{"):
            record = json.loads(result.stderr.splitlines()[0])
            if record["cause"] == "check_incomplete":
                assert result.returncode == 3 and record["exit_code"] == 3, outcomes[-1]
            if record["cause"] == "missing_library":
                assert result.returncode == 127, outcomes[-1]
                break
    else:
        pytest.fail("the check never completed under 256 MiB: %r" % outcomes[-3:])
    assert any(code == 3 for _, code, _ in outcomes), outcomes
