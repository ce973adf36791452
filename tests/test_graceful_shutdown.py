"""When the main child exits, what it left behind gets SIGTERM, a grace period, then SIGKILL."""

import json
import os
import shlex
import subprocess
import sys
import time

import pytest

from helpers.pid1 import UNSHARE, Namespace, wait_for
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
def test_grace_zero_exits_at_once_like_tini(pyinit, tmp_path):
    """--grace 0: leftovers get no SIGTERM at all; the kernel kills them when PID 1 exits."""
    marker = tmp_path / "got-term"
    orphan = ('(trap "echo term > %s; exit 0" TERM; while :; do sleep 0.05; done) & '
              'sleep 0.2; exit 4' % marker)
    result = run_pid1(pyinit, ["--grace", "0", "--", "sh", "-c", orphan])
    assert result.returncode == 4
    assert not marker.exists()


@pytest.mark.timeout(60)
def test_default_grace_is_three_seconds(pyinit):
    """Without --grace or PYINIT_GRACE the shutdown announces a 3000 ms grace period."""
    result = run_pid1(pyinit, ["-v", "--report-format", "json", "--", "sh", "-c",
                               "(sleep 100 &); exit 0"])
    assert result.returncode == 0, result.stderr
    shutdowns = [json.loads(line) for line in result.stderr.splitlines() if '"shutdown"' in line]
    assert [(r["phase"], r["grace_ms"]) for r in shutdowns] == [("grace", 3000)], result.stderr


@pytest.mark.timeout(60)
def test_stopped_orphan_is_continued_so_it_can_act_on_term(pyinit, tmp_path):
    """A SIGSTOPped leftover gets SIGCONT with its SIGTERM, and its trap still runs."""
    marker = tmp_path / "flushed"
    script = ('sh -c \'trap "echo flushed > %s; exit 0" TERM; while :; do sleep 0.05; done\' & '
              'worker=$!; sleep 0.2; kill -STOP $worker; exit 6' % marker)
    result = run_pid1(pyinit, ["--grace", "10", "--", "sh", "-c", script])
    assert result.returncode == 6, result.stderr
    assert marker.read_text().strip() == "flushed"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("second", [15, 2], ids=["SIGTERM", "SIGINT"])
def test_second_stop_signal_does_not_cut_the_grace_short(pyinit, tmp_path, second):
    """A second SIGTERM or a SIGINT during the grace period is consumed; the slow orphan finishes."""
    marker = tmp_path / "finished"
    orphan = ('(trap "sleep 1; echo done > %s; exit 0" TERM; echo ready; '
              'while :; do sleep 0.05; done) & wait' % marker)
    with Namespace(pyinit, ["--grace", "10", "--", "sh", "-c", orphan]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda l: l == "ready", 20)
        ns.kill(15)   # main child (sh) dies of it; the orphan gets TERM from the shutdown
        time.sleep(0.3)
        ns.kill(second)
        code, _, err = ns.wait(30)
    assert code == 143, err
    assert marker.read_text().strip() == "done"


@pytest.mark.timeout(60)
def test_processes_docker_exec_started_get_the_grace_too(pyinit, tmp_path):
    """As PID 1, a process that entered the namespace (docker exec, nsenter) is not pyinit's
    child, yet it is part of the container: it gets SIGTERM and the grace period."""
    go, ready, marker = tmp_path / "go", tmp_path / "ready", tmp_path / "flushed"
    main = "while [ ! -e %s ]; do sleep 0.02; done; exit 4" % go
    entered = ('trap "sleep 0.5; echo flushed > %s; exit 0" TERM; touch %s; '
               'while :; do sleep 0.05; done' % (marker, ready))
    with Namespace(pyinit, ["--grace", "10", "--", "sh", "-c", main]) as ns:
        ns.child_pid()
        visitor = subprocess.Popen(["nsenter", "-t", str(ns.init_pid), "-p", "sh", "-c", entered])
        try:
            wait_for(ready.exists, 20, "the entered process to start")
            go.touch()
            code, _, err = ns.wait(30)
        finally:
            visitor.wait(10)
    assert code == 4, err
    assert marker.read_text().strip() == "flushed"


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


# Outside a namespace's PID 1 (here pyinit is PID 2 of a namespace whose PID 1 is sh): a
# loop that ignores TERM and keeps forking, and a census of live `sleep`s after pyinit exits.
FORK_LOOP = '( trap "" TERM; while :; do sleep 30 & sleep 0.002; done ) & sleep 0.3; exit 9'
LIVE_SLEEPS = r'''
import os
live = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open("/proc/%s/stat" % pid).read()
    except OSError:
        continue
    name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2]
    live += name == "sleep" and state != "Z"
print("live sleeps", live)
'''


@pytest.mark.timeout(60)
def test_subreaper_kills_what_forks_while_it_walks_the_tree(pyinit):
    """SIGKILL is repeated until no descendant is left: a fork during the /proc walk survives nothing."""
    outer = "%s -s --grace 1 -- sh -c %s; echo pyinit $?; %s -c %s" % (
        pyinit, shlex.quote(FORK_LOOP), sys.executable, shlex.quote(LIVE_SLEEPS))
    result = subprocess.run(UNSHARE + ["sh", "-c", outer], capture_output=True, text=True, timeout=50)
    assert "pyinit 9" in result.stdout, (result.stdout, result.stderr)
    assert "live sleeps 0" in result.stdout, (result.stdout, result.stderr)


@pytest.mark.timeout(60)
def test_subreaper_signals_nothing_when_proc_is_another_namespaces(pyinit, tmp_path):
    """With the host's /proc in a new PID namespace, pids read there are not ours: no
    leftover walk, a warning instead, and no process of the namespace gets SIGTERM."""
    record = tmp_path / "signalled"
    bystander = 'trap "echo TERM >> %s" TERM; sleep 4 & wait $!' % record
    outer = ("%s -s --grace 1 -- sh -c '(sleep 3 &); sleep 0.6; exit 0' 2>%s/err & "
             "sleep 0.2; for i in 1 2 3 4 5; do sh -c %s & done; wait"
             % (pyinit, tmp_path, shlex.quote(bystander)))
    subprocess.run(["unshare", "--pid", "--fork", "sh", "-c", outer], timeout=50)
    assert not record.exists(), record.read_text()
    assert "leftovers_not_signalled" in (tmp_path / "err").read_text()
