"""`docker exec CTR sh -c 'sleep 1 & exit'` leaves an orphan: the container's init must reap it."""

import pytest

from engine_checks import host_pid, wait_for_log, wait_until_settled

EXECS = 5
INITS = {"pyinit": [], "docker --init": ["--init", "--entrypoint="]}


def exec_orphans(docker, name):
    for _ in range(EXECS):
        docker.ok("exec", name, "sh", "-c", "sleep 1 & exit")


def leftovers(processes):
    return [p for p in processes if p[1] == "Z" or p[2] == "sleep"]


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_exec_orphans_are_reaped(docker, app_image, container_name, init):
    """Five exec'd shells each orphan a `sleep 1`: once they end, no zombie is left."""
    name = container_name("exec")
    docker.ok("run", "-d", "--network=none", "--name", name, *INITS[init], app_image,
              "/app/app.py")
    wait_for_log(docker, name, "app: ready")
    exec_orphans(docker, name)
    wait_until_settled(host_pid(docker, name), lambda procs: not leftovers(procs))


@pytest.mark.timeout(240)
def test_without_an_init_the_orphans_stay_zombies(docker, app_image, container_name):
    """The control: the app itself as PID 1 never waits for them, so five zombies stay."""
    name = container_name("exec-no-init")
    docker.ok("run", "-d", "--network=none", "--name", name, "--entrypoint=", app_image,
              "/app/app.py")
    wait_for_log(docker, name, "app: ready")
    exec_orphans(docker, name)
    processes = wait_until_settled(
        host_pid(docker, name),
        lambda procs: [p[1] for p in procs if p[2] == "sleep"] == ["Z"] * EXECS)
    assert len(leftovers(processes)) == EXECS
