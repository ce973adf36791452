"""Ported from tini (test/sigconf): signals ignored and blocked by whoever started pyinit
are ignored and blocked in the child too."""

import signal
import subprocess

import pytest

IGNORED = (signal.SIGTTOU, signal.SIGSEGV, signal.SIGINT)
BLOCKED = (signal.SIGTTIN, signal.SIGILL, signal.SIGTERM)


def configure():
    for signum in IGNORED:
        signal.signal(signum, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, BLOCKED)


def mask(status, field):
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1], 16)
    raise AssertionError("no %s in %r" % (field, status))


@pytest.mark.timeout(30)
def test_ignored_and_blocked_signals_reach_the_child(pyinit):
    """SigIgn has TTOU, SEGV, INT and SigBlk has TTIN, ILL, TERM in the child's status."""
    result = subprocess.run([pyinit, "-s", "--", "cat", "/proc/self/status"],
                            capture_output=True, text=True, timeout=20, preexec_fn=configure)
    assert result.returncode == 0, result.stderr
    for signum in IGNORED:
        assert mask(result.stdout, "SigIgn") & (1 << (signum - 1)), signum
    for signum in BLOCKED:
        assert mask(result.stdout, "SigBlk") & (1 << (signum - 1)), signum
