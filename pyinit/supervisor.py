"""What pyinit does, in order: configure, validate, spawn, supervise, shut down, exit.

The steps that act (blocking signals, fork/exec, the wait loop) are pyinit_core's; this module
only decides and reports. Diagnostics (preflight's deep checks, --doctor, tracing) are
imported only when they are needed.
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os
import sys

import pyinit_core as core
from pyinit import cli

EXIT_FAILURE = 1          # pyinit itself could not do its job (fork failed, ...)
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127

SIGTERM, SIGKILL, SIGCONT = 15, 9, 18
# CPython ignores these two itself at start-up: they are not the parent's wish.
PYTHON_IGNORED = (1 << (13 - 1)) | (1 << (25 - 1))
# After SIGKILL, stop waiting for processes stuck in the kernel (D state) after this long.
KILL_REAP_MS = 2000
# ... and send SIGKILL again this often to what forked meanwhile.
KILL_AGAIN_MS = 50
# A child that exits 127 within this long after exec is checked for a dynamic-loader failure.
EARLY_EXIT_NS = 1_000_000_000


def exit_code_of(status):
    """Exit code for a raw wait status: the code, or 128+N for death by signal N."""
    if status & 0x7F == 0:
        return (status >> 8) & 0xFF
    return 128 + (status & 0x7F)


# NonBlockingStderr streams made by run(): _finish gives a record's unwritten tail one last
# try (without waiting: a stalled reader must not keep the container from exiting).
_REPORT_STREAMS = []


def _finish(code):
    for stream in [sys.stdout, sys.stderr] + _REPORT_STREAMS:
        try:
            stream.flush()
        except BaseException:   # OSError, ValueError; MemoryError under ulimit -v
            pass
    os._exit(code)


class _Discard:
    """Stands in for a standard stream whose fd was closed: what is written goes nowhere."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def fileno(self):
        raise OSError(9, "the standard stream was closed when pyinit started")


