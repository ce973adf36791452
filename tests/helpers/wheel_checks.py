"""The checks every installed wheel must pass as PID 1, wherever it is installed.

A runner puts `pyinit ARGS` as PID 1 somewhere (a PID namespace made with unshare, a runc
container) and gives back its exit status and output; the same checks run on every runner:
exit code passthrough, SIGTERM forwarded, --check, a failure report, --doctor, and which
interpreter PID 1 really is.
"""

import json
import os
import signal
import subprocess
from collections import namedtuple

from helpers import pid1
from helpers.runc_runtime import DEFAULT_DEADLINE

Result = namedtuple("Result", "code stdout stderr")
MISSING_COMMAND = "no-such-command-for-pyinit"


def json_records(text):
    records = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records


class NamespaceRunner:
    """pyinit as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc`)."""

    def __init__(self, pyinit, python, env, markers):
        self.pyinit = str(pyinit)
        self.python = os.path.realpath(python)    # what /proc/1/exe must name
        self.env = env
        self.markers = str(markers)

    def run(self, args):
        done = subprocess.run(pid1.UNSHARE + [self.pyinit] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, env=self.env,
                              timeout=DEFAULT_DEADLINE * 2)
        return Result(done.returncode, done.stdout, done.stderr)

    def run_and_signal(self, args, marker, signum):
        namespace = pid1.Namespace(self.pyinit, args, env=self.env, stdin=subprocess.DEVNULL)
        try:
            pid1.wait_for(lambda: os.path.exists(os.path.join(self.markers, marker)),
                          DEFAULT_DEADLINE, "the child's %s marker" % marker, interval=0.01)
            namespace.kill(signum)
            out, err = namespace.proc.communicate(timeout=DEFAULT_DEADLINE)
        finally:
            if namespace.proc.poll() is None:
                namespace.proc.kill()
                namespace.proc.communicate()
        return Result(namespace.proc.returncode, out.decode(errors="replace"),
                      err.decode(errors="replace"))


class RuncRunner:
    """pyinit as PID 1 of a runc container made by `make_bundle(args)`."""

    def __init__(self, containers, make_bundle, python):
        self.containers = containers
        self.make_bundle = make_bundle
        self.python = python                     # as seen inside the container
        self.markers = "/markers"

    def _start(self, args):
        bundle = self.make_bundle(args)
        self.containers.made.append(bundle.ctr_id)
        return self.containers.start(bundle)

    def run(self, args):
        container = self._start(args)
        code = container.wait(deadline=DEFAULT_DEADLINE * 2)
        return Result(code, container.stdout, container.stderr)

    def run_and_signal(self, args, marker, signum):
        container = self._start(args)
        container.wait_for_marker(marker)
        container.kill(signal.Signals(signum).name)
        code = container.wait()
        return Result(code, container.stdout, container.stderr)


def describe(result):
    return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (result.code, result.stdout[-3000:],
                                                       result.stderr[-3000:])


def check_exit_code(runner):
    for code in (0, 3, 7):
        result = runner.run(["--", "sh", "-c", "exit %d" % code])
        assert result.code == code, describe(result)


def check_sigterm_forwarded(runner):
    script = ("trap 'echo got-term; kill $s; exit 42' TERM; sleep 3600 & s=$!; "
              "touch %s/ready; wait $s" % runner.markers)
    result = runner.run_and_signal(["--", "sh", "-c", script], "ready", signal.SIGTERM)
    assert result.code == 42 and "got-term" in result.stdout, describe(result)


def check_check(runner):
    good = runner.run(["--check", "--", "sh", "-c", "exit 5"])
    assert good.code == 0, describe(good)
    bad = runner.run(["--check", "--report-format", "json", "--", MISSING_COMMAND])
    assert bad.code == 127, describe(bad)
    assert any(r.get("cause") == "not_found" for r in json_records(bad.stderr)), describe(bad)


def check_failure_report(runner):
    result = runner.run(["--report-format", "json", "--", MISSING_COMMAND])
    assert result.code == 127, describe(result)
    records = [r for r in json_records(result.stderr) if r.get("cause")]
    assert records and records[0]["cause"] == "not_found", describe(result)
    assert MISSING_COMMAND in json.dumps(records[0]), describe(result)


def check_doctor(runner):
    result = runner.run(["--doctor", "--report-format", "json"])
    records = json_records(result.stdout)
    summaries = [r for r in records if r.get("event") == "doctor_summary"]
    assert summaries, describe(result)
    assert result.code == summaries[-1]["exit_code"], describe(result)
    checks = {r.get("check") for r in records if r.get("event") == "doctor"}
    assert "pid_namespace" in checks or len(checks) >= 3, describe(result)


def check_interpreter(runner):
    result = runner.run(["--", "readlink", "/proc/1/exe"])
    assert result.code == 0, describe(result)
    assert result.stdout.strip() == runner.python, describe(result)



def check_no_compiler(runner):
    result = runner.run(["--", "sh", "-c",
                         "for c in cc gcc clang; do command -v $c && exit 1; done; exit 0"])
    assert result.code == 0, "a compiler is on PATH: " + describe(result)
