"""The exit record says how the child ended: exited, signaled, killed_from_outside; it is
written when the exit is not 0 or a signal ended the child, and always with -v."""

import os
import signal

import pytest

from helpers.lifecycle import records_of
from helpers.pid1 import Namespace
from helpers.recorder import LineReader
from helpers.run import run_pid1
from helpers.pid1 import UNSHARE
from helpers.run import run_plain


@pytest.mark.timeout(60)
def test_outside_sigkill_of_the_child_is_killed_from_outside(pyinit):
    """kill -KILL of the child from the host: reason killed_from_outside, exit 137."""
    with Namespace(pyinit, ["--report-format", "json", "--", "sh", "-c",
                            "echo ready; exec sleep 1000"]) as ns:
        LineReader(ns.proc.stdout).read_until(lambda line: line == "ready", 30)
        os.kill(ns.child_pid(), signal.SIGKILL)
        code, _, err = ns.wait(30)
    err = err.decode()
    assert code == 137, err
    record, = records_of(err, "exit")
    assert record["reason"] == "killed_from_outside", record
    assert record["oom_kills"] == 0, record


@pytest.mark.timeout(60)
def test_nonzero_exit_is_exited_with_the_childs_code(pyinit):
    """exit 3: reason exited, child_exit_code 3, pyinit's exit_code 3."""
    result = run_pid1(pyinit, ["--report-format", "json", "--", "sh", "-c", "exit 3"])
    record, = records_of(result.stderr, "exit")
    assert (record["reason"], record["child_exit_code"], record["exit_code"]) == ("exited", 3, 3)


@pytest.mark.timeout(60)
def test_death_by_another_signal_is_signaled(pyinit):
    """A child killed by SIGUSR1: reason signaled, the signal named, exit 138."""
    result = run_pid1(pyinit, ["--report-format", "json", "--", "sh", "-c", "kill -USR1 $$"])
    assert result.returncode == 138, result.stderr
    record, = records_of(result.stderr, "exit")
    assert (record["reason"], record["signal"]) == ("signaled", "SIGUSR1"), record
    assert record["core_dumped"] is False


@pytest.mark.timeout(60)
def test_success_writes_nothing_without_verbose(pyinit):
    """Exit 0 and no -v: stderr stays empty."""
    result = run_pid1(pyinit, ["--", "true"])
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.timeout(60)
def test_verbose_always_ends_with_the_explained_exit(pyinit):
    """With -v the trace's last record is the exit, with reason exited, even for 0."""
    result = run_pid1(pyinit, ["-v", "--report-format", "json", "--", "true"])
    record = records_of(result.stderr)[-1]
    assert (record["event"], record["reason"], record["exit_code"]) == ("exit", "exited", 0)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("code,words", [(127, "was not found"), (126, "is not executable")])
def test_shell_failing_at_once_on_a_command_inside_says_so(pyinit, tmp_path, code, words):
    """sh -c with a missing / non-executable command: 127/126 with a hint about the script."""
    script = str(tmp_path / "no-such-command")
    if code == 126:
        (tmp_path / "no-such-command").write_text("echo never\n")
        os.chmod(script, 0o644)
    result = run_pid1(pyinit, ["--report-format", "json", "--", "sh", "-c", script])
    assert result.returncode == code, result.stderr
    record, = records_of(result.stderr, "exit")
    assert "a command inside the script " + words in record["hint"], record


@pytest.mark.timeout(60)
def test_unreadable_cgroup_is_said_not_guessed(pyinit):
    """With no cgroup file system visible, a SIGKILL is 'signaled' and the OOM check says why."""
    script = ("mount -t tmpfs none /sys/fs/cgroup && exec %s --report-format json -- "
              "sh -c 'kill -KILL $$'" % pyinit)
    result = run_plain("unshare", ["--pid", "--fork", "--mount", "--mount-proc",
                                   "--propagation", "private", "sh", "-c", script])
    assert result.returncode == 137, result.stderr
    record, = records_of(result.stderr, "exit")
    assert record["reason"] == "signaled", record
    assert record["oom_check"].startswith("not made: "), record
    assert "OOM killer" in record["hint"], record
