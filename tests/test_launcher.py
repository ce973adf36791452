"""The launcher: which interpreter it runs, PYINIT_PYTHON, and one line when nothing can run."""

import os
import shutil
import struct
import subprocess
import sys

import pytest

from helpers import programs
from helpers.installs import SITE_PACKAGES, VERSIONED, assert_runs, what_runs
from helpers.run import run_plain


def copy_launcher(pyinit, bindir):
    bindir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(pyinit, bindir / "pyinit")
    return bindir / "pyinit"


@pytest.mark.timeout(30)
def test_launcher_runs_its_own_venv_interpreter_and_package(pyinit):
    """Without PYINIT_PYTHON the launcher runs the interpreter and pyinit_core of its venv."""
    venv = os.path.dirname(os.path.dirname(pyinit))
    assert_runs(what_runs(pyinit), sys.executable, os.path.join(venv, SITE_PACKAGES))


@pytest.mark.timeout(30)
@pytest.mark.parametrize("value", ["python3", "bin/python3", ""])
def test_relative_pyinit_python_is_a_usage_error(pyinit, monkeypatch, value):
    """PYINIT_PYTHON that is not an absolute path (even empty): one line, exit 2."""
    monkeypatch.setenv("PYINIT_PYTHON", value)
    result = run_plain(pyinit, ["true"])
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "PYINIT_PYTHON must be an absolute path" in lines[0], result


@pytest.mark.timeout(30)
def test_pyinit_python_is_honoured(pyinit, monkeypatch, tmp_path):
    """PYINIT_PYTHON names the interpreter that runs, with the launcher's own package."""
    other = tmp_path / VERSIONED
    try:
        os.link(os.path.realpath(sys.executable), other)
    except OSError:   # another filesystem: a copy runs as well
        shutil.copy2(os.path.realpath(sys.executable), other)
    monkeypatch.setenv("PYINIT_PYTHON", str(other))
    venv = os.path.dirname(os.path.dirname(pyinit))
    assert_runs(what_runs(pyinit), other, os.path.join(venv, SITE_PACKAGES))


@pytest.mark.timeout(30)
def test_missing_pyinit_python_falls_through_to_the_next_candidate(pyinit, monkeypatch):
    """PYINIT_PYTHON naming no file: the next candidate (the venv's interpreter) runs."""
    monkeypatch.setenv("PYINIT_PYTHON", "/nonexistent/python3")
    venv = os.path.dirname(os.path.dirname(pyinit))
    assert_runs(what_runs(pyinit), sys.executable, os.path.join(venv, SITE_PACKAGES))


