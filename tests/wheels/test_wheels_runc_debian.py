"""The matching manylinux wheel, in a venv of a Debian bullseye, bookworm and trixie tree, works as PID 1 under runc."""

import pytest

from helpers import wheel_checks

from helpers.wheel_installs import SUITES

pytestmark = [pytest.mark.timeout(600),
              pytest.mark.parametrize("debian_runc_runner", SUITES, indirect=True)]


def test_exit_code_passes_through(debian_runc_runner):
    """The child's exit codes 0, 3 and 7 are pyinit's."""
    wheel_checks.check_exit_code(debian_runc_runner)


def test_sigterm_reaches_the_child(debian_runc_runner):
    """SIGTERM to PID 1 is forwarded: the child's trap runs and its exit code 42 is pyinit's."""
    wheel_checks.check_sigterm_forwarded(debian_runc_runner)


def test_check_validates_the_command(debian_runc_runner):
    """--check exits 0 for a command that would start, 127 with a not_found record otherwise."""
    wheel_checks.check_check(debian_runc_runner)


def test_missing_command_gives_a_json_failure_report(debian_runc_runner):
    """A missing command: exit 127 and a not_found JSON record naming it on stderr."""
    wheel_checks.check_failure_report(debian_runc_runner)


def test_doctor_reports(debian_runc_runner):
    """--doctor prints its JSON checks and a summary whose exit_code is pyinit's."""
    wheel_checks.check_doctor(debian_runc_runner)


def test_pid1_is_the_debian_python3(debian_runc_runner):
    """PID 1 runs the Debian tree's own python3."""
    wheel_checks.check_interpreter(debian_runc_runner)


def test_no_compiler_is_on_path(debian_runc_runner):
    """Neither cc, gcc nor clang can be found on the PATH pyinit and its child run with."""
    wheel_checks.check_no_compiler(debian_runc_runner)
