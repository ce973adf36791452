"""Feed a Tracer real processes and read back what it wrote."""

import io
import json
import os
import subprocess
import sys

from helpers.pid1 import wait_for

HERE = os.path.dirname(os.path.abspath(__file__))


def records(text):
    """Every line must be one JSON object: a line that is not fails the test here."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def events_of(text, event):
    return [r for r in records(text) if r.get("event") == event]


def spawn_ready(argv):
    """Start argv with a stdout pipe and return it once it printed `ready`."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        proc.wait()
        raise AssertionError("%s did not print ready: %r" % (argv, line))
    return proc


def signal_child(mode):
    return spawn_ready([sys.executable, os.path.join(HERE, "signal_child.py"), mode])


def comm(pid):
    with open("/proc/%d/comm" % pid) as f:
        return f.read().strip()


def wait_comm(pid, name):
    """Until pid has exec'd `name`: a Popen'd child is still a copy of python before that."""
    wait_for(lambda: comm(pid) == name, 10, "pid %d to exec %s" % (pid, name))


def forward_through(tracer, proc, signo):
    """What the core does for one forwarded signal: event, kill(), event."""
    tracer("signal", signo, 0, 0, 0)
    err = 0
    try:
        os.kill(proc.pid, signo)
    except OSError as error:
        err = error.errno
    tracer("forward", signo, signo, proc.pid, err)


def new_tracer(verbosity=1, fmt="json", warn_on_reap=False):
    from pyinit.trace import Tracer

    stream = io.StringIO()
    return Tracer(fmt, verbosity, stream, warn_on_reap=warn_on_reap), stream
