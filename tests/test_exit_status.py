"""pyinit exits with its child's code, 128+N for death by signal N, and honours -e."""

import pytest

from helpers.run import run_pid1, run_plain


@pytest.mark.timeout(30)
@pytest.mark.parametrize("script, expected", [
    ("exit 0", 0),
    ("exit 3", 3),
    ("exit 255", 255),
    ("kill -KILL $$", 137),
    ("kill -TERM $$", 143),
    ("kill -SEGV $$", 139),
])
def test_exit_code_is_the_childs(pyinit, script, expected):
    """As PID 1, the exit code is the child's code or 128+signal."""
    result = run_pid1(pyinit, ["--", "sh", "-c", script])
    assert result.returncode == expected, result.stderr


@pytest.mark.timeout(30)
def test_exit_code_as_plain_child(pyinit):
    """Outside a namespace too, the child's code comes through."""
    result = run_plain(pyinit, ["-s", "--", "sh", "-c", "exit 7"])
    assert result.returncode == 7, result.stderr


@pytest.mark.timeout(30)
def test_remap_exit_turns_listed_codes_into_zero(pyinit):
    """-e 143 -e 3 reports those codes as 0 and leaves others alone."""
    assert run_pid1(pyinit, ["-e", "143", "-e", "3", "--", "sh", "-c", "kill -TERM $$"]).returncode == 0
    assert run_pid1(pyinit, ["-e", "143", "-e", "3", "--", "sh", "-c", "exit 3"]).returncode == 0
    assert run_pid1(pyinit, ["-e", "143", "--", "sh", "-c", "exit 4"]).returncode == 4


@pytest.mark.timeout(30)
def test_double_dash_is_optional(pyinit):
    """`pyinit sh -c ...` works like `pyinit -- sh -c ...` when CMD does not start with -."""
    assert run_pid1(pyinit, ["sh", "-c", "exit 5"]).returncode == 5


@pytest.mark.timeout(30)
def test_command_arguments_that_look_like_options_reach_the_child(pyinit):
    """Options after CMD belong to CMD, not to pyinit."""
    result = run_pid1(pyinit, ["--", "sh", "-c", 'echo "$0 $1"', "-v", "-g"])
    assert result.stdout.strip() == "-v -g"
