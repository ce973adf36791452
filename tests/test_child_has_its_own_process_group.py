"""The child leads a process group of its own, with or without a terminal, as under tini."""

import os
import subprocess
import sys

import pytest

from helpers.pid1 import UNSHARE, children, wait_for

# Signals its own process group with SIGUSR1 and counts what arrives: 1 when the group is
# its own, 2 when pyinit shares it (pyinit receives it too and forwards it).
KILL_ZERO = (
    "import os, signal, time\n"
    "got = []\n"
    "signal.signal(signal.SIGUSR1, lambda *_: got.append(1))\n"
    "os.killpg(0, signal.SIGUSR1)\n"
    "time.sleep(1)\n"
    "print('pgid=%d pid=%d got=%d' % (os.getpgid(0), os.getpid(), len(got)))\n")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("as_pid1", [False, True], ids=["subreaper", "pid1"])
def test_kill_zero_from_the_child_reaches_only_its_own_group(pyinit, as_pid1):
    """Without a terminal the child's pgid is its pid, and its `kill 0` is delivered once."""
    argv = [pyinit, "-s", "--", sys.executable, "-c", KILL_ZERO]
    # A session of its own: if the group were shared, the signal must not reach pytest.
    result = subprocess.run(UNSHARE + argv if as_pid1 else argv, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=30, start_new_session=True)
    assert result.returncode == 0, result
    fields = dict(part.split("=") for part in result.stdout.split())
    assert fields["pgid"] == fields["pid"], fields
    assert fields["got"] == "1", fields


@pytest.mark.timeout(60)
def test_pgroup_flag_still_reaches_the_childs_group(pyinit):
    """-g without a terminal: the SIGTERM sent to pyinit reaches the child's whole group."""
    script = "sleep 30 & echo started; wait"
    with subprocess.Popen(UNSHARE + [pyinit, "-g", "--grace", "0", "--", "sh", "-c", script],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as proc:
        assert proc.stdout.readline() == "started\n"
        init = wait_for(lambda: (children(proc.pid) or [None])[0], 10, "the namespace's PID 1")
        os.kill(init, 15)
        assert proc.wait(30) == 143
