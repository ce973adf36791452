"""The final report goes to the termination log (Kubernetes' /dev/termination-log), as JSON
of at most 4096 bytes."""

import json
import os

import pytest

from helpers.run import run_pid1, run_plain


@pytest.mark.timeout(60)
def test_exit_explanation_is_written_to_the_chosen_path(pyinit, tmp_path):
    """--termination-log PATH holds the exit record of a child that exited 3."""
    path = tmp_path / "termination-log"
    result = run_pid1(pyinit, ["--termination-log", str(path), "--", "sh", "-c", "exit 3"])
    assert result.returncode == 3
    record = json.loads(path.read_text())
    assert (record["event"], record["reason"], record["exit_code"]) == ("exit", "exited", 3)


@pytest.mark.timeout(60)
def test_failure_report_is_written_there(pyinit, tmp_path):
    """A command that does not exist: the not-found report is the termination message."""
    path = tmp_path / "termination-log"
    result = run_plain(pyinit, ["-s", "--", "/no/such/program"],
                       env=dict(os.environ, PYINIT_TERMINATION_LOG=str(path)))
    assert result.returncode == 127
    record = json.loads(path.read_text())
    assert record["cause"] == "not_found", record


@pytest.mark.timeout(60)
def test_default_is_dev_termination_log_when_writable(pyinit, tmp_path):
    """With a writable /dev/termination-log (as the kubelet mounts it), it is used by default."""
    script = ("mount -t tmpfs none /dev && touch /dev/termination-log && "
              "%s -- sh -c 'kill -KILL $$'; cat /dev/termination-log" % pyinit)
    result = run_plain("unshare", ["--pid", "--fork", "--mount", "--mount-proc",
                                   "--propagation", "private", "sh", "-c", script])
    record = json.loads(result.stdout)
    assert record["reason"] == "killed_from_outside", record


@pytest.mark.timeout(60)
def test_empty_value_turns_it_off(pyinit):
    """PYINIT_TERMINATION_LOG='' writes nothing, even where /dev/termination-log exists."""
    script = ("mount -t tmpfs none /dev && touch /dev/termination-log && "
              "PYINIT_TERMINATION_LOG= %s -- sh -c 'exit 9'; wc -c < /dev/termination-log"
              % pyinit)
    result = run_plain("unshare", ["--pid", "--fork", "--mount", "--mount-proc",
                                   "--propagation", "private", "sh", "-c", script])
    assert result.stdout.strip() == "0", result


@pytest.mark.timeout(60)
def test_success_writes_nothing(pyinit, tmp_path):
    """Exit 0 without -v: no report, so the file is not created."""
    path = tmp_path / "termination-log"
    run_pid1(pyinit, ["--termination-log", str(path), "--", "true"])
    assert not path.exists()


@pytest.mark.timeout(60)
def test_long_report_is_cut_to_4096_bytes_of_valid_json(pyinit, tmp_path):
    """A command line of 20 kB: the message stays valid JSON within 4096 bytes."""
    path = tmp_path / "termination-log"
    result = run_pid1(pyinit, ["--termination-log", str(path), "--", "/no/such/" + "x" * 200,
                               ] + ["argument"] * 2000)
    assert result.returncode == 127
    data = path.read_bytes()
    assert len(data) <= 4096
    assert json.loads(data)["event"]


@pytest.mark.timeout(60)
def test_unwritable_path_is_a_warning_not_a_failure(pyinit, tmp_path):
    """A path in a missing directory: a warning record, the child's exit code unchanged."""
    result = run_pid1(pyinit, ["--report-format", "json", "--termination-log",
                               str(tmp_path / "missing" / "log"), "--", "sh", "-c", "exit 4"])
    assert result.returncode == 4
    assert '"termination_log_not_written"' in result.stderr, result.stderr


def test_fit_drops_the_largest_extra_fields_first():
    """fit() keeps event, reason, exit_code and hint, dropping big facts until 4096 bytes."""
    from pyinit.explain import termination_log
    record = {"event": "exit", "reason": "exited", "exit_code": 1, "hint": "h" * 100,
              "children": ["x" * 50] * 200, "cgroup": "/sys/fs/cgroup/" + "y" * 3000}
    data = termination_log.fit(record)
    kept = json.loads(data)
    assert len(data) <= 4096
    assert kept == dict(kept, event="exit", reason="exited", exit_code=1, hint="h" * 100)
    assert "children" not in kept
    huge = termination_log.fit({"event": "exit", "message": "m" * 10000})
    assert len(huge) <= 4096 and json.loads(huge)["message"].endswith("...")
