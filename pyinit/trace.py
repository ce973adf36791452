"""TEMPORARY stand-in until the doctor branch lands (issue 4)."""
from pyinit import report


class Tracer:
    def __init__(self, fmt, verbosity, stream, warn_on_reap=False):
        self.fmt, self.verbosity, self.stream, self.warn_on_reap = fmt, verbosity, stream, warn_on_reap

    def start(self, argv, mask, ignored):
        if self.verbosity:
            report.write({"event": "start", "argv": argv}, self.fmt, self.stream)

    def __call__(self, kind, a, b, c, d):
        if self.verbosity:
            report.write({"event": kind, "a": a, "b": b, "c": c, "d": d}, self.fmt, self.stream)
        elif self.warn_on_reap and kind == "reap" and not c:
            report.write({"event": "warning", "cause": "reaped_zombie", "pid": a}, self.fmt, self.stream)

    def exit(self, code):
        if self.verbosity:
            report.write({"event": "exit", "code": code}, self.fmt, self.stream)
