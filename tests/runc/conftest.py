"""Fixtures for the runc suite: the runtime (installed if missing), the init under test, containers."""

import os
import shlex

import pytest

from helpers.runc_bundle import python_install_dirs
from helpers.runc_runtime import Containers

# The harness can run any init (e.g. "/usr/bin/tini-static --" to check the harness itself);
# the suite runs pyinit, the one installed in the venv that runs the tests.
INIT_ENV = "PYINIT_RUNC_INIT"



@pytest.fixture(scope="session")
def init_argv(pyinit):
    """The init under test and its `--`: pyinit from this venv unless PYINIT_RUNC_INIT names another."""
    chosen = os.environ.get(INIT_ENV, "").strip()
    if not chosen:
        # The container sees only the venv and the Python installation of this interpreter.
        real = os.path.realpath(pyinit)
        if not any(real.startswith(tree + "/") for tree in python_install_dirs()):
            pytest.fail("pyinit at %s is outside the directories bound into the container %s:"
                        " install it into the venv running the tests"
                        % (pyinit, python_install_dirs()), pytrace=False)
        return [pyinit, "--"]
    argv = shlex.split(chosen)
    if not os.access(argv[0], os.X_OK):
        pytest.fail("%s=%r: %s is not an executable file" % (INIT_ENV, chosen, argv[0]), pytrace=False)
    return argv


@pytest.fixture
def containers(runc, init_argv, tmp_path, request):
    """This test's containers (init as PID 1 under `runc run`); always `runc delete -f`'d after."""
    made = Containers(runc, init_argv, tmp_path, request.node.name)
    yield made
    made.cleanup()
