"""The manylinux wheel installed in a venv of each pyenv CPython works as PID 1 of a PID namespace."""

import pytest

from helpers import wheel_checks

from helpers.wheel_installs import MINORS

pytestmark = [pytest.mark.timeout(600),
              pytest.mark.parametrize("namespace_runner", MINORS, indirect=True)]


def test_exit_code_passes_through(namespace_runner):
    """The child's exit codes 0, 3 and 7 are pyinit's."""
    wheel_checks.check_exit_code(namespace_runner)


def test_sigterm_reaches_the_child(namespace_runner):
    """SIGTERM to PID 1 is forwarded: the child's trap runs and its exit code 42 is pyinit's."""
    wheel_checks.check_sigterm_forwarded(namespace_runner)


def test_check_validates_the_command(namespace_runner):
    """--check exits 0 for a command that would start, 127 with a not_found record otherwise."""
    wheel_checks.check_check(namespace_runner)


def test_missing_command_gives_a_json_failure_report(namespace_runner):
    """A missing command: exit 127 and a not_found JSON record naming it on stderr."""
    wheel_checks.check_failure_report(namespace_runner)


def test_doctor_reports(namespace_runner):
    """--doctor prints its JSON checks and a summary whose exit_code is pyinit's."""
    wheel_checks.check_doctor(namespace_runner)


def test_pid1_is_the_venvs_interpreter(namespace_runner):
    """PID 1 runs the interpreter of the venv the wheel is installed in."""
    wheel_checks.check_interpreter(namespace_runner)


def test_no_compiler_is_on_path(namespace_runner):
    """Neither cc, gcc nor clang can be found on the PATH pyinit and its child run with."""
    wheel_checks.check_no_compiler(namespace_runner)
