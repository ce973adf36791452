"""`-e PYINIT_VERBOSITY=1`: the trace of a `docker stop` is readable in `docker logs` (podman too)."""

import json

import pytest

from engine_checks import timed_stop, wait_for_log


@pytest.mark.timeout(240)
def test_stop_is_traced_in_the_logs(engine, container_name):
    """The logs show SIGTERM arriving from outside, forwarded to the app, the app reaped, exit 0."""
    name = container_name("trace")
    engine.cli.ok("run", "-d", "--network=none", "--name", name, "-e", "PYINIT_VERBOSITY=1",
                  engine.app)
    wait_for_log(engine.cli, name, "app: ready")
    code, _ = timed_stop(engine.cli, name)
    assert code == 0
    done = engine.cli.run("logs", name)
    events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    by_kind = {}
    for event in events:
        by_kind.setdefault(event["event"], []).append(event)
    (term,) = [e for e in by_kind["signal"] if e["signal"] == "SIGTERM"]
    assert term["sender_pid"] == 0, term          # sent from outside the PID namespace
    (forward,) = by_kind["forward"]
    assert forward["signal"] == "SIGTERM" and forward["result"] == "ok", forward
    assert by_kind["child_exit"][0]["exit_code"] == 0
    assert by_kind["exit"] == [dict(by_kind["exit"][0], exit_code=0)]