def _print(stream, text):
    """Write to stdout/stderr without raising: a full disk or a closed pipe must not change
    pyinit's exit code."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


def launched():
    """Run from the launcher: sys.argv is ['-c', '--pyinit-state=MASK:IGNORED', ARGS...].

    The launcher wrote, in hex, the mask and ignored set it was started with, before it
    blocked anything: what the child must be given.
    """
    mask, _, ignored = sys.argv[1][len("--pyinit-state="):].partition(":")
    main(sys.argv[2:], inherited=(int(mask, 16), int(ignored, 16)))


# Written when even the report of an internal error fails (MemoryError under ulimit -v).
_LAST_RESORT = (b'{"event": "pyinit_failed", "cause": "internal_error", "message": '
                b'"an error occurred, and reporting it failed too (out of memory?)"}\n')


def main(args, inherited):
    try:
        _main(args, inherited)
    except Exception as error:
        # A bug in pyinit must still end in one structured line and a documented code.
        try:
            import json
            _print(sys.stderr, json.dumps({"event": "pyinit_failed", "cause": "internal_error",
                                           "message": "%s: %s" % (type(error).__name__, error)})
                   + "\n")
        except BaseException:
            try:
                os.write(2, _LAST_RESORT)
            except BaseException:
                pass
        _finish(EXIT_FAILURE)


def _main(args, inherited):
    # First thing: on the `python -m pyinit` path nothing has blocked signals yet.
    previous_mask = core.block_async_signals()
    core.set_process_name(b"pyinit")   # what ps, /proc/PID/comm and the doctor show: not python3
    # With fd 1 or 2 closed (`2>&-`) CPython leaves sys.stdout/sys.stderr as None; pyinit
    # still runs the command and exits with its code, writing its own lines nowhere.
    if sys.stdout is None:
        sys.stdout = _Discard()
    if sys.stderr is None:
        sys.stderr = _Discard()
    if inherited is None:
        child_mask = previous_mask
        child_ignored = core.ignored_signals() & ~PYTHON_IGNORED
    else:
        child_mask, child_ignored = inherited

    # The environment as text, decoded once: for the command line's variables, the
    # preflight and its reports.
    env = os.environ_text()
    try:
        config = cli.parse(args, env)
    except cli.Exit as done:
        _print(sys.stdout, done.text)
        _finish(0)
    except cli.UsageError as error:
        _print(sys.stderr, "pyinit: %s\n" % error)
        _finish(cli.EXIT_USAGE)

    if config.mode == "doctor":
        from pyinit import doctor
        # The doctor's report is for a person first: text unless JSON was asked for.
        _finish(doctor.run(config.command, config.report_format or "text",
                           inherited_blocked=child_mask, inherited_ignored=child_ignored,
                           subreaper=config.subreaper))
    # None: pyinit.report picks text for a terminal, JSON otherwise, when it first writes.
    fmt = config.report_format
    if config.mode == "events":
        from pyinit.explain import events
        from pyinit import report
        _finish(events.run(config.events_pid, fmt or report.default_format(), sys.stdout))
    if config.mode == "check":
        _finish(check_only(config, fmt, env))
    _finish(run(config, fmt, child_mask, child_ignored, env))


def check_only(config, fmt, env):
    from pyinit import preflight
    record = preflight.check(config.command, env, deep=True)
    if record is None:
        return 0
    _write(record, fmt)
    return preflight.exit_code_for(record)


def _encode(items):
    return [os.fsencode(item) for item in items]


def _tracer(config, fmt, stream):
    from pyinit import trace
    return trace.Tracer(fmt, config.verbosity, stream, warn_on_reap=config.warn_on_reap,
                        pgroup=config.pgroup)


def _write(record, fmt, stream=None):
    from pyinit import report   # lazily: a start that reports nothing never imports it
    report.write(record, fmt, stream)


class _ReportStream:
    """stderr for what pyinit writes while it supervises, made on first use: a
    NonBlockingStderr, so that a stalled reader never stops reaping or forwarding."""

    def __init__(self, fmt):
        self.fmt = fmt
        self._stream = None

    def get(self):
        if self._stream is None:
            self._stream = sys.stderr
            if not isinstance(sys.stderr, _Discard):
                from pyinit import nonblocking_stderr, report
                try:
                    self._stream = nonblocking_stderr.NonBlockingStderr(
                        lambda record: report.render(record, self.fmt))
                    _REPORT_STREAMS.append(self._stream)
                except OSError:
                    pass
        return self._stream


def run(config, fmt, child_mask, child_ignored, env):
    core.reset_sigchld()
    # Never the OOM killer's first pick where the kernel allows it; the child gets the
    # original score back (pyinit_core.spawn).
    core.lower_oom_score_adj()
    pid1 = os.getpid() == 1
    # The flight recorder (pyinit --events); without one (no memfd_create) the run goes on.
    core.open_recorder()
    if config.pdeathsig:
        core.set_parent_death_signal(config.pdeathsig)
    if not pid1 and config.subreaper:
        core.set_child_subreaper()

    reports = _ReportStream(fmt)
    tracer = None
    if config.verbosity or config.warn_on_reap:
        tracer = _tracer(config, fmt, reports.get())
        core.set_event_sink(tracer)
        tracer.start(config.command, child_mask, child_ignored)

    def say(record):
        if not config.warnings and record.get("event") in ("warning", "preflight_warning"):
            return
        # With -v, warnings and failure reports are part of the trace (timestamped, in order).
        if tracer is not None and tracer.verbosity:
            tracer.write(record)
        else:
            _write(record, fmt, reports.get())

    core.set_forward_failure_sink(_ForwardFailures(say))

    if not pid1 and not config.subreaper and not core.is_child_subreaper():
        say(_not_a_reaper())

    path_env = env.get("PATH")
    # A native ELF program that starts cleanly, or a #! script run by one, is accepted by
    # the core; anything else (an env script, a problem, a warning to give) is
    # pyinit.preflight's to judge and explain.
    candidates = core.quick_preflight(os.fsencode(config.command[0]),
                                      None if path_env is None else os.fsencode(path_env))
    if candidates is not None:
        resolved = os.fsdecode(candidates[0])
    else:
        from pyinit import preflight
        failure, resolved = preflight.preflight(config.command, env, warn=say)
        if failure is not None:
            say(failure)
            return _exit(tracer, preflight.exit_code_for(failure), config, failure, say)
        candidates = _encode(preflight.resolve(config.command[0], path_env)[0])
    child_env = core.environment_at_execve()
    if child_env is None:   # no /proc: os.environ's, with the differences core explains
        child_env = [key + b"=" + value for key, value in os.environb.items()]
    _show_title(config.command)

    take_terminal = core.terminal_is_ours()
    # The child always leads a process group of its own, as under tini and dumb-init: its
    # `kill 0` then reaches its own group, not pyinit (which would forward it a second
    # time) nor, outside a namespace, whoever started pyinit.
    pid, err, index, stage = core.spawn(
        _encode(config.command), candidates, child_env, child_mask, child_ignored,
        True, take_terminal)
    if pid < 0:
        if stage != core.EXEC_STAGE:
            # fork itself (stage 0) or the child's setup before execve failed: pyinit's own
            # failure, not the command's.
            record = _self_failure(core.STAGE_NAMES[stage], err)
            say(record)
            return _exit(tracer, EXIT_FAILURE, config, record, say)
        from pyinit import preflight
        tried = os.fsdecode(candidates[index]) if 0 <= index < len(candidates) else config.command[0]
        record = preflight.explain_exec_failure(config.command, env, tried, err)
        say(record)
        return _exit(tracer, preflight.exit_code_for(record), config, record, say)
    started = core.monotonic_ns()
    core.record(core.KIND_SPAWN, pid, 0, 0, 0)
    if tracer is not None:
        tracer.spawned(pid)
    # The "before" of the OOM check (pyinit.lifecycle compares it with the "after"): read by
    # the core where the cgroup usually is, else (mountinfo, or why it cannot be read) by
    # pyinit.explain.oom, which a start otherwise never imports.
    oom_before = core.oom_counters()
    if oom_before is None:
        from pyinit.explain import oom
        oom_before = oom.snapshot(with_limit=False)
    if tracer is None:
        # Nothing calls into Python until the child exits: what start-up used can go.
        core.release_startup_memory()

    rewrite = list(range(65))
    for received, sent in config.rewrite.items():
        rewrite[received] = sent
    job_control = take_terminal and not pid1 and _parent_does_job_control()
    status, timed_out, grace_killed = _supervise(config, pid, rewrite, job_control,
                                                 pid1, say, tracer, started)
    if take_terminal:
        core.give_terminal_back(pid)
    code = exit_code_of(status)
    lived_ns = core.monotonic_ns() - started
    core.record(core.KIND_CHILD_EXIT, pid, status, 0, 0)
    if tracer is not None:
        tracer("child_exit", pid, status, 0, 0)

    if code == EXIT_NOT_FOUND and core.monotonic_ns() - started < EARLY_EXIT_NS:
        from pyinit import preflight
        record = preflight.diagnose_early_127(config.command, env, resolved)
        if record is not None:
            say(record)

    shut_down_leftovers(config.grace, pid1, tracer, say)
    if code in config.remap_exit:
        code = 0
    explained = None
    if timed_out is not None or code != 0 or status & 0x7F or config.verbosity:
        from pyinit import lifecycle
        if timed_out is not None:
            code = lifecycle.EXIT_TIMEOUT
        explained = lifecycle.exit_record(config, pid, status, timed_out, grace_killed, code,
                                          lived_ns, oom_before)
        # Verbosity 0 on purpose (tini's level 0) keeps stderr quiet about the child's own
        # exit; the termination log still gets the record.
        if (tracer is None or not tracer.verbosity) and config.warnings:
            _write(explained, fmt, reports.get())
    return _exit(tracer, code, config, explained, say)


def _not_a_reaper():
    """The warning for a pyinit that is neither PID 1 nor a subreaper. Orphans then go to
    PID 1 (or a subreaper above pyinit), which may well reap them: under `docker run
    --init`, tini is PID 1 and does. Say what is true, naming PID 1 when /proc tells."""
    from pyinit import procinfo
    init = procinfo.comm(1) if procinfo.proc_state() == "ours" else None
    record = {"event": "warning", "cause": "not_a_reaper",
              "message": "pyinit is not PID 1 and not a child subreaper: orphans of the command "
                         "are re-parented to PID 1%s (or a subreaper above pyinit), not to "
                         "pyinit, and are reaped only if that process reaps them"
                         % (" (%s)" % init if init else ""),
              "hint": "nothing to do when PID 1 is an init that reaps (docker run --init, "
                      "tini, dumb-init, pyinit); otherwise run pyinit as PID 1 of a PID "
                      "namespace, or pass -s (PYINIT_SUBREAPER=1)"}
    if init:
        record["pid1_command"] = init
    return record


class _ForwardFailures:
    """One warning per (signal, errno) for forwards the kernel refused, with or without -v:
    a SIGTERM that cannot reach the child is why `docker stop` then waits and kills."""

    def __init__(self, say):
        self.say = say
        self.seen = set()

    def __call__(self, received, sent, target, err):
        if (sent, err) in self.seen:
            return
        self.seen.add((sent, err))
        from pyinit import hints
        self.say(hints.forward_failed(received, sent, target, err))


def _show_title(command):
    """ps and `docker top` show PID 1 as `pyinit -- CMD ARGS`, not as the interpreter's
    long `python3 -I -c ...` line: the argv area, found through /proc/self/stat, is
    overwritten (after the environment was read: the two areas are neighbours)."""
    try:
        stat = core.read_file(b"/proc/self/stat")
        current = core.read_file(b"/proc/self/cmdline")
        fields = stat[stat.rindex(b")") + 2:].split()
        start, end = int(fields[45]), int(fields[46])   # arg_start, arg_end (fields 48, 49)
    except (OSError, ValueError, IndexError):
        return   # no /proc: the title stays the interpreter's
    title = b"\0".join([b"pyinit", b"--"] + [os.fsencode(word) for word in command])
    core.set_process_title(title, start, end, current)


SIGTSTP_BIT = 1 << (20 - 1)


def _parent_does_job_control():
    """Whether pyinit's parent is a job-control shell, which sees pyinit stop and continues
    it (fg, bg): only then may pyinit stop itself when its child stops.

    Such a shell ignores SIGTSTP (so that ^Z stops its jobs, not itself); tini, dumb-init
    and container runtimes do not, and under them a stopped pyinit would never be continued.
    Unknown (no /proc of ours) counts as no: never stopping is the side that cannot wedge.
    """
    from pyinit import procinfo
    if procinfo.proc_state() != "ours":
        return False
    status = procinfo.read_status(os.getppid()) or {}
    try:
        return bool(int(status.get("SigIgn", "0"), 16) & SIGTSTP_BIT)
    except ValueError:
        return False


def _supervise(config, pid, rewrite, job_control, pid1, say, tracer, started):
    """(raw status, timed out, grace killed). Without --timeout and with no stalled stop, one
    core.supervise() is all: the deadlines are pyinit.lifecycle's, imported only for them."""
    woke = 0
    if not config.timeout:
        woke = core.supervise(pid, config.pgroup, rewrite, job_control, 0,
                              int(config.stop_report_after * 1e9))
        if woke >= 0:
            return woke, None, False
    from pyinit import lifecycle
    return lifecycle.supervise(config, pid, rewrite, job_control, pid1, say, tracer,
                               config.command, started, woke)


