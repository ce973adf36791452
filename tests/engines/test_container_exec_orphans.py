"""`docker exec CTR sh -c 'sleep 1 & exit'` (or podman exec) leaves an orphan: the container's init
must reap it."""

import pytest

from engine_checks import host_pid, wait_for_log, wait_until_settled

EXECS = 5
INITS = ("pyinit", "--init")


def exec_orphans(cli, name):
    for _ in range(EXECS):
        cli.ok("exec", name, "sh", "-c", "sleep 1 & exit")


def leftovers(processes):
    return [p for p in processes if p[1] == "Z" or p[2] == "sleep"]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_exec_orphans_are_reaped(engine, container_name, init):
    """Five exec'd shells each orphan a `sleep 1`: once they end, no zombie is left."""
    name = container_name("exec")
    flags = engine.init_flags if init == "--init" else []
    engine.cli.ok("run", "-d", "--network=none", "--name", name, *flags, engine.app,
                  "/app/app.py")
    wait_for_log(engine.cli, name, "app: ready")
    exec_orphans(engine.cli, name)
    wait_until_settled(host_pid(engine.cli, name), lambda procs: not leftovers(procs))


@pytest.mark.timeout(240)
def test_without_an_init_the_orphans_stay_zombies(engine, container_name):
    """The control: the app itself as PID 1 never waits for them, so five zombies stay."""
    name = container_name("exec-no-init")
    engine.cli.ok("run", "-d", "--network=none", "--name", name, "--entrypoint=", engine.app,
                  "/app/app.py")
    wait_for_log(engine.cli, name, "app: ready")
    exec_orphans(engine.cli, name)
    processes = wait_until_settled(
        host_pid(engine.cli, name),
        lambda procs: [p[1] for p in procs if p[2] == "sleep"] == ["Z"] * EXECS)
    assert len(leftovers(processes)) == EXECS
