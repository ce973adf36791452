"""What `docker logs` says after the start (issue 15 point 4): why a stop stalls, and that the
OOM killer, not the engine, ended the app under `--memory`."""

import json

import pytest

from engine_checks import timed_stop, wait_for_exit, wait_for_log

# Writes every page of 256 MiB: far above the 64 MiB limit, whatever the interpreter's own size.
HOG = ["python3", "-c", "import time; hog = b'x' * (256 << 20); time.sleep(60)"]


def records(cli, name, event):
    done = cli.run("logs", name)
    lines = (done.stdout + done.stderr).splitlines()
    return [r for r in (json.loads(line) for line in lines if line.startswith("{"))
            if r.get("event") == event]


@pytest.mark.timeout(240)
def test_stop_of_an_app_ignoring_term_is_explained(engine, container_name):
    """A stop that the app ignores: before the engine's SIGKILL, a stop_stalled record says
    the app ignores SIGTERM and how to fix it."""
    name = container_name("stalled")
    engine.cli.ok("run", "-d", "--network=none", "--name", name, "-e",
                  "PYINIT_STOP_REPORT_AFTER=1", engine.programs, "/app/ignore_term.py")
    wait_for_log(engine.cli, name, "app: ready")
    code, _ = timed_stop(engine.cli, name, seconds=5)
    assert code == 137
    (stalled,) = records(engine.cli, name, "stop_stalled")
    assert stalled["cause"] == "ignored" and stalled["signal"] == "SIGTERM", stalled
    assert "SIGTERM" in stalled["hint"], stalled


@pytest.mark.timeout(240)
def test_oom_killed_app_is_named_in_the_exit_record(engine, container_name):
    """Under --memory 64m the OOM killer takes the app, not pyinit: exit 137, reason oom_killed."""
    name = container_name("oom")
    engine.cli.ok("run", "-d", "--network=none", "--name", name, "--memory", "64m",
                  "--memory-swap", "64m", engine.app, *HOG)
    assert wait_for_exit(engine.cli, name, timeout=120) == 137
    (exit_record,) = records(engine.cli, name, "exit")
    assert exit_record["reason"] == "oom_killed", exit_record
