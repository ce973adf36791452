"""The stop watchdog speaks only about a stop that stalls, and not at all when turned off."""

import os
import time

import pytest

from helpers.lifecycle import CHILDREN, Records, records_of
from helpers.pid1 import Namespace
from helpers.recorder import LineReader


def run_and_term(pyinit, args, child, env=None, wait_after_term=3.0):
    with Namespace(pyinit, ["--report-format", "json"] + args + ["--"] + child,
                   env=env) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        ns.kill(15)
        time.sleep(wait_after_term)
        ns.kill(9)
        _, _, err = ns.wait()
    return err.decode()


@pytest.mark.timeout(60)
def test_zero_turns_the_watchdog_off(pyinit):
    """--stop-report-after 0: a child ignoring SIGTERM for 3 s gets no stop_stalled record."""
    err = run_and_term(pyinit, ["--stop-report-after", "0"], CHILDREN["ignored"])
    assert records_of(err, "stop_stalled") == [], err


@pytest.mark.timeout(60)
def test_environment_variable_sets_the_delay(pyinit):
    """PYINIT_STOP_REPORT_AFTER=0.5 reports a stall without the flag."""
    env = dict(os.environ, PYINIT_STOP_REPORT_AFTER="0.5")
    with Namespace(pyinit, ["--report-format", "json", "--"] + CHILDREN["ignored"], env=env) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        records = Records(ns.proc.stderr)
        ns.kill(15)
        assert records.wait_for("stop_stalled", 15)["cause"] == "ignored"


@pytest.mark.timeout(60)
def test_child_that_exits_on_term_gets_no_record(pyinit):
    """A child that dies of SIGTERM at once: its exit is explained, no stall is reported."""
    with Namespace(pyinit, ["--report-format", "json", "--stop-report-after", "0.5", "--",
                            "sh", "-c", "echo ready; exec sleep 1000"]) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        time.sleep(0.2)   # sh has exec'd sleep
        ns.kill(15)
        code, _, err = ns.wait(30)
    err = err.decode()
    assert code == 143, err
    assert records_of(err, "stop_stalled") == [], err
    assert records_of(err, "exit")[0]["reason"] == "signaled", err


@pytest.mark.timeout(60)
def test_after_its_report_the_watchdog_leaves_no_timer(pyinit):
    """Once stop_stalled is written, pyinit sleeps without a timeout again: no wakeups."""
    from test_idle import wakeups_and_cpu
    with Namespace(pyinit, ["--report-format", "json", "--stop-report-after", "0.5", "--"]
                   + CHILDREN["ignored"]) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        records = Records(ns.proc.stderr)
        ns.kill(15)
        records.wait_for("stop_stalled", 15)
        time.sleep(0.3)
        before = wakeups_and_cpu(ns.init_pid)
        time.sleep(2)
        after = wakeups_and_cpu(ns.init_pid)
    assert after == before
