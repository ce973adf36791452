"""Every path of pyinit runs from the bundle (each module it imports is carried), and none of
them writes into the bundle (no __pycache__: the bundle is for read-only images)."""

import os
import shutil
import signal
import subprocess

import pytest

from helpers.elf_patch import copy_with_interpreter
from helpers.pid1 import UNSHARE

NO_LOADER = "true-without-loader"
CRLF = "crlf.sh"
NEEDS_GONE = "needs-gone"
ANY_DOCTOR_VERDICT = (0, 1)   # the host may fail a check; the report must still be complete

# (arguments, expected exit code(s), extra environment); {dir} is the targets' directory.
PATHS = [
    (["-s", "--", "true"], 0, {}),
    (["--", "true"], 0, {}),                                   # the not_a_reaper warning
    (["-s", "--", "sh", "-c", "exit 3"], 3, {}),
    (["-s", "--", "sh", "-c", "kill -USR1 $$"], 128 + signal.SIGUSR1, {}),
    (["-s", "--", "/nonexistent/cmd"], 127, {}),
    (["-s", "--report-format", "text", "--", "/nonexistent/cmd"], 127, {}),
    (["-s", "--", "{dir}/" + NO_LOADER], 127, {}),
    (["-s", "--", "sh", "-c", "exit 127"], 127, {}),           # an early 127 is diagnosed
    (["-s", "--", "true"], 0, {"LD_PRELOAD": "/nonexistent/preload.so"}),
    (["--check", "--", "{dir}/" + CRLF], 126, {}),
    (["--check", "--", "{dir}/" + NEEDS_GONE], 127, {}),
    (["--check", "--report-format", "text", "--", "{dir}/" + NO_LOADER], 127, {}),
    (["--check", "--", "true"], 0, {}),
    (["--doctor"], ANY_DOCTOR_VERDICT, {}),
    (["--doctor", "--report-format", "json", "--", "true"], ANY_DOCTOR_VERDICT, {}),
    (["-s", "-vv", "--", "true"], 0, {}),
    (["-s", "-w", "--", "sh", "-c", "sh -c 'sleep 0.2 &'; sleep 0.5"], 0, {}),
    (["-s", "--grace", "2", "--", "sh", "-c", "sleep 30 & exit 4"], 4, {}),
    (["-s", "-g", "-p", "TERM", "-r", "TERM:QUIT", "-e", "3", "--", "sh", "-c", "exit 3"], 0, {}),
    (["--version"], 0, {}),
    (["--help"], 0, {}),
    (["-l"], 0, {}),
    (["--bogus"], 2, {}),
    ([], 2, {}),
]
BROKEN = ("Traceback", "internal_error", "cannot import", "ImportError", "ModuleNotFoundError",
          "could not run")


def snapshot(tree):
    """Every path under TREE with its size, mtime and mode: a write anywhere changes it."""
    found = {}
    for directory, subdirs, files in os.walk(tree):
        for name in subdirs + files:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            found[os.path.relpath(path, tree)] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return found


@pytest.fixture(scope="module")
def targets(tmp_path_factory, programs):
    where = tmp_path_factory.mktemp("targets")
    copy_with_interpreter(shutil.which("true"), where / NO_LOADER, "/nonexistent/ld-linux.so.2")
    (where / CRLF).write_bytes(b"#!/bin/sh\r\necho hello\r\n")
    os.chmod(where / CRLF, 0o755)
    shutil.copy(programs.path("needs-gone-glibc"), where / NEEDS_GONE)
    return where


@pytest.fixture(scope="module")
def writable_copy(pyinit_bundle, tmp_path_factory):
    """The bundle copied to a writable place, so that a write would succeed and be seen."""
    copy = tmp_path_factory.mktemp("writable") / "pyinit"
    shutil.copytree(pyinit_bundle, copy, symlinks=True)
    return copy


@pytest.mark.timeout(300)
@pytest.mark.parametrize("as_pid1", [False, True], ids=["child", "pid1"])
def test_every_path_runs_and_writes_nothing(writable_copy, targets, as_pid1):
    """Each path exits with its documented code, without an import failure or a traceback;
    afterwards the bundle's files are exactly as before and no __pycache__ exists."""
    before = snapshot(writable_copy)
    prefix = UNSHARE if as_pid1 else []
    for args, expected, extra_env in PATHS:
        args = [arg.replace("{dir}", str(targets)) for arg in args]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra_env}
        done = subprocess.run(prefix + [str(writable_copy / "bin" / "pyinit")] + args, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        what = "pyinit %s -> %d\n--- stdout\n%s--- stderr\n%s" % (
            " ".join(args), done.returncode, done.stdout[-3000:], done.stderr[-3000:])
        wanted = expected if isinstance(expected, tuple) else (expected,)
        assert done.returncode in wanted, what
        assert not any(word in done.stdout + done.stderr for word in BROKEN), what
    assert snapshot(writable_copy) == before
    assert not [d for d, _, _ in os.walk(writable_copy) if d.endswith("__pycache__")]


@pytest.mark.timeout(60)
def test_doctor_uses_the_bundled_psutil(writable_copy):
    """The doctor's process list comes from the psutil the bundle carries, not the /proc
    fallback it takes when psutil cannot be imported."""
    runtime = writable_copy / "runtime"
    site = next(runtime.glob("lib/python3.*/site-packages"))
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from pyinit import doctor\n"
            "psutil = doctor._import_psutil()\n"
            "assert psutil is not None and psutil.__file__.startswith(%r), psutil\n"
            "assert doctor._processes()\n"
            "print('ok')\n" % (str(site), str(site)))
    done = subprocess.run([str(runtime / "ld.so"), "--library-path", str(runtime / "lib"),
                           str(runtime / "bin" / "python3"), "-I", "-S", "-c", code],
                          env={}, capture_output=True, text=True, timeout=60)
    assert done.stdout == "ok\n", done.stderr
