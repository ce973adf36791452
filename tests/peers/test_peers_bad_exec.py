"""Ported from dumb-init (child_processes_test.py, bad exec): a command that cannot be
executed ends pyinit with a non-zero code and a report that names it. pyinit's code is 127
(not found) where tini and dumb-init exit 1, as a shell does."""

import json

import pytest

from helpers.run import run_pid1, run_plain


@pytest.mark.timeout(30)
@pytest.mark.parametrize("args", [["/doesnotexist"], ["--", "/doesnotexist"],
                                  ["-g", "--", "/doesnotexist"]])
def test_missing_program_exits_127_and_names_it(pyinit, args):
    """Exit 127 and one record with the path and ENOENT's message."""
    for run in (run_plain, run_pid1):
        result = run(pyinit, ["-s", "--report-format", "json"] + args)
        assert result.returncode == 127, result.stderr
        record = json.loads(result.stderr.splitlines()[-1])
        assert record["resolved"] == "/doesnotexist"
        assert record["strerror"] == "No such file or directory"
