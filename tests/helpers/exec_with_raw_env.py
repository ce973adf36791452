"""Exec a program with an environment given entry by entry, duplicates and '='-less ones too.

Usage: python exec_with_raw_env.py ENV_JSON PROGRAM [ARGS...]; ENV_JSON is a JSON list of
strings, each byte written as one latin-1 character. os.execve takes a mapping and cannot
express such an environment; the libc call can.
"""

import ctypes
import json
import os
import sys


def c_strings(items):
    array = (ctypes.c_char_p * (len(items) + 1))()
    array[:len(items)] = items
    array[len(items)] = None
    return array


def main():
    env = [entry.encode("latin-1") for entry in json.loads(sys.argv[1])]
    argv = [os.fsencode(arg) for arg in sys.argv[2:]]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.execve(argv[0], c_strings(argv), c_strings(env))
    sys.exit("execve %s: %s" % (sys.argv[2], os.strerror(ctypes.get_errno())))


if __name__ == "__main__":
    main()
