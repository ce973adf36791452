"""What the engine tests look at: container logs, exit codes, and the container's processes as
the host's /proc shows them (the images have no ps)."""

import os
import time


def wait_for_log(cli, name, text, timeout=60):
    """The container's combined log once it contains `text`; fails naming what was seen."""
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        done = cli.run("logs", name, timeout=60)
        seen = done.stdout + done.stderr
        if text in seen:
            return seen
        time.sleep(0.2)
    raise AssertionError("%r not in the logs of %s within %ds:\n%s" % (text, name, timeout, seen))


def wait_for_exit(cli, name, timeout=60):
    """The container's exit code once it has stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = cli.state(name)
        if not state["Running"]:
            return state["ExitCode"]
        time.sleep(0.2)
    raise AssertionError("%s still running after %ds" % (name, timeout))


def timed_stop(cli, name, seconds=10):
    """`docker stop -t SECONDS`: (exit code, elapsed seconds)."""
    start = time.monotonic()
    cli.ok("stop", "-t", seconds, name, timeout=seconds + 120)
    elapsed = time.monotonic() - start
    return cli.state(name)["ExitCode"], elapsed


def host_pid(cli, name):
    return int(cli.inspect(name, "{{.State.Pid}}"))


def namespace_processes(pid1):
    """[(host pid, state letter, command)] of every process in the PID namespace of host
    process `pid1` (the container's init), read from the host's /proc."""
    namespace = os.readlink("/proc/%d/ns/pid" % pid1)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/ns/pid" % entry) != namespace:
                continue
            with open("/proc/%s/stat" % entry) as handle:
                stat = handle.read()
        except OSError:
            continue   # gone meanwhile
        command = stat[stat.index("(") + 1:stat.rindex(")")]
        state = stat[stat.rindex(")") + 2]
        found.append((int(entry), state, command))
    return found


def wait_until_settled(pid1, predicate, timeout=30):
    """The namespace's process list once `predicate(list)` holds, else AssertionError showing
    the last list seen."""
    deadline = time.monotonic() + timeout
    while True:
        processes = namespace_processes(pid1)
        if predicate(processes):
            return processes
        if time.monotonic() > deadline:
            raise AssertionError("after %ds the container's processes are %s"
                                 % (timeout, processes))
        time.sleep(0.2)
