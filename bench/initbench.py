#!/usr/bin/env python3
"""initbench: pyinit against tini, dumb-init and catatonit, measured side by side.

Every measurement runs every init in one interleaved sequence (A B C D, then B C D A, ...)
so that noise from other work on the machine spreads evenly over all of them, and every
init runs the same child programs (small C helpers compiled here at run time).  Each init
is measured as PID 1 of a new PID namespace (`unshare --pid --fork --mount-proc INIT ...`,
mode "ns") and as a plain child of this script (mode "plain"; tini and pyinit get -s there,
which also silences their not-a-reaper warning).  Unless --no-bundle, a self-contained bundle
(`python -m pyinit.bundle`, built with pyinit's own interpreter) runs as one more init,
"pyinit-bundle", and is compared with the venv-installed pyinit.

    python3 bench/initbench.py [--quick] [--json FILE] [--pyinit PATH] [--no-bundle]

Needs root (PID namespaces), gcc, util-linux (unshare) and taskset.  Only the standard
library: the bench must not change what it measures.
"""

import argparse
import datetime
import json
import os
import platform
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEERS = ("tini", "dumb-init", "catatonit")
BUNDLE = "pyinit-bundle"
BUNDLE_START_LIMIT = 1.10  # issue 11: the bundle's start within 1.1x of the venv pyinit's
MODES = ("ns", "plain")
CLOCK = time.CLOCK_MONOTONIC

QUICK = {"start_rounds": 30, "memory_rounds": 2, "idle_windows": 1, "signal_rounds": 100,
         "storm_rounds": 1, "reap_rounds": 1, "orphans": 2000, "preflight_calls": 300}
FULL = {"start_rounds": 200, "memory_rounds": 5, "idle_windows": 3, "signal_rounds": 1000,
        "storm_rounds": 3, "reap_rounds": 7, "orphans": 5000, "preflight_calls": 2000}
IDLE_WINDOW_S = 3.0
SIGNAL_LAUNCHES = 5
STORM_USR1 = 10000
STORM_RT = 1000


# ---------------------------------------------------------------------------------------
# The inits under test

class Init:
    """One init: how to start it in each mode, with a command after it."""

    def __init__(self, name, path, plain_flags=()):
        self.name = name
        self.path = path
        self.plain_flags = list(plain_flags)

    def argv(self, mode, command):
        flags = self.plain_flags if mode == "plain" else []
        return [self.path] + flags + ["--"] + list(command)


def find_inits(pyinit_path):
    """The inits present on this machine, and a line for each one that is missing."""
    found, missing = [], []
    plain_flags = {"tini": ["-s"], "dumb-init": [], "catatonit": []}
    for name in PEERS:
        path = shutil.which(name)
        if path:
            found.append(Init(name, path, plain_flags[name]))
        else:
            missing.append("%s: not installed (apt-get install %s failed?)" % (name, name))
    if os.access(pyinit_path, os.X_OK):
        found.append(Init("pyinit", os.path.abspath(pyinit_path), ["-s"]))
    else:
        missing.append("pyinit: %s is not an executable (build the venv: see README)" % pyinit_path)
    return found, missing


def build_bundle(python, workdir):
    """(Init, None) for a bundle that `python -m pyinit.bundle` writes into workdir, or
    (None, why) when it cannot be made: the bundle is one more init, measured like pyinit."""
    out = os.path.join(workdir, "bundle")
    try:
        result = subprocess.run([python, "-m", "pyinit.bundle", "--output", out],
                                capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as error:
        return None, "%s: cannot run %s -m pyinit.bundle: %s" % (BUNDLE, python, error)
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or ["exit %d" % result.returncode])[-1]
        return None, "%s: cannot be built: %s" % (BUNDLE, why)
    return Init(BUNDLE, os.path.join(out, "bin", "pyinit"), ["-s"]), None


def venv_python(pyinit_path):
    """The interpreter the `pyinit` launcher execs: bin/python3 next to it."""
    path = os.path.join(os.path.dirname(os.path.abspath(pyinit_path)), "python3")
    return path if os.access(path, os.X_OK) else None


def rotated(items, round_no):
    """Round r starts at item r: A B C D, B C D A, C D A B, ..."""
    k = round_no % len(items) if items else 0
    return items[k:] + items[:k]


# ---------------------------------------------------------------------------------------
# Helpers compiled at run time

def compile_helpers(workdir):
    """gcc each bench/helpers/*.c into workdir; static_true is linked statically."""
    built = {}
    for source in sorted(os.listdir(os.path.join(HERE, "helpers"))):
        if not source.endswith(".c"):
            continue
        name = source[:-2]
        out = os.path.join(workdir, name)
        cmd = ["gcc", "-O2", "-Wall", "-o", out, os.path.join(HERE, "helpers", source)]
        if name == "static_true":
            cmd.insert(1, "-static")
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit("initbench: cannot compile %s: %s" % (source, result.stderr.strip()))
        built[name] = out
    return built


# ---------------------------------------------------------------------------------------
# Process plumbing: posix_spawn, /proc readers, start and stop

DEVNULL = os.open(os.devnull, os.O_RDWR)
UNSHARE = [shutil.which("unshare") or "/usr/bin/unshare", "--pid", "--fork", "--mount-proc"]
TASKSET = shutil.which("taskset") or "/usr/bin/taskset"
LIVE = set()  # outer pids still running, killed on the way out whatever happens


def spawn(argv, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL):
    """posix_spawn with stdio redirected; the cheapest start Python offers, equal for all."""
    actions = [(os.POSIX_SPAWN_DUP2, stdin, 0), (os.POSIX_SPAWN_DUP2, stdout, 1),
               (os.POSIX_SPAWN_DUP2, stderr, 2)]
    return os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)


def wall_ns(argv):
    """Wall time from spawn to reaped exit of argv, in ns."""
    start = time.perf_counter_ns()
    pid = spawn(argv)
    os.waitpid(pid, 0)
    return time.perf_counter_ns() - start


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2]  # comm may hold spaces and parentheses


def cpu_ns(pid):
    """Time spent on the CPU, /proc/PID/schedstat field 1."""
    with open("/proc/%d/schedstat" % pid) as f:
        return int(f.read().split()[0])


def status_fields(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()[0] if value.split() else ""
    return fields


def pss_kb(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return None


def ctx_switches(pid):
    fields = status_fields(pid)
    return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])


def wait_until(predicate, timeout, what, poll=0.0005):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("%s (timed out after %g s)" % (what, timeout))
        time.sleep(poll)


