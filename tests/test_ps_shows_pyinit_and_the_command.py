"""ps and `docker top` show pyinit as `pyinit -- CMD ARGS`, not as the interpreter's command line."""

import subprocess

import pytest

from helpers.pid1 import Namespace


@pytest.mark.timeout(60)
def test_cmdline_of_pid1_is_pyinit_and_the_command(pyinit):
    """/proc/PID/cmdline holds `pyinit -- sleep 30` and nothing of the original line."""
    with Namespace(pyinit, ["--grace", "0", "--", "sleep", "30"]) as ns:
        ns.child_pid()
        with open("/proc/%d/cmdline" % ns.init_pid, "rb") as f:
            cmdline = f.read()
        shown = subprocess.run(["ps", "-o", "args=", "-p", str(ns.init_pid)],
                               capture_output=True, text=True, timeout=10).stdout
        ns.kill(15)
        ns.wait()
    assert cmdline.rstrip(b"\0").split(b"\0") == [b"pyinit", b"--", b"sleep", b"30"], cmdline
    assert cmdline.strip(b"\0").count(b"\0") == 3, cmdline   # the rest of the area is cleared
    assert shown.strip() == "pyinit -- sleep 30"
