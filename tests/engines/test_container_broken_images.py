"""A command that cannot start is explained in `docker logs` (one JSON report) and the exit code
`docker inspect` shows is 126 or 127, as a shell would give."""

import json
import shutil
import subprocess

import pytest

from engine_checks import wait_for_exit

CASES = {
    # name: (docker run flags, command, cause, exit code, text the hint must contain)
    "missing ELF loader": ([], ["/app/missing-loader"], "missing_interpreter", 127,
                           "/lib/ld-musl-x86_64.so.1"),
    "CRLF shebang": ([], ["/app/crlf.sh"], "shebang_crlf", 126, ""),
    "missing command": ([], ["no-such-command"], "not_found", 127, "no-such-command"),
    "not executable": ([], ["/app/not-executable.sh"], "permission_denied", 126, "chmod"),
    "missing library": ([], ["/app/missing-library"], "missing_library", 127, "libanswer.so"),
    "noexec mount": ("noexec", ["/data/true"], "noexec_mount", 126, "/data"),
}


def report(logs):
    """The failure report: the one JSON line of the log that has a `cause`."""
    records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    found = [r for r in records if "cause" in r]
    assert len(found) == 1, "expected one report with a cause in:\n%s" % logs
    return found[0]


@pytest.fixture(scope="module")
def noexec_tmpfs(tmp_path_factory):
    """A host tmpfs mounted noexec holding a copy of true, for a bind mount into a container
    (a bind mount keeps the noexec of its source)."""
    mount_point = tmp_path_factory.mktemp("noexec")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,mode=755", "tmpfs", str(mount_point)],
                   check=True, timeout=30)
    shutil.copy2("/bin/true", mount_point / "true")
    yield ["--mount", "type=bind,src=%s,dst=/data" % mount_point]
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True, timeout=30)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("case", CASES)
def test_broken_command_is_reported_in_the_logs(engine, container_name, case, request):
    """The report in `docker logs` names the cause; `docker inspect` shows its 126/127 (podman too)."""
    flags, command, cause, exit_code, hint_text = CASES[case]
    if flags == "noexec":
        flags = request.getfixturevalue("noexec_tmpfs")
    name = container_name("broken")
    engine.cli.ok("run", "-d", "--network=none", "--name", name, *flags, engine.programs,
                  *command)
    assert wait_for_exit(engine.cli, name) == exit_code
    done = engine.cli.run("logs", name)
    record = report(done.stdout + done.stderr)
    assert record["cause"] == cause, record
    assert record["exit_code"] == exit_code, record
    assert hint_text in record["hint"], record