def _exit(tracer, code, config=None, final=None, say=None):
    """The last steps of every run: the trace's exit record, then the termination log."""
    if tracer is not None:
        tracer.exit(code, final if final is not None and final.get("event") == "exit" else None)
    if config is not None and final is not None:
        from pyinit import lifecycle
        lifecycle.finish(config, final, say)
    return code


def _self_failure(what, err):
    from pyinit import report
    import errno as errno_names
    record = {"event": "pyinit_failed", "cause": "fork_failed" if what == "fork" else "child_setup_failed",
              "stage": what,
              "errno": errno_names.errorcode.get(err, str(err)), "errno_code": err,
              "strerror": os.strerror(err)}
    if what == "fork" and err == errno_names.EAGAIN:
        record["hint"] = ("the process limit is reached (pids.max of the cgroup, or "
                          "RLIMIT_NPROC): raise it or stop processes")
    else:
        record["hint"] = "%s failed: %s" % (what, os.strerror(err))
    record.update(report.process_facts())
    return record


def shut_down_leftovers(grace, pid1, tracer, say):
    """Give what the main child left behind `grace` seconds between SIGTERM and SIGKILL.

    As PID 1 that is every other process of the namespace (pyinit's children or not: a
    `docker exec` leaves processes that are not); as a subreaper only our own descendants.
    grace 0 keeps tini's behaviour: exit at once (the kernel kills the rest).
    SIGTERM goes out once: a process started after it (a cleanup helper of a TERM trap) is
    part of someone's shutdown. SIGKILL is repeated until nothing is left, because a walk
    of /proc cannot see what forks while it runs.
    """
    if core.drain(0, pid1) or grace <= 0:
        return
    if pid1:
        signal_all = core.signal_namespace
    else:
        from pyinit import leftovers
        if not leftovers.descendants_are_visible():
            say({"event": "warning", "cause": "leftovers_not_signalled",
                 "message": "/proc belongs to another PID namespace (/proc/self is not pid %d): "
                            "pyinit cannot find its descendants and leaves them running"
                            % os.getpid(),
                 "hint": "mount this namespace's /proc (unshare --mount-proc), or run pyinit "
                         "as the namespace's PID 1"})
            return
        signal_all = leftovers.signal_descendants

    grace_ms = int(grace * 1000)
    core.record(core.KIND_SHUTDOWN, SIGTERM, 0, grace_ms, 0)
    if tracer is not None:
        tracer("shutdown", SIGTERM, 0, grace_ms, 0)
    signal_all(SIGTERM)
    signal_all(SIGCONT)   # a stopped process cannot act on SIGTERM until it runs again
    if core.drain(grace_ms, pid1):
        return
    core.record(core.KIND_SHUTDOWN, SIGKILL, 0, 0, 0)
    if tracer is not None:
        tracer("shutdown", SIGKILL, 0, 0, 0)
    deadline = core.monotonic_ns() + KILL_REAP_MS * 1_000_000
    while True:
        signal_all(SIGKILL)
        if core.drain(KILL_AGAIN_MS, pid1) or core.monotonic_ns() >= deadline:
            return
