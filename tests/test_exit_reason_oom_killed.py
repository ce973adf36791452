"""A child the kernel's OOM killer ends in pyinit's memory cgroup: reason oom_killed, 137."""

import os
import sys

import pytest

from helpers import memory_cgroup
from helpers.lifecycle import records_of
from helpers.pid1 import UNSHARE
from helpers.run import run_plain

LIMIT = 128 << 20
ALLOCATE = "chunks = []\nwhile True: chunks.append(b'\\x01' * (16 << 20))"


@pytest.fixture
def limited_cgroup():
    try:
        directory = memory_cgroup.create("pyinit-test-oom-%d" % os.getpid(), LIMIT)
    except (OSError, RuntimeError) as error:
        pytest.fail("cannot create a memory cgroup for the OOM test: %s" % error)
    yield directory
    memory_cgroup.remove(directory)


@pytest.mark.timeout(120)
def test_child_allocating_past_the_limit_is_oom_killed(pyinit, limited_cgroup):
    """PID 1 of a namespace in a 128 MiB cgroup; its child allocates without end."""
    script = 'echo $$ > %s/cgroup.procs && exec "$@"' % limited_cgroup
    result = run_plain("sh", ["-c", script, "sh"] + UNSHARE + [
        pyinit, "--report-format", "json", "--", sys.executable, "-c", ALLOCATE], timeout=100)
    assert result.returncode == 137, result.stderr
    record, = records_of(result.stderr, "exit")
    assert record["reason"] == "oom_killed", record
    assert record["signal"] == "SIGKILL" and record["oom_kills"] >= 1, record
    assert record["memory_limit_bytes"] == LIMIT, record
    assert "memory limit of 128 MiB" in record["hint"], record
