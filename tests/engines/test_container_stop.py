"""`docker stop` / `podman stop` (SIGTERM, SIGKILL after the timeout) of pyinit as ENTRYPOINT,
side by side with the engine's own `--init` (tini for Docker, catatonit for podman)."""

import concurrent.futures

import pytest

from engine_checks import host_pid, timed_stop, wait_for_log, wait_until_settled

INITS = ("pyinit", "--init")
SLEEPER = ["sh", "-c", "sleep 1000"]


def start(engine, name, image, init, command):
    flags = engine.init_flags if init == "--init" else []
    engine.cli.ok("run", "-d", "--network=none", "--name", name, *flags, image, *command)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_app_that_handles_term_exits_with_its_own_code(engine, container_name, init):
    """The app's SIGTERM handler runs and its exit code 0 is the container's, with no SIGKILL."""
    name = container_name("handles-term")
    start(engine, name, engine.app, init, ["/app/app.py"])
    wait_for_log(engine.cli, name, "app: ready")
    code, elapsed = timed_stop(engine.cli, name)
    assert code == 0, "exit %d after %.1fs" % (code, elapsed)
    assert "app: got SIGTERM" in engine.cli.ok("logs", name)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_shell_sleep_dies_of_term(engine, container_name, init):
    """`sh -c 'sleep 1000'` has no TERM handler: it dies of the forwarded SIGTERM, exit 143."""
    name = container_name("sleep")
    start(engine, name, engine.app, init, SLEEPER)
    wait_until_settled(host_pid(engine.cli, name),
                       lambda procs: any(cmd == "sleep" for _, _, cmd in procs))
    code, elapsed = timed_stop(engine.cli, name)
    assert code == 143, "exit %d after %.1fs (137: SIGTERM was lost, SIGKILL ended it)" % (
        code, elapsed)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_app_ignoring_term_is_killed_at_the_timeout(engine, container_name, init):
    """An app that ignores SIGTERM runs until the engine's SIGKILL: exit 137, nothing hangs."""
    name = container_name("ignores-term")
    start(engine, name, engine.programs, init, ["/app/ignore_term.py"])
    wait_for_log(engine.cli, name, "app: ready")
    code, elapsed = timed_stop(engine.cli, name, seconds=3)
    assert code == 137, "exit %d after %.1fs" % (code, elapsed)
    assert elapsed >= 2.5, "stopped after %.1fs: the app was meant to ignore SIGTERM" % elapsed


@pytest.mark.timeout(400)
def test_stop_right_after_run_is_never_lost(engine, container_name):
    """Ten `run -d` each followed at once by `stop`: every one exits 143, none 137."""
    names = [container_name("immediate") for _ in range(10)]

    def run_and_stop(name):
        start(engine, name, engine.app, "pyinit", SLEEPER)
        return timed_stop(engine.cli, name)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run_and_stop, names))
    lost = [(code, round(elapsed, 1)) for code, elapsed in results if code != 143]
    assert not lost, "stops not ending in 143 (exit code, seconds): %s of %s" % (lost, results)