class Running:
    """An init started with a command; init_pid is the init itself (outer namespace pid)."""

    def __init__(self, name, mode, outer_pid, init_pid):
        self.name, self.mode = name, mode
        self.outer_pid, self.init_pid = outer_pid, init_pid

    def child_pid(self):
        kids = children(self.init_pid)
        return kids[0] if kids else None


def launch(init, mode, command, pin_cpu=None, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL):
    """Start init (or, with init None, the bare command) and wait until its child exists."""
    argv = init.argv(mode, command) if init else list(command)
    if init and mode == "ns":
        argv = UNSHARE + argv
    if pin_cpu is not None:
        argv = [TASKSET, "-c", str(pin_cpu)] + argv
    outer = spawn(argv, stdin, stdout, stderr)
    LIVE.add(outer)
    name = init.name if init else os.path.basename(command[0])
    if init is None:
        return Running(name, mode, outer, outer)
    if mode == "ns":
        # unshare forks; its child becomes PID 1 of the namespace and execs the init
        init_pid = wait_until(lambda: (children(outer) or [None])[0], 10, "unshare of " + name)
    else:
        init_pid = outer
    # the init has forked its command: it has finished starting
    wait_until(lambda: children(init_pid), 10, name + " never started its child")
    return Running(name, mode, outer, init_pid)


