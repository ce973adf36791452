"""The core's quick check accepts a program only where pyinit.preflight would start it silently.

A start whose command is a native ELF program with sound headers and loader, or a #! script
whose interpreter is one, is accepted by pyinit_core.quick_preflight, in C, and
pyinit.preflight is never imported. Anything else
must be declined (None) and left to preflight, which explains problems and gives warnings.
So the quick check may decline more than it must, never accept more: accepting a file
preflight would refuse or warn about would lose a report. These tests hold the two together
on real programs, broken copies of them and thousands of mutants.
"""

import os
import random
import struct
import tempfile

import pytest

import pyinit_core as core
from helpers import binaries
from pyinit import preflight
from pyinit.preflight import elf

SEED = 20261206
NATIVE_MACHINE = {"x86_64": 62, "aarch64": 183}.get(os.uname().machine)


def _preflight_starts_silently(path, env):
    """(record, resolved, warnings) of a normal start's preflight of [path]."""
    warnings = []
    record, resolved = preflight.preflight([path], env, warn=warnings.append)
    return record, resolved, warnings


def _agrees(path, env=None):
    """The quick check's answer for path, after asserting that an acceptance is preflight's too."""
    env = env if env is not None else {"PATH": "/usr/bin:/bin"}
    quick = core.quick_preflight(os.fsencode(path), os.fsencode(env["PATH"]))
    if quick is not None:
        record, resolved, warnings = _preflight_starts_silently(path, env)
        assert record is None and not warnings, (path, record, warnings)
        assert os.fsdecode(quick[0]) == resolved
    return quick


@pytest.fixture(scope="module", autouse=True)
def native_machine():
    if NATIVE_MACHINE is None:
        pytest.fail("the quick check knows x86_64 and aarch64; this is %s" % os.uname().machine)


@pytest.mark.timeout(60)
def test_quick_check_accepts_a_dynamic_and_a_static_program(tmp_path):
    """/bin/true (dynamic, with a loader) and a static program are accepted, by path and by name."""
    static = binaries.compile_c("int main(void) { return 0; }\n", tmp_path / "static", "-static")
    assert _agrees(binaries.TRUE) == [os.fsencode(binaries.TRUE)]
    assert _agrees(static) == [os.fsencode(static)]
    by_name = core.quick_preflight(b"static", os.fsencode(str(tmp_path)))
    assert by_name == [os.fsencode(static)]


