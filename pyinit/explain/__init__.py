"""Explanations of what happened after the start: why it won't stop, why it died, what happened.

The flow, in the order a run meets them:

    events.py            the flight recorder's layout and `pyinit --events` (read from outside)
    watchdog.py          a stop request was forwarded and the child is still alive: why
    oom.py               the memory cgroup's OOM-kill counters, read before and after the run
    exit_reason.py       how the child ended: exited, signaled, oom_killed, grace_killed,
                         killed_from_outside
    termination_log.py   the final record, written where Kubernetes shows it

Nothing here is imported on a start that has nothing to explain: even the OOM counters'
"before" is read by pyinit_core (oom falls back to reading it when the cgroup is not where
the usual mount points have it).
"""
