"""`pyinit --events` run by another process of the container prints the flight recorder:
the signals pyinit got (with their senders), what it forwarded, reaped, and how it ended.
Like `docker exec` with Docker's default capabilities: root, without CAP_SYS_PTRACE."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers.debian import ensure_packages
from helpers.pid1 import UNSHARE, Namespace, children, wait_for
from helpers.recorder import LineReader

NO_PTRACE = ["setpriv", "--bounding-set=-sys_ptrace", "--"]
CAP_SYS_PTRACE = 1 << 19
# Takes USR1, USR2 and SIGRTMIN without dying, so that signals can be sent to it.
PATIENT = [sys.executable, "-c",
           "import signal\nfor s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGRTMIN): "
           "signal.signal(s, lambda *a: None)\nprint('ready', flush=True)\n"
           "while True: signal.pause()"]


class Container(Namespace):
    """pyinit as PID 1 without CAP_SYS_PTRACE, as under Docker's default capabilities
    (made by start())."""

    def exec(self, script, ptrace=False, timeout=60):
        """`docker exec`: a shell in the namespace (and its /proc), without CAP_SYS_PTRACE."""
        command = ["nsenter", "-t", str(self.init_pid), "-p", "-m"] + ([] if ptrace else NO_PTRACE)
        return subprocess.run(command + ["sh", "-c", script], capture_output=True, text=True,
                              timeout=timeout)


def start(pyinit, child=PATIENT):
    container = Container.__new__(Container)
    popen_args = NO_PTRACE + UNSHARE + [pyinit, "--report-format", "json", "--"] + child
    container.proc = subprocess.Popen(popen_args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # setpriv execs unshare (same pid), which forks PID 1.
    container.init_pid = wait_for(lambda: (children(container.proc.pid) or [None])[0], 10, "PID 1")
    LineReader(container.proc.stdout).read_until(lambda line: line == "ready", 30)
    return container


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.timeout(90)
def test_signals_and_their_senders_are_read_without_ptrace(pyinit):
    """A process of the namespace sends USR1 and USR2 to PID 1, then reads --events: both
    appear with its pid as sender, each followed by its forward to the child."""
    with start(pyinit) as ctr:
        script = ('grep CapEff /proc/self/status; kill -USR1 1; kill -USR2 1; echo "me $$"; '
                  'sleep 0.5; exec %s --report-format json --events' % pyinit)
        result = ctr.exec(script)
    assert result.returncode == 0, result.stderr
    caps = int(result.stdout.split("CapEff:")[1].split()[0], 16)
    assert not caps & CAP_SYS_PTRACE, "the reader must run without CAP_SYS_PTRACE"
    me = int(result.stdout.split("me ")[1].split()[0])
    events = json_lines(result.stdout)
    signals = [e for e in events if e["event"] == "signal" and e["sender_pid"] == me]
    assert [e["signal"] for e in signals] == ["SIGUSR1", "SIGUSR2"], events
    assert all(e["code"] == "user" and e["sender_uid"] == 0 for e in signals)
    forwards = [(e["signal"], e["result"]) for e in events if e["event"] == "forward"]
    assert forwards == [("SIGUSR1", "ok"), ("SIGUSR2", "ok")], events
    assert events[0]["event"] == "spawn" and events[0]["pid"] == 2, events


@pytest.mark.timeout(90)
def test_text_format_is_one_line_per_event(pyinit):
    """--report-format text: a header line, then one line per event naming kind and facts."""
    with start(pyinit) as ctr:
        result = ctr.exec("kill -USR1 1; sleep 0.5; exec %s --report-format text --events 1" % pyinit)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("pyinit pid 1: ") and "events" in lines[0], lines
    assert any(" signal " in line and "signal=SIGUSR1" in line for line in lines), lines
    assert any(" forward " in line and "result=ok" in line for line in lines), lines


@pytest.mark.timeout(120)
def test_ring_keeps_the_last_1024_events_in_a_fixed_size(pyinit):
    """1500 queued SIGRTMIN: the reader sees exactly 1024 events, the newest last, and the
    memfd stays the same size, under 64 KiB."""
    queue = "import os, signal\nfor n in range(1500): os.kill(1, signal.SIGRTMIN)"
    with start(pyinit) as ctr:
        size = "stat -L -c %s $(ls -l /proc/1/fd | awk '/pyinit-events/ {print \"/proc/1/fd/\" $9}')"
        script = "%s; %s -c '%s'; sleep 1; %s; %s --report-format json --events" % (
            size, sys.executable, queue, size, pyinit)
        result = ctr.exec(script, timeout=100)
    assert result.returncode == 0, result.stderr
    first, second = [int(line) for line in result.stdout.splitlines()[:2]]
    assert first == second <= 64 * 1024, (first, second)
    events = json_lines(result.stdout)
    assert len(events) == 1024
    assert events[-1]["event"] == "forward" and events[-1]["signal"] == "SIGRTMIN", events[-1]


@pytest.mark.timeout(60)
def test_child_does_not_inherit_the_recorder(pyinit):
    """The memfd is close-on-exec: the child's descriptors do not include it."""
    with Namespace(pyinit, ["--", "sh", "-c", "ls -l /proc/$$/fd; echo ready; sleep 100"]) as ns:
        out = LineReader(ns.proc.stdout)
        out.read_until(lambda line: line == "ready", 30)
    assert not any("pyinit-events" in line for line in out.lines), out.lines


