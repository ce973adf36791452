"""A PID 1 that is not an init: it leaves an orphan zombie unreaped, then runs a command.

Usage (as PID 1 of a namespace): python nonreaping_pid1.py CMD ARGS... Creates a grandchild
that exits and is re-parented to this PID 1 as a zombie, which it never wait()s for; then runs
CMD (waiting for that pid only) and copies its stdout and exit code.
"""

import os
import subprocess
import sys
import time


def zombie_children_of_me():
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] == "Z" and int(fields[1]) == os.getpid():
                found.append(int(entry))
    return found


def main():
    middle = os.fork()
    if middle == 0:
        if os.fork() == 0:
            os.execvp("true", ["true"])
        os._exit(0)
    os.waitpid(middle, 0)   # only the middle one: its child becomes this PID 1's orphan
    deadline = time.monotonic() + 20
    while not zombie_children_of_me():
        if time.monotonic() > deadline:
            sys.exit("no orphan zombie appeared")
        time.sleep(0.005)
    result = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE)
    sys.stdout.buffer.write(result.stdout)
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