def stop(run):
    """SIGKILL: in a namespace the kernel takes everything with PID 1; plain, kill the child first."""
    if run.mode == "plain":
        for pid in children(run.init_pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    try:
        os.kill(run.init_pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(run.outer_pid, 0)
    LIVE.discard(run.outer_pid)


def kill_leftovers():
    for pid in list(LIVE):
        try:
            for kid in children(pid):
                os.kill(kid, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


def exit_status(status):
    """What a shell would show: the exit code, or 128+N for death by signal N."""
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


def read_exact(fd, size, timeout):
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_line(fd, timeout):
    line = b""
    while not line.endswith(b"\n"):
        byte = read_exact(fd, 1, timeout)
        if byte is None:
            return None
        line += byte
    return line.decode().strip()


def median(values):
    return statistics.median(values) if values else None


def p99(values):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------
# 1. start + teardown overhead

def measure_start(inits, python, rounds):
    """wall(INIT /bin/true) - wall(/bin/true), each paired with a baseline run just before."""
    true = shutil.which("true") or "/bin/true"
    baseline = {"ns": UNSHARE + [true], "plain": [true]}
    targets = [("%s/%s" % (i.name, m), m, (UNSHARE if m == "ns" else []) + i.argv(m, [true]))
               for m in MODES for i in inits]
    if python:
        targets.append(("python -S -I -c pass", "plain", [python, "-S", "-I", "-c", "pass"]))
        targets.append(("python -c pass", "plain", [python, "-c", "pass"]))
    for _, _, argv in targets:  # warm the page cache: the first run reads from disk
        wall_ns(argv)
    overhead = {key: [] for key, _, _ in targets}
    for r in range(rounds):
        for key, mode, argv in rotated(targets, r):
            base = wall_ns(baseline[mode])
            overhead[key].append(wall_ns(argv) - base)
    return {key: {"median_us": median(v) / 1000, "n": len(v)} for key, v in overhead.items()}



def cost(argv):
    """(wall ns, CPU ns) of argv from spawn to reaped exit; the CPU of every process it
    waited for (unshare waits for the init, the init for its child) is in its rusage."""
    start = time.perf_counter_ns()
    pid = spawn(argv)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - start
    if status != 0:
        raise RuntimeError("%s exited with status %d" % (" ".join(argv[:3]), status))
    return wall, int((usage.ru_utime + usage.ru_stime) * 1e9)


def measure_start_vs_floor(inits, python, rounds):
    """CPU and wall of `INIT -- true` over those of `python -I -S -c pass` (the floor of an
    init hosted by this interpreter), as PID 1 of a namespace and as a plain child.

    Each round runs every init and the floor once, interleaved; a ratio is taken within a
    round, and the figure is the median of the per-round ratios.
    """
    if not python:
        return {}
    true = shutil.which("true") or "/bin/true"
    floor = [python, "-I", "-S", "-c", "pass"]
    targets = []
    for mode in MODES:
        prefix = UNSHARE if mode == "ns" else []
        targets.append(("floor/" + mode, prefix + floor))
        targets += [("%s/%s" % (i.name, mode), prefix + i.argv(mode, [true])) for i in inits]
    for _, argv in targets:  # warm the page cache
        cost(argv)
    samples = {key: [] for key, _ in targets}
    for r in range(rounds):
        for key, argv in rotated(targets, r):
            samples[key].append(cost(argv))
    out = {}
    for key, values in samples.items():
        mode = key.split("/")[1]
        base = samples["floor/" + mode]
        out[key] = {"wall_ms": median([v[0] for v in values]) / 1e6,
                    "cpu_ms": median([v[1] for v in values]) / 1e6, "n": len(values)}
        if not key.startswith("floor/"):
            out[key]["wall_ratio"] = median([a[0] / b[0] for a, b in zip(values, base)])
            out[key]["cpu_ratio"] = median([a[1] / b[1] for a, b in zip(values, base) if b[1]])
    for mode in MODES:
        mine, venv = samples.get("%s/%s" % (BUNDLE, mode)), samples.get("pyinit/" + mode)
        if mine and venv:  # measured in the same rounds: the per-round ratio cancels drift
            out["%s/%s" % (BUNDLE, mode)]["vs_pyinit"] = {
                what: paired_ratio([v[k] for v in mine], [v[k] for v in venv])
                for k, what in enumerate(("wall", "cpu"))}
    return out


# ---------------------------------------------------------------------------------------
# 2. idle cost while the child sleeps

def measure_memory(inits, python, rounds):
    """VmRSS, RssAnon, Pss of each init with `sleep` as child, one running at a time.

    One at a time because Pss splits shared pages among the processes mapping them: two
    copies of the same init running together would halve each other's figure.
    """
    sleep = shutil.which("sleep") or "/bin/sleep"
    targets = [(i, "ns") for i in inits]
    if python:
        targets.append((None, "plain"))
    samples = {}
    cmdline = {}
    pss_ratios = []  # pyinit / bare interpreter within one round: Pss moves with what else maps libpython
    for r in range(rounds):
        this_round = {}
        for init, mode in rotated(targets, r):
            if init is None:
                key = "bare interpreter"
                run = launch(None, mode, [python, "-I", "-S", "-c", "import time; time.sleep(100)"])
                time.sleep(0.3)  # no child to wait for: give the interpreter time to settle
            else:
                key = init.name
                run = launch(init, mode, [sleep, "1000"])
                time.sleep(0.1)
            fields = status_fields(run.init_pid)
            samples.setdefault(key, []).append(
                (int(fields["VmRSS"]), int(fields["RssAnon"]), pss_kb(run.init_pid)))
            this_round[key] = samples[key][-1][2]
            with open("/proc/%d/cmdline" % run.init_pid, "rb") as f:
                cmdline[key] = [a.decode() for a in f.read().split(b"\0")[:-1]]
            stop(run)
        if "pyinit" in this_round and "bare interpreter" in this_round:
            pss_ratios.append(this_round["pyinit"] / this_round["bare interpreter"])
    memory = {key: {"vmrss_kb": median([s[0] for s in v]), "rssanon_kb": median([s[1] for s in v]),
                    "pss_kb": median([s[2] for s in v])} for key, v in samples.items()}
    if pss_ratios:
        memory["pyinit"]["pss_ratio_to_bare_paired"] = median(pss_ratios)
    return memory, cmdline


def measure_idle_wakeups(inits, windows):
    """Context switches and CPU ns of every init over IDLE_WINDOW_S windows, all at once."""
    sleep = shutil.which("sleep") or "/bin/sleep"
    runs = [launch(i, m, [sleep, "1000"]) for m in MODES for i in inits]
    try:
        time.sleep(1.0)  # let start-up work (and the first tini timeout) fall out of the window
        per = {"%s/%s" % (r.name, r.mode): {"ctx": [], "cpu_ns": []} for r in runs}
        for _ in range(windows):
            before = {r: (ctx_switches(r.init_pid), cpu_ns(r.init_pid)) for r in runs}
            time.sleep(IDLE_WINDOW_S)
            for r in runs:
                ctx0, cpu0 = before[r]
                per["%s/%s" % (r.name, r.mode)]["ctx"].append(ctx_switches(r.init_pid) - ctx0)
                per["%s/%s" % (r.name, r.mode)]["cpu_ns"].append(cpu_ns(r.init_pid) - cpu0)
    finally:
        for r in runs:
            stop(r)
    return {key: {"ctx_per_window": median(v["ctx"]), "cpu_ns_per_window": median(v["cpu_ns"]),
                  "windows": len(v["ctx"]), "window_s": IDLE_WINDOW_S} for key, v in per.items()}


# ---------------------------------------------------------------------------------------
# 3. signal forwarding latency

def measure_signal_latency(inits, helpers, rounds, launches=SIGNAL_LAUNCHES):
    """SIGUSR1 to the init, one at a time; latency = child's handler time - time before kill().

    The inits and their children are pinned to CPU 0 and this script to CPU 1 (when there
    is one): unpinned, the figure would measure where the scheduler puts vCPUs. The rounds
    are spread over `launches` fresh starts of every init: one process's luck (where its
    pages and caches land) stays the same for as long as it runs, and would otherwise be
    paired round after round as if it were the init's own cost.
    """
    cpus = sorted(os.sched_getaffinity(0))
    own_affinity = set(cpus)
    if len(cpus) > 1:
        os.sched_setaffinity(0, {cpus[1]})
    per_round = {}  # one sample per round, None when lost
    try:
        for launch in range(launches):
            targets = []
            try:
                for mode in MODES:
                    for init in rotated(list(inits), launch):
                        targets.append(_start_echo(init, mode, helpers, cpus[0]))
                targets.append(_start_echo(None, "plain", helpers, cpus[0]))  # direct-to-child floor
                for r in range(launch * rounds // launches, (launch + 1) * rounds // launches):
                    for key, run, fd in rotated(targets, r):
                        before = time.clock_gettime_ns(CLOCK)
                        os.kill(run.init_pid, signal.SIGUSR1)
                        answer = read_exact(fd, 8, 2.0)
                        per_round.setdefault(key, []).append(
                            None if answer is None else int.from_bytes(answer, sys.byteorder) - before)
            finally:
                for _, run, fd in targets:
                    stop(run)
                    os.close(fd)
    finally:
        os.sched_setaffinity(0, own_affinity)
    out = {}
    for key, samples in per_round.items():
        got = [x for x in samples if x is not None]
        out[key] = {"median_us": _us(median(got)), "p99_us": _us(p99(got)), "n": len(got),
                    "lost": len(samples) - len(got)}
    for mode in MODES:
        mine = per_round.get("pyinit/" + mode)
        peers = [k for k in per_round if k.endswith("/" + mode) and k.split("/")[0] in PEERS]
        if mine and peers:
            best = min(peers, key=lambda k: out[k]["median_us"])
            out["pyinit/" + mode]["vs_best_peer"] = dict(paired_difference(mine, per_round[best]), peer=best)
        bundle = per_round.get("%s/%s" % (BUNDLE, mode))
        if mine and bundle:
            out["%s/%s" % (BUNDLE, mode)]["vs_pyinit"] = paired_difference(bundle, mine)
    return out


def bootstrap_median(values, resamples=2000):
    """The median of values and a bootstrap 95% interval for it."""
    import random
    pick = random.Random(6)  # fixed seed: the same samples always give the same interval
    medians = sorted(median(pick.choices(values, k=len(values))) for _ in range(resamples))
    return median(values), (medians[int(0.025 * resamples)], medians[int(0.975 * resamples)])


def paired_difference(mine, theirs):
    """Median of per-round differences (µs) and a bootstrap 95% interval for it.

    Rounds are interleaved, so a difference within one round cancels the machine's drift;
    an interval that contains 0 means the two cannot be told apart on this run.
    """
    diffs = [a - b for a, b in zip(mine, theirs) if a is not None and b is not None]
    if not diffs:
        return {}
    middle, (low, high) = bootstrap_median(diffs)
    return {"median_diff_us": _us(middle), "ci95_us": (_us(low), _us(high))}


def paired_ratio(mine, theirs):
    """Median of per-round ratios mine/theirs and a bootstrap 95% interval for it; an
    interval that contains 1.0 means the two cannot be told apart on this run."""
    ratios = [a / b for a, b in zip(mine, theirs) if a is not None and b]
    if not ratios:
        return {}
    middle, interval = bootstrap_median(ratios)
    return {"median_ratio": middle, "rounds": len(ratios), "ci95": interval}


def _tie_note(interval, neutral):
    return " (a tie on this run)" if interval[0] <= neutral <= interval[1] else ""


def _start_echo(init, mode, helpers, cpu):
    read_end, write_end = os.pipe()
    run = launch(init, mode, [helpers["sigecho"]], pin_cpu=cpu, stdout=write_end)
    os.close(write_end)
    if read_exact(read_end, 8, 10) is None:
        raise RuntimeError("sigecho under %s/%s never became ready" % (run.name, mode))
    key = "%s/%s" % (run.name, mode) if init else "direct to child"
    return key, run, read_end


def _us(ns):
    return None if ns is None else ns / 1000


# ---------------------------------------------------------------------------------------
# 4. signal storm

def measure_storm(inits, helpers, workdir, rounds):
    """10 000 SIGUSR1 and 1 000 SIGRTMIN+1 interleaved to the init; what the child counted.

    Real-time signals queue, so every one sent must arrive; standard signals merge while
    pending, so the SIGUSR1 count is for information only.
    """
    rt = signal.SIGRTMIN + 1
    targets = [(i, m) for m in MODES for i in inits]
    results = {}
    for r in range(rounds):
        for init, mode in rotated(targets, r):
            counts_path = os.path.join(workdir, "counts-%s-%s" % (init.name, mode))
            with open(counts_path, "wb") as f:
                f.write(bytes(24))
            fd = os.open(counts_path, os.O_RDONLY)
            run = launch(init, mode, [helpers["sigcount"], counts_path])
            try:
                read = lambda: [int.from_bytes(os.pread(fd, 8, 8 * k), sys.byteorder) for k in range(3)]
                wait_until(lambda: read()[2] == 1, 10, "sigcount under %s/%s never became ready" % (init.name, mode))
                for n in range(STORM_USR1):
                    os.kill(run.init_pid, signal.SIGUSR1)
                    if n % (STORM_USR1 // STORM_RT) == 0:
                        os.kill(run.init_pid, rt)
                usr1, got_rt = _settle(read)
            finally:
                stop(run)
                os.close(fd)
            entry = results.setdefault("%s/%s" % (init.name, mode), {"rt_received": [], "usr1_received": []})
            entry["rt_received"].append(got_rt)
            entry["usr1_received"].append(usr1)
    return {key: {"rt_sent": STORM_RT, "rt_received_min": min(v["rt_received"]),
                  "rt_delivered_pct": 100.0 * min(v["rt_received"]) / STORM_RT,
                  "usr1_sent": STORM_USR1, "usr1_received_median": median(v["usr1_received"])}
            for key, v in results.items()}


def _settle(read, quiet=0.5, limit=10.0):
    """Counts once all RT signals arrived, or once nothing changed for `quiet` seconds."""
    deadline = time.monotonic() + limit
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        usr1, got_rt, _ = read()
        if got_rt >= STORM_RT:
            time.sleep(0.05)
            return read()[0], read()[1]
        if (usr1, got_rt) != last:
            last, since = (usr1, got_rt), time.monotonic()
        elif time.monotonic() - since > quiet:
            break
        time.sleep(0.01)
    return last


# ---------------------------------------------------------------------------------------
# 5. reaping

def measure_reaping(inits, helpers, rounds, orphans):
    """As PID 1 only (a plain child sees orphans only as a subreaper): a live burst of orphans,
    then a backlog: the init stopped while `orphans` zombies pile up, then continued."""
    results = {}
    for r in range(rounds):
        for init in rotated(list(inits), r):
            entry = results.setdefault(init.name, {"live_rate": [], "live_cpu_us": [], "live_wakeups": [],
                                                   "drain_cpu_us": [], "drain_ms": [], "left": []})
            _reap_once(init, helpers, orphans, entry)
    out = {name: {"orphans": orphans, "rounds": rounds,
                  "live_per_s": median(v["live_rate"]), "live_cpu_us_per_orphan": median(v["live_cpu_us"]),
                  "live_wakeups_per_orphan": median(v["live_wakeups"]),
                  "drain_cpu_us_per_zombie": median(v["drain_cpu_us"]), "drain_ms": median(v["drain_ms"]),
                  "zombies_left": max(v["left"])} for name, v in results.items()}
    if "pyinit" in results and "tini" in results:
        # Each round drains the same backlog under every init in turn: the per-round ratio
        # cancels what the machine was doing during that round.
        out["pyinit"]["drain_vs_tini"] = paired_ratio(results["pyinit"]["drain_cpu_us"],
                                                      results["tini"]["drain_cpu_us"])
    return out


def _reap_once(init, helpers, orphans, entry):
    to_helper, command_fd = os.pipe()
    reply_fd, from_helper = os.pipe()
    run = launch(init, "ns", [helpers["orphans"]], stdin=to_helper, stdout=from_helper)
    os.close(to_helper)
    os.close(from_helper)
    helper = run.child_pid()
    only_helper = lambda: children(run.init_pid) == [helper]
    try:
        if read_line(reply_fd, 10) != "ready":
            raise RuntimeError("orphans helper under %s never became ready" % init.name)
        # live: the init reaps while the helper forks
        ctx0, cpu0, start = ctx_switches(run.init_pid), cpu_ns(run.init_pid), time.monotonic_ns()
        os.write(command_fd, b"%d\n" % orphans)
        if not (read_line(reply_fd, 60) or "").startswith("done"):
            raise RuntimeError("orphans helper under %s failed" % init.name)
        wait_until(only_helper, 30, init.name + " did not reap the burst")
        elapsed = time.monotonic_ns() - start
        entry["live_rate"].append(orphans / (elapsed / 1e9))
        entry["live_cpu_us"].append((cpu_ns(run.init_pid) - cpu0) / 1000 / orphans)
        # how often the init woke: SIGCHLDs merge, so fewer wake-ups mean bigger batches
        entry["live_wakeups"].append((ctx_switches(run.init_pid) - ctx0) / orphans)
        # backlog: stopped init, a pile of zombies, then one wake-up to drain them
        os.kill(run.init_pid, signal.SIGSTOP)
        wait_until(lambda: proc_state(run.init_pid) == "T", 10, init.name + " did not stop")
        os.write(command_fd, b"%d\n" % orphans)
        if not (read_line(reply_fd, 60) or "").startswith("done"):
            raise RuntimeError("orphans helper under %s failed" % init.name)
        wait_until(lambda: len(children(run.init_pid)) >= orphans + 1, 30, "zombies did not pile up")
        cpu0, start = cpu_ns(run.init_pid), time.monotonic_ns()
        os.kill(run.init_pid, signal.SIGCONT)
        wait_until(only_helper, 30, init.name + " did not drain the backlog")
        entry["drain_ms"].append((time.monotonic_ns() - start) / 1e6)
        time.sleep(0.02)
        entry["drain_cpu_us"].append((cpu_ns(run.init_pid) - cpu0) / 1000 / orphans)
        time.sleep(0.2)
        entry["left"].append(_zombies_below(run.init_pid))
    finally:
        os.close(command_fd)
        os.close(reply_fd)
        stop(run)


def _zombies_below(init_pid):
    """Zombies among the init's descendants (the namespace seen from outside)."""
    count, todo = 0, list(children(init_pid))
    while todo:
        pid = todo.pop()
        if proc_state(pid) == "Z":
            count += 1
        todo.extend(children(pid))
    return count


# ---------------------------------------------------------------------------------------
# 6. preflight cost (pyinit only, in process)

PREFLIGHT_PROBE = r"""
import json, os, sys, time
try:
    from pyinit import preflight
except ImportError as error:
    print(json.dumps({"error": "no pyinit.preflight: %s" % error})); sys.exit(0)
calls, cases = int(sys.argv[1]), json.loads(sys.argv[2])
env = dict(os.environ)
out = {"stand_in": "TEMPORARY" in (preflight.__doc__ or "")}
for name, argv in cases.items():
    times = []
    for _ in range(calls):
        t = time.perf_counter_ns(); preflight.check(argv, env); times.append(time.perf_counter_ns() - t)
    times.sort()
    out[name] = {"median_us": times[len(times) // 2] / 1000, "n": calls}
print(json.dumps(out))
"""


def measure_preflight(python, helpers, workdir, calls):
    if not python:
        return {"error": "n/a: no pyinit venv"}
    script = os.path.join(workdir, "script.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    cases = {"/usr/bin/python3": ["/usr/bin/python3", "-c", "pass"],
             "static binary": [helpers["static_true"]], "#! script": [script]}
    result = subprocess.run([python, "-I", "-c", PREFLIGHT_PROBE, str(calls), json.dumps(cases)],
                            capture_output=True, text=True, timeout=120)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {"error": "n/a: probe failed: %s" % (result.stderr.strip().splitlines() or ["?"])[-1]}


# ---------------------------------------------------------------------------------------
# 7. exit codes

EXIT_CASES = (("exit 0", 0), ("exit 3", 3), ("kill -KILL $$", 137), ("kill -TERM $$", 143))


def measure_exit_codes(inits):
    sh = shutil.which("sh") or "/bin/sh"
    table = {}
    for r, mode in enumerate(MODES):
        for init in rotated(list(inits), r):
            seen = []
            for script, _ in EXIT_CASES:
                argv = (UNSHARE if mode == "ns" else []) + init.argv(mode, [sh, "-c", script])
                _, status = os.waitpid(spawn(argv), 0)
                seen.append(exit_status(status))
            table["%s/%s" % (init.name, mode)] = seen
    return table


# ---------------------------------------------------------------------------------------
# pyinit's imports on a normal start

# Modules a normal start must not pay for: they serve reports and diagnostics only.
DIAGNOSTIC_ONLY = ("json", "argparse", "psutil", "pyinit.doctor", "pyinit.trace",
                   "pyinit.leftovers", "subprocess", "logging")


def measure_imports(python, cmdline):
    """-X importtime on the exact command the launcher execs (as PID 1, as in a container),
    against a bare `python -I -c pass` of the same interpreter; median of 5 runs each."""
    if not python or "pyinit" not in cmdline:
        return {"error": "n/a: pyinit not measured"}
    # pyinit rewrites its own command line (ps shows `pyinit -- CMD`), so the exact command
    # the launcher execs is caught with PYINIT_PYTHON naming a wrapper that adds -X importtime.
    wrapper_dir = tempfile.mkdtemp(prefix="initbench-")
    wrapper = os.path.join(wrapper_dir, "python-importtime")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\nexec %s -X importtime "$@"\n' % shlex.quote(python))
    os.chmod(wrapper, 0o755)
    launcher = os.path.join(os.path.dirname(python), "pyinit")
    command = (["env", "PYINIT_PYTHON=" + wrapper] + UNSHARE
               + [launcher, "--", shutil.which("true") or "/bin/true"])
    bare = [python, "-X", "importtime", "-I", "-c", "pass"]

    def imported(argv):
        runs = []
        for _ in range(5):
            stderr = subprocess.run(argv, capture_output=True, text=True, timeout=30).stderr
            modules = {}
            for line in stderr.splitlines():
                if line.startswith("import time:") and "self [us]" not in line:
                    own, cumulative, name = line[len("import time:"):].split("|")
                    modules[name.strip()] = (int(own), int(cumulative))
            runs.append(modules)
        names = set().union(*runs)
        return {n: (median([m[n][0] for m in runs if n in m]), median([m[n][1] for m in runs if n in m]))
                for n in names}

    try:
        with_pyinit, bare_modules = imported(command), imported(bare)
    finally:
        shutil.rmtree(wrapper_dir, ignore_errors=True)
    extra = {n: v for n, v in with_pyinit.items() if n not in bare_modules}
    return {"extra_modules": {n: {"self_us": v[0], "cumulative_us": v[1]}
                              for n, v in sorted(extra.items(), key=lambda kv: -kv[1][1])},
            "extra_total_us": sum(v[0] for v in extra.values()),
            "bare_total_us": sum(v[0] for v in bare_modules.values()),
            "diagnostic_only": sorted(n for n in extra if n in DIAGNOSTIC_ONLY or n.split(".")[0] in DIAGNOSTIC_ONLY)}


# ---------------------------------------------------------------------------------------
# Report

def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cores": os.cpu_count(), "kernel": platform.release(), "cpu": model,
            "versions": _versions()}


def _versions():
    out = {}
    for name in PEERS:
        try:
            out[name] = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name],
                                       capture_output=True, text=True).stdout or "?"
        except OSError:
            out[name] = "?"
    return out


def rows(results, names):
    """(label, {init: value}, lower_is_better, unit) for every figure of the table."""
    out = []

    def by_init(section, field, suffix=""):
        return {n: results[section].get(n + suffix, {}).get(field) for n in names}

    for mode in MODES:
        out.append(("start+teardown overhead, %s (µs)" % mode, by_init("start", "median_us", "/" + mode), True))
    out.append(("idle VmRSS (kB)", by_init("memory", "vmrss_kb"), True))
    out.append(("idle RssAnon (kB)", by_init("memory", "rssanon_kb"), True))
    out.append(("idle Pss (kB)", by_init("memory", "pss_kb"), True))
    for mode in MODES:
        out.append(("idle ctx switches / %gs, %s" % (IDLE_WINDOW_S, mode), by_init("idle", "ctx_per_window", "/" + mode), True))
        out.append(("idle CPU ns / %gs, %s" % (IDLE_WINDOW_S, mode), by_init("idle", "cpu_ns_per_window", "/" + mode), True))
    for mode in MODES:
        out.append(("signal latency median, %s (µs)" % mode, by_init("signal", "median_us", "/" + mode), True))
        out.append(("signal latency p99, %s (µs)" % mode, by_init("signal", "p99_us", "/" + mode), True))
    for mode in MODES:
        out.append(("storm RT delivered, %s (%%)" % mode, by_init("storm", "rt_delivered_pct", "/" + mode), False))
        out.append(("storm SIGUSR1 received (merge), %s" % mode, by_init("storm", "usr1_received_median", "/" + mode), None))
    out.append(("reaping live, ns (orphans/s)", by_init("reaping", "live_per_s"), False))
    out.append(("reaping live CPU / orphan (µs)", by_init("reaping", "live_cpu_us_per_orphan"), True))
    out.append(("reaping live wake-ups / orphan", by_init("reaping", "live_wakeups_per_orphan"), None))
    out.append(("backlog drain CPU / zombie (µs)", by_init("reaping", "drain_cpu_us_per_zombie"), True))
    out.append(("backlog drain wall (ms)", by_init("reaping", "drain_ms"), True))
    out.append(("zombies left", by_init("reaping", "zombies_left"), True))
    return out


def fmt(value):
    if value is None:
        return "–"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return "%.3g" % value if abs(value) < 100 else "%d" % round(value)
    return str(value)


def ratio(value, reference):
    if value is None or reference is None:
        return "–"
    if reference == 0:
        return "=" if value == 0 else "∞"
    return "%.2f×" % (value / reference)


def render(results, names):
    m = results["machine"]
    peers = [n for n in names if n in PEERS]
    lines = ["### initbench %s (%s run)" % (m["date"], results["run"]), "",
             "%d cores · kernel %s · %s · peers: %s" % (
                 m["cores"], m["kernel"], m["cpu"],
                 ", ".join("%s %s" % kv for kv in m["versions"].items())), ""]
    if results["missing"]:
        lines += ["missing: " + "; ".join(results["missing"]), ""]
    if results["errors"]:
        lines += ["FAILED measurements (figures left blank): " + "; ".join(results["errors"]), ""]
    head = ["figure"] + names + ["best peer", "pyinit ×tini", "pyinit ×best"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, values, lower in rows(results, names):
        known = [values[p] for p in peers if values.get(p) is not None]
        best = None if lower is None or not known else (min(known) if lower else max(known))
        cells = [label]
        for n in names:
            cell = fmt(values.get(n))
            if n != "tini" and lower is not None and values.get(n) is not None:
                cell += " (%s)" % ratio(values.get(n), values.get("tini"))
            cells.append(cell)
        p = values.get("pyinit")
        cells += [fmt(best), ratio(p, values.get("tini")) if lower is not None else "–",
                  ratio(p, best) if lower is not None else "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "(n) after a peer's figure is its ratio to tini. Lower is better except delivered % and orphans/s.", ""]
    start = results["start"]
    floors = ["%s: %s µs over /bin/true" % (k, fmt(v["median_us"])) for k, v in start.items() if k.startswith("python")]
    if floors:
        lines += ["Interpreter floor (pyinit's venv): " + "; ".join(floors), ""]
    if "bare interpreter" in results["memory"]:
        b = results["memory"]["bare interpreter"]
        lines += ["Idle bare interpreter (`python -I -S`, same venv): VmRSS %s kB, RssAnon %s kB, Pss %s kB" % (
            fmt(b["vmrss_kb"]), fmt(b["rssanon_kb"]), fmt(b["pss_kb"])), ""]
    lines += render_start_vs_floor(results.get("start_floor") or {}, names)
    lines += render_bundle(results)
    floor = results["signal"].get("direct to child")
    if floor:
        lines += ["Signal floor, direct to the child: median %s µs, p99 %s µs" % (fmt(floor["median_us"]), fmt(floor["p99_us"])), ""]
    lines += ["Exit codes seen by the parent (expected %s):" % ", ".join(str(e) for _, e in EXIT_CASES), "",
              "| init | " + " | ".join(s for s, _ in EXIT_CASES) + " | ok |", "|---|" + "---|" * (len(EXIT_CASES) + 1)]
    for key, seen in results["exit_codes"].items():
        ok = "yes" if seen == [e for _, e in EXIT_CASES] else "NO"
        lines.append("| %s | %s | %s |" % (key, " | ".join(str(s) for s in seen), ok))
    pre = results["preflight"]
    lines += ["", "Preflight (pyinit.preflight.check, in process, median): " + (
        pre["error"] if "error" in pre else "; ".join(
            "%s %s µs" % (k, fmt(v["median_us"])) for k, v in pre.items() if isinstance(v, dict))
        + (" — the module is still the stand-in" if pre.get("stand_in") else ""))]
    imp = results["imports"]
    if "error" not in imp:
        top = ", ".join("%s %d" % (n, v["cumulative_us"]) for n, v in list(imp["extra_modules"].items())[:8])
        lines += ["", "pyinit's imports beyond `python -I -c pass` (-X importtime, as PID 1): %d modules, "
                  "%d µs self time in all (the bare interpreter's own: %d µs); largest cumulative µs: %s; "
                  "diagnostics-only modules imported: %s" % (
                      len(imp["extra_modules"]), imp["extra_total_us"], imp["bare_total_us"], top,
                      ", ".join(imp["diagnostic_only"]) or "none"),
                  "", "all: " + " ".join(imp["extra_modules"])]
    lines += ["", "Targets:"] + ["- %s %s" % ("met " if ok else "MISSED", text) for ok, text in targets(results)]
    return "\n".join(lines)


def render_start_vs_floor(floor, names):
    """Start CPU and wall of every init over the interpreter's floor, both modes."""
    if not floor:
        return []
    lines = ["Start of `INIT -- true` against the floor `python -I -S -c pass` (CPU: the whole "
             "tree's rusage; ratio: median of per-round ratios):", "",
             "| mode | floor CPU / wall (ms) | " + " | ".join(names) + " |",
             "|---|---|" + "---|" * len(names)]
    for mode in MODES:
        base = floor.get("floor/" + mode)
        if not base:
            continue
        cells = []
        for name in names:
            v = floor.get("%s/%s" % (name, mode))
            cells.append("–" if not v else "%.2f / %.2f ms (%.2f× / %.2f×)" % (
                v["cpu_ms"], v["wall_ms"], v["cpu_ratio"], v["wall_ratio"]))
        lines.append("| %s | %.2f / %.2f | %s |" % (mode, base["cpu_ms"], base["wall_ms"], " | ".join(cells)))
    return lines + [""]


def render_bundle(results):
    """The bundle next to the venv pyinit, figure by figure (issue 11: the same interpreter,
    so its start within 1.1x and its steady state the same)."""
    if BUNDLE not in results["names"] or "pyinit" not in results["names"]:
        return []
    lines = ["%s against the venv pyinit (the same interpreter, the bundle built in this run):" % BUNDLE, "",
             "| figure | pyinit | %s | %s ÷ pyinit |" % (BUNDLE, BUNDLE), "|---|---|---|---|"]
    floor = results.get("start_floor") or {}
    for mode in MODES:
        mine, venv = floor.get("%s/%s" % (BUNDLE, mode)), floor.get("pyinit/" + mode)
        if not (mine and venv):
            continue
        for what in ("wall", "cpu"):
            paired = mine.get("vs_pyinit", {}).get(what) or {}
            cell = "–" if not paired else "%.2f× (95%% CI %.2f–%.2f, per-round)" % (
                paired["median_ratio"], paired["ci95"][0], paired["ci95"][1])
            lines.append("| start %s of `INIT -- true`, %s (ms) | %.2f | %.2f | %s |" % (
                what if what == "wall" else "CPU", mode, venv[what + "_ms"], mine[what + "_ms"], cell))
    for label, values, _ in rows(results, ["pyinit", BUNDLE]):
        lines.append("| %s | %s | %s | %s |" % (label, fmt(values["pyinit"]), fmt(values[BUNDLE]),
                                                 ratio(values[BUNDLE], values["pyinit"])))
    return lines + [""]


def bundle_targets(results):
    """Issue 11's benchmark targets for the bundle, each (met, 'what: figures')."""
    if BUNDLE not in results["names"] or "pyinit" not in results["names"]:
        return []
    out = []
    floor = results.get("start_floor") or {}
    for mode in MODES:
        paired = floor.get("%s/%s" % (BUNDLE, mode), {}).get("vs_pyinit", {})
        for what in ("wall", "cpu"):
            r = paired.get(what)
            if r:
                out.append((r["median_ratio"] <= BUNDLE_START_LIMIT,
                            "bundle start %s ≤ %.2f× venv pyinit, %s: %.2f× (median of %d per-round ratios, "
                            "95%% CI [%.2f, %.2f])" % (what if what == "wall" else "CPU", BUNDLE_START_LIMIT, mode,
                                                      r["median_ratio"], r["rounds"], r["ci95"][0], r["ci95"][1])))
    for mode in MODES:
        idle = results["idle"].get("%s/%s" % (BUNDLE, mode))
        if idle:
            out.append((idle["ctx_per_window"] == 0 and idle["cpu_ns_per_window"] == 0,
                        "bundle idle zero wake-ups, %s: %s ctx switches and %s CPU ns per %gs window" % (
                            mode, fmt(idle["ctx_per_window"]), fmt(idle["cpu_ns_per_window"]), IDLE_WINDOW_S)))
    for mode in MODES:
        mine = results["signal"].get("%s/%s" % (BUNDLE, mode))
        venv = results["signal"].get("pyinit/" + mode)
        paired = (mine or {}).get("vs_pyinit")
        if mine and venv and paired:
            low, high = paired["ci95_us"]
            # the same as the venv pyinit: not slower, or no difference this run can resolve
            out.append((mine["median_us"] <= venv["median_us"] or low <= 0,
                        "bundle signal latency the same as venv pyinit, %s: %.1f µs vs %.1f µs; paired difference "
                        "%+.2f µs, 95%% CI [%+.2f, %+.2f]%s" % (mode, mine["median_us"], venv["median_us"],
                                                               paired["median_diff_us"], low, high,
                                                               _tie_note((low, high), 0))))
    mem = results["memory"]
    if BUNDLE in mem and "pyinit" in mem:
        b, p = mem[BUNDLE], mem["pyinit"]
        # RssAnon is the process's own memory; Pss also counts libraries that the bundle
        # shares with no other process, so it is shown, not judged
        out.append((b["rssanon_kb"] <= 1.1 * p["rssanon_kb"] and b["vmrss_kb"] <= 1.1 * p["vmrss_kb"],
                    "bundle idle VmRSS and RssAnon ≤ 1.10× venv pyinit: %d/%d kB vs %d/%d kB (Pss %d vs %d kB)" % (
                        b["vmrss_kb"], b["rssanon_kb"], p["vmrss_kb"], p["rssanon_kb"], b["pss_kb"], p["pss_kb"])))
    for mode in MODES:
        storm = results["storm"].get("%s/%s" % (BUNDLE, mode))
        if storm:
            out.append((storm["rt_delivered_pct"] == 100.0, "bundle RT storm 100%% delivered, %s: %d/%d" % (
                mode, storm["rt_received_min"], storm["rt_sent"])))
    if BUNDLE in results["reaping"]:
        left = results["reaping"][BUNDLE]["zombies_left"]
        out.append((left == 0, "bundle zero zombies left: %d" % left))
    return out


def targets(results):
    """The issue's targets, each (met, 'what: figures')."""
    if "pyinit" not in results["names"]:
        return [(False, "pyinit not measured: no targets can be judged")]
    peers = [n for n in results["names"] if n in PEERS]
    out = []
    sig = results["signal"]
    for mode in MODES:
        p = sig.get("pyinit/" + mode, {}).get("median_us")
        best = min((sig[k + "/" + mode]["median_us"] for k in peers if sig.get(k + "/" + mode)), default=None)
        if p is not None and best is not None:
            paired = sig["pyinit/" + mode].get("vs_best_peer", {})
            detail = ""
            if paired:
                low, high = paired["ci95_us"]
                detail = "; paired difference to %s %+.2f µs, 95%% CI [%+.2f, %+.2f]%s" % (
                    paired["peer"], paired["median_diff_us"], low, high, _tie_note((low, high), 0))
            # Met when pyinit's median is not above the best peer's, or when the paired
            # per-round difference cannot tell them apart (its 95% interval reaches 0).
            tie = bool(paired) and paired["ci95_us"][0] <= 0
            out.append((p <= best or tie, "signal latency median ≤ best peer, %s: %.1f µs vs %.1f µs (%.2f×)%s" % (
                mode, p, best, p / best, detail)))
    for mode in MODES:
        idle = results["idle"].get("pyinit/" + mode)
        if idle:
            out.append((idle["ctx_per_window"] == 0 and idle["cpu_ns_per_window"] == 0,
                        "idle zero wake-ups, %s: %s ctx switches and %s CPU ns per %gs window" % (
                            mode, fmt(idle["ctx_per_window"]), fmt(idle["cpu_ns_per_window"]), IDLE_WINDOW_S)))
    for mode in MODES:
        storm = results["storm"].get("pyinit/" + mode)
        if storm:
            out.append((storm["rt_delivered_pct"] == 100.0, "RT storm 100%% delivered, %s: %d/%d" % (
                mode, storm["rt_received_min"], storm["rt_sent"])))
    reap = results["reaping"]
    if "pyinit" in reap and "tini" in reap:
        p, t = reap["pyinit"]["drain_cpu_us_per_zombie"], reap["tini"]["drain_cpu_us_per_zombie"]
        paired = reap["pyinit"].get("drain_vs_tini", {})
        detail = ""
        if paired:
            low, high = paired["ci95"]
            detail = "; median of %d per-round ratios %.2f×, 95%% CI [%.2f, %.2f]%s" % (
                paired["rounds"], paired["median_ratio"], low, high, _tie_note((low, high), 1.0))
        # As for latency: met when pyinit is not above tini, or the paired per-round ratio
        # cannot tell them apart (its 95% interval reaches 1.0).
        tie = bool(paired) and paired["ci95"][0] <= 1.0
        out.append((p <= t or tie, "reaping CPU per zombie ≤ 1.0× tini: %.2f µs vs %.2f µs (%.2f×)%s"
                    % (p, t, p / t, detail)))
        out.append((reap["pyinit"]["zombies_left"] == 0, "zero zombies left: %d" % reap["pyinit"]["zombies_left"]))
    floor = results.get("start_floor") or {}
    for mode in MODES:
        mine = floor.get("pyinit/" + mode)
        if mine:
            for what in ("cpu", "wall"):
                out.append((mine[what + "_ratio"] <= 1.25, "start %s of `pyinit -- true` ≤ 1.25× `python -I -S -c pass`, %s: "
                            "%.2f ms vs %.2f ms (%.2f×, median of per-round ratios)" % (
                                what.upper() if what == "cpu" else what, mode, mine[what + "_ms"],
                                floor["floor/" + mode][what + "_ms"], mine[what + "_ratio"])))
    imp = results["imports"]
    if "error" not in imp:
        out.append((not imp["diagnostic_only"], "nothing diagnostics-only imported on a normal start (json, argparse, psutil...): %s" % (
            ", ".join(imp["diagnostic_only"]) or "none")))
    mem = results["memory"]
    if "pyinit" in mem and "bare interpreter" in mem:
        p, b = mem["pyinit"]["pss_kb"], mem["bare interpreter"]["pss_kb"]
        paired = mem["pyinit"].get("pss_ratio_to_bare_paired", p / b)
        out.append((paired <= 1.1, "idle Pss ≤ 1.10× idle `python -I -S`: %d kB vs %d kB (medians); %.2f× "
                    "(median of per-round ratios)" % (p, b, paired)))
        rss = mem["pyinit"]["vmrss_kb"]
        out.append((rss <= 4096, "idle RSS ≤ 4 MB: %d kB (the bare interpreter's: %d kB)" % (
            rss, mem["bare interpreter"]["vmrss_kb"])))
    out += bundle_targets(results)
    pre = results["preflight"].get("/usr/bin/python3")
    if pre:
        stand_in = " (stand-in module: not the real check)" if results["preflight"].get("stand_in") else ""
        out.append((pre["median_us"] < 500, "preflight of /usr/bin/python3 < 0.5 ms: %.1f µs%s" % (pre["median_us"], stand_in)))
    return out


# ---------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: under a minute")
    parser.add_argument("--json", metavar="FILE", help="also save every figure as JSON")
    parser.add_argument("--pyinit", metavar="PATH", default=os.path.join(REPO, ".venv", "bin", "pyinit"),
                        help="the pyinit command under test (default: .venv/bin/pyinit of the repo)")
    parser.add_argument("--no-bundle", dest="bundle", action="store_false",
                        help="leave out pyinit-bundle (by default a bundle is built with pyinit's "
                             "interpreter, `python -m pyinit.bundle`, about a second, and measured too)")
    options = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("initbench: needs root for PID namespaces (unshare --pid)")
    plan = QUICK if options.quick else FULL
    inits, missing = find_inits(options.pyinit)
    if not inits:
        sys.exit("initbench: no init to measure: " + "; ".join(missing))
    for line in missing:
        print("initbench: left out: " + line, file=sys.stderr)
    python = venv_python(options.pyinit) if any(i.name == "pyinit" for i in inits) else None
    names = [i.name for i in inits]
    results = {"run": "quick" if options.quick else "full", "names": names, "missing": missing, "errors": [],
               "machine": machine(), "plan": plan}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="initbench-") as workdir:
        try:
            helpers = compile_helpers(workdir)
            if options.bundle and python:
                bundle, why = build_bundle(python, workdir)
                if bundle:
                    inits.append(bundle)
                    names.append(bundle.name)
                else:
                    missing.append(why)
                    print("initbench: left out: " + why, file=sys.stderr)
            steps = [
                ("exit_codes", lambda: measure_exit_codes(inits)),
                ("start", lambda: measure_start(inits, python, plan["start_rounds"])),
                ("start_floor", lambda: measure_start_vs_floor(inits, python, plan["start_rounds"])),
                ("memory", lambda: measure_memory(inits, python, plan["memory_rounds"])),
                ("idle", lambda: measure_idle_wakeups(inits, plan["idle_windows"])),
                ("signal", lambda: measure_signal_latency(inits, helpers, plan["signal_rounds"])),
                ("storm", lambda: measure_storm(inits, helpers, workdir, plan["storm_rounds"])),
                ("reaping", lambda: measure_reaping(inits, helpers, plan["reap_rounds"], plan["orphans"])),
                ("preflight", lambda: measure_preflight(python, helpers, workdir, plan["preflight_calls"])),
            ]
            for name, step in steps:
                t = time.monotonic()
                try:
                    value = step()
                except (OSError, RuntimeError, TimeoutError, subprocess.SubprocessError) as error:
                    # one broken measurement must not cost the others: say which, carry on
                    results["errors"].append("%s: %s" % (name, error))
                    print("initbench: %s failed: %s" % (name, error), file=sys.stderr)
                    kill_leftovers()
                    value = ({}, {}) if name == "memory" else {"error": "n/a: %s" % error} if name == "preflight" else {}
                if name == "memory":
                    value, cmdline = value
                    try:
                        results["imports"] = measure_imports(python, cmdline)
                    except (OSError, ValueError, subprocess.SubprocessError) as error:
                        results["imports"] = {"error": "n/a: %s" % error}
                results[name] = value
                print("initbench: %s done in %.1f s" % (name, time.monotonic() - t), file=sys.stderr)
        finally:
            kill_leftovers()
    results["elapsed_s"] = round(time.monotonic() - began, 1)
    results["targets"] = [{"met": ok, "target": text} for ok, text in targets(results)]
    print(render(results, names))
    print("\n(%s run took %.0f s)" % (results["run"], results["elapsed_s"]))
    if options.json:
        with open(options.json, "w") as f:
            json.dump(results, f, indent=2, default=str)


if __name__ == "__main__":
    main()
