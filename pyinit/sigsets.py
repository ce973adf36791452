"""Signal sets as the kernel shows them, and what each signal does by default.

/proc/PID/status prints SigBlk/SigIgn/SigCgt as hex masks where bit N-1 stands for signal N;
the core hands masks over in the same layout. This module turns them into names, says what
a signal's default action is, and decodes siginfo's si_code. Pure functions, no I/O.
"""

from pyinit.signames import MAX_SIGNAL, name  # noqa: F401  (name is part of this module's API)

SIGKILL, SIGTERM, SIGCHLD, SIGSTOP = 9, 15, 17, 19
ALL = (1 << MAX_SIGNAL) - 1      # every signal, as a mask

# Default actions (signal(7)); everything not listed, real-time signals included, terminates.
_DEFAULT_IGNORE = frozenset((17, 18, 23, 28))          # CHLD CONT URG WINCH
_DEFAULT_STOP = frozenset((19, 20, 21, 22))            # STOP TSTP TTIN TTOU
_DEFAULT_CORE = frozenset((3, 4, 5, 6, 7, 8, 11, 24, 25, 31))

# Signals a runtime or a user sends to ask a program to stop: losing one of these is what
# makes `docker stop` wait out its grace period.
STOP_REQUESTS = frozenset((1, 2, 3, 15))

# si_code values (include/uapi/asm-generic/siginfo.h).
_SI_CODES = {
    0: "user", 0x80: "kernel", -1: "queue", -2: "timer", -3: "mesgq", -4: "asyncio",
    -5: "sigio", -6: "tkill", -7: "exec", -60: "asyncnl",
}
_CLD_CODES = {1: "exited", 2: "killed", 3: "dumped", 4: "trapped", 5: "stopped", 6: "continued"}
# The terminal driver sends these with si_code SI_KERNEL (Ctrl-C, Ctrl-\, Ctrl-Z, hangup, resize).
_TTY_SIGNALS = frozenset((1, 2, 3, 20, 21, 22, 28))


def has(mask, signo):
    return bool((mask >> (signo - 1)) & 1)


def members(mask):
    """The signal numbers in a mask, ascending."""
    return [signo for signo in range(1, MAX_SIGNAL + 1) if has(mask, signo)]


def names(mask):
    return [name(signo) for signo in members(mask)]


def parse_hex(text):
    """A mask from /proc/PID/status ('0000000000004a02') or from the launcher ('0x4a02')."""
    return int(text.strip(), 16)


def default_action(signo):
    """'terminate', 'core', 'ignore' or 'stop': what happens to a process with no handler."""
    if signo in _DEFAULT_IGNORE:
        return "ignore"
    if signo in _DEFAULT_STOP:
        return "stop"
    if signo in _DEFAULT_CORE:
        return "core"
    return "terminate"


def kills_by_default(signo):
    return default_action(signo) in ("terminate", "core")


def si_code_name(signo, si_code):
    """Who sent it, from siginfo: user (kill), queue (sigqueue), tty, kernel, or how a child changed."""
    if signo == SIGCHLD and si_code in _CLD_CODES:
        return _CLD_CODES[si_code]
    if si_code == 0x80 and signo in _TTY_SIGNALS:
        return "tty"
    if si_code in _SI_CODES:
        return _SI_CODES[si_code]
    return "kernel(%d)" % si_code if si_code > 0 else "code(%d)" % si_code


def describe_wait_status(status):
    """A raw waitpid() status as facts: exited + exit_code, or killed + signal (+ core_dumped).

    Exit codes are the child's own; `exit_status` is what an init propagates (128+N for
    death by signal N), stated explicitly because psutil uses -N for the same thing.
    """
    termsig = status & 0x7F
    if termsig == 0:
        code = (status >> 8) & 0xFF
        return {"status": "exited", "exit_code": code, "exit_status": code}
    if termsig == 0x7F:
        return {"status": "stopped", "signal": name((status >> 8) & 0xFF)}
    return {"status": "killed", "signal": name(termsig), "signo": termsig,
            "core_dumped": bool(status & 0x80), "exit_status": 128 + termsig}
