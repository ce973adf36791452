"""From the child's start to pyinit's exit code: the deadlines around the wait loop, then the
explanation of how it ended.

core.supervise() sleeps until the child exits, or until a deadline pyinit gave it:
  --timeout SECONDS   forward SIGTERM as if it came from outside (through --rewrite, to the
                      group with -g), a `timeout` record; --grace seconds later SIGKILL what is
                      left (the namespace as PID 1, else the child or its group); exit 124
  the stop watchdog   --stop-report-after seconds after a stop request was forwarded, one
                      `stop_stalled` record saying why the child is still there
With neither, the wait has no timeout at all. At the end, finish() writes the `exit` record
(pyinit.explain.exit_reason) and the termination log.
"""

import errno
import os
import time

import pyinit_core as core

SIGTERM, SIGKILL = 15, 9
EXIT_TIMEOUT = 124   # as timeout(1)


def _kill(target, sig):
    try:
        os.kill(target, sig)
    except OSError as error:
        return error.errno
    return 0


def supervise(config, pid, rewrite, job_control, pid1, say, tracer, command, started, woke=0):
    """Run core.supervise through its deadlines; returns (raw status, --timeout's seconds or
    None, whether pyinit's own SIGKILL ended it). `woke`: what a first core.supervise() the
    caller made returned (WOKE_STOP_STALLED), or 0 to begin here."""
    stall_ns = int(config.stop_report_after * 1e9)
    grace_ns = int(config.grace * 1e9)
    wake_at = started + int(config.timeout * 1e9) if config.timeout else 0
    timed_out = None
    grace_killed = False
    while True:
        if woke:
            status, woke = woke, 0
        else:
            status = core.supervise(pid, config.pgroup, rewrite, job_control, wake_at, stall_ns)
        if status >= 0:
            return status, timed_out, grace_killed
        if status == core.WOKE_STOP_STALLED:
            _report_stall(pid, rewrite, command, say)
            continue
        if timed_out is None:
            timed_out = config.timeout
            _stop_for_timeout(config, pid, rewrite, stall_ns, say, tracer)
            wake_at = core.monotonic_ns() + grace_ns
            if grace_ns > 0:
                continue
        # --grace after the timeout's SIGTERM is over.
        target = -pid if config.pgroup else pid
        err = core.signal_namespace(SIGKILL) if pid1 else _kill(target, SIGKILL)
        grace_killed = True
        core.record(core.KIND_GRACE_KILL, -1 if pid1 else target, SIGKILL,
                    grace_ns // 1_000_000, err)
        if tracer is not None:
            tracer("shutdown", SIGKILL, 0, 0, 0)
        wake_at = 0


def _stop_for_timeout(config, pid, rewrite, stall_ns, say, tracer):
    sent = rewrite[SIGTERM]
    target = -pid if config.pgroup else pid
    err = _kill(target, sent) if sent else 0
    core.record(core.KIND_TIMEOUT, int(config.timeout * 1000), pid, sent, err)
    core.arm_stop_watchdog(SIGTERM, stall_ns)
    record = {"event": "timeout", "t": round(time.monotonic(), 6), "timeout_s": config.timeout,
              "pid": pid, "signal": "SIGTERM", "target": target,
              "sent": _name(sent) if sent else None,
              "result": "ok" if err == 0 else errno.errorcode.get(err, str(err)),
              "grace_s": config.grace,
              "message": "the command ran for --timeout %gs: it gets %s, then SIGKILL after "
                         "--grace %gs; pyinit exits %d" % (config.timeout, _name(sent) if sent
                                                          else "nothing (--rewrite drops TERM)",
                                                          config.grace, EXIT_TIMEOUT)}
    say(record)
    if tracer is not None:
        tracer("forward", SIGTERM, sent, target, err)


def _name(sig):
    from pyinit import sigsets
    return sigsets.name(sig)


def _report_stall(pid, rewrite, command, say):
    from pyinit.explain import events as recorder, watchdog
    received, forwarded_ns = core.stop_request()
    sent = rewrite[received]
    record = watchdog.stalled_record(pid, received, sent, forwarded_ns, core.monotonic_ns(),
                                     command[0] if command else None)
    cause = record.get("cause", "unknown")
    if received in watchdog.RELOAD_SIGNALS and cause == "handled":
        # A handled HUP/USR1/USR2 is a reload: the child is meant to keep running.
        core.rearm_stop_watchdog()
        return
    core.record(core.KIND_STOP_STALLED, received, pid,
                recorder.STALL_CAUSES.index(cause) if cause in recorder.STALL_CAUSES else 0,
                int(record["waited_s"] * 1000))
    say(record)


def exit_record(config, pid, status, timed_out, grace_killed, code, lived_ns, oom_before):
    """The `exit` record (pyinit.explain.exit_reason)."""
    from pyinit.explain import events as recorder, exit_reason, oom
    verdict, facts = None, {}
    if oom_before is not None:
        if not isinstance(oom_before, oom.Snapshot):   # as pyinit_core.oom_counters() read it
            oom_before = oom.from_counters(oom_before)
        verdict, facts = oom.compare(oom_before, oom.snapshot())
    record = exit_reason.explain(config.command, pid, status, code, lived_ns,
                                 grace_killed=grace_killed, timed_out=timed_out,
                                 oom_verdict=verdict, oom_facts=facts)
    core.record(core.KIND_EXIT, code, recorder.REASONS.index(record["reason"]), status, 0)
    return record


def finish(config, final, say):
    """Write the final record (exit explanation or failure report) to the termination log."""
    if final is None:
        return
    from pyinit.explain import termination_log
    path = termination_log.chosen_path(config.termination_log)
    if path is not None:
        warning = termination_log.write(path, final)
        if warning is not None:
            say(warning)