@pytest.mark.timeout(60)
@pytest.mark.parametrize("argument", ["abc", "0", "1.5", "99999999999"])
def test_bad_pid_is_one_line_and_exit_2(pyinit, argument):
    """--events with something that is not a pid: one line, exit 2."""
    result = subprocess.run([pyinit, "--events", argument], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2, result
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.timeout(60)
def test_unreadable_history_is_one_line_and_exit_3(pyinit):
    """No such pid, a process that is not pyinit, no pyinit at all: one line each, exit 3."""
    script = ("%(p)s --events 4000000; echo rc=$?; sleep 100 & %(p)s --events $!; echo rc=$?; "
              "%(p)s --events; echo rc=$?" % {"p": pyinit})
    result = subprocess.run(UNSHARE + ["sh", "-c", script], capture_output=True, text=True, timeout=30)
    assert result.stdout.split() == ["rc=3"] * 3, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert "no process 4000000" in lines[0]
    assert "(sleep) has no flight recorder" in lines[1]
    assert "no pyinit with a flight recorder is visible here" in lines[2]


@pytest.mark.timeout(60)
def test_more_capabilities_in_pyinit_than_the_reader_is_named(pyinit):
    """pyinit with CAP_SYS_ADMIN, the reader without it (nor CAP_SYS_PTRACE): the kernel
    refuses, and the line names the capability that is missing."""
    with start(pyinit) as ctr:
        result = ctr.exec("exec setpriv --bounding-set=-sys_admin -- %s --events" % pyinit)
    assert result.returncode == 3, result
    assert "CAP_SYS_ADMIN" in result.stderr and "CAP_SYS_PTRACE" in result.stderr, result.stderr


@pytest.mark.timeout(60)
def test_another_uid_is_refused_in_one_line(pyinit, shared_dir):
    """A reader running as uid 65534 cannot read root's pyinit: one line, exit 3."""
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None:
        ensure_packages("python3")
        python = shutil.which("python3", path="/usr/bin:/bin")
    source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    copy = shared_dir / "src"
    shutil.copytree(os.path.join(source, "pyinit"), copy / "pyinit")
    os.system("chmod -R a+rX %s" % copy)
    reader = ("import sys; sys.path.insert(0, %r); from pyinit.explain import events; "
              "sys.exit(events.run(1, 'json', sys.stdout))" % str(copy))
    with start(pyinit) as ctr:
        result = ctr.exec("exec setpriv --reuid=65534 --regid=65534 --clear-groups %s -I -c \"%s\""
                          % (python, reader))
    assert result.returncode == 3, result
    assert "another user" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.timeout(60)
def test_recorder_keeps_closed_standard_streams_free(pyinit):
    """Started with fds 0 and 1 closed, the memfd does not take their numbers."""
    script = "exec %s -s -- sh -c 'ls -l /proc/$PPID/fd >&2' 0<&- 1>&-" % pyinit
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30)
    numbers = {}
    for line in result.stderr.splitlines():
        left, arrow, target = line.partition(" -> ")
        if arrow:
            numbers[left.split()[-1]] = target
    # (pyinit's own short-lived reads may use 0 or 1 meanwhile: only the memfd's number counts.)
    memfds = [number for number, target in numbers.items()
              if target.startswith("/memfd:pyinit-events")]
    assert len(memfds) == 1 and int(memfds[0]) > 2, result.stderr


def test_recorded_kinds_match_the_readers_table():
    """The kinds the core exports for record() are the ones the reader decodes."""
    import pyinit_core as core
    from pyinit.explain import events
    for name in ("child_exit", "shutdown", "spawn", "timeout", "stop_stalled", "exit", "grace_kill"):
        assert getattr(core, "KIND_" + name.upper()) == events.KIND[name], name


@pytest.mark.timeout(60)
def test_without_proc_the_line_says_so(pyinit):
    """/proc unmounted: one line saying the recorder is found through /proc, exit 3."""
    script = "umount -l /proc && exec %s --events" % pyinit
    result = subprocess.run(["unshare", "--mount", "--pid", "--fork", "sh", "-c", script],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 3, result
    assert result.stderr.strip() == ("pyinit: --events: /proc is not mounted: the recorder is "
                                     "found through /proc/PID/fd"), result.stderr
