"""The one frozen object that says what this pyinit run should do.

Built by pyinit.cli from the command line and the environment; read by pyinit.supervisor.
A plain class with __slots__: dataclasses would cost an import of `inspect` on every start.
"""


class Config:
    __slots__ = (
        "command",          # list[str]: CMD and its arguments
        "subreaper",        # -s / PYINIT_SUBREAPER
        "pdeathsig",        # -p: signal number, or 0
        "verbosity",        # -v count / PYINIT_VERBOSITY
        "warn_on_reap",     # -w
        "pgroup",           # -g / PYINIT_KILL_PROCESS_GROUP: forward to the child's group
        "remap_exit",       # -e: frozenset of exit codes reported as 0
        "rewrite",          # -r: {received: sent}, 0 drops
        "grace",            # --grace seconds (float) / PYINIT_GRACE
        "report_format",    # "json" | "text"
        "mode",             # "run" | "check" | "doctor" | "events"
        "timeout",          # --timeout seconds (float) / PYINIT_TIMEOUT; 0 none
        "stop_report_after",  # --stop-report-after seconds / PYINIT_STOP_REPORT_AFTER; 0 off
        "termination_log",  # --termination-log / PYINIT_TERMINATION_LOG: None default, '' off
        "events_pid",       # --events PID, or None for "find it"
        "warnings",         # False with PYINIT_VERBOSITY=0 / TINI_VERBOSITY=0: warnings silenced
    )

    def __init__(self, **values):
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name, value):
        raise AttributeError("Config is frozen")

    def __repr__(self):
        return "Config(%s)" % ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__)
