"""How the main child ended, in one word and the facts behind it: the `exit` record.

    exited               it called exit(): the code is its own
    signaled             a signal other than pyinit's or the OOM killer's SIGKILL ended it
                         (core dumped or not); also a SIGKILL whose sender cannot be told
                         because the OOM check could not be made (the record says why)
    oom_killed           SIGKILL, and the memory cgroup's OOM-kill count went up meanwhile
    grace_killed         SIGKILL that pyinit sent itself when --grace ended (after --timeout)
    killed_from_outside  SIGKILL that neither pyinit nor the OOM killer sent: docker kill, the
                         kubelet after its grace period, another process

The record is written when the exit is not 0 or the child died of a signal, and always with -v.
"""

import os
import time

from pyinit import sigsets

SIGKILL = 9
SHELLS = frozenset(("sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "yash"))
# A shell that exits 126/127 this soon after its start failed on a command inside it.
EARLY_EXIT_NS = 1_000_000_000


def reason_of(status, grace_killed, oom_verdict):
    """The reason word for a raw wait status."""
    termsig = status & 0x7F
    if termsig == 0:
        return "exited"
    if termsig != SIGKILL:
        return "signaled"
    if grace_killed:
        return "grace_killed"
    if oom_verdict:
        return "oom_killed"
    if oom_verdict is False:
        return "killed_from_outside"
    return "signaled"   # the OOM check could not be made: no guess


def explain(command, pid, status, exit_code, lived_ns, grace_killed=False, timed_out=None,
            oom_verdict=None, oom_facts=None):
    """The `exit` record. exit_code is pyinit's own (after -e, 124 after --timeout)."""
    reason = reason_of(status, grace_killed, oom_verdict)
    record = {"event": "exit", "t": round(time.monotonic(), 6), "exit_code": exit_code,
              "reason": reason, "pid": pid, "command": command[0] if command else "?"}
    facts = sigsets.describe_wait_status(status)
    facts.pop("exit_status", None)
    if "exit_code" in facts:
        facts["child_exit_code"] = facts.pop("exit_code")   # exit_code is pyinit's own
    record.update(facts)
    record["lived_s"] = round(lived_ns / 1e9, 3)
    if timed_out is not None:
        record["timed_out_after_s"] = timed_out
    if oom_facts:
        record.update(oom_facts)
    hint = _hint(reason, command, status, lived_ns, oom_facts or {}, timed_out)
    if hint:
        record["hint"] = hint
    return record


def _hint(reason, command, status, lived_ns, oom_facts, timed_out):
    if reason == "oom_killed":
        limit = oom_facts.get("memory_limit_bytes")
        return ("the kernel's OOM killer ended it: the cgroup hit its memory limit%s; raise "
                "the limit (docker run -m, resources.limits.memory) or lower the program's use"
                % (" of %d MiB" % (limit >> 20) if limit else ""))
    if reason == "grace_killed":
        return ("it did not exit within --grace after %s: pyinit sent SIGKILL; make it act on "
                "SIGTERM, or give it a longer --grace" % ("--timeout" if timed_out else "the stop"))
    if reason == "killed_from_outside":
        return ("SIGKILL from outside (docker kill, the kubelet or docker stop after their grace "
                "period, another process): not the OOM killer, not pyinit; `pyinit --events` "
                "shows what it was sent before")
    if reason == "signaled" and status & 0x7F == SIGKILL and "oom_check" in oom_facts:
        return "SIGKILL: whether the OOM killer sent it cannot be told (%s)" % oom_facts["oom_check"]
    code = (status >> 8) & 0xFF
    if (reason == "exited" and code in (126, 127) and lived_ns < EARLY_EXIT_NS and command
            and os.path.basename(command[0]) in SHELLS):
        what = "was not found" if code == 127 else "is not executable"
        return ("the shell exited %d right after it started: a command inside the script %s "
                "(the shell's own message above names it)" % (code, what))
    return None
