"""Out of memory in a small container: the OOM killer takes a worker, never pyinit.

pyinit runs as PID 1 of a PID namespace inside a memory cgroup limited to 48 MiB; its child
starts 40 small workers (perl holding a 1 MiB string, a few MiB each) as orphans, so that
pyinit is the one that reaps them, then waits until no worker is left (dead and reaped) and
exits 7. 40 workers do not fit: the kernel kills some. pyinit must not be among them, must
go on reaping, and the exit code must be the app's.

pyinit holds its place without privileges through its size: on this machine it cannot lower
its oom_score_adj (no CAP_SYS_RESOURCE), so what is tested is the footprint.
"""

import os
import shutil

import pytest

from helpers import memory_limit
from helpers.debian import ensure_packages
from helpers.pid1 import UNSHARE
from helpers.run import run_plain

LIMIT = 48 << 20
WORKERS = 40

# Orphaned workers (each started by a subshell that exits at once), then a wait for the last
# one to be gone from /proc: a zombie pyinit failed to reap would keep the app waiting.
APP = r"""
for i in $(seq %d); do
    (perl -e '$x = q(a) x (1024*1024); sleep 8' &)
done
while :; do
    left=0
    for comm in /proc/[0-9]*/comm; do
        read name < "$comm" 2>/dev/null && [ "$name" = perl ] && left=$((left + 1))
    done
    [ "$left" = 0 ] && exit 7
    sleep 0.2
done
""" % WORKERS


@pytest.fixture
def limited_cgroup():
    try:
        cgroup = memory_limit.create("pyinit-oom-%d" % os.getpid(), LIMIT)
    except (OSError, RuntimeError) as error:
        pytest.fail("cannot create a memory cgroup for the OOM test: %s" % error)
    yield cgroup
    memory_limit.remove(cgroup)


@pytest.mark.timeout(120)
def test_oom_killer_takes_a_worker_and_pyinit_goes_on(pyinit, limited_cgroup):
    """48 MiB, 40 orphaned perl workers: some are OOM-killed, pyinit reaps all and exits 7."""
    if not shutil.which("perl"):
        ensure_packages("perl-base")
    argv = memory_limit.command_in(limited_cgroup, UNSHARE + [pyinit, "--", "sh", "-c", APP])
    result = run_plain(argv[0], argv[1:], timeout=100)
    kills = memory_limit.oom_kills(limited_cgroup)
    print("exit %d, OOM kills in the cgroup: %d" % (result.returncode, kills))
    assert kills >= 1, "the workers fit in %d MiB: nothing was tested" % (LIMIT >> 20)
    assert result.returncode == 7, "pyinit did not survive (exit %d): %s" % (
        result.returncode, result.stderr)
