"""A child still alive --stop-report-after seconds after SIGTERM gets one stop_stalled record
naming why: ignored, blocked, handled, stopped, or a shell waiting on its foreground command."""

import time

import pytest

from helpers import programs
from helpers.lifecycle import CHILDREN, Records
from helpers.pid1 import Namespace, children, wait_for
from helpers.recorder import LineReader

REPORT_AFTER = 1.0
# "Within --stop-report-after + 1 s" is the promise; the machine is shared, so the test
# allows more before it calls the record missing.
DEADLINE = REPORT_AFTER + 15


def stalled_record(pyinit, child, extra=(), command=None):
    args = ["--report-format", "json", "--stop-report-after", str(REPORT_AFTER)] + list(extra)
    with Namespace(pyinit, args + ["--"] + (command or CHILDREN[child])) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        pid = ns.child_pid()
        if child == "uninterruptible":
            wait_for(lambda: open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "D",
                     20, "the child to sleep in vfork")
        if child == "stopped":
            wait_for(lambda: open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "T",
                     20, "the child to stop itself")
        if child == "shell_wrapper":
            # A TERM before the shell forked its foreground command runs the trap at once.
            wait_for(lambda: children(pid), 20, "the shell to start its foreground command")
        records = Records(ns.proc.stderr)
        ns.kill(15)
        record = records.wait_for("stop_stalled", DEADLINE)
    return record


@pytest.mark.timeout(90)
@pytest.mark.parametrize("cause", ["ignored", "blocked", "handled", "stopped", "shell_wrapper"])
def test_stalled_stop_names_its_cause(pyinit, cause):
    """SIGTERM forwarded to a child that ignores/blocks/handles it, is stopped or is a trapping
    shell: the record names that cause, the signal, and a hint."""
    record = stalled_record(pyinit, cause)
    assert record["cause"] == cause, record
    assert record["signal"] == "SIGTERM" and record["sent"] == "SIGTERM", record
    assert record["waited_s"] >= REPORT_AFTER, record
    assert record["hint"], record


@pytest.mark.timeout(90)
def test_shell_wrapper_record_names_the_foreground_command_and_exec(pyinit):
    """The shell_wrapper hint names the command the shell waits for and the exec fix."""
    record = stalled_record(pyinit, "shell_wrapper")
    assert any("(sleep)" in child for child in record["children"]), record
    assert "exec" in record["hint"], record


@pytest.mark.timeout(90)
def test_dropped_term_is_named(pyinit):
    """--rewrite TERM:0 means the child never got it: cause dropped."""
    record = stalled_record(pyinit, "handled", ["--rewrite", "TERM:0"])
    assert record["cause"] == "dropped" and record["sent"] is None, record


@pytest.mark.timeout(90)
def test_only_one_record_per_stop(pyinit):
    """A second SIGTERM after the report makes no second stop_stalled record."""
    args = ["--report-format", "json", "--stop-report-after", "0.5", "--"] + CHILDREN["ignored"]
    with Namespace(pyinit, args) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        records = Records(ns.proc.stderr)
        ns.kill(15)
        records.wait_for("stop_stalled", 15)
        ns.kill(15)
        time.sleep(2)
        ns.kill(9)
        _, _, err = ns.wait()
    assert err.count(b'"stop_stalled"') == 0   # nothing after the first one, which was read
    assert [r["event"] for r in records.all()].count("stop_stalled") == 1


@pytest.mark.timeout(90)
def test_uninterruptible_sleep_names_where_it_waits(pyinit, build_dir):
    """A child asleep in the kernel (state D, a vfork parent): cause uninterruptible, wchan."""
    waiter = programs.compile_program("vfork_waiter", build_dir)
    record = stalled_record(pyinit, "uninterruptible", command=[waiter])
    assert record["cause"] == "uninterruptible", record
    assert record["state"].startswith("D"), record
    assert record.get("wchan") and record["wchan"] in record["hint"], record
