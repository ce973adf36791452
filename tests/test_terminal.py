"""With a terminal, the child owns the foreground: Ctrl-C and Ctrl-Z act on it as on a shell's job."""

import re
import shlex
import sys

import pytest

from helpers.pid1 import UNSHARE
from helpers.terminal import Terminal, interactive_bash

# Prints its process group and the terminal's foreground group, then waits for ^C.
# Markers are spelled with "" so that the terminal's echo of a typed command never matches.
SHOW_GROUPS_THEN_WAIT = ('trap "echo got""-int; exit 5" INT; '
                         'set -- $(cut -d" " -f5,8 /proc/$$/stat); echo "pgrp=$1 fg=$2 pid=$$"; '
                         'echo rea""dy; while :; do sleep 0.05; done')


def groups(output):
    """{'pgrp', 'fg', 'pid'} from the child's line (which may follow a prompt)."""
    found = re.search(r"pgrp=(\d+) fg=(\d+) pid=(\d+)", output)
    assert found, output
    return dict(zip(("pgrp", "fg", "pid"), found.groups()))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("as_pid1", [False, True], ids=["subreaper", "pid1"])
def test_child_is_the_foreground_group_and_ctrl_c_reaches_it(pyinit, as_pid1):
    """The child leads its own process group, which holds the terminal; ^C ends it via its trap."""
    argv = [pyinit, "-s", "--", "sh", "-c", SHOW_GROUPS_THEN_WAIT]
    with Terminal(UNSHARE + argv if as_pid1 else argv) as term:
        fields = groups(term.read_until("ready"))
        assert fields["pgrp"] == fields["fg"] == fields["pid"], fields
        term.type("\x03")
        term.read_until("got-int")
        assert term.proc.wait(20) == 5


# The children a job-control test stops with ^Z must not fork while they wait: dash vforks
# `sleep`, and a vfork child stopped before its exec leaves dash in the kernel, unstoppable
# (a shell job hangs the same way without pyinit). Python waits without forking.
# It says when it is continued: pyinit gives it the terminal before it continues it, so from
# then on ^C reaches it (typed earlier, ^C would go to whoever held the terminal then).
WAIT_FOR_CTRL_C = (
    "import signal, sys\n"
    "def on_int(*_):\n"
    "    print('got' + '-int', flush=True); sys.exit(5)\n"
    "signal.signal(signal.SIGINT, on_int)\n"
    "signal.signal(signal.SIGCONT, lambda *_: print('conti' + 'nued', flush=True))\n"
    "print('rea' + 'dy', flush=True)\n"
    "while True: signal.pause()\n")
RUN_A_SECOND = "import time; print('rea' + 'dy', flush=True); time.sleep(1); print('fin' + 'ished')"


@pytest.mark.timeout(60)
def test_ctrl_z_stops_the_job_and_fg_continues_it(pyinit):
    """In an interactive shell ^Z stops the child and pyinit, the shell gets its prompt back;
    `fg` gives the terminal back to the child, which then still takes ^C."""
    with interactive_bash() as term:
        term.type("%s -s -- %s -c %s\n" % (pyinit, sys.executable, shlex.quote(WAIT_FOR_CTRL_C)))
        term.read_until("ready")
        term.type("\x1a")
        assert "Stopped" in term.read_until("PROMPT$ ")
        term.type("jobs -l\n")
        assert "Stopped" in term.read_until("PROMPT$ ")
        term.type("fg\n")
        term.read_until("continued")
        term.type("\x03")
        term.read_until("got-int")
        term.read_until("PROMPT$ ")
        term.type("echo rc=$?\n")
        assert "rc=5" in term.read_until("PROMPT$ ")


@pytest.mark.timeout(60)
def test_bg_continues_the_child_without_the_terminal(pyinit):
    """`bg` after ^Z: the child runs on in the background and finishes; the shell keeps the terminal."""
    with interactive_bash() as term:
        term.type("%s -s -- %s -c %s\n" % (pyinit, sys.executable, shlex.quote(RUN_A_SECOND)))
        term.read_until("ready")
        term.type("\x1a")
        term.read_until("PROMPT$ ")
        term.type("bg\n")
        term.read_until("PROMPT$ ")
        term.type("wait; echo waited=$?\n")
        assert "finished" in term.read_until("waited=0")


@pytest.mark.timeout(60)
def test_the_terminal_returns_to_the_shell_after_the_child_exits(pyinit):
    """A shell without job control (sh -c) can read its terminal again once pyinit is done."""
    script = '"$0" -s -- true; if read line; then echo "read-$line"; else echo read-failed; fi'
    with Terminal(["sh", "-c", script, pyinit]) as term:
        term.type("ok\n")
        assert term.read_until("read-", 20) and term.read_until("\n", 20).strip() == "ok"


@pytest.mark.timeout(60)
def test_a_background_pyinit_does_not_take_the_terminal(pyinit):
    """`pyinit ... &` in an interactive shell leaves the foreground to the shell."""
    with interactive_bash() as term:
        term.type("%s -s -- sh -c %s &\n" % (pyinit, shlex.quote(SHOW_GROUPS_THEN_WAIT)))
        fields = groups(term.read_until("ready"))
        assert fields["fg"] != fields["pgrp"], fields
        term.type("kill %1; wait\n")
        term.read_until("PROMPT$ ")
