"""Under runc with Docker's default capabilities: `runc exec ... pyinit --events` reads PID 1's
flight recorder, a stalled `runc kill TERM` is explained, and the exit reaches the termination log."""

import json
import subprocess
import time

import pytest

from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import DEFAULT_DEADLINE, sh

CAP_SYS_PTRACE = 1 << 19

PATIENT = """
trap 'echo usr > %(m)s/usr' USR1 USR2
touch %(m)s/ready
while :; do sleep 3600 & wait $!; done
""" % {"m": MARKERS}


def runc_exec(container, script):
    """`docker exec CTR sh -c SCRIPT`: the container's own process settings, capabilities included."""
    command = container.runc.command("exec", container.id, "/bin/sh", "-c", script)
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=DEFAULT_DEADLINE)


@pytest.mark.timeout(120)
def test_runc_exec_reads_the_signals_and_their_senders(containers, pyinit):
    """runc kill USR1 (from outside) and kill -USR2 1 from a runc exec'd shell both appear in
    `pyinit --events`, run by that shell without CAP_SYS_PTRACE."""
    container = containers.run(sh(PATIENT))
    container.wait_for_marker("ready")
    container.kill("USR1")
    container.wait_for_marker("usr")
    result = runc_exec(container, "grep CapEff /proc/self/status; kill -USR2 1; echo \"me $$\"; "
                                  "sleep 0.5; exec %s --report-format json --events" % pyinit)
    assert result.returncode == 0, result.stderr + container.describe()
    caps = int(result.stdout.split("CapEff:")[1].split()[0], 16)
    assert not caps & CAP_SYS_PTRACE
    me = int(result.stdout.split("me ")[1].split()[0])
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    signals = [(e["signal"], e["sender_pid"]) for e in events if e["event"] == "signal"
               and e["signal"] in ("SIGUSR1", "SIGUSR2")]
    assert signals == [("SIGUSR1", 0), ("SIGUSR2", me)], events
    outside = next(e for e in events if e["event"] == "signal" and e["signal"] == "SIGUSR1")
    assert "outside this PID namespace" in outside["sender"]


@pytest.mark.timeout(120)
def test_runc_kill_term_to_a_shell_wrapper_is_explained(containers):
    """runc kill TERM to `sh -c 'trap ... TERM; sleep; true'`: stop_stalled, cause shell_wrapper."""
    script = "trap 'exit 0' TERM; touch %s/ready; sleep 1000; true" % MARKERS
    container = containers.run(sh(script), env={"PYINIT_STOP_REPORT_AFTER": "1",
                                                "PYINIT_REPORT_FORMAT": "json"})
    container.wait_for_marker("ready")
    # A TERM before the shell forked `sleep` would run its trap at once: wait for the sleep.
    end = time.monotonic() + DEFAULT_DEADLINE
    while len(container.runc.host_pids(container.id)) < 3:
        assert time.monotonic() < end, container.describe()
        time.sleep(0.05)
    container.kill("TERM")
    end = time.monotonic() + DEFAULT_DEADLINE
    while '"stop_stalled"' not in container.stderr:
        assert time.monotonic() < end, container.describe()
        time.sleep(0.05)
    record = next(json.loads(line) for line in container.stderr.splitlines()
                  if '"stop_stalled"' in line)
    assert record["cause"] == "shell_wrapper", record
    container.kill("KILL")
    assert container.wait() == 137


@pytest.mark.timeout(120)
def test_termination_log_holds_the_exit_explanation(containers):
    """PYINIT_TERMINATION_LOG=/markers/termination-log: a child exiting 3 leaves its exit record."""
    container = containers.run(sh("exit 3"),
                               env={"PYINIT_TERMINATION_LOG": MARKERS + "/termination-log"})
    assert container.wait() == 3, container.describe()
    record = json.loads(container.marker("termination-log").read_text())
    assert (record["event"], record["reason"], record["exit_code"]) == ("exit", "exited", 3)
