"""Small C programs the tests run as pyinit's child, compiled once per test session."""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def compile_program(name, build_dir):
    """gcc tests/helpers/NAME.c into build_dir; a failed build fails the test loudly."""
    source = os.path.join(HERE, name + ".c")
    binary = os.path.join(build_dir, name)
    result = subprocess.run(["gcc", "-O2", "-Wall", "-o", binary, source],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("cannot build %s: %s" % (source, result.stderr))
    return binary
