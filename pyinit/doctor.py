"""pyinit --doctor: what in this environment loses signals, leaks zombies or breaks exec.

Each check returns one record: {"check", "verdict", "message", facts...}, verdict "ok",
"warn" (suspicious, or fine only if intended) or "fail" (breaks what an init must do: reap,
forward, run the command). run() writes the records to stdout and returns 1 if any check
failed, else 0.

Output: with --report-format json, one JSON object per line, one per check
(``"event": "doctor"``), then one ``"event": "doctor_summary"`` line with the overall
verdict and the exit code; with text, one block per check and a summary line.
"""

import os
import sys

from pyinit import procinfo, report, sigsets

VERDICTS = ("ok", "warn", "fail")

CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
    "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
    "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)

KNOWN_INITS = frozenset((
    "pyinit", "tini", "tini-static", "dumb-init", "catatonit", "docker-init", "s6-svscan",
    "runit", "runsvdir", "systemd", "init", "openrc-init", "supervisord", "pause",
))
SHELLS = frozenset(("sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"))

# Losing these at start means Ctrl-C and `docker stop` cannot stop the command.
_MUST_REACH_CHILD = frozenset((2, 15))

_PYTHON_IGNORES = (1 << (13 - 1)) | (1 << (25 - 1))   # SIGPIPE, SIGXFSZ

# How long a zombie must persist to count as leaked rather than about to be reaped.
_ZOMBIE_RECHECK_SECONDS = 0.2


class Findings:
    """The sentences of one check, each with its verdict; the check's verdict is the worst."""

    def __init__(self):
        self.items = []

    def add(self, verdict, sentence):
        self.items.append((verdict, sentence))

    def record(self, check, facts):
        verdict = max((v for v, _ in self.items), key=VERDICTS.index, default="ok")
        record = {"event": "doctor", "check": check, "verdict": verdict,
                  "message": " ".join(s for _, s in self.items)}
        record.update(facts)
        return record


class Context:
    """What the checks share: the command, its environment, and the facts read once."""

    def __init__(self, cmd_argv, env, inherited_blocked, inherited_ignored, subreaper):
        self.cmd_argv = list(cmd_argv or [])
        self.env = dict(os.environ if env is None else env)
        self.inherited_blocked = inherited_blocked
        self.inherited_ignored = inherited_ignored
        self.subreaper_requested = (bool(subreaper) if subreaper is not None
                                    else _env_flag(self.env, ("PYINIT_SUBREAPER", "TINI_SUBREAPER")))
        self.pid = os.getpid()
        self.proc_state = procinfo.proc_state()
        self.proc_ours = self.proc_state == "ours"
        # Why /proc cannot list this namespace's processes, for the checks that need it.
        self.proc_problem = {"foreign": "/proc belongs to another PID namespace (see pid_namespace)",
                             "missing": "/proc is not mounted (see pid_namespace)"}.get(self.proc_state)
        self.status = procinfo.read_status("self") or {}
        self.mounts = procinfo.mountinfo()
        self.pid1 = None    # filled by the PID namespace check: {"pid", "command", "kind"}


def _env_flag(env, names):
    # The CLI's rule: set, non-empty and not 0/false/no/off.
    for name in names:
        value = env.get(name, "")
        if value:
            return value.lower() not in ("0", "false", "no", "off")
    return False


