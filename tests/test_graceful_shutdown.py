"""When the main child exits, what it left behind gets SIGTERM, a grace period, then SIGKILL."""

import os
import subprocess
import time

import pytest

from helpers.pid1 import Namespace
from helpers.recorder import LineReader
from helpers.run import run_pid1, run_plain


@pytest.mark.timeout(60)
def test_orphan_that_traps_term_is_given_time_to_finish(pyinit, tmp_path):
    """An orphan's TERM trap writes its marker before pyinit exits with the child's code."""
    marker = tmp_path / "flushed"
    orphan = '(trap "echo flushed > %s; exit 0" TERM; while :; do sleep 0.05; done) &' % marker
    result = run_pid1(pyinit, ["--grace", "10", "--", "sh", "-c", orphan + " sleep 0.2; exit 7"])
    assert result.returncode == 7, result.stderr
    assert marker.read_text().strip() == "flushed"


@pytest.mark.timeout(60)
def test_orphan_that_ignores_term_is_killed_after_the_grace(pyinit):
    """An orphan ignoring TERM is SIGKILLed after --grace; the exit code is still the child's."""
    orphan = '(trap "" TERM; sleep 100) & sleep 0.2; exit 5'
    started = time.monotonic()
    result = run_pid1(pyinit, ["--grace", "1", "--", "sh", "-c", orphan])
    took = time.monotonic() - started
    assert result.returncode == 5, result.stderr
    assert 1.0 <= took < 20, took


@pytest.mark.timeout(60)
def test_grace_zero_exits_at_once_like_tini(pyinit):
    """--grace 0: no waiting for a TERM-ignoring orphan (the kernel kills the namespace)."""
    orphan = '(trap "" TERM; sleep 100) & exit 4'
    started = time.monotonic()
    result = run_pid1(pyinit, ["--grace", "0", "--", "sh", "-c", orphan])
    assert result.returncode == 4
    assert time.monotonic() - started < 10


@pytest.mark.timeout(60)
def test_second_sigterm_does_not_cut_the_grace_short(pyinit, tmp_path):
    """A second SIGTERM during the grace period is consumed; the slow orphan still finishes."""
    marker = tmp_path / "finished"
    orphan = ('(trap "sleep 1; echo done > %s; exit 0" TERM; echo ready; '
              'while :; do sleep 0.05; done) & wait' % marker)
    with Namespace(pyinit, ["--grace", "10", "--", "sh", "-c", orphan]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l == "ready", 20)
        ns.kill(15)   # main child (sh) dies of it; the orphan gets TERM from the shutdown
        time.sleep(0.3)
        ns.kill(15)
        code, _, err = ns.wait(30)
    assert code == 143, err
    assert marker.read_text().strip() == "done"


@pytest.mark.timeout(60)
def test_subreaper_never_signals_an_unrelated_process(pyinit, recorder):
    """As a subreaper outside a namespace only pyinit's own descendants are stopped."""
    bystander = subprocess.Popen([recorder], stdout=subprocess.PIPE)
    out = LineReader(bystander.stdout)
    try:
        out.read_until(lambda l: l.startswith("ready"), 20)
        orphan = '(trap "" TERM; sleep 100) & echo $! ; exit 0'
        result = run_plain(pyinit, ["-s", "--grace", "1", "--", "sh", "-c", orphan])
        assert result.returncode == 0, result.stderr
        orphan_pid = int(result.stdout.split()[0])
        assert not os.path.exists("/proc/%d" % orphan_pid) or \
            open("/proc/%d/stat" % orphan_pid).read().split(") ")[1][0] == "Z"
        assert bystander.poll() is None
        assert out.signals() == []
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.timeout(30)
def test_sigterm_to_a_waiting_shell_exits_within_a_second(pyinit):
    """The issue's `done when`: sh waiting on a background sleep, TERM, exit 0 promptly."""
    script = 'trap "exit 0" TERM; sleep 100 & wait'
    with Namespace(pyinit, ["--", "sh", "-c", script]) as ns:
        ns.child_pid()
        time.sleep(0.3)
        started = time.monotonic()
        ns.kill(15)
        code, _, err = ns.wait(10)
        took = time.monotonic() - started
    assert code == 0, err
    assert took < 1.0, took
