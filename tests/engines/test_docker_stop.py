"""`docker stop` (SIGTERM, SIGKILL after the timeout) of pyinit as ENTRYPOINT and of `docker run --init`."""

import concurrent.futures

import pytest

from engine_checks import host_pid, timed_stop, wait_for_log, wait_until_settled

# How the image's command is started: pyinit is the image's ENTRYPOINT; `--init` is tini.
INITS = {"pyinit": [], "docker --init": ["--init", "--entrypoint="]}
SLEEPER = ["sh", "-c", "sleep 1000"]


def start(docker, name, image, init, command, *flags):
    docker.ok("run", "-d", "--network=none", "--name", name, *INITS[init], *flags, image,
              *command)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_app_that_handles_term_exits_with_its_own_code(docker, app_image, container_name, init):
    """The app's SIGTERM handler runs and its exit code 0 is the container's, with no SIGKILL."""
    name = container_name("handles-term")
    start(docker, name, app_image, init, ["/app/app.py"])
    wait_for_log(docker, name, "app: ready")
    code, elapsed = timed_stop(docker, name)
    assert code == 0, "exit %d after %.1fs" % (code, elapsed)
    assert "app: got SIGTERM" in docker.ok("logs", name)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_shell_sleep_dies_of_term(docker, app_image, container_name, init):
    """`sh -c 'sleep 1000'` has no TERM handler: it dies of the forwarded SIGTERM, exit 143."""
    name = container_name("sleep")
    start(docker, name, app_image, init, SLEEPER)
    wait_until_settled(host_pid(docker, name),
                       lambda procs: any(cmd == "sleep" for _, _, cmd in procs))
    code, elapsed = timed_stop(docker, name)
    assert code == 143, "exit %d after %.1fs (137: SIGTERM was lost, SIGKILL ended it)" % (
        code, elapsed)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_app_ignoring_term_is_killed_at_the_timeout(docker, test_image, container_name, init):
    """An app that ignores SIGTERM runs until docker's SIGKILL: exit 137, the init does not hang."""
    name = container_name("ignores-term")
    start(docker, name, test_image, init, ["/app/ignore_term.py"])
    wait_for_log(docker, name, "app: ready")
    code, elapsed = timed_stop(docker, name, seconds=3)
    assert code == 137, "exit %d after %.1fs" % (code, elapsed)
    assert elapsed >= 2.5, "stopped after %.1fs: the app was meant to ignore SIGTERM" % elapsed


@pytest.mark.timeout(400)
def test_stop_right_after_run_is_never_lost(docker, app_image, container_name):
    """Ten `docker run -d` each followed at once by `docker stop`: every one exits 143, none 137."""
    names = [container_name("immediate") for _ in range(10)]

    def run_and_stop(name):
        start(docker, name, app_image, "pyinit", SLEEPER)
        return timed_stop(docker, name)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run_and_stop, names))
    lost = [(code, round(elapsed, 1)) for code, elapsed in results if code != 143]
    assert not lost, "stops not ending in 143 (exit code, seconds): %s of %s" % (lost, results)