@pytest.mark.timeout(30)
def test_every_candidate_failing_is_one_line_naming_each(pyinit, tmp_path):
    """In a root with no interpreter and no /proc: exit 1, one line naming every interpreter
    tried (PYINIT_PYTHON first, the build's last) and PYINIT_PYTHON."""
    copy_launcher(pyinit, tmp_path / "bin")
    env = {"PYINIT_PYTHON": "/opt/python3", "PATH": "/bin"}
    chroot = shutil.which("chroot") or pytest.fail("chroot (coreutils) is not on PATH")
    result = subprocess.run([chroot, str(tmp_path), "/bin/pyinit", "true"], env=env,
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result
    line = lines[0]
    named = ["PYINIT_PYTHON=/opt/python3 (not found)", "/bin/%s (not found)" % VERSIONED,
             "/bin/python3 (not found)", "/usr/local/bin/%s (not found)" % VERSIONED,
             "/usr/bin/%s (not found)" % VERSIONED]
    positions = [line.find(text) for text in named]
    assert -1 not in positions and positions == sorted(positions), line
    assert line.startswith("pyinit: no python interpreter could run pyinit"), line
    assert "the build's " in line and line.index("the build's ") > positions[-1], line
    assert line.endswith("set PYINIT_PYTHON to the python pyinit is installed for"), line


@pytest.mark.timeout(30)
def test_interpreter_that_cannot_import_pyinit_is_one_line_and_1(pyinit, tmp_path):
    """An installation whose package is broken: one line naming the interpreter, exit 1."""
    launcher = copy_launcher(pyinit, tmp_path / "bin")
    os.symlink(os.path.realpath(sys.executable), tmp_path / "bin" / VERSIONED)
    package = tmp_path / SITE_PACKAGES / "pyinit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    result = run_plain(str(launcher), ["true"])
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result
    assert "%s cannot import pyinit" % (tmp_path / "bin" / VERSIONED) in lines[0], result


@pytest.mark.timeout(30)
def test_empty_argv_is_a_usage_error_not_a_crash(pyinit, build_dir):
    """Started with argc 0 (no argv[0]): pyinit says it has no command, exit 2."""
    helper = programs.compile_program("exec_without_argv", build_dir)
    result = subprocess.run([helper, pyinit], capture_output=True, text=True, timeout=20)
    assert result.returncode == 2, result
    assert result.stderr.splitlines() == [
        "pyinit: no command given: usage: pyinit [OPTIONS] [--] CMD [ARGS...]"], result


@pytest.mark.timeout(30)
def test_bundle_runs_its_loader_on_its_interpreter(pyinit, tmp_path):
    """PREFIX/runtime/ld.so present: exec'd as `ld.so --library-path PREFIX/runtime/lib
    PREFIX/runtime/bin/python3 -I -S -c CODE STATE ARGS`, environment untouched."""
    launcher = copy_launcher(pyinit, tmp_path / "bin")
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    seen = tmp_path / "seen"
    loader = runtime / "ld.so"
    # A stand-in loader that records how it was called, byte for byte.
    loader.write_text("#!/bin/sh\nprintf '%%s\\0' \"$@\" > %s.argv\ncat /proc/$$/environ > %s.env\n"
                      % (seen, seen))
    loader.chmod(0o755)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "ODD": "a\tb"}
    result = subprocess.run([str(launcher), "-s", "--", "true", "x y"], env=env,
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result
    argv = (tmp_path / "seen.argv").read_bytes().split(b"\0")[:-1]
    argv = [a.decode() for a in argv]
    assert argv[:7] == ["--library-path", str(runtime / "lib"), str(runtime / "bin" / "python3"),
                        "-I", "-S", "-c", argv[6]], argv
    assert "b'%s'" % (runtime / "lib" / VERSIONED / "site-packages") in argv[6], argv[6]
    assert argv[7].startswith("--pyinit-state=") and argv[8:] == ["-s", "--", "true", "x y"]
    environ = (tmp_path / "seen.env").read_bytes().split(b"\0")[:-1]
    assert sorted(environ) == sorted(("%s=%s" % kv).encode() for kv in env.items())


def elf_facts(path):
    """(has a PT_INTERP program header, has a .symtab section) of a 64-bit ELF file."""
    data = open(path, "rb").read()
    assert data[:4] == b"\x7fELF" and data[4] == 2, path
    phoff, shoff = struct.unpack_from("<QQ", data, 0x20)
    phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", data, 0x36)
    interp = any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 3
                 for i in range(phnum))
    symtab = any(struct.unpack_from("<I", data, shoff + i * shentsize + 4)[0] == 2
                 for i in range(shnum))
    return interp, symtab


@pytest.mark.timeout(30)
def test_launcher_is_static_and_stripped(pyinit):
    """The installed launcher has no dynamic loader (static) and no symbol table (stripped)."""
    assert elf_facts(pyinit) == (False, False)


@pytest.mark.timeout(30)
def test_extension_is_stripped():
    """The installed pyinit_core extension has no symbol table (linked with -s)."""
    import pyinit_core
    assert elf_facts(pyinit_core.__file__)[1] is False


@pytest.mark.timeout(30)
def test_candidate_the_kernel_cannot_execute_is_named_with_the_reason(pyinit, tmp_path):
    """An executable interpreter candidate that is no program (ENOEXEC) is named in the one
    line with the C library's text for the error, "Exec format error"."""
    copy_launcher(pyinit, tmp_path / "bin")
    garbage = tmp_path / "bin" / VERSIONED
    garbage.write_bytes(b"\x00not a program\n")
    garbage.chmod(0o755)
    chroot = shutil.which("chroot") or pytest.fail("chroot (coreutils) is not on PATH")
    result = subprocess.run([chroot, str(tmp_path), "/bin/pyinit", "true"], env={"PATH": "/bin"},
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result
    assert "tried /bin/%s (Exec format error), /bin/python3 (not found)" % VERSIONED in lines[0], \
        lines[0]
