"""On `runc kill TERM` the processes the child leaves behind get TERM and a grace period, then KILL."""

import time

import pytest

from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import sh

# A main child that exits 42 on TERM and a daemonized worker (re-parented to PID 1) that
# traps TERM to flush its data: what the kernel would SIGKILL if the init simply exited.
WORKER_FLUSHES_ON_TERM = """
( sh -c 'trap "echo flushed > %(m)s/flushed; exit 0" TERM; echo $$ > %(m)s/worker; sleep 3600 & wait $!' & )
trap 'exit 42' TERM
sleep 3600 & sleeper=$!
touch %(m)s/ready
wait $sleeper
""" % {"m": MARKERS}

WORKER_IGNORES_TERM = """
( sh -c 'trap "" TERM; echo $$ > %(m)s/worker; exec sleep 3600' & )
trap 'exit 42' TERM
sleep 3600 & sleeper=$!
touch %(m)s/ready
wait $sleeper
""" % {"m": MARKERS}


@pytest.mark.timeout(60)
def test_daemonized_worker_flushes_before_the_container_exits(containers):
    """The worker's TERM trap runs (its marker exists) and the container exits with the child's 42."""
    container = containers.run(sh(WORKER_FLUSHES_ON_TERM))
    container.wait_for_marker("ready")
    container.wait_for_marker("worker")
    container.kill("TERM")
    assert container.wait() == 42, container.describe()
    assert container.marker("flushed").read_text().strip() == "flushed", container.describe()


@pytest.mark.timeout(60)
def test_worker_ignoring_term_is_killed_after_the_grace_and_status_is_the_childs(containers):
    """With PYINIT_GRACE=1 a worker ignoring TERM is SIGKILLed no earlier than 1 s; status stays 42."""
    container = containers.run(sh(WORKER_IGNORES_TERM), env={"PYINIT_GRACE": "1"})
    container.wait_for_marker("ready")
    container.wait_for_marker("worker")
    sent = time.monotonic()
    container.kill("TERM")
    assert container.wait() == 42, container.describe()
    waited = time.monotonic() - sent
    assert waited >= 0.9, "container exited %.2fs after TERM: the grace of 1 s was cut short" % waited
