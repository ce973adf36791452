"""Why a child that was asked to stop has not: the stop_stalled record.

Read from /proc when the stop watchdog fires (--stop-report-after seconds after a TERM, INT,
QUIT, HUP, USR1 or USR2 was forwarded and the child is still alive). HUP, USR1 and USR2 mean
"reload" to many programs: a child that handles one and keeps running did what it was asked,
and gets no record. The causes, in the order they are checked,
each with the fix it calls for:

    dropped          --rewrite turned the signal into nothing: the child never got it
    stopped          state T: a stopped process acts on no signal until it is continued
    uninterruptible  state D: asleep in the kernel (wchan says where); no signal acts there
    ignored          the signal's disposition is SIG_IGN
    blocked          every thread blocks it (and no sigwait/signalfd takes it): it stays pending
    shell_wrapper    a shell that traps it, waiting for a foreground command: a shell runs
                     its trap only after that command ends, and the command never got the
                     signal
    handled          a handler ran (or will) but the process has not exited
"""

import time

from pyinit import procinfo, sigsets

# Signals whose handler may rightly keep the program running (reload, reopen logs).
RELOAD_SIGNALS = frozenset((1, 10, 12))

SHELLS = frozenset(("sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox", "yash"))

_HINTS = {
    "dropped": "--rewrite %(short)s:0 drops it: map it to a signal the program acts on "
               "(e.g. --rewrite %(short)s:QUIT)",
    "stopped": "the child is stopped (SIGSTOP, SIGTSTP or a debugger) and cannot act on "
               "%(sent)s until continued: `kill -CONT %(pid)d`, or find what stopped it",
    "uninterruptible": "the child is asleep in the kernel (%(wchan)s) and no signal acts "
                       "there until that call returns: look at the I/O it waits for (NFS, "
                       "FUSE, a hung disk)",
    "ignored": "the program ignores %(sent)s (SIG_IGN: `trap '' TERM`, signal.SIG_IGN, or "
               "inherited): make it handle %(sent)s, or --rewrite %(short)s:SIGNAL, "
               "SIGNAL being one it acts on",
    "blocked": "the program blocks %(sent)s and never unblocks it: unblock it (or sigwait "
               "for it) in the program, or --rewrite %(short)s:SIGNAL, SIGNAL being one it acts on",
    "shell_wrapper": "%(command)s traps %(sent)s but runs its trap only after the foreground "
                     "command (%(foreground)s) ends, and that command never got the signal: "
                     "`exec` the program in the script, use the exec form of ENTRYPOINT/CMD "
                     "([\"prog\", \"arg\"]), or run pyinit with -g to signal the whole group",
    "handled": "the program handles %(sent)s but had not exited %(waited_s)s s later: make "
               "its handler exit (and finish within the runtime's grace: docker stop -t, "
               "terminationGracePeriodSeconds)",
    "unknown": "%(sent)s's default action would have ended it: the process may have "
               "exited just now, or changed its handling since",
}


def _wchan(pid):
    try:
        with open("/proc/%d/wchan" % pid, "rb") as f:
            text = f.read().decode("ascii", "replace").strip()
    except OSError:
        return None
    return text if text and text != "0" else None


def _cause(pid, sent, masks, foreground, command):
    if sent == 0:
        return "dropped"
    state = masks["state"][:1]
    if state in ("T", "t"):
        return "stopped"
    if state == "D":
        return "uninterruptible"
    handling = procinfo.handling(masks, sent)
    if handling == "exited":
        return "unknown"
    if handling in ("ignored", "blocked"):
        return handling
    if command in SHELLS and foreground and handling != "default":
        return "shell_wrapper"
    if handling != "default":
        return "handled"
    return "unknown"


def stalled_record(pid, received, sent, forwarded_ns, now_ns, command=None):
    """The stop_stalled record for main child `pid`, which got `sent` (for `received`)."""
    waited_s = round((now_ns - forwarded_ns) / 1e9, 3)
    record = {"event": "stop_stalled", "t": round(time.monotonic(), 6),
              "signal": sigsets.name(received), "sent": sigsets.name(sent) if sent else None,
              "pid": pid, "waited_s": waited_s}
    name = procinfo.comm(pid) or command or "?"
    record["command"] = name
    masks = procinfo.signal_masks(pid)
    if masks is None:
        record["cause"] = "unknown"
        record["hint"] = "/proc/%d/status cannot be read: the child's handling is unknown" % pid
        return record
    children = procinfo.children(pid)
    foreground = ", ".join("%d (%s)" % (child, procinfo.comm(child) or "?") for child in children)
    cause = _cause(pid, sent, masks, foreground, name)
    record["cause"] = cause
    wchan = _wchan(pid)
    facts = {"signal": sigsets.name(received), "short": sigsets.name(received)[3:], "sent": sigsets.name(sent) if sent else "nothing",
             "pid": pid, "command": name, "waited_s": waited_s, "foreground": foreground,
             "wchan": "wchan %s" % wchan if wchan else "wchan unknown"}
    record["hint"] = _HINTS[cause] % facts
    record["state"] = masks["state"]
    if wchan:
        record["wchan"] = wchan
    if sent:
        record["handling"] = procinfo.handling(masks, sent)
    record["ignored"] = sigsets.names(masks["ignored"])
    record["blocked"] = sigsets.names(masks["blocked"])
    record["caught"] = sigsets.names(masks["caught"])
    if children:
        record["children"] = ["%d (%s)" % (child, procinfo.comm(child) or "?") for child in children]
    return record
