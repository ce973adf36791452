"""Once its child runs, pyinit gives back the file pages start-up needed and the loop does not.

The interpreter's and libpython's pages (and most of the C library's) leave pyinit's RSS as
the wait begins; they stay in the page cache. So an idle pyinit maps fewer file pages than
an idle bare interpreter (`python -I -S`, the same one), and with -v (whose events call
into Python) it keeps them. Then pyinit still forwards a signal and exits with the child's
status: what the loop runs stayed mapped or comes back.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from helpers.pid1 import UNSHARE, children


def _rss_file_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssFile:"):
                return int(line.split()[1])
    raise AssertionError("no RssFile in /proc/%d/status" % pid)


def _wait_for_child(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while not children(pid):
        assert time.monotonic() < deadline, "pyinit never started its child"
        time.sleep(0.01)
    time.sleep(0.3)   # the drop happens as the wait begins


def _idle_bare_interpreter_rss_file():
    bare = subprocess.Popen([sys.executable, "-I", "-S", "-c", "import time; time.sleep(30)"])
    try:
        time.sleep(0.5)
        return _rss_file_kb(bare.pid)
    finally:
        bare.kill()
        bare.wait()


@pytest.mark.timeout(60)
def test_idle_pyinit_maps_fewer_file_pages_than_the_bare_interpreter(pyinit):
    """RssFile of pyinit -- sleep is below that of an idle python -I -S; TERM still works."""
    bare = _idle_bare_interpreter_rss_file()
    outer = subprocess.Popen(UNSHARE + [pyinit, "--", "sleep", "30"])
    try:
        init = None
        deadline = time.monotonic() + 10
        while init is None:
            assert time.monotonic() < deadline, "unshare never started pyinit"
            init = (children(outer.pid) or [None])[0]
            time.sleep(0.01)
        _wait_for_child(init)
        idle = _rss_file_kb(init)
        print("RssFile: pyinit %d kB, bare interpreter %d kB" % (idle, bare))
        assert idle < bare
        os.kill(init, signal.SIGTERM)
        assert outer.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        if outer.poll() is None:
            outer.kill()
            outer.wait()


@pytest.mark.timeout(60)
def test_verbose_pyinit_keeps_its_pages(pyinit):
    """With -v the loop calls into Python for every event: nothing is dropped."""
    bare = _idle_bare_interpreter_rss_file()
    proc = subprocess.Popen([pyinit, "-s", "-v", "--", "sleep", "30"], stderr=subprocess.DEVNULL)
    try:
        _wait_for_child(proc.pid)
        idle = _rss_file_kb(proc.pid)
        print("RssFile: pyinit -v %d kB, bare interpreter %d kB" % (idle, bare))
        assert idle > bare * 3 // 4
    finally:
        for child in children(proc.pid):   # SIGKILL to pyinit alone would leave `sleep` behind
            os.kill(child, signal.SIGKILL)
        proc.kill()
        proc.wait()
