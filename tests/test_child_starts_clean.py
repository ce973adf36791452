"""The child gets the signal mask and ignored set pyinit was started with, and no fd of pyinit's."""

import os
import signal
import subprocess
import sys

import pytest

from helpers.run import run_pid1

# Run directly, not through sh: dash clears the signal mask it inherits.
STATUS = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]


def masks(output):
    fields = dict(line.split(":\t") for line in output.strip().splitlines())
    return int(fields["SigBlk"], 16), int(fields["SigIgn"], 16)


@pytest.mark.timeout(30)
def test_child_of_a_clean_start_has_nothing_blocked_or_ignored(pyinit):
    """Python's own SIGPIPE/SIGXFSZ ignores and the launcher's mask do not leak into the child."""
    result = run_pid1(pyinit, ["--"] + STATUS)
    assert masks(result.stdout) == (0, 0), result.stdout


@pytest.mark.timeout(30)
def test_inherited_ignored_and_blocked_signals_pass_through(pyinit):
    """Like nohup's ignored SIGHUP, what pyinit's parent set is what the child gets."""
    def parent_setup():
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})

    result = subprocess.run([pyinit, "-s", "--"] + STATUS, capture_output=True,
                            text=True, timeout=30, preexec_fn=parent_setup)
    blocked, ignored = masks(result.stdout)
    assert blocked == 1 << (signal.SIGUSR2 - 1)
    assert ignored == 1 << (signal.SIGHUP - 1)


@pytest.mark.timeout(30)
def test_python_dash_m_pyinit_also_gives_a_clean_child(pyinit):
    """Without the launcher, `python -m pyinit` still hides CPython's own ignores."""
    result = subprocess.run([sys.executable, "-m", "pyinit", "-s", "--"] + STATUS,
                            capture_output=True, text=True, timeout=30)
    assert masks(result.stdout) == (0, 0), result.stderr


@pytest.mark.timeout(30)
def test_no_fd_of_pyinit_leaks_but_inherited_ones_pass(pyinit):
    """The child sees 0, 1, 2 and the fd its parent passed (socket activation), nothing else."""
    read_end, write_end = os.pipe()
    try:
        os.set_inheritable(read_end, True)
        result = subprocess.run(
            [pyinit, "-s", "--", "ls", "/proc/self/fd"],
            capture_output=True, text=True, timeout=30, pass_fds=(read_end,))
    finally:
        os.close(write_end)
        os.close(read_end)
    fds = {int(fd) for fd in result.stdout.split()}
    expected = {0, 1, 2, read_end}
    # `ls` itself opens one fd, the lowest free number, for the directory it lists.
    ls_own = min(set(range(len(expected) + 1)) - expected)
    assert fds == expected | {ls_own}, result.stdout
