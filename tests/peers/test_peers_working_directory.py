"""Ported from dumb-init (cwd_test.py): the child starts in the directory pyinit was started
in. dumb-init moves itself to /; pyinit stays where it was started, because its diagnosis
after an early exit 127 resolves a relative command (./app) there."""

import pytest

from helpers.run import run_plain


@pytest.mark.timeout(30)
def test_child_and_pyinit_keep_the_starting_directory(pyinit):
    """Started in /tmp: the child's cwd and pyinit's own are both /tmp."""
    result = run_plain(pyinit, ["-s", "--", "sh", "-c",
                                "readlink /proc/$PPID/cwd && readlink /proc/$$/cwd"], cwd="/tmp")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "/tmp\n/tmp\n"
