"""pyinit's own output going nowhere never changes what happens to the child or the exit code.

When stderr is a pipe nobody reads any more, pyinit's writes fail with EPIPE and the kernel
answers each with a SIGPIPE to pyinit, from pyinit's own pid. pyinit must neither forward it
(the child would die of pyinit's broken pipe) nor trace it (each trace line would raise the
next SIGPIPE: a busy loop that never reaps the child). A closed fd 1 or 2, or a full device,
must not turn into a traceback or exit code 1.
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


@pytest.mark.timeout(30)
@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_a_closed_standard_stream_keeps_the_childs_exit_code(pyinit, closed):
    """`pyinit ... >&-` or `2>&-`: the child runs and its code comes through."""
    shell = '"$0" -s -- sh -c "exit 3" %d>&-; echo "rc=$?"' % closed
    result = subprocess.run(["sh", "-c", shell, pyinit], capture_output=True, text=True,
                            timeout=20)
    assert result.stdout.strip().endswith("rc=3"), result
    assert "Traceback" not in result.stderr


@pytest.mark.timeout(30)
def test_help_with_stdout_closed_exits_0(pyinit):
    """--help >&-: nothing to print to, still exit 0 and no traceback."""
    result = subprocess.run(["sh", "-c", '"$0" --help >&-; echo "rc=$?"', pyinit],
                            capture_output=True, text=True, timeout=20)
    assert result.stdout.strip() == "rc=0" and "Traceback" not in result.stderr


@pytest.mark.timeout(30)
def test_bad_usage_with_stderr_on_a_full_device_still_exits_2(pyinit):
    """The usage line cannot be written to /dev/full (ENOSPC): the exit code is still 2."""
    with open("/dev/full", "w") as full:
        result = subprocess.run([pyinit, "-e", "abc", "true"], stderr=full, timeout=20)
    assert result.returncode == 2