@pytest.mark.timeout(60)
def test_quick_check_declines_what_preflight_must_judge(tmp_path):
    """Missing files, directories, FIFOs, unexecutable files, a missing, script or
    unexecutable loader, a truncated program, a foreign machine, an empty file: all declined
    (preflight reports or warns)."""
    unexecutable = binaries.copy(binaries.TRUE, tmp_path / "unexecutable", mode=0o644)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o755)
    missing_loader = binaries.with_interp(binaries.TRUE, tmp_path / "missing-loader", "/nope/ld.so")
    short = tempfile.NamedTemporaryFile(dir="/tmp", prefix="q", suffix=".sh")  # fits PT_INTERP
    short.write(b"#!/bin/sh\nexit 0\n")
    short.flush()
    os.chmod(short.name, 0o755)
    script_loader = binaries.with_interp(binaries.TRUE, tmp_path / "script-loader", short.name)
    unexecutable_loader = binaries.with_interp(binaries.TRUE, tmp_path / "passwd-loader", "/etc/passwd")
    truncated = binaries.copy(binaries.TRUE, tmp_path / "truncated")
    with open(truncated, "r+b") as handle:
        handle.truncate(os.path.getsize(truncated) // 2)
    foreign = binaries.copy(binaries.TRUE, tmp_path / "foreign")
    binaries.patch(foreign, 18, struct.pack("<H", 50))   # ia64: no host runs it
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    empty.chmod(0o755)
    with short:
        for path in [unexecutable, fifo, missing_loader, script_loader, unexecutable_loader,
                     truncated, foreign, empty, tmp_path, tmp_path / "not-there"]:
            assert core.quick_preflight(os.fsencode(str(path)), b"/usr/bin:/bin") is None, path


@pytest.mark.timeout(60)
def test_quick_check_declines_when_an_earlier_path_entry_is_not_a_program(tmp_path):
    """A non-executable file of the same name earlier in PATH: declined (execvp's EACCES
    rules are preflight's), and preflight then starts the later one."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    binaries.copy(binaries.TRUE, first / "app", mode=0o644)
    binaries.copy(binaries.TRUE, second / "app")
    path = "%s:%s" % (first, second)
    assert core.quick_preflight(b"app", os.fsencode(path)) is None
    record, resolved, warnings = _preflight_starts_silently("app", {"PATH": path})
    assert record is None and resolved == str(second / "app") and not warnings


@pytest.mark.timeout(30)
def test_quick_check_searches_the_default_path_preflight_searches():
    """PATH unset: both search the same default directories."""
    assert core.DEFAULT_PATH == preflight.DEFAULT_PATH
    true = core.quick_preflight(b"true", None)
    assert true and os.fsdecode(true[0]) == preflight.resolve("true", None)[0][0]


@pytest.mark.timeout(30)
def test_quick_check_declines_names_with_a_nul_byte():
    """A NUL in the name or PATH cannot be passed to C: declined, preflight says why."""
    assert core.quick_preflight(b"tr\0ue", b"/usr/bin:/bin") is None
    assert core.quick_preflight(b"true", b"/usr/bin\0:/bin") is None
    assert core.quick_preflight(b"", b"/usr/bin:/bin") is None


def _tally(tmp_path, contents):
    """(accepted, declined) over executable files with these contents, each acceptance
    checked against preflight by _agrees."""
    accepted = declined = 0
    for count, content in enumerate(contents):
        path = str(tmp_path / ("candidate-%d" % count))
        with open(path, "wb") as handle:
            handle.write(content)
        os.chmod(path, 0o755)
        if _agrees(path) is None:
            declined += 1
        else:
            accepted += 1
        os.unlink(path)
    print("accepted %d, declined %d" % (accepted, declined))
    return accepted, declined


@pytest.mark.timeout(180)
def test_quick_check_accepts_no_mutant_that_preflight_questions(tmp_path):
    """2000 mutants of /bin/true's headers: each one the quick check accepts, preflight
    starts without a record or a warning; and some are accepted, some declined."""
    rng = random.Random(SEED)
    source = open(binaries.TRUE, "rb").read()
    info = elf.kernel_view(None, source[:elf.HEAD_BYTES], len(source))
    assert not info.problem and info.machine == NATIVE_MACHINE
    offsets = binaries.interesting_offsets(source)
    accepted, declined = _tally(tmp_path, (binaries.mutate(rng, source, offsets)
                                           for _ in range(2000)))
    assert accepted >= 50 and declined >= 50


def _script(path, line):
    with open(path, "wb") as handle:
        handle.write(line + b"exit 0\n")
    os.chmod(path, 0o755)
    return str(path)


@pytest.mark.timeout(60)
def test_quick_check_accepts_a_plain_sh_script(tmp_path):
    """#!/bin/sh and '#!  /bin/sh -e  ' scripts are accepted: their interpreter is a sound program."""
    assert _agrees(_script(tmp_path / "a.sh", b"#!/bin/sh\n"))
    assert _agrees(_script(tmp_path / "b.sh", b"#!  /bin/sh -e  \n"))


@pytest.mark.timeout(60)
def test_quick_check_declines_scripts_preflight_must_read(tmp_path):
    """env scripts (env's target is preflight's to find), CRLF, a relative or missing
    interpreter, a script as interpreter, a #! line without a newline in 128 bytes, a NUL
    in the line: declined."""
    nested = _script(tmp_path / "nested.sh", b"#!/bin/sh\n")
    lines = [b"#!/usr/bin/env sh\n", b"#!/bin/sh\r\n", b"#!/bin/sh -e\r\n", b"#!sh\n",
             b"#!/nonexistent/sh\n", b"#!" + os.fsencode(nested) + b"\n",
             b"#!/bin/sh " + b"x" * 130 + b"\n", b"#!/bin/sh\0\n", b"#!\n", b"#!   \n"]
    for index, line in enumerate(lines):
        path = _script(tmp_path / ("s%d" % index), line)
        assert core.quick_preflight(os.fsencode(path), b"/usr/bin:/bin") is None, line


@pytest.mark.timeout(180)
def test_quick_check_accepts_no_script_that_preflight_questions(tmp_path):
    """2000 #! lines built from telling pieces (spaces and tabs, interpreters good and bad,
    arguments, CR, NUL, lengths around the kernel's 128- and 256-byte buffers): each one the
    quick check accepts, preflight starts without a record or a warning."""
    rng = random.Random(SEED)
    sh = os.path.realpath("/bin/sh")
    script_interpreter = _script(tmp_path / "interp.sh", b"#!/bin/sh\n")
    interpreters = [b"/bin/sh", os.fsencode(sh), os.fsencode(binaries.TRUE), b"/usr/bin/env",
                    b"/nonexistent/sh", os.fsencode(script_interpreter), b"sh", b"",
                    b"/bin/sh\r", b"/" * 100 + b"bin/sh", b"/" * 124 + b"bin/sh", b"/etc/passwd"]
    arguments = [b"", b" -e", b"\t-e -x", b" \r", b" a\0b", b" " + b"y" * 120, b" sh"]
    endings = [b"\n", b"\r\n", b"", b"\0\n", b"   \n"]

    def scripts():
        for _ in range(2000):
            line = (b"#!" + rng.choice([b"", b" ", b"\t", b"  \t"]) + rng.choice(interpreters)
                    + rng.choice(arguments) + rng.choice(endings))
            if rng.random() < 0.2:   # around the kernel's buffer sizes
                padding = rng.choice([0, 100, 120, 126, 127, 128, 250, 260])
                line = line.rstrip(b"\n") + b" " * padding + b"\n"
            yield line + b"exit 0\n"

    accepted, declined = _tally(tmp_path, scripts())
    assert accepted >= 100 and declined >= 100
