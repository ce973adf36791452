"""A child whose SIGTERM handling is set up on request: prints `ready` once it is in place.

Usage: python signal_child.py MODE, MODE one of
  caught   install a SIGTERM handler (it prints `caught` and exits 0), then ready
  blocked  block SIGTERM in the only thread, then ready
  late     print ready first, and install a handler only after 30 s: until then SIGTERM
           has its default action (the "handler not installed yet" start-up window)
Then it sleeps, bounded, until a signal ends it.
"""

import signal
import sys
import time


def on_term(signo, frame):
    print("caught", flush=True)
    sys.exit(0)


def main():
    mode = sys.argv[1]
    if mode == "caught":
        signal.signal(signal.SIGTERM, on_term)
    elif mode == "blocked":
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    elif mode != "late":
        sys.exit("unknown mode %r" % mode)
    print("ready", flush=True)
    if mode == "late":
        time.sleep(30)
        signal.signal(signal.SIGTERM, on_term)
    time.sleep(30)


if __name__ == "__main__":
    main()