def run(cmd_argv, fmt=None, inherited_blocked=None, inherited_ignored=None,
        subreaper=None, env=None, stream=None):
    """Run every check, write the report, return 1 if a check failed (else 0).

    inherited_blocked / inherited_ignored: the signal mask and ignored set pyinit was started
    with, as ints (the launcher blocks everything before Python starts, so only it knows);
    None reads them from /proc/self/status. subreaper: whether -s was given (None: from
    PYINIT_SUBREAPER). env: the environment CMD would get (None: os.environ).
    """
    fmt = fmt or "text"
    stream = sys.stdout if stream is None else stream
    records = collect(cmd_argv, env, inherited_blocked, inherited_ignored, subreaper)
    failed = [r["check"] for r in records if r["verdict"] == "fail"]
    warned = [r["check"] for r in records if r["verdict"] == "warn"]
    code = 1 if failed else 0
    summary = {"event": "doctor_summary", "verdict": "fail" if failed else "warn" if warned else "ok",
               "failed": failed, "warnings": warned, "exit_code": code}
    for record in records:
        _write(record, fmt, stream)
    _write(summary, fmt, stream)
    return code


def collect(cmd_argv=None, env=None, inherited_blocked=None, inherited_ignored=None, subreaper=None):
    ctx = Context(cmd_argv, env, inherited_blocked, inherited_ignored, subreaper)
    checks = [check_pid_namespace, check_subreaper, check_mounts, check_credentials,
              check_limits, check_signals, check_zombies]
    if ctx.cmd_argv:
        checks.append(check_command)
    records = []
    for check in checks:
        name = check.__name__[len("check_"):]
        try:
            records.append(check(ctx))
        except Exception as exc:  # one broken check must not hide the others
            records.append({"event": "doctor", "check": name, "verdict": "warn",
                            "message": "this check could not run: %r" % (exc,)})
    return records


def _write(record, fmt, stream):
    if fmt == "json":
        report.write(record, "json", stream)
        return
    if record["event"] == "doctor_summary":
        text = "doctor: %s (exit %d)" % (record["verdict"], record["exit_code"])
        if record["failed"]:
            text += "; failed: " + ", ".join(record["failed"])
        if record["warnings"]:
            text += "; warnings: " + ", ".join(record["warnings"])
    else:
        lines = ["[%s] %s: %s" % (record["verdict"], record["check"], record["message"])]
        for key, value in record.items():
            if key in ("event", "check", "verdict", "message"):
                continue
            if isinstance(value, (list, tuple)):
                value = ", ".join(_text_item(v) for v in value) if value else "(none)"
            elif isinstance(value, dict):
                value = _text_item(value)
            lines.append("    %s: %s" % (key, value))
        text = "\n".join(lines)
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def _text_item(value):
    if isinstance(value, dict):
        return "{%s}" % " ".join("%s=%s" % item for item in value.items())
    return str(value)


# ---------------------------------------------------------------------------------------
# PID namespace


def check_pid_namespace(ctx):
    found = Findings()
    proc_entry = _last_mount_at("/proc", ctx.mounts)
    proc_self = procinfo.proc_self_pid()
    nspid = [int(p) for p in ctx.status.get("NSpid", "").split() if p.isdigit()]
    facts = {"pid": ctx.pid, "pid1": ctx.pid == 1, "nspid": nspid,
             "pid_ns": procinfo.pid_ns_inode(), "proc_mounted": proc_entry is not None,
             "proc_self": proc_self, "proc_matches_pid_ns": ctx.proc_ours}

    if proc_entry is None or not os.path.exists("/proc/self"):
        found.add("fail", "/proc is not mounted: ps, psutil, pyinit --verbose and programs "
                  "that read /proc/self cannot see any process; mount it "
                  "(`mount -t proc proc /proc`).")
        return found.record("pid_namespace", facts)

    if not ctx.proc_ours:
        where = ("pid %d" % proc_self) if proc_self is not None else "nothing"
        found.add("fail", "/proc belongs to another PID namespace: /proc/self resolves to %s "
                  "but this process is pid %d. /proc was mounted by an ancestor namespace "
                  "(`unshare --pid` without --mount-proc, or the host's /proc bind-mounted in): "
                  "/proc/1 is not this namespace's PID 1, and ps, psutil, /proc/self readers and "
                  "pyinit --verbose see the wrong processes. Mount a procfs for this namespace "
                  "(`mount -t proc proc /proc`, `unshare --mount-proc`)." % (where, ctx.pid))
    else:
        ctx.pid1 = _describe_pid1(ctx)
        facts["pid1_command"] = ctx.pid1["command"]
        facts["pid1_kind"] = ctx.pid1["kind"]
        _judge_pid1(ctx, found)

    hidepid = sorted(o for o in proc_entry["super_options"] | proc_entry["options"]
                     if o.startswith("hidepid=") or o.startswith("subset="))
    facts["proc_options"] = hidepid
    if any(o.startswith("hidepid=") and o not in ("hidepid=0", "hidepid=off") for o in hidepid):
        if os.geteuid() == 0:
            found.add("ok", "/proc is mounted with %s: hidden from other users, but root sees "
                      "every process." % ", ".join(hidepid))
        else:
            found.add("warn", "/proc is mounted with %s: processes of other users are hidden "
                      "from uid %d, so --doctor and --verbose cannot see or name them."
                      % (", ".join(hidepid), os.geteuid()))
    return found.record("pid_namespace", facts)


