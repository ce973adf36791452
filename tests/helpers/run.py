"""Run pyinit to completion, as PID 1 of a new namespace or as a plain child, and read its reports."""

import json
import subprocess

from helpers.pid1 import UNSHARE


def run_pid1(pyinit, args, timeout=60, **kwargs):
    """unshare --pid --fork --mount-proc pyinit ARGS; returns CompletedProcess (text)."""
    return subprocess.run(UNSHARE + [pyinit] + list(args), capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def run_plain(pyinit, args, timeout=60, **kwargs):
    return subprocess.run([pyinit] + list(args), capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def reports(output):
    """The JSON objects among output's lines (pyinit writes one per line); other lines, and
    lines that are not JSON objects, are passed over."""
    found = []
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append(record)
    return found
