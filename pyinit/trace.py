"""The --verbose event writer: one record per thing pyinit sees or does, with a monotonic time.

The core calls a Tracer as ``tracer(kind, a, b, c, d)`` (all ints) from its wait loop, only
when --verbose or -w installed it; the Python side calls ``start()``, ``spawned()``,
``exit()`` and sends ``child_exit`` and ``shutdown``. With verbosity 0 (only -w) it writes
nothing but the reaped_zombie warnings.
Kinds and their arguments (the contract with pyinit_core):

    signal      signo, si_code, si_pid, si_uid     every signal dequeued, SIGCHLD included;
                                                   for a forwarded one, right before kill()
    forward     received, sent, target, errno      target: pid, or -pgid; sent 0 = dropped
    reap        pid, raw wait status, is_main, 0
    child_exit  pid, raw wait status, 0, 0
    shutdown    signo, processes left, grace_ms, 0
    spawn       pid, 0, 0, 0                       optional: same as spawned(pid)
    zombie      pid, 0, 0, 0                       optional: a child about to be reaped

Every record goes through pyinit.report (JSON line or text). How the target handles a
forwarded signal is read from /proc/PID/status when the `signal` event arrives, i.e. before
the kill(): after it, a default action may already have killed the target.
A reap cannot read the command name of a process that no longer exists, so names are
remembered while the process is still there: at spawn, at each forward, and for every
child (zombies included) each time a SIGCHLD is dequeued, before the core reaps.
"""

import errno
import os
import sys
import time

from pyinit import procinfo, report, sigsets

# How many processes a -g forward's trace looks at to find the group's members.
GROUP_WALK_LIMIT = 32

EVENT_KINDS = ("signal", "forward", "reap", "child_exit", "shutdown", "spawn", "zombie")