def _describe_pid1(ctx):
    if ctx.pid == 1:
        return {"pid": 1, "command": procinfo.comm("self") or "?", "kind": "this process"}
    command = procinfo.comm(1) or "?"
    base = os.path.basename(command)
    kind = ("pause container" if base == "pause" else "init" if base in KNOWN_INITS
            else "shell" if base in SHELLS else "other")
    return {"pid": 1, "command": command, "kind": kind}


def _judge_pid1(ctx, found):
    pid1 = ctx.pid1
    if pid1["kind"] == "this process":
        found.add("ok", "This process is PID 1 of its PID namespace and /proc belongs to it.")
    elif pid1["kind"] == "pause container":
        found.add("warn", "PID 1 is the pause container (Kubernetes shareProcessNamespace): it "
                  "reaps orphans of the pod, but signals from the kubelet reach each container's "
                  "own process, not pyinit as PID 1; run pyinit with -s so it reaps its own "
                  "descendants.")
    elif pid1["kind"] == "init":
        found.add("ok", "PID 1 is %s, an init: it reaps orphans of this namespace." % pid1["command"])
    elif pid1["kind"] == "shell":
        found.add("warn", "PID 1 is a shell (%s): while it waits for a foreground command it does "
                  "not forward SIGTERM to it, so `docker stop` waits out the grace period; make "
                  "the shell `exec` pyinit, or put pyinit first." % pid1["command"])
    else:
        found.add("warn", "PID 1 is %s, not an init: orphans reparented to it stay zombies "
                  "unless it wait()s for them, and signals sent to the container reach only it."
                  % pid1["command"])


def _last_mount_at(point, mounts):
    chosen = None
    for entry in mounts:
        if entry["mount_point"] == point:
            chosen = entry
    return chosen


# ---------------------------------------------------------------------------------------
# subreaper


def check_subreaper(ctx):
    found = Findings()
    current = procinfo.child_subreaper()
    facts = {"subreaper": current, "subreaper_requested": ctx.subreaper_requested}
    if ctx.pid == 1:
        found.add("ok", "pyinit is PID 1: every orphan of this namespace is reparented to it and "
                  "reaped (the subreaper flag is not needed).")
    elif current:
        found.add("ok", "This process is a child subreaper: orphaned descendants are reparented "
                  "to it and reaped.")
    elif ctx.subreaper_requested:
        found.add("ok", "Not PID 1, but -s/PYINIT_SUBREAPER is set: pyinit makes itself a child "
                  "subreaper at start, so orphaned descendants are reparented to it and reaped.")
    elif ctx.pid1 and ctx.pid1["kind"] == "init":
        # The usual `docker exec CTR pyinit --doctor`: the container's own init is PID 1.
        found.add("ok", "Not PID 1 and not a child subreaper: orphaned descendants are "
                  "reparented to PID 1 (%s), an init, which reaps them. Pass -s if this pyinit "
                  "should reap them itself and stop them at shutdown." % ctx.pid1["command"])
    else:
        pid1 = ctx.pid1["command"] if ctx.pid1 else "PID 1"
        found.add("warn", "pyinit is neither PID 1 nor a child subreaper: orphaned descendants "
                  "are reparented to %s (or an ancestor subreaper), never to pyinit, which "
                  "cannot reap them; run it with -s or PYINIT_SUBREAPER=1." % pid1)
    if current is None:
        found.add("warn", "prctl(PR_GET_CHILD_SUBREAPER) is not available here.")
    return found.record("subreaper", facts)


