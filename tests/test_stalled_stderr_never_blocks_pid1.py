"""A stderr whose reader stopped reading never stops PID 1 from reaping or forwarding.

Docker's blocking log mode with a stalled log driver is such a stderr: a pipe that fills and
stays full. pyinit drops the records it cannot write at once, counts them and says how many
once the pipe takes writes again; its child's stderr keeps the flags it was given.
"""

import fcntl
import json
import os
import select
import subprocess
import time

import pytest

from helpers.pid1 import UNSHARE, children, wait_for

F_SETPIPE_SZ = 1031
O_NONBLOCK = 0o4000
ORPHANS = 200

# Prints the flags of its own stderr, leaves ORPHANS orphans to PID 1, says so, then waits
# for SIGTERM (forwarded by pyinit).
CHILD = ('grep flags /proc/self/fdinfo/2; '
         'i=0; while [ $i -lt %d ]; do sh -c "sleep 0 &"; i=$((i+1)); done; '
         'echo spawned; while :; do sleep 0.05; done' % ORPHANS)


def zombies_of(pid):
    found = []
    for child in children(pid):
        try:
            with open("/proc/%d/stat" % child) as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] == "Z":
            found.append(child)
    return found


def read_available(fd):
    chunks = []
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("flag", ["-v", "-w"])
def test_a_full_stderr_pipe_neither_stops_reaping_nor_forwarding(pyinit, flag):
    """Orphans are reaped and SIGTERM is forwarded while nobody reads stderr; the count of
    dropped records comes once it is read again, and every line written is whole JSON."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(UNSHARE + [pyinit, flag, "--report-format", "json", "--",
                                       "sh", "-c", CHILD],
                            stdout=subprocess.PIPE, stderr=write_end)
    os.close(write_end)
    init = None
    try:
        init = wait_for(lambda: (children(proc.pid) or [None])[0], 10, "the namespace's PID 1")
        flags = proc.stdout.readline().split()
        assert flags[0] == b"flags:" and not int(flags[1], 8) & O_NONBLOCK, flags
        assert proc.stdout.readline() == b"spawned\n"
        # With the pipe full, every orphan must still be reaped.
        wait_for(lambda: not zombies_of(init), 60, "PID 1 to reap the orphans with stderr full",
                 interval=0.05)
        written = read_available(read_end)
        os.kill(init, 15)
        assert proc.wait(60) == 128 + 15
        written += read_available(read_end)
    finally:
        if proc.poll() is None:
            if init is not None:
                os.kill(init, 9)   # a wedged PID 1 would outlive unshare
            proc.kill()
            proc.wait(10)
        os.close(read_end)
    records = [json.loads(line) for line in written.decode().splitlines()]
    dropped = [r for r in records if r.get("cause") == "stderr_records_dropped"]
    assert len(dropped) == 1 and dropped[0]["dropped"] > 0, dropped
    assert records.index(dropped[0]) > 0
