"""Every zombie is reaped: orphans re-parented to pyinit never pile up."""

import pytest

from helpers.run import run_pid1

# Forks a middle process that forks N children which exit at once, then exits itself: its
# N zombies are re-parented to PID 1. Then waits until /proc shows no zombie (bounded).
BURST = r'''
import os, sys, time
n = int(sys.argv[1])
middle = os.fork()
if middle == 0:
    for _ in range(n):
        if os.fork() == 0:
            os._exit(0)
    os._exit(0)
os.waitpid(middle, 0)

def zombies():
    found = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            if stat[stat.rindex(")") + 2] == "Z":
                found += 1
    return found

deadline = time.monotonic() + 30
while zombies() and time.monotonic() < deadline:
    time.sleep(0.05)
left = zombies()
print("zombies left", left)
sys.exit(0 if left == 0 else 1)
'''


@pytest.mark.timeout(90)
def test_a_burst_of_5000_orphans_leaves_no_zombie(pyinit):
    """5 000 orphans that exit in a burst are all reaped by pyinit as PID 1."""
    import sys
    result = run_pid1(pyinit, ["--", sys.executable, "-c", BURST, "5000"], timeout=80)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "zombies left 0" in result.stdout


@pytest.mark.timeout(60)
def test_child_exit_is_seen_even_when_orphans_exit_with_it(pyinit):
    """SIGCHLDs merge: the child's own exit among many others is still reported."""
    script = "for i in $(seq 200); do (exit 0) & done; exit 9"
    result = run_pid1(pyinit, ["--grace", "0", "--", "sh", "-c", script])
    assert result.returncode == 9, result.stderr
