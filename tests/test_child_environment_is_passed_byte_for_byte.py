"""The child's environment is exactly the one pyinit was started with, byte for byte."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers.namespaces import shell_in_namespace
from helpers.pid1 import UNSHARE

EXEC_WITH_RAW_ENV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers",
                                 "exec_with_raw_env.py")

# LANG=C without LC_ALL or LC_CTYPE is what makes CPython coerce the C locale (it adds
# LC_CTYPE=C.UTF-8 to its own environment); duplicates and an entry without '=' are what
# a dict-shaped environment loses; \xe9 is not UTF-8.
ENTRIES = ["PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "DUP=first", "DUP=second",
           "NO_EQUALS_SIGN", "LATIN1=caf\xe9", "EMPTY="]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("as_pid1", [False, True], ids=["subreaper", "pid1"])
def test_environment_reaches_the_child_unchanged(pyinit, as_pid1):
    """No LC_CTYPE added, duplicates and '='-less entries kept, bytes kept, order kept."""
    argv = [pyinit, "-s", "--", "cat", "/proc/self/environ"]
    if as_pid1:
        argv = UNSHARE + argv
    argv[0] = shutil.which(argv[0])   # execve does not search PATH
    result = subprocess.run([sys.executable, EXEC_WITH_RAW_ENV, json.dumps(ENTRIES)] + argv,
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(b"\0")[:-1] == [e.encode("latin-1") for e in ENTRIES]


@pytest.mark.timeout(60)
def test_environment_reaches_the_child_without_proc(pyinit):
    """With /proc unmounted the child still gets pyinit's variables (from os.environ)."""
    script = "umount -l /proc && PYINIT_TEST_VALUE=kept %s -s -- env" % pyinit
    result = shell_in_namespace(script)
    assert result.returncode == 0, result.stderr
    assert "PYINIT_TEST_VALUE=kept" in result.stdout.splitlines()
