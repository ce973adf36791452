"""`docker run -it` / `podman run -it` and Ctrl-C typed on the terminal: the app gets SIGINT and
decides the exit code."""

import os
import pty
import select
import time

import pytest

from engine_checks import host_pid, wait_until_settled

INITS = ("pyinit", "--init")


def read_until(master, text, timeout):
    """Terminal output up to `text` (bytes), or AssertionError with what was read."""
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError("%r not seen on the terminal within %ds: %r"
                                 % (text, timeout, seen))
        if select.select([master], [], [], left)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:          # EIO: the client closed the terminal
                chunk = b""
            if not chunk:
                raise AssertionError("terminal closed before %r: %r" % (text, seen))
            seen += chunk
    return seen


def ctrl_c(cli, name, flags, image, command, ready, running=None):
    """Run `docker run -it` on a pty, type Ctrl-C once `ready` is printed (and a process named
    `running` exists in the container): (exit code, output)."""
    master, slave = pty.openpty()
    client = cli.popen("run", "-it", "--network=none", "--name", name, *flags, image,
                          *command, stdin=slave, stdout=slave, stderr=slave,
                          start_new_session=True)
    os.close(slave)
    try:
        output = read_until(master, ready, 120)
        if running:
            wait_until_settled(host_pid(cli, name),
                               lambda procs: any(cmd == running for _, _, cmd in procs))
        os.write(master, b"\x03")
        code = client.wait(60)
        try:
            while select.select([master], [], [], 0.5)[0]:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                output += chunk
        except OSError:
            pass
        return code, output.decode(errors="replace")
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(30)
        os.close(master)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_app_handling_sigint_exits_0(engine, container_name, init):
    """The app's SIGINT handler runs ("got SIGINT") and its exit code 0 is the client's."""
    flags = engine.init_flags if init == "--init" else []
    code, output = ctrl_c(engine.cli, container_name("ctrl-c"), flags, engine.app,
                          ["/app/app.py"], b"app: ready")
    assert "app: got SIGINT" in output, output
    assert code == 0, output


@pytest.mark.timeout(240)
@pytest.mark.parametrize("init", INITS)
def test_shell_dies_of_sigint_with_130(engine, container_name, init):
    """A shell waiting for `sleep` dies of SIGINT like it would on a desktop terminal: exit 130.
    (Ctrl-C waits for `sleep` to run: a shell interrupted before it forks a foreground job
    lets that job run to its end, and so would a desktop shell.)"""
    flags = engine.init_flags if init == "--init" else []
    code, output = ctrl_c(engine.cli, container_name("ctrl-c-sh"), flags, engine.app,
                          ["sh", "-c", "echo ready; sleep 1000"], b"ready", "sleep")
    assert code == 130, output
