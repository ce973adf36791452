"""The launcher: an interpreter that is missing or lacks pyinit gives one line, never a traceback."""

import os
import sys

import pytest

from helpers.run import run_plain


@pytest.mark.timeout(30)
def test_missing_interpreter_is_one_line_and_127(pyinit, monkeypatch):
    """PYINIT_PYTHON naming no file: one `pyinit:` line naming it, exit 127."""
    monkeypatch.setenv("PYINIT_PYTHON", "/nonexistent/python3")
    result = run_plain(pyinit, ["true"])
    assert result.returncode == 127
    assert result.stderr.splitlines() == [
        "pyinit: cannot start the interpreter /nonexistent/python3: No such file or directory"]


@pytest.mark.timeout(30)
def test_interpreter_without_pyinit_is_one_line_and_1(pyinit, monkeypatch, tmp_path):
    """An interpreter that cannot import pyinit (another Python): one line, exit 1."""
    # A bare venv of the same Python: it runs, but pyinit is not installed in it.
    import venv
    venv.create(tmp_path / "bare", with_pip=False)
    monkeypatch.setenv("PYINIT_PYTHON", str(tmp_path / "bare" / "bin" / "python3"))
    result = run_plain(pyinit, ["true"])
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "cannot import pyinit" in lines[0], result.stderr


@pytest.mark.timeout(30)
def test_launcher_runs_the_interpreter_it_was_built_with(pyinit):
    """Without PYINIT_PYTHON the launcher execs the venv's own interpreter."""
    # /proc/PID/exe, not cmdline: pyinit rewrites its command line to `pyinit -- CMD`.
    result = run_plain(pyinit, ["-s", "--", "sh", "-c", "readlink /proc/$PPID/exe"])
    assert result.returncode == 0, result.stderr
    interpreter = result.stdout.split()[0]
    assert os.path.realpath(interpreter) == os.path.realpath(sys.executable)
