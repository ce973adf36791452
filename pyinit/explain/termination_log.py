"""The final record, where Kubernetes shows it: /dev/termination-log.

The kubelet mounts a file there and shows what the container wrote in `kubectl describe pod`
and status.containerStatuses[].lastState.terminated.message; it reads at most 4096 bytes.
pyinit writes the failure report or the exit explanation there as one JSON object, cut down
field by field (never mid-string) to fit.
"""

import os

DEFAULT_PATH = "/dev/termination-log"
LIMIT_BYTES = 4096
# Kept to the last when a record must shrink: what the message is for.
_ESSENTIAL = ("event", "cause", "reason", "exit_code", "signal", "message", "hint")


def chosen_path(configured):
    """The path to write to: --termination-log / PYINIT_TERMINATION_LOG ('' = off), else
    /dev/termination-log when it exists and is writable."""
    if configured is not None:
        return configured or None
    if os.path.exists(DEFAULT_PATH) and os.access(DEFAULT_PATH, os.W_OK):
        return DEFAULT_PATH
    return None


def fit(record, limit=LIMIT_BYTES):
    """record as JSON bytes of at most `limit`: the largest non-essential fields go first."""
    from pyinit import report
    record = dict(record)
    while True:
        data = report.format_json(record).encode("utf-8")
        if len(data) <= limit:
            return data
        optional = [key for key in record if key not in _ESSENTIAL]
        if optional:
            largest = max(optional, key=lambda key: len(report.format_json({key: record[key]})))
            del record[largest]
            continue
        longest = max(record, key=lambda key: len(str(record[key])))
        text = str(record[longest])
        record[longest] = text[:max(0, len(text) - (len(data) - limit) - 3)] + "..."


def write(path, record):
    """Write the record; returns None, or a warning record when the file refused it."""
    data = fit(record)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOCTTY, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    except OSError as error:
        import errno
        return {"event": "warning", "cause": "termination_log_not_written",
                "message": "cannot write %s: %s (%s)" % (path, errno.errorcode.get(error.errno, error.errno),
                                                         error.strerror),
                "hint": "make it writable, or turn it off with --termination-log ''"}
    return None