# ---------------------------------------------------------------------------------------
# mounts that break exec


def check_mounts(ctx):
    found = Findings()
    root = procinfo.mount_for("/", ctx.mounts)
    facts = {"root_read_only": bool(root and "ro" in root["options"])}
    if root is None:
        found.add("warn", "/proc/self/mountinfo could not be read: mount options are unknown.")
        return found.record("mounts", facts)
    if facts["root_read_only"]:
        found.add("warn", "The root filesystem is read-only: fine when intended "
                  "(readOnlyRootFilesystem), but writes outside mounted volumes fail with EROFS.")

    noexec, nosuid = [], []
    for directory in _path_dirs(ctx.env):
        entry = procinfo.mount_for(os.path.realpath(directory), ctx.mounts)
        if entry and "noexec" in entry["options"]:
            noexec.append(directory)
        if entry and "nosuid" in entry["options"]:
            nosuid.append(directory)
    facts["noexec_path_dirs"] = noexec
    facts["nosuid_path_dirs"] = nosuid
    if noexec:
        found.add("warn", "PATH directories on noexec mounts: %s; a program found there cannot "
                  "be executed (EACCES)." % ", ".join(noexec))

    if ctx.cmd_argv:
        target = _resolve(ctx.cmd_argv[0], ctx.env)
        facts["target"] = target
        if target is None:
            found.add("warn", "%s %s, so its mount cannot be checked."
                      % (ctx.cmd_argv[0], "does not exist" if "/" in ctx.cmd_argv[0]
                         else "is not found on PATH"))
        else:
            entry = procinfo.mount_for(os.path.dirname(os.path.realpath(target)), ctx.mounts)
            facts["target_mount"] = entry["mount_point"] if entry else None
            facts["target_mount_options"] = sorted(entry["options"]) if entry else []
            if entry and "noexec" in entry["options"]:
                found.add("fail", "%s is on %s, mounted noexec: execve() fails with EACCES."
                          % (target, entry["mount_point"]))
            elif entry and "nosuid" in entry["options"] and _is_setid(target):
                found.add("warn", "%s is setuid/setgid but %s is mounted nosuid: it runs "
                          "without the extra privilege." % (target, entry["mount_point"]))
    if not found.items:
        found.add("ok", "Root is writable and no PATH directory is on a noexec mount.")
    return found.record("mounts", facts)


def _path_dirs(env):
    seen = []
    for directory in env.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(":"):
        if directory and directory not in seen and os.path.isdir(directory):
            seen.append(directory)
    return seen


def _resolve(command, env):
    """Where execvp would find command: the first executable file on PATH, else the first file.

    Not shutil.which: access(X_OK) is refused on a noexec mount, and that is what we look for.
    """
    if "/" in command:
        return command if os.path.exists(command) else None
    first = None
    for directory in env.get("PATH", "/usr/local/bin:/usr/bin:/bin").split(":"):
        candidate = os.path.join(directory or ".", command)
        if os.path.isfile(candidate):
            if os.access(candidate, os.X_OK):
                return candidate
            first = first or candidate
    return first


def _is_setid(path):
    try:
        return bool(os.stat(path).st_mode & 0o6000)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------
# credentials


