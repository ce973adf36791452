"""Ported from dumb-init (tty_test.py): with a terminal, the child can read and write it and
gets it as its controlling terminal (job control works in an interactive shell); a SIGHUP
is forwarded, not swallowed (pyinit opens no new session, so no terminal hand-off signals
arise that would need ignoring)."""

import os
import shutil

import pytest

from helpers.debian import ensure_packages
from helpers.pid1 import children, wait_for
from helpers.terminal import Terminal


@pytest.mark.timeout(60)
def test_child_reads_and_writes_the_terminal(pyinit):
    """`pyinit tac`: lines typed, then EOF, come back reversed."""
    with Terminal([pyinit, "-s", "--", "tac"]) as term:
        term.type("1\n2\n3\n")
        term.type("\x04")
        term.read_until("3\r\n2\r\n1\r\n")
        assert term.proc.wait(20) == 0


@pytest.mark.timeout(60)
def test_interactive_shell_gets_job_control(pyinit):
    """`pyinit bash -m`: the shell's flags include m (monitor mode works: it owns the terminal)."""
    if not shutil.which("bash"):
        ensure_packages("bash")
    env = dict(os.environ, PS1="$ ", TERM="dumb")
    with Terminal([pyinit, "-s", "--", "bash", "--norc", "--noprofile", "-m"], env=env) as term:
        term.type('echo "flags are: [[$-]]"\n')
        line = term.read_until("]]\r\n")
        flags = line[line.rindex("[[") + 2:line.rindex("]]")]
        term.type("exit 0\n")
        assert term.proc.wait(20) == 0
    assert "m" in flags, line


@pytest.mark.timeout(60)
def test_sighup_is_forwarded(pyinit):
    """pyinit as session leader with a terminal: SIGHUP ends the child, exit 129."""
    with Terminal([pyinit, "-s", "--", "sleep", "30"]) as term:
        wait_for(lambda: children(term.proc.pid), 10, "the child")
        os.kill(term.proc.pid, 1)
        assert term.proc.wait(20) == 129
