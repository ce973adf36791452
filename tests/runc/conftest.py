"""Fixtures for the runc suite: the runtime (installed if missing), the init under test, containers."""

import os
import shlex
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:  # helpers/ lives next to this directory
    sys.path.insert(0, str(TESTS_DIR))

from helpers.runc_bundle import Containers, Runc, RuncError, RuncUnavailable, ensure_runc  # noqa: E402

# The harness can run any init (e.g. "/usr/bin/tini-static --" to check the harness itself);
# the suite runs pyinit, the one installed in the venv that runs the tests.
INIT_ENV = "PYINIT_RUNC_INIT"


@pytest.fixture(scope="session")
def runc(tmp_path_factory):
    """runc with a private state root; installed with apt-get when missing, a loud failure if it can't be."""
    try:
        binary = ensure_runc()
    except RuncUnavailable as exc:
        pytest.fail("runc integration suite cannot run: %s" % exc, pytrace=False)
    runtime = Runc(binary, tmp_path_factory.mktemp("runc-state"))
    yield runtime
    try:
        leftovers = runtime.list_ids()
    except RuncError:
        leftovers = []
    for ctr_id in leftovers:
        runtime.delete(ctr_id)


@pytest.fixture(scope="session")
def init_argv():
    """The init under test and its `--`: pyinit from this venv unless PYINIT_RUNC_INIT names another."""
    chosen = os.environ.get(INIT_ENV, "").strip()
    argv = shlex.split(chosen) if chosen else [os.path.join(sys.prefix, "bin", "pyinit"), "--"]
    if not os.access(argv[0], os.X_OK):
        pytest.fail("init under test %s is not an executable file (install pyinit into the venv"
                    " running the tests, or set %s)" % (argv[0], INIT_ENV), pytrace=False)
    return argv


@pytest.fixture
def containers(runc, init_argv, tmp_path, request):
    """This test's containers (init as PID 1 under `runc run`); always `runc delete -f`'d after."""
    made = Containers(runc, init_argv, tmp_path, request.node.name)
    yield made
    made.cleanup()