def check_credentials(ctx):
    found = Findings()
    status = ctx.status
    caps = _effective_caps(status)
    uid_map = _read_map("/proc/self/uid_map")
    gid_map = _read_map("/proc/self/gid_map")
    uids = status.get("Uid", "").split()
    facts = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "egid": os.getegid(),
             "uids": uids, "uid_map": uid_map, "gid_map": gid_map,
             "user_namespace": uid_map not in ([], ["0 0 4294967295"]),
             "capabilities": caps, "no_new_privs": status.get("NoNewPrivs") == "1",
             "seccomp": {"0": "disabled", "1": "strict", "2": "filter"}.get(
                 status.get("Seccomp", ""), "unknown")}

    if facts["user_namespace"]:
        outside = _map_outside(uid_map, os.geteuid())
        facts["uid_outside"] = outside
        found.add("ok", "Running in a user namespace (uid_map %s): uid %d here is %s outside, "
                  "and capabilities count only for what this namespace owns."
                  % ("; ".join(uid_map), os.geteuid(),
                     "uid %d" % outside if outside is not None else "unmapped"))
    if "CapEff" not in status:
        found.add("warn", "/proc/self/status cannot be read (%s): capabilities, NoNewPrivs and "
                  "seccomp are unknown." % ("/proc is not mounted" if ctx.proc_state == "missing"
                                            else "unreadable"))
    elif os.geteuid() == 0:
        if "CAP_KILL" not in caps:
            found.add("warn", "Root without CAP_KILL: once the command switches to another user "
                      "(gosu, su-exec, setuid), pyinit cannot signal it and forwards fail with "
                      "EPERM.")
    else:
        found.add("ok", "pyinit runs as uid %d: it can signal only processes of that uid, so a "
                  "command that changes user will not get forwarded signals." % os.geteuid())
    if facts["no_new_privs"]:
        found.add("ok", "NoNewPrivs is set: setuid/setgid programs and file capabilities do not "
                  "raise privileges (sudo, su, ping from a setuid binary).")
    if facts["seccomp"] == "filter":
        found.add("ok", "A seccomp filter is active (%s filters): a syscall it forbids fails "
                  "with EPERM or ENOSYS; suspect it if pyinit reports such an errno from "
                  "prctl, rt_sigtimedwait or waitpid." % status.get("Seccomp_filters", "?"))
    elif facts["seccomp"] == "strict":
        found.add("fail", "Seccomp strict mode: only read, write, _exit and sigreturn are "
                  "allowed; nothing can run.")
    if not found.items:
        found.add("ok", "Credentials do not limit signalling or reaping.")
    return found.record("credentials", facts)


def _map_outside(lines, inside_id):
    """The id outside the user namespace for inside_id, from uid_map lines 'inside outside count'."""
    for line in lines:
        try:
            inside, outside, count = (int(word) for word in line.split())
        except ValueError:
            continue
        if inside <= inside_id < inside + count:
            return outside + inside_id - inside
    return None


def _read_map(path):
    try:
        with open(path) as f:
            return [" ".join(line.split()) for line in f if line.strip()]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------
# limits


