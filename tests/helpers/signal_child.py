"""A child whose SIGTERM handling is set up on request: prints `ready` once it is in place.

Usage: python signal_child.py MODE, MODE one of
  caught   install a SIGTERM handler (it prints `caught` and exits 0), then ready
  blocked  block SIGTERM in the only thread, then ready
  late     print ready first, and install a handler only after 30 s: until then SIGTERM
           has its default action (the "handler not installed yet" start-up window)
  waited   block SIGTERM, then ready, then take it with sigwait() (prints `got`, exits 0)
  signalfd block SIGTERM, open a signalfd for it, then ready, then read it from the
           descriptor (prints `got`, exits 0)
Otherwise it then sleeps, bounded, until a signal ends it.
"""

import ctypes
import os
import signal
import sys
import time


def open_signalfd(signo):
    """signalfd(2) through libc: the standard library has no wrapper."""
    libc = ctypes.CDLL(None, use_errno=True)
    mask = (ctypes.c_ulong * 16)()          # a glibc sigset_t, bit N-1 for signal N
    mask[0] = 1 << (signo - 1)
    fd = libc.signalfd(-1, ctypes.byref(mask), os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "signalfd")
    return fd


def on_term(signo, frame):
    print("caught", flush=True)
    sys.exit(0)


def main():
    mode = sys.argv[1]
    if mode == "caught":
        signal.signal(signal.SIGTERM, on_term)
    elif mode in ("blocked", "waited", "signalfd"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    elif mode != "late":
        sys.exit("unknown mode %r" % mode)
    fd = open_signalfd(signal.SIGTERM) if mode == "signalfd" else None
    print("ready", flush=True)
    if mode == "waited":
        signal.sigwait({signal.SIGTERM})
    elif fd is not None:
        os.read(fd, 128)   # one struct signalfd_siginfo
    if mode in ("waited", "signalfd"):
        print("got", flush=True)
        return
    if mode == "late":
        time.sleep(30)
        signal.signal(signal.SIGTERM, on_term)
    time.sleep(30)


if __name__ == "__main__":
    main()
