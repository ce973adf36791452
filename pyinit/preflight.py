"""TEMPORARY stand-in until the preflight branch lands (issue 3): resolution and errno causes only."""

import errno as E
import os

from pyinit import report

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def resolve(name, path_env):
    if "/" in name:
        return [name], []
    dirs = (DEFAULT_PATH if path_env is None else path_env).split(":")
    return [os.path.join(d or ".", name) for d in dirs], dirs


def check(argv, env, deep=False):
    return None


def explain_exec_failure(argv, env, path_tried, err):
    cause = {E.ENOENT: "not_found", E.EACCES: "permission_denied", E.ENOEXEC: "not_executable_format",
             E.ETXTBSY: "text_file_busy", E.EISDIR: "is_directory"}.get(err, "exec_error")
    record = {"event": "exec_failed", "cause": cause, "errno": E.errorcode.get(err, str(err)),
              "errno_code": err, "strerror": os.strerror(err), "argv": list(argv),
              "resolved": path_tried, "hint": "cannot execute %s" % path_tried}
    record.update(report.process_facts())
    return record


def diagnose_early_127(argv, env, resolved):
    return None


def exit_code_for(record):
    return 127 if record["cause"] in ("not_found",) else 126
