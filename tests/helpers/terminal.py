"""A program on a pseudo-terminal that is its controlling terminal, driven by what it prints."""

import fcntl
import os
import select
import subprocess
import termios
import time

from helpers.proc_tree import host_processes


def session_members(sid):
    """Pids of the processes whose session is sid (field 6 of /proc/PID/stat)."""
    return [pid for pid, _, fields in host_processes() if int(fields[3]) == sid]


class Terminal:
    """argv as session leader of a new pty: write keys, read until a marker appears."""

    def __init__(self, argv, env=None):
        self.master, slave = os.openpty()

        def take_controlling_terminal():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, preexec_fn=take_controlling_terminal)
        os.close(slave)
        self.unread = b""

    def type(self, text):
        os.write(self.master, text.encode() if isinstance(text, str) else text)

    def read_until(self, marker, timeout=20):
        """Everything up to and including marker (bytes or str); the rest stays unread."""
        marker = marker.encode() if isinstance(marker, str) else marker
        deadline = time.monotonic() + timeout
        while marker not in self.unread:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; got %r" % (marker, self.unread[-500:]))
            if select.select([self.master], [], [], left)[0]:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:   # EIO: every writer of the pty is gone
                    chunk = b""
                if not chunk:
                    raise AssertionError("terminal closed waiting for %r; got %r" % (marker, self.unread))
                self.unread += chunk
        end = self.unread.index(marker) + len(marker)
        seen, self.unread = self.unread[:end], self.unread[end:]
        return seen.decode(errors="replace")

    def close(self):
        # Jobs of an interactive shell sit in process groups of their own: after a failed
        # test, kill the whole session, not just its leader.
        for pid in session_members(self.proc.pid):
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def interactive_bash():
    """bash -i with job control on and a prompt that is easy to wait for. Without readline
    (--noediting) bash reads whole lines in the terminal's cooked mode: readline switching
    modes around a stopped job can drop a key typed ahead at the prompt."""
    env = dict(os.environ, PS1="PROMPT$ ", TERM="dumb")
    term = Terminal(["bash", "--norc", "--noprofile", "--noediting", "-i"], env=env)
    term.read_until("PROMPT$ ")
    return term
