"""Ported from tini (test/pdeathsignal): with -p SIG, pyinit gets SIG when its parent dies
and forwards it to the child."""

import subprocess
import sys

import pytest

from helpers.pid1 import wait_for

# The parent starts pyinit in the background and exits once the child is running (a parent
# gone before pyinit set its parent-death signal would send none).
PARENT = ("import os, subprocess, sys, time\n"
          "subprocess.Popen(sys.argv[1:])\n"
          "deadline = time.monotonic() + 20\n"
          "while not os.path.exists(sys.argv[-1]) and time.monotonic() < deadline:\n"
          "    time.sleep(0.01)\n")
CHILD = 'trap "echo ok > \\"$0\\"; exit 0" USR1; echo waiting > "$0"; while :; do sleep 0.05; done'


@pytest.mark.timeout(60)
def test_parent_death_signal_is_forwarded(pyinit, tmp_path):
    """The parent exits; the child gets SIGUSR1 and writes `ok`."""
    marker = tmp_path / "marker"
    subprocess.run([sys.executable, "-c", PARENT, pyinit, "-s", "-p", "SIGUSR1", "--",
                    "sh", "-c", CHILD, str(marker)], timeout=20, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: marker.exists() and marker.read_text() == "ok\n", 20,
             "the child to get SIGUSR1", interval=0.05)
