"""Fixtures shared by every test: the installed pyinit, compiled helpers, a clean environment.

The tests run the installed `pyinit` command (the launcher of the venv pytest runs in) as a
black box. They need root and PID namespaces; without them they fail, loudly, never skip.
"""

import os
import shutil
import signal
import subprocess
import sys

import pytest

from helpers import programs

# Environment variables that change pyinit's behaviour: no test inherits them by accident.
PYINIT_VARIABLES = ("PYINIT_SUBREAPER", "PYINIT_KILL_PROCESS_GROUP", "PYINIT_VERBOSITY",
                    "PYINIT_GRACE", "PYINIT_REPORT_FORMAT", "PYINIT_PYTHON", "TINI_SUBREAPER",
                    "TINI_KILL_PROCESS_GROUP", "TINI_VERBOSITY", "PYINIT_TIMEOUT",
                    "PYINIT_STOP_REPORT_AFTER", "PYINIT_TERMINATION_LOG")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in PYINIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def pyinit():
    """Path of the installed `pyinit` launcher next to the interpreter running the tests."""
    path = os.path.join(os.path.dirname(sys.executable), "pyinit")
    if not os.access(path, os.X_OK):
        path = shutil.which("pyinit")
    if not path:
        pytest.fail("the pyinit command is not installed next to %s: run `pip install .`"
                    % sys.executable)
    return path


@pytest.fixture(scope="session", autouse=True)
def pid_namespaces_work():
    """Everything here needs root and `unshare --pid`: fail loudly when that is missing."""
    if os.geteuid() != 0:
        pytest.fail("pyinit's tests run as root (they create PID and mount namespaces)")
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.fail("cannot create a PID namespace with unshare: %s" % result.stderr.strip())


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("helpers"))


@pytest.fixture(scope="session")
def recorder(build_dir):
    """tests/helpers/signal_recorder.c, compiled."""
    return programs.compile_program("signal_recorder", build_dir)


@pytest.fixture
def shared_dir(tmp_path):
    """tmp_path made searchable by every uid (pytest makes it 0700 for root), for checks run
    as another user."""
    os.chmod(tmp_path, 0o755)
    for parent in tmp_path.parents:
        if str(parent) in ("/", "/tmp"):
            break
        os.chmod(parent, os.stat(parent).st_mode | 0o011)
    return tmp_path


@pytest.fixture(scope="session", autouse=True)
def debian_python3():
    """/usr/bin/python3 is the interpreter that checks run as another uid (a pyenv under /root
    is not readable by them) and the sample dynamically linked program of several tests."""
    from helpers import debian
    debian.ensure_packages("python3")


# Ignored by CPython itself at start-up (its children get them back as SIG_DFL).
PYTHON_IGNORES = (signal.SIGPIPE, signal.SIGXFSZ)


@pytest.fixture(scope="session", autouse=True)
def default_signal_dispositions():
    """The suite started with signals ignored or blocked (`pytest &` ignores SIGINT and SIGQUIT,
    nohup SIGHUP) would hand them on to every pyinit it starts, and pyinit hands ignored and
    blocked signals on to its child on purpose. Tests expect a subject started as from an
    interactive shell: default dispositions, nothing blocked. Tests that check the pass-through
    set up their own."""
    for number in range(1, signal.NSIG):
        if number in PYTHON_IGNORES:
            continue
        try:
            if signal.getsignal(number) == signal.SIG_IGN:
                signal.signal(number, signal.default_int_handler if number == signal.SIGINT
                              else signal.SIG_DFL)
        except (OSError, ValueError):
            pass   # SIGKILL, SIGSTOP and the C library's reserved signals
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    # glibc's posix_spawn starts the new program with its reserved signals 32 and 33 ignored,
    # and subprocess uses it from Python 3.13 on: fork/exec gives subjects default dispositions.
    subprocess._USE_POSIX_SPAWN = False


@pytest.fixture(scope="session")
def runc(tmp_path_factory):
    """runc with a private state root, for every tier that runs containers (runc/, bundle/,
    wheels/); installed with apt-get when missing, a loud failure if it can't run one."""
    from helpers.runc_runtime import Runc, RuncError, RuncUnavailable, ensure_runc, probe
    try:
        runtime = Runc(ensure_runc(), tmp_path_factory.mktemp("runc-state"))
        probe(runtime, tmp_path_factory.mktemp("runc-probe"))
    except RuncUnavailable as exc:
        pytest.fail("runc cannot run containers here: %s" % exc, pytrace=False)
    yield runtime
    try:
        leftovers = runtime.list_ids()
    except RuncError:
        leftovers = []
    for ctr_id in leftovers:
        runtime.delete(ctr_id)
