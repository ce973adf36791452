"""-p SIG: when pyinit's parent dies, pyinit gets SIG and forwards it to the child."""

import subprocess
import sys

import pytest

# A subreaper stands in for the container runtime: it starts a shell that starts pyinit,
# kills the shell, and adopts pyinit to learn its exit code.
ADOPTER = r'''
import ctypes, os, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
shell = os.fork()
if shell == 0:
    os.execvp("sh", ["sh", "-c", '"$0" -s -p TERM -- sleep 30 & sleep 30', sys.argv[1]])
def pyinit_pid():
    with open("/proc/%d/task/%d/children" % (shell, shell)) as f:
        for pid in f.read().split():
            if os.readlink("/proc/%s/exe" % pid) != "/usr/bin/sleep" and "sleep" not in os.readlink("/proc/%s/exe" % pid):
                return int(pid)
deadline = time.monotonic() + 20
pid = None
while pid is None and time.monotonic() < deadline:
    try:
        pid = pyinit_pid()
        if pid is not None:
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                if not f.read().strip():
                    pid = None
    except OSError:
        pid = None
    time.sleep(0.01)
os.kill(shell, 9)
os.waitpid(shell, 0)
_, status = os.waitpid(pid, 0)
print("pyinit exit", os.waitstatus_to_exitcode(status))
'''


@pytest.mark.timeout(60)
def test_parent_death_signal_is_forwarded(pyinit):
    """Killing pyinit's parent delivers SIGTERM to pyinit, which ends `sleep` (143)."""
    result = subprocess.run([sys.executable, "-c", ADOPTER, pyinit], capture_output=True,
                            text=True, timeout=50)
    assert "pyinit exit 143" in result.stdout, (result.stdout, result.stderr)