def check_limits(ctx):
    found = Findings()
    facts = {}
    cgroup = _pids_cgroup(ctx.mounts)
    facts.update(cgroup)
    if cgroup.get("pids_max") is not None:
        left = cgroup["pids_max"] - cgroup["pids_current"]
        if left <= 0:
            found.add("fail", "The pids cgroup %s is full (%d/%d): fork() and clone() fail with "
                      "EAGAIN, so nothing new can start." % (cgroup["pids_cgroup"],
                                                             cgroup["pids_current"], cgroup["pids_max"]))
        elif left < max(10, cgroup["pids_max"] // 10):
            found.add("warn", "The pids cgroup %s is nearly full (%d/%d): leaked zombies and "
                      "threads count against it." % (cgroup["pids_cgroup"], cgroup["pids_current"],
                                                      cgroup["pids_max"]))
    facts["pid_max"] = _read_int("/proc/sys/kernel/pid_max")

    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    facts["rlimit_nproc"] = [None if soft == resource.RLIM_INFINITY else soft,
                             None if hard == resource.RLIM_INFINITY else hard]
    if soft != resource.RLIM_INFINITY:
        exempt = os.geteuid() == 0 and bool(
            {"CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"} & set(_effective_caps(ctx.status)))
        used = (sum(p["threads"] for p in _processes() if p["uid"] == os.getuid())
                if ctx.proc_ours else None)
        facts["nproc_used_visible"] = used
        if exempt:
            found.add("ok", "RLIMIT_NPROC is %d, but root with CAP_SYS_RESOURCE/CAP_SYS_ADMIN is "
                      "exempt." % soft)
        elif not ctx.proc_ours:
            found.add("warn", "RLIMIT_NPROC is %d; how many processes uid %d has cannot be "
                      "counted: %s." % (soft, os.getuid(), ctx.proc_problem))
        elif used >= soft:
            found.add("fail", "uid %d already has %d processes and threads, RLIMIT_NPROC is %d: "
                      "fork() fails with EAGAIN." % (os.getuid(), used, soft))
        elif used >= soft * 9 // 10:
            found.add("warn", "uid %d has %d of its RLIMIT_NPROC %d processes and threads (the "
                      "kernel counts the whole user namespace, other containers with the same "
                      "uid included)." % (os.getuid(), used, soft))
    if not found.items:
        found.add("ok", "Process limits leave room to fork.")
    return found.record("limits", facts)


def _effective_caps(status):
    """CapEff by name; bits newer than this table as cap_N."""
    cap_eff = sigsets.parse_hex(status.get("CapEff", "0"))
    return [CAPABILITIES[bit] if bit < len(CAPABILITIES) else "cap_%d" % bit
            for bit in range(64) if (cap_eff >> bit) & 1]


def _pids_cgroup(mounts):
    """The tightest pids.max between our cgroup and the top of the mounted hierarchy."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return {"pids_cgroup": None, "pids_max": None, "cgroup_version": None}
    v1 = [p for p in lines if len(p) == 3 and "pids" in p[1].split(",")]
    if v1:
        version, path = 1, v1[0][2]
        mount = next((m for m in mounts if m["fstype"] == "cgroup" and "pids" in m["super_options"]),
                     None)
    else:
        v2 = [p for p in lines if len(p) == 3 and p[0] == "0" and p[1] == ""]
        version, path = 2, v2[0][2] if v2 else "/"
        mount = next((m for m in mounts if m["fstype"] == "cgroup2"), None)
    facts = {"cgroup_version": version, "pids_cgroup": path, "pids_max": None}
    if mount is None:
        return facts
    # Inside a cgroup namespace the path is relative to the namespace root; outside, it is
    # relative to the hierarchy root, of which the mount may show only a subtree.
    relative = path
    if mount["root"] != "/" and path.startswith(mount["root"]):
        relative = path[len(mount["root"]):]
    directory = os.path.join(mount["mount_point"], relative.lstrip("/"))
    if not os.path.isdir(directory):
        directory = mount["mount_point"]
    best = None
    while True:
        limit = _read_text(os.path.join(directory, "pids.max"))
        current = _read_int(os.path.join(directory, "pids.current"))
        if limit is not None and limit != "max" and limit.isdigit() and current is not None:
            if best is None or int(limit) - current < best[1] - best[2]:
                best = (directory, int(limit), current)
        if os.path.normpath(directory) == os.path.normpath(mount["mount_point"]):
            break
        directory = os.path.dirname(directory)
    if best is not None:
        facts.update({"pids_cgroup": best[0], "pids_max": best[1], "pids_current": best[2]})
    else:
        facts["pids_current"] = _read_int(os.path.join(mount["mount_point"], relative.lstrip("/"),
                                                       "pids.current"))
    return facts


def _read_text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def _read_int(path):
    text = _read_text(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------
# signals pyinit was started with


def check_signals(ctx):
    found = Findings()
    if ctx.inherited_blocked is not None and ctx.inherited_ignored is not None:
        blocked, ignored, source = ctx.inherited_blocked, ctx.inherited_ignored, "inherited"
    else:
        blocked = sigsets.parse_hex(ctx.status.get("SigBlk", "0"))
        # CPython itself sets SIGPIPE and SIGXFSZ to SIG_IGN at start: not inherited.
        ignored = sigsets.parse_hex(ctx.status.get("SigIgn", "0")) & ~_PYTHON_IGNORES
        source = "/proc/self/status"
    facts = {"source": source, "blocked": sigsets.names(blocked), "ignored": sigsets.names(ignored)}
    for label, mask, verb in (("ignored", ignored, "ignores %s unless it sets its own handler"),
                              ("blocked", blocked, "blocks %s unless it unblocks it")):
        critical = [sigsets.name(s) for s in sigsets.members(mask) if s in _MUST_REACH_CHILD]
        other = [sigsets.name(s) for s in sigsets.members(mask)
                 if s not in _MUST_REACH_CHILD and s not in (sigsets.SIGKILL, sigsets.SIGSTOP)]
        if critical:
            found.add("fail", "pyinit was started with %s %s and passes that on to the command, "
                      "as exec does: the command %s, so Ctrl-C and `docker stop` cannot stop it "
                      "(SIGKILL after the grace period). Fix the runtime or the wrapper that "
                      "starts pyinit."
                      % (", ".join(critical), label,
                         verb % ("it" if len(critical) == 1 else "them")))
        if other:
            found.add("warn", "Also %s at start, and passed on to the command: %s."
                      % (label, ", ".join(other)))
    if sigsets.has(ignored, sigsets.SIGCHLD):
        found.add("warn", "SIGCHLD was ignored: a process with SIGCHLD ignored has its children "
                  "reaped by the kernel and waitpid() fails with ECHILD, so their exit status "
                  "is lost.")
    if source != "inherited":
        found.add("ok", "(Read from /proc/self/status, without SIGPIPE and SIGXFSZ, which "
                  "Python ignores itself; through the pyinit launcher this would show the "
                  "launcher's full block, not the inherited mask.)")
    if not blocked and not ignored:
        found.add("ok", "No signal was blocked or ignored when pyinit started.")
    return found.record("signals", facts)


# ---------------------------------------------------------------------------------------
# zombies nobody reaps


def check_zombies(ctx):
    import time

    found = Findings()
    if not ctx.proc_ours:
        found.add("warn", "Cannot list this namespace's processes: %s." % ctx.proc_problem)
        return found.record("zombies", {"zombies": []})
    first = {p["pid"]: p for p in _processes() if p["state"] == "Z"}
    if first:
        # A zombie whose parent is about to wait() is not a leak: look again a moment later.
        time.sleep(_ZOMBIE_RECHECK_SECONDS)
        now = {p["pid"]: p for p in _processes() if p["state"] == "Z"}
        first = {pid: p for pid, p in now.items()
                 if pid in first and first[pid]["ppid"] == p["ppid"]}
    zombies = []
    by_parent = {}
    for pid in sorted(first):
        zombie = first[pid]
        parent = zombie["ppid"]
        masks = procinfo.signal_masks(parent) if ctx.proc_ours else None
        entry = {"pid": pid, "command": zombie["command"], "parent_pid": parent,
                 "parent_command": procinfo.comm(parent) or "?",
                 "parent_sigchld": procinfo.handling(masks, sigsets.SIGCHLD) if masks else "unknown"}
        zombies.append(entry)
        by_parent.setdefault(parent, []).append(entry)
    facts = {"zombies": zombies}
    for parent, leaked in sorted(by_parent.items()):
        names = ", ".join("%d (%s)" % (z["pid"], z["command"]) for z in leaked)
        who = "%d (%s)" % (parent, leaked[0]["parent_command"])
        if parent == 1 and ctx.pid != 1:
            found.add("fail", "PID 1 (%s) does not reap: zombies %s are orphans it never waits "
                      "for, and they count against the pids limit. Run pyinit as PID 1, or "
                      "under it with -s." % (leaked[0]["parent_command"], names))
        elif parent == ctx.pid:
            found.add("fail", "This process %s has unreaped children %s." % (who, names))
        else:
            handler = leaked[0]["parent_sigchld"]
            found.add("warn", "Parent %s is alive and does not wait() for its exited children %s "
                      "(its SIGCHLD handling: %s). No init can reap them while the parent lives: "
                      "they are reparented, and reaped, only when it exits. Fix the parent to "
                      "wait() for its children." % (who, names, handler))
    if not zombies:
        found.add("ok", "No zombie lingers.")
    return found.record("zombies", facts)


def _import_psutil():
    """psutil, or None. The launcher runs the interpreter without `site` (-S) when it knows
    where pyinit lies, so a psutil installed elsewhere (the interpreter's own site-packages)
    is found only once site has run: it is run here, for --doctor only."""
    try:
        import psutil
        return psutil
    except ImportError:
        pass
    if sys.flags.no_site:
        try:
            import site
            site.main()
            import psutil
            return psutil
        except ImportError:
            pass
    return None


def _processes():
    """Every visible process as {'pid', 'ppid', 'command', 'state', 'uid', 'threads'}.

    psutil when it is installed; otherwise the same facts straight from /proc.
    """
    psutil = _import_psutil()
    found = []
    if psutil is not None:
        for proc in psutil.process_iter(["pid", "ppid", "name", "status", "uids", "num_threads"]):
            info = proc.info
            if info["ppid"] is None:
                continue
            found.append({"pid": info["pid"], "ppid": info["ppid"], "command": info["name"] or "?",
                          "state": "Z" if info["status"] == psutil.STATUS_ZOMBIE else "R",
                          "uid": info["uids"].real if info["uids"] else -1,
                          "threads": info["num_threads"] or 1})
        return found
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = procinfo.stat_fields(entry)
        status = procinfo.read_status(entry)
        if fields is None or status is None:
            continue
        try:
            uid = int(status.get("Uid", "-1").split()[0])
            threads = int(status.get("Threads", "1"))
        except (IndexError, ValueError):
            uid, threads = -1, 1
        found.append({"pid": int(entry), "ppid": fields[2], "command": fields[0],
                      "state": fields[1], "uid": uid, "threads": threads})
    return found


# ---------------------------------------------------------------------------------------
# the command itself (--check)


def check_command(ctx):
    facts = {"argv": ctx.cmd_argv}
    try:
        from pyinit import preflight
    except ImportError as exc:
        return {"event": "doctor", "check": "command", "verdict": "warn",
                "message": "The --check validation is not available in this build (%s)." % exc,
                "argv": ctx.cmd_argv}
    failure = preflight.check(ctx.cmd_argv, ctx.env, deep=True)
    if failure is None:
        return {"event": "doctor", "check": "command", "verdict": "ok",
                "message": "%s can be executed (--check passed)." % ctx.cmd_argv[0],
                "argv": ctx.cmd_argv}
    # A preflight failure record: cause (+ errno) and a hint, as every failure report has.
    message = failure.get("message") or failure.get("hint") or "the --check validation failed"
    if failure.get("cause"):
        message = "%s: %s" % (failure["cause"], message)
    facts["failure"] = failure
    return {"event": "doctor", "check": "command", "verdict": "fail",
            "message": "%s cannot run: %s" % (ctx.cmd_argv[0], message), **facts}
