"""In a shared PID namespace (a Pod with shareProcessNamespace) pyinit -s adopts and stops only its own."""

import pytest

from helpers.proc_tree import namespace_pid, proc_status_field, process_tree
from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import sh

# The pod's first container: PID 1 of the shared namespace (pause's place) and a sidecar
# process that records any SIGTERM it gets. The sidecar is PID 1's child, not PID 1 itself:
# the kernel never delivers kill(-1, ...) to the caller's own namespace init, so only a
# sidecar can catch a pyinit that signals the whole namespace. PID 1 passes USR1 on to it.
SIDECAR = """
trap 'echo term > %(m)s/sidecar-term' TERM
trap 'echo usr1 > %(m)s/sidecar-usr1' USR1
touch %(m)s/sidecar-ready
while :; do sleep 3600 & wait $!; done
""" % {"m": MARKERS}
POD_PID1 = """
sh -c "$SIDECAR" &
sidecar=$!
trap 'kill -USR1 $sidecar' USR1
while [ ! -e %(m)s/sidecar-ready ]; do sleep 0.01; done
touch %(m)s/ready
while :; do sleep 3600 & wait $!; done
""" % {"m": MARKERS}

# The app container: a main child that exits 42 on TERM and leaves a daemonized worker that
# flushes on TERM.
APP = """
( sh -c 'trap "echo flushed > %(m)s/flushed; exit 0" TERM; echo $$ > %(m)s/worker; sleep 3600 & wait $!' & )
trap 'exit 42' TERM
sleep 3600 & sleeper=$!
touch %(m)s/ready
wait $sleeper
""" % {"m": MARKERS}


def host_pid_of(namespace_pid_wanted, under_host_pid):
    for host_pid in process_tree(under_host_pid):
        if namespace_pid(host_pid) == namespace_pid_wanted:
            return host_pid
    return None


@pytest.mark.timeout(60)
def test_subreaper_adopts_the_apps_orphan_and_never_signals_the_other_container(containers):
    """Not PID 1: the worker is re-parented to pyinit, flushed on stop; the sidecar gets no TERM."""
    pod = containers.run(sh(POD_PID1), env={"SIDECAR": SIDECAR}, with_init=False)
    pod.wait_for_marker("ready")
    shared = "/proc/%d/ns/pid" % pod.init_host_pid()
    app = containers.run(sh(APP), env={"PYINIT_SUBREAPER": "1"}, pid_namespace=shared)
    app.wait_for_marker("ready")
    worker = int(app.wait_for_marker("worker"))
    pyinit_pid = app.init_host_pid()
    assert namespace_pid(pyinit_pid) != 1, "pyinit should not be PID 1 here\n%s" % app.describe()
    worker_host_pid = host_pid_of(worker, pyinit_pid)
    assert worker_host_pid is not None, "worker %d not under pyinit\n%s" % (worker, app.describe())
    assert int(proc_status_field(worker_host_pid, "PPid")) == pyinit_pid, app.describe()

    app.kill("TERM")
    assert app.wait() == 42, app.describe()
    assert app.marker("flushed").exists(), app.describe()
    # USR1 after the app container is gone: once its trap ran, any TERM sent earlier would have too.
    pod.kill("USR1")
    pod.wait_for_marker("sidecar-usr1")
    assert not pod.marker("sidecar-term").exists(), "pyinit signalled the other container\n%s" % pod.describe()
    assert pod.process.poll() is None, pod.describe()