class Tracer:
    """Writes --verbose events (verbosity >= 1) and the -w reap warnings (warn_on_reap)."""

    def __init__(self, fmt=None, verbosity=1, stream=None, warn_on_reap=False, pgroup=False):
        self.fmt = fmt or report.default_format()
        self.verbosity = verbosity
        self.warn_on_reap = warn_on_reap
        self.pgroup = pgroup        # -g: forwards go to the main child's process group
        self.stream = sys.stderr if stream is None else stream
        self.main_child = None
        self._main_name = None      # kept past its reap for the child_exit record
        self._pid = os.getpid()
        # A /proc from another PID namespace would answer for other processes: read nothing.
        self._proc = procinfo.proc_state()
        self._proc_ours = self._proc == "ours"
        self._names = {}            # pid -> command name, remembered for the reap
        self._before_kill = {}      # pid -> masks, read at the `signal` event
        self._snapshot_group = None  # ([members], complete) of the -g target, read then too

    # ---- Python-side events

    def start(self, argv, child_blocked=None, child_ignored=None, child_pid=None, pid=None,
              pid1=None, subreaper=None, pid_ns=None):
        """The run's facts: who pyinit is and what signal state the child starts with (masks as ints)."""
        if not self.verbosity:
            return
        pid = self._pid if pid is None else pid
        record = {
            "event": "start",
            "argv": list(argv),
            "pid": pid,
            "pid1": pid == 1 if pid1 is None else bool(pid1),
            "subreaper": procinfo.child_subreaper() if subreaper is None else bool(subreaper),
            "pid_ns": procinfo.pid_ns_inode() if pid_ns is None else pid_ns,
            "proc_matches_pid_ns": self._proc_ours,
            "child_blocked": None if child_blocked is None else sigsets.names(child_blocked),
            "child_ignored": None if child_ignored is None else sigsets.names(child_ignored),
        }
        self._write(record)
        if not self._proc_ours:
            if self._proc == "missing":
                self._warn("no_proc", "/proc is not mounted: handling states and command names "
                           "cannot be read")
            else:
                self._warn("foreign_proc", "/proc belongs to another PID namespace (/proc/self "
                           "is not pid %d): handling states and command names cannot be read"
                           % pid)
        if child_pid is not None:
            self.spawned(child_pid)

    def spawned(self, pid):
        """The main child exec'd: remember its pid (the default forward target) and its name."""
        self.main_child = pid
        name = self._remember(pid)
        if self.verbosity:
            self._write({"event": "spawn", "pid": pid, "command": name or "?"})

    def exit(self, code, explained=None):
        """The last record: the exit explanation (pyinit.explain.exit_reason) when there is one."""
        if self.verbosity:
            self._write(explained if explained is not None else {"event": "exit", "exit_code": code})

    # ---- core events

    def __call__(self, kind, a, b, c, d):
        if self.stream is None:
            return
        try:
            if isinstance(kind, int):
                kind = EVENT_KINDS[kind] if 0 <= kind < len(EVENT_KINDS) else str(kind)
            handler = getattr(self, "_on_" + kind, None)
            if handler is None:
                if self.verbosity:
                    self._write({"event": str(kind), "a": a, "b": b, "c": c, "d": d})
            else:
                handler(a, b, c, d)
        except Exception as exc:  # a tracing bug must never take the init down
            self._write({"event": "trace_error", "kind": str(kind), "error": repr(exc)})

    def _on_signal(self, signo, si_code, si_pid, si_uid):
        if signo == sigsets.SIGCHLD:
            # Exited children are zombies until the core reaps them: their names are still there.
            self._remember_children()
        if not self.verbosity:
            return
        if signo != sigsets.SIGCHLD:
            # This is the moment right before the core's kill(): read how the target handles it.
            self._snapshot_targets()
        code = sigsets.si_code_name(signo, si_code)
        record = {
            "event": "signal", "signal": sigsets.name(signo), "signo": signo,
            "code": code, "si_code": si_code, "sender_pid": si_pid, "sender_uid": si_uid,
        }
        if si_pid > 0:
            record["sender"] = self._remember(si_pid) or self._names.get(si_pid) or "?"
        elif code in ("user", "queue"):
            # The kernel reports 0 for a sender this namespace cannot see: the runtime.
            record["sender"] = "outside this PID namespace (e.g. docker stop/kill, kubelet)"
        self._write(record)

    def _on_forward(self, received, sent, target, err):
        if not self.verbosity:
            return
        pid = abs(target)
        record = {
            "event": "forward", "signal": sigsets.name(received), "signo": received,
            "sent": sigsets.name(sent) if sent else None,
            "target": target, "target_kind": "process_group" if target < 0 else "pid",
        }
        if self.main_child is None and pid > 0:
            self.main_child = pid
        if sent == 0:
            record["result"] = "dropped"
            self._before_kill = {}
            self._write(record)
            return
        record["result"] = "ok" if err == 0 else errno.errorcode.get(err, "errno %d" % err)
        # A group's members can each handle the signal their own way: read them, leader
        # first, as they were before the kill (after it, a default action may have ended them).
        group, self._snapshot_group = self._snapshot_group, None
        if target < 0 and (group is None or group[0][0] != pid):
            group = self._group_members(pid)
        members, complete = group if target < 0 else ([pid], True)
        taken, self._before_kill = self._before_kill, {}
        seen = []
        for member in members:
            masks, read_at = self._target_masks(member, taken)
            name = self._remember(member) or self._names.get(member)
            seen.append((member, name, masks,
                         procinfo.handling(masks, sent) if masks else "unknown", read_at))
        _, name, masks, handling, read_at = seen[0]
        record["command"] = name or "?"
        record["handling"] = handling
        record["handling_read"] = read_at
        if target < 0:
            record["group"] = ["%d (%s): %s" % (m, n or "?", h) for m, n, _, h, _ in seen]
            if not complete:
                # The walk stops after GROUP_WALK_LIMIT processes: a signal storm with
                # thousands of processes must not starve reaping.
                record["group_truncated"] = True
        if self.verbosity >= 2 and masks:
            for key in ("blocked", "ignored", "caught", "signalfd"):
                record["target_" + key] = sigsets.names(masks.get(key, 0))
            # Which signals a sigwait() awaits is not in /proc; that a thread waits is.
            record["target_in_sigwait"] = bool(masks.get("waited"))
        self._write(record)
        if err == 0:
            for member, name, masks, handling, _ in seen:
                if masks:
                    self._warn_about_handling(member, name, sent, handling,
                                              group=-target if target < 0 else None)

    def _on_reap(self, pid, status, is_main, _unused):
        name = self._forget(pid)
        if is_main:
            self.main_child, self._main_name = pid, name
        facts = sigsets.describe_wait_status(status)
        if self.verbosity:
            record = {"event": "reap", "pid": pid, "command": name}
            record.update(facts)
            record["raw_status"] = status
            record["main_child"] = bool(is_main)
            record["orphan"] = not is_main
            self._write(record)
        if self.warn_on_reap and not is_main:
            how = ("exit code %d" % facts["exit_code"] if facts["status"] == "exited"
                   else facts.get("signal", facts["status"]))
            self._warn("reaped_zombie", "reaped zombie pid %d (%s, %s): an orphan that its "
                       "parent did not wait for" % (pid, name, how), pid=pid, command=name)

    def _on_child_exit(self, pid, status, _c, _d):
        if not self.verbosity:
            return
        name = self._main_name if pid == self.main_child and self._main_name else self._forget(pid)
        record = {"event": "child_exit", "pid": pid, "command": name}
        record.update(sigsets.describe_wait_status(status))
        record["raw_status"] = status
        self._write(record)

    def _on_shutdown(self, signo, remaining, grace_ms, _d):
        if not self.verbosity:
            return
        killing = signo == sigsets.SIGKILL
        record = {"event": "shutdown", "signal": sigsets.name(signo), "signo": signo,
                  "remaining": remaining or None, "grace_ms": grace_ms,
                  "phase": "kill" if killing else "grace"}
        leftovers = self._leftovers(signo)
        if self._proc_ours:
            record["remaining"] = len(leftovers)
        if leftovers:
            # How each handles SIGKILL needs no saying; how each handles SIGTERM is the story.
            record["leftovers"] = ["%d (%s)" % item[:2] if killing else "%d (%s): %s" % item
                                   for item in leftovers]
        self._write(record)
        if killing:
            return
        for pid, name, handling in leftovers:
            if handling in ("ignored", "blocked"):
                self._warn("leftover_" + handling, "pid %d (%s) %s %s: it will not stop, and is "
                           "killed with SIGKILL when the grace period of %d ms ends"
                           % (pid, name, "ignores" if handling == "ignored" else "blocks",
                              sigsets.name(signo), grace_ms), pid=pid, command=name)

    def _leftovers(self, signo):
        """(pid, command, handling of signo) for what the shutdown signals: all of the
        namespace when pyinit is PID 1, else its descendants."""
        if not self._proc_ours:
            return []
        if self._pid == 1:
            pids = [int(e) for e in os.listdir("/proc") if e.isdigit() and e != "1"]
        else:
            from pyinit import leftovers
            pids = leftovers.descendants(self._pid)
        found = []
        for pid in sorted(pids):
            masks = procinfo.signal_masks(pid)
            if masks is not None and not masks["state"].startswith("Z"):
                found.append((pid, self._remember(pid) or "?", procinfo.handling(masks, signo)))
        return found

    def _on_spawn(self, pid, _b, _c, _d):
        self.spawned(pid)

    def _on_zombie(self, pid, _b, _c, _d):
        name = self._remember(pid)
        if self.verbosity >= 2:
            self._write({"event": "zombie", "pid": pid, "command": name or "?"})

    # ---- helpers

    def _snapshot_targets(self):
        # Until the main child is known, read every child: the target is one of them. With
        # -g the target is the main child's whole process group.
        self._before_kill = {}
        self._snapshot_group = None
        if not self._proc_ours:
            return
        if not self.main_child:
            targets = procinfo.children(self._pid)
        elif self.pgroup:
            self._snapshot_group = self._group_members(self.main_child)
            targets = self._snapshot_group[0]
        else:
            targets = [self.main_child]
        for pid in targets:
            self._before_kill[pid] = procinfo.signal_masks(pid)

    def _target_masks(self, pid, taken):
        """(masks, when they were read) for a forward's target: from the snapshot taken
        before the kill when there is one, else read now."""
        if not self._proc_ours or pid <= 0:
            return None, "unreadable"
        if taken.get(pid) is not None:
            return taken[pid], "before_kill"
        return procinfo.signal_masks(pid), "after_kill"

    def _group_members(self, pgid):
        """([processes of group pgid, the leader first], whether the search was complete).

        Walks the process tree from the leader and pyinit's other children (where a group's
        members live: the leader's descendants, and orphans re-parented to pyinit), and
        stops after GROUP_WALK_LIMIT processes: the cost per forwarded signal stays the
        same however many processes the namespace holds. Just the leader when /proc
        cannot tell.
        """
        members = []
        if not self._proc_ours:
            return [pgid], False
        # The leader's subtree first, pyinit's other children (orphans) once it is done.
        queue, others, complete = [pgid], None, True
        seen = {pgid}
        position = 0
        while True:
            if position == len(queue):
                if others is not None:
                    break
                others = [pid for pid in procinfo.children(self._pid) if pid not in seen]
                room = max(0, GROUP_WALK_LIMIT - len(queue))
                complete = complete and len(others) <= room
                seen.update(others[:room])
                queue.extend(others[:room])
                continue
            pid = queue[position]
            position += 1
            fields = procinfo.stat_fields(pid)
            if fields is None:
                continue
            if pid != pgid and fields[3] == pgid and not fields[1].startswith("Z"):
                members.append(pid)
            for child in procinfo.children(pid):
                if child in seen:
                    continue
                if len(queue) >= GROUP_WALK_LIMIT:
                    complete = False
                    break
                seen.add(child)
                queue.append(child)
        return [pgid] + sorted(members), complete

    def _warn_about_handling(self, target, name, signo, handling, group=None):
        who = "pid %d (%s)" % (target, name or "?")
        if group is not None:
            who += " in process group %d" % group
        sig = sigsets.name(signo)
        stop_request = signo in sigsets.STOP_REQUESTS
        if handling == "ignored":
            message = "%s ignores %s: %s" % (who, sig, "it will not stop; docker stop will SIGKILL "
                                              "it after the grace period" if stop_request
                                              else "the signal has no effect")
        elif handling == "blocked":
            message = "%s blocks %s: it stays pending until the process unblocks it%s" % (
                who, sig, "; if it never does, docker stop will SIGKILL it after the grace period"
                if stop_request else "")
        elif handling == "default" and sigsets.kills_by_default(signo) and signo != sigsets.SIGKILL:
            message = "%s has no handler for %s: the default action terminates it at once%s, " \
                      "without cleanup" % (who, sig, " (with a core dump where RLIMIT_CORE "
                                           "allows)" if sigsets.default_action(signo) == "core"
                                           else "")
        else:
            return
        facts = {"target": target, "command": name or "?", "signal": sig, "handling": handling}
        if group is not None:
            facts["process_group"] = group
        self._warn("signal_" + handling if handling != "default" else "no_handler", message,
                   **facts)

    def _warn(self, cause, message, **facts):
        record = {"event": "warning", "cause": cause, "message": message}
        record.update(facts)
        self._write(record)

    def _remember(self, pid):
        if not self._proc_ours or pid <= 0:
            return None
        name = procinfo.comm(pid)
        if name is not None:
            self._names[pid] = name
        return name

    def _remember_children(self):
        if self._proc_ours:
            for pid in procinfo.children(self._pid):
                self._remember(pid)

    def _forget(self, pid):
        return self._names.pop(pid, None) or "?"

    def write(self, record):
        """Write a record of the supervisor's (a warning, a failure report) into the trace."""
        self._write(record)

    def _write(self, record):
        if self.stream is None:
            return
        stamped = {"t": round(time.monotonic(), 6)}
        stamped.update(record)
        if not report.write(stamped, self.fmt, self.stream):
            # stderr is gone (its reader exited): every further event would fail the same
            # way, so stop tracing rather than spin on it.
            self.stream = None
