#!/usr/bin/env python3
"""The example app of docker/: works until SIGTERM, then finishes what it was doing and exits 0.

Under pyinit it is PID 1's child, not PID 1: it gets the SIGTERM of `docker stop` /
`kubectl delete pod` forwarded, and its exit status becomes the container's.
"""

import os
import signal
import sys


def stop(signum, frame):
    # os.write, not print(): the signal can arrive while print() is flushing stdout, and a
    # buffered stream entered again from a handler raises "reentrant call".
    os.write(sys.stdout.fileno(), b"app: got %s, shutting down\n" % signal.Signals(signum).name.encode())
    sys.exit(0)


def main():
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("app: ready", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
