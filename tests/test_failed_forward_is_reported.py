"""A signal pyinit cannot forward is reported once, without -v, and pyinit goes on."""

import os
import subprocess
import time

import pytest

from helpers.pid1 import UNSHARE, children, wait_for
from helpers.verbose import parse_all

# pyinit without CAP_KILL (dropped from the bounding set before it is exec'd, as under
# `docker run --cap-drop ALL`), its child running as another uid: kill() answers EPERM.
WITHOUT_CAP_KILL = ["setpriv", "--bounding-set", "-kill", "--"]
CHILD_AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   "sleep", "60"]


@pytest.mark.timeout(60)
def test_eperm_forward_is_one_warning_per_signal_and_errno(pyinit):
    """Two SIGTERMs and a SIGHUP refused with EPERM: two warnings naming EPERM and the hint;
    pyinit still runs and the child still lives."""
    proc = subprocess.Popen(UNSHARE + WITHOUT_CAP_KILL + [pyinit, "--report-format", "json",
                                                         "--"] + CHILD_AS_NOBODY,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        init = wait_for(lambda: (children(proc.pid) or [None])[0], 10, "the namespace's PID 1")
        child = wait_for(lambda: (children(init) or [None])[0], 10, "pyinit's child")
        wait_for(lambda: open("/proc/%d/comm" % child).read() == "sleep\n", 10,
                 "the child to exec sleep as nobody")
        for sig in (15, 15, 1):
            os.kill(init, sig)
            time.sleep(0.2)
        assert proc.poll() is None and children(init) == [child]
        os.kill(child, 9)
        assert proc.wait(30) == 128 + 9
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    warnings = [r for r in parse_all(proc.stderr.read()) if r.get("cause") == "forward_failed"]
    assert [(w["signal"], w["errno"]) for w in warnings] == [("SIGTERM", "EPERM"),
                                                             ("SIGHUP", "EPERM")], warnings
    assert "CAP_KILL" in warnings[0]["hint"]
