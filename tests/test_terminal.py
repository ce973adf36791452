"""With a terminal on stdin, the child owns the foreground: Ctrl-C reaches it, not pyinit."""

import fcntl
import os
import select
import subprocess
import termios
import time

import pytest


def read_until(fd, marker, timeout):
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("timed out waiting for %r; got %r" % (marker, seen))
        if select.select([fd], [], [], left)[0]:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


@pytest.mark.timeout(60)
def test_child_is_the_foreground_group_and_ctrl_c_reaches_it(pyinit):
    """The child leads its own process group, which holds the terminal; ^C ends it via its trap."""
    master, slave = os.openpty()

    def controlling_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    script = ('trap "echo got-int; exit 0" INT; '
              'set -- $(cut -d" " -f5,8 /proc/$$/stat); echo "pgrp=$1 fg=$2 pid=$$"; '
              'echo ready; while :; do sleep 0.05; done')
    proc = subprocess.Popen([pyinit, "-s", "--", "sh", "-c", script], stdin=slave, stdout=slave,
                            stderr=slave, start_new_session=True, preexec_fn=controlling_terminal)
    os.close(slave)
    try:
        seen = read_until(master, b"ready", 20)
        line = [l for l in seen.decode().splitlines() if l.startswith("pgrp=")][0]
        fields = dict(part.split("=") for part in line.split())
        assert fields["pgrp"] == fields["fg"] == fields["pid"], line
        os.write(master, b"\x03")
        read_until(master, b"got-int", 20)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
