"""A child the kernel's OOM killer ends in pyinit's memory cgroup: reason oom_killed, 137."""

import os
import sys

import pytest

from helpers import memory_limit
from helpers.lifecycle import records_of
from helpers.pid1 import UNSHARE
from helpers.run import run_plain

LIMIT = 128 << 20
ALLOCATE = "chunks = []\nwhile True: chunks.append(b'\\x01' * (16 << 20))"


@pytest.fixture
def limited_cgroup():
    try:
        cgroup = memory_limit.create("pyinit-test-oom-%d" % os.getpid(), LIMIT)
    except (OSError, RuntimeError) as error:
        pytest.fail("cannot create a memory cgroup for the OOM test: %s" % error)
    yield cgroup
    memory_limit.remove(cgroup)


@pytest.mark.timeout(120)
def test_child_allocating_past_the_limit_is_oom_killed(pyinit, limited_cgroup):
    """PID 1 of a namespace in a 128 MiB cgroup; its child allocates without end."""
    argv = memory_limit.command_in(limited_cgroup, UNSHARE + [
        pyinit, "--report-format", "json", "--", sys.executable, "-c", ALLOCATE])
    result = run_plain(argv[0], argv[1:], timeout=100)
    assert result.returncode == 137, result.stderr
    record, = records_of(result.stderr, "exit")
    assert record["reason"] == "oom_killed", record
    assert record["signal"] == "SIGKILL" and record["oom_kills"] >= 1, record
    assert record["memory_limit_bytes"] == LIMIT, record
    assert "memory limit of 128 MiB" in record["hint"], record
