"""Children that take SIGTERM in a given way, and reading pyinit's JSON records as they come."""

import json
import sys
import time

from helpers.recorder import LineReader

# Each prints "ready" once its handling is in place, then waits.
_PY = sys.executable
CHILDREN = {
    "ignored": [_PY, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                           "print('ready', flush=True); time.sleep(1000)"],
    "blocked": [_PY, "-c", "import signal, time; signal.pthread_sigmask(signal.SIG_BLOCK, "
                           "[signal.SIGTERM]); print('ready', flush=True); time.sleep(1000)"],
    "handled": [_PY, "-c", "import signal, time; signal.signal(signal.SIGTERM, lambda *a: None); "
                           "print('ready', flush=True)\nwhile True: time.sleep(1000)"],
    "stopped": [_PY, "-c", "import os, signal; signal.signal(signal.SIGTERM, lambda *a: None); "
                           "print('ready', flush=True); os.kill(os.getpid(), signal.SIGSTOP)\n"
                           "while True: signal.pause()"],
    "shell_wrapper": ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 1000; true"],
}


class Records:
    """JSON lines from pyinit's stderr, read with a deadline."""

    def __init__(self, stream):
        self.reader = LineReader(stream)

    def wait_for(self, event, timeout):
        line = self.reader.read_until(lambda l: _event(l) == event, timeout)
        return json.loads(line)

    def all(self):
        return [json.loads(l) for l in self.reader.lines if _event(l)]


def _event(line):
    if not line.startswith("{"):
        return None
    try:
        return json.loads(line).get("event")
    except ValueError:
        return None


def records_of(stderr, event=None):
    """The JSON records in a finished run's stderr (of one event kind when given)."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if event is None or record.get("event") == event:
                found.append(record)
    return found


def elapsed_since(start):
    return time.monotonic() - start
