"""A parent that leaks a zombie: it forks `true`, never wait()s, and says so in READY_FILE.

Usage: python leak_zombie.py READY_FILE. Writes "PARENT_PID ZOMBIE_PID" once the child is a
zombie, then sleeps (bounded) so the zombie stays. Its own name is `leaky-parent`.
"""

import ctypes
import os
import sys
import time

PR_SET_NAME = 15


def state(pid):
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def main():
    ctypes.CDLL(None).prctl(PR_SET_NAME, b"leaky-parent", 0, 0, 0)
    child = os.fork()
    if child == 0:
        os.execvp("true", ["true"])
    deadline = time.monotonic() + 20
    while state(child) != "Z":
        if time.monotonic() > deadline:
            sys.exit("child %d never became a zombie" % child)
        time.sleep(0.005)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d %d\n" % (os.getpid(), child))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(30)


if __name__ == "__main__":
    main()
