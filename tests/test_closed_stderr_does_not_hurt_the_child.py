"""When pyinit's stderr is a pipe nobody reads any more, pyinit's own writes fail with EPIPE.

The kernel answers each such write with a SIGPIPE to pyinit, from pyinit's own pid. pyinit
must neither forward it (the child would die of pyinit's broken pipe) nor trace it (each
trace line would raise the next SIGPIPE: a busy loop that never reaps the child).
"""

import os
import subprocess

import pytest

CHILD = "sleep 0.3; echo alive; exit 3"


def run_with_stderr_closed(pyinit, args):
    """pyinit ARGS with stderr a pipe whose read end is closed before pyinit starts."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([pyinit] + args, stdout=subprocess.PIPE, stderr=write_end,
                              text=True, timeout=20)
    finally:
        os.close(write_end)


@pytest.mark.timeout(30)
def test_verbose_with_a_closed_stderr_still_reaps_and_exits(pyinit):
    """-v into a closed pipe: the child runs to its end and its exit code comes through."""
    result = run_with_stderr_closed(pyinit, ["-v", "-s", "--", "sh", "-c", CHILD])
    assert (result.returncode, result.stdout) == (3, "alive\n")


@pytest.mark.timeout(30)
def test_sigpipe_from_pyinits_own_warning_is_not_forwarded(pyinit):
    """The not-a-reaper warning written into a closed pipe does not kill the child with SIGPIPE."""
    result = run_with_stderr_closed(pyinit, ["--", "sh", "-c", CHILD])
    assert (result.returncode, result.stdout) == (3, "alive\n")
