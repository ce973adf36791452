"""--doctor run beside an init (docker exec) or with no /proc says what is true there."""

import signal

import pytest

from helpers.doctoring import UNSHARE, run_doctor


@pytest.mark.timeout(60)
def test_beside_pyinit_as_pid1_the_subreaper_check_is_ok(pyinit):
    """`docker exec CTR pyinit --doctor`: PID 1 is pyinit, an init that reaps, so no warning."""
    _, checks, _ = run_doctor(UNSHARE + ["--mount-proc", pyinit, "--", "sh", "-c",
                                         'exec "$0" "$@"'], pyinit)
    assert checks["pid_namespace"]["pid1_kind"] == "init"
    assert checks["pid_namespace"]["pid1_command"] == "pyinit"
    assert checks["subreaper"]["verdict"] == "ok", checks["subreaper"]
    assert "PID 1 (pyinit), an init, which reaps them" in checks["subreaper"]["message"]


@pytest.mark.timeout(60)
def test_as_pid1_it_names_itself_pyinit_not_python(pyinit):
    """The launcher execs python; pyinit renames itself so ps and the doctor show `pyinit`."""
    _, checks, _ = run_doctor(UNSHARE + ["--mount-proc"], pyinit)
    assert checks["pid_namespace"]["pid1_command"] == "pyinit"


@pytest.mark.timeout(60)
def test_without_proc_nothing_is_blamed_on_a_foreign_namespace_or_missing_capabilities(pyinit):
    """/proc unmounted: the checks say it is not mounted, and claim no missing CAP_KILL."""
    result, checks, summary = run_doctor(
        ["unshare", "--mount", "--pid", "--fork", "sh", "-c", 'umount -l /proc && exec "$0" "$@"'],
        pyinit)
    assert checks["pid_namespace"]["verdict"] == "fail"
    assert "/proc is not mounted" in checks["pid_namespace"]["message"]
    assert "CAP_KILL" not in checks["credentials"]["message"]
    assert "capabilities, NoNewPrivs and seccomp are unknown" in checks["credentials"]["message"]
    assert "/proc is not mounted" in checks["zombies"]["message"]
    assert "another PID namespace" not in checks["zombies"]["message"]
    assert result.returncode == 1


@pytest.mark.timeout(60)
def test_a_blocked_sigterm_is_explained_as_blocked_not_as_ignored(pyinit):
    """Started with SIGTERM blocked: the advice is to unblock it (a handler does not help)."""
    def block_term():
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

    result, checks, _ = run_doctor(UNSHARE + ["--mount-proc"], pyinit, preexec_fn=block_term)
    record = checks["signals"]
    assert record["blocked"] == ["SIGTERM"] and record["verdict"] == "fail"
    assert "blocks it unless it unblocks it" in record["message"]
    assert "handler" not in record["message"]


@pytest.mark.timeout(60)
def test_a_shell_as_pid1_is_named_and_warned_about(pyinit):
    """PID 1 is `sh -c` (the shell form of ENTRYPOINT): kind shell, a warning about SIGTERM."""
    _, checks, _ = run_doctor(UNSHARE + ["--mount-proc", "sh", "-c", '"$0" "$@"; exit $?'], pyinit)
    record = checks["pid_namespace"]
    assert record["pid1_kind"] == "shell" and record["pid1_command"] == "sh"
    assert record["verdict"] == "warn" and "does not forward SIGTERM" in record["message"]
