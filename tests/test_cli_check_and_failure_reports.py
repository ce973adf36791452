"""The installed pyinit: --check exits 0/126/127 with one JSON record; failed starts report and exit."""

import errno
import json
import shutil
import subprocess

import pytest

from helpers import binaries
from helpers.run import run_pid1, run_plain

LIB_SOURCE = "int answer(void) { return 42; }\n"
MAIN_SOURCE = "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n"


def _records(stderr):
    """Every JSON failure record on stderr (warnings and other lines are skipped)."""
    records = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") in ("preflight_failed", "exec_failed"):
                records.append(record)
    return records


def _server_without_its_library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    binaries.compile_c(LIB_SOURCE, lib / "libanswer.so", "-shared", "-fPIC")
    server = binaries.compile_c(MAIN_SOURCE, tmp_path / "server", "-L%s" % lib, "-lanswer",
                                "-Wl,-rpath,$ORIGIN/lib")
    shutil.rmtree(lib)
    return server


@pytest.mark.timeout(60)
def test_check_passes_a_runnable_command(pyinit):
    """pyinit --check -- /usr/bin/python3 -c pass: exit 0, nothing on stderr."""
    result = run_plain(pyinit, ["--check", "--", "/usr/bin/python3", "-c", "pass"])
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.timeout(60)
def test_check_reports_a_missing_loader_with_127(pyinit, tmp_path):
    """--check on a binary whose loader is missing: exit 127, one JSON line naming the loader."""
    prog = binaries.with_interp(binaries.TRUE, tmp_path / "server", "/lib/ld-gone.so.2")
    result = run_plain(pyinit, ["--check", "--", prog])
    assert result.returncode == 127
    [record] = _records(result.stderr)
    assert record["cause"] == "missing_interpreter" and record["interpreter"] == "/lib/ld-gone.so.2"
    assert record["resolved"] == prog and record["event"] == "preflight_failed"


@pytest.mark.timeout(60)
def test_check_runs_the_deep_library_search(pyinit, tmp_path):
    """--check on a binary whose library directory was removed: 127, missing_library naming it."""
    server = _server_without_its_library(tmp_path)
    result = run_plain(pyinit, ["--check", "--", server])
    assert result.returncode == 127
    [record] = _records(result.stderr)
    assert record["cause"] == "missing_library" and record["libraries"] == ["libanswer.so"]


@pytest.mark.timeout(60)
def test_check_exits_126_for_a_non_executable_file(pyinit, tmp_path):
    """--check on a 0644 file: 126, permission_denied."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "prog", mode=0o644)
    result = run_plain(pyinit, ["--check", "--", prog])
    assert result.returncode == 126
    assert _records(result.stderr)[0]["cause"] == "permission_denied"


@pytest.mark.timeout(60)
def test_pid1_with_a_missing_loader_exits_127_with_a_report(pyinit, tmp_path):
    """As PID 1: pyinit -- binary-with-missing-loader exits 127 and the record says pid1."""
    prog = binaries.with_interp(binaries.TRUE, tmp_path / "server", "/lib/ld-gone.so.2")
    result = run_pid1(pyinit, ["--", prog])
    assert result.returncode == 127
    [record] = _records(result.stderr)
    assert record["cause"] == "missing_interpreter" and record["pid1"] is True and record["pid"] == 1


@pytest.mark.timeout(60)
def test_pid1_missing_library_is_diagnosed_after_the_early_127(pyinit, tmp_path):
    """As PID 1: the loader's own error, then an exec_failed missing_library record; exit 127."""
    server = _server_without_its_library(tmp_path)
    result = run_pid1(pyinit, ["--", server])
    assert result.returncode == 127
    assert "error while loading shared libraries: libanswer.so" in result.stderr
    [record] = _records(result.stderr)
    assert record["event"] == "exec_failed" and record["cause"] == "missing_library"


@pytest.mark.timeout(60)
def test_exec_failure_after_a_passing_check_is_explained(pyinit, tmp_path):
    """A binary held open for writing passes the check, execve says ETXTBSY: exec_failed, 126."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "busy")
    with open(prog, "r+b"):
        result = run_pid1(pyinit, ["--", prog])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "exec_failed" and record["cause"] == "text_file_busy"
    assert record["errno"] == "ETXTBSY" and record["errno_code"] == errno.ETXTBSY


@pytest.mark.timeout(60)
def test_text_format_shows_the_same_facts(pyinit, tmp_path):
    """--report-format text: readable lines with cause, interpreter and hint; same exit code."""
    prog = binaries.with_interp(binaries.TRUE, tmp_path / "server", "/lib/ld-gone.so.2")
    result = run_plain(pyinit, ["--check", "--report-format", "text", "--", prog])
    assert result.returncode == 127
    assert "preflight_failed: missing_interpreter" in result.stderr
    assert "interpreter: /lib/ld-gone.so.2" in result.stderr
    assert "hint: " in result.stderr and not result.stderr.lstrip().startswith("{")


@pytest.mark.timeout(60)
def test_not_found_on_path_lists_the_directories(pyinit, tmp_path):
    """pyinit -- no-such-cmd with a two-entry PATH: 127 and both directories listed."""
    env = {"PATH": "%s:/usr/bin" % tmp_path}
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", pyinit, "--", "no-such-cmd"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 127
    [record] = _records(result.stderr)
    assert record["searched"] == [str(tmp_path), "/usr/bin"]
