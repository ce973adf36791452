"""Ported from tini (run_inner_tests.py, exit code test) and dumb-init (exit_status_test.py):
the exit status is the child's, 128+N for death by signal N, and -e maps a code to 0."""

import pytest

from helpers.run import run_plain

CODES = (0, 1, 2, 3, 32, 64, 126, 127, 128, 129, 143, 254, 255)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("code", CODES)
def test_regular_exit_status_comes_through(pyinit, code):
    """`sh -c 'exit N'` under pyinit exits N."""
    assert run_plain(pyinit, ["-s", "--", "sh", "-c", "exit %d" % code]).returncode == code


@pytest.mark.timeout(60)
@pytest.mark.parametrize("signum", [15, 2, 3, 9])
def test_death_by_signal_is_128_plus_n(pyinit, signum):
    """A child that kills itself with SIGTERM, SIGINT, SIGQUIT or SIGKILL: 128+N."""
    result = run_plain(pyinit, ["-s", "--", "sh", "-c", "kill -%d $$" % signum])
    assert result.returncode == 128 + signum


@pytest.mark.timeout(60)
@pytest.mark.parametrize("code", CODES)
def test_remap_exit_includes_the_code(pyinit, code):
    """-e N: an exit with N becomes 0."""
    result = run_plain(pyinit, ["-s", "-e", str(code), "--", "sh", "-c", "exit %d" % code])
    assert result.returncode == 0


@pytest.mark.timeout(120)
@pytest.mark.parametrize("code", (0, 1, 127, 255))
def test_remap_exit_of_every_other_code_leaves_this_one(pyinit, code):
    """-e for all 255 other codes: N still comes through as N."""
    remaps = [arg for other in range(256) if other != code for arg in ("-e", str(other))]
    result = run_plain(pyinit, ["-s"] + remaps + ["--", "sh", "-c", "exit %d" % code])
    assert result.returncode == code
