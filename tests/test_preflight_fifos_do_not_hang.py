"""A FIFO named as CMD, #! interpreter, loader or library never blocks pyinit: it answers at once.

A plain open() of a FIFO waits for a writer forever, and pyinit as PID 1 would hang the
container. The kernel answers EACCES for a FIFO in execve; pyinit must give that answer
promptly, at every place it opens an untrusted path.
"""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from helpers import binaries, namespaces

# --kill-child: if pyinit hangs and the test kills unshare, the namespace's PID 1 dies too.
UNSHARE = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child"]
PROMPT_SECONDS = 15   # a hang, not a slow machine, when this passes

LIB_SOURCE = "int answer(void) { return 42; }\n"
MAIN_SOURCE = "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n"


@pytest.fixture
def short_dir():
    """A short directory: a loader path must fit in /bin/true's 28-byte PT_INTERP."""
    import pathlib

    path = tempfile.mkdtemp(prefix="pf", dir="/tmp")
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


def _fifo(directory, name="fifo"):
    path = str(directory / name)
    os.mkfifo(path)
    os.chmod(path, 0o755)
    return path


def _script(directory, name, interpreter):
    path = directory / name
    path.write_bytes(b"#!" + interpreter.encode() + b"\n")
    path.chmod(0o755)
    return str(path)


def _finishes(argv):
    """Run argv; a run that outlives PROMPT_SECONDS is a hang and fails the test."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=PROMPT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail("pyinit hung on %s" % argv[-1])


def _record(result):
    [line] = [l for l in result.stderr.splitlines() if l.startswith("{")]
    return json.loads(line)


def _start_and_check(pyinit, target):
    """(record of a normal start as PID 1, record of --check): both must end promptly."""
    started = _finishes(UNSHARE + [pyinit, "--", target])
    checked = _finishes([pyinit, "--check", "--", target])
    assert started.returncode == checked.returncode == 126, (started.stderr, checked.stderr)
    return _record(started), _record(checked)


@pytest.mark.timeout(60)
def test_fifo_as_cmd(pyinit, short_dir):
    """CMD is a FIFO: 126 with EACCES, as execve answers, on a start and in --check."""
    fifo = _fifo(short_dir)
    assert binaries.kernel_errno(fifo) == "EACCES"
    for record in _start_and_check(pyinit, fifo):
        assert record["cause"] == "permission_denied" and record["errno"] == "EACCES"
        assert record["resolved"] == fifo


@pytest.mark.timeout(60)
def test_fifo_as_the_interpreter_of_a_script(pyinit, short_dir):
    """#!/path/to/fifo: bad_interpreter with EACCES, as execve answers."""
    fifo = _fifo(short_dir)
    script = _script(short_dir, "s1", fifo)
    assert binaries.kernel_errno(script) == "EACCES"
    for record in _start_and_check(pyinit, script):
        assert record["cause"] == "bad_interpreter" and record["interpreter"] == fifo
        assert record["errno"] == "EACCES"


@pytest.mark.timeout(60)
def test_fifo_at_the_deepest_level_of_a_script_chain(pyinit, short_dir):
    """Five scripts, the last naming a FIFO: the nesting check must not open it blocking."""
    previous = fifo = _fifo(short_dir)
    for level in range(1, 6):
        previous = _script(short_dir, "c%d" % level, previous)
    assert binaries.kernel_errno(previous) == "EACCES"
    for record in _start_and_check(pyinit, previous):
        assert record["cause"] == "bad_interpreter" and record["errno"] == "EACCES"
        assert record["resolved"] == previous and record["interpreter"] == fifo


@pytest.mark.timeout(60)
def test_fifo_as_the_elf_loader(pyinit, short_dir):
    """PT_INTERP names a FIFO: bad_interpreter with EACCES, as execve answers."""
    fifo = _fifo(short_dir, "ld")
    prog = binaries.with_interp(binaries.TRUE, short_dir / "prog", fifo)
    assert binaries.kernel_errno(prog) == "EACCES"
    for record in _start_and_check(pyinit, prog):
        assert record["cause"] == "bad_interpreter" and record["interpreter"] == fifo
        assert record["errno"] == "EACCES"


@pytest.mark.timeout(120)
def test_fifo_as_a_library_in_check(pyinit, tmp_path):
    """A FIFO where the RUNPATH library should be: --check ends at once with missing_library."""
    lib = tmp_path / "lib"
    lib.mkdir()
    binaries.compile_c(LIB_SOURCE, lib / "libanswer.so", "-shared", "-fPIC")
    server = binaries.compile_c(MAIN_SOURCE, tmp_path / "server", "-L%s" % lib, "-lanswer",
                                "-Wl,-rpath,$ORIGIN/lib,--enable-new-dtags")
    os.unlink(lib / "libanswer.so")
    fifo = _fifo(lib, "libanswer.so")
    result = _finishes([pyinit, "--check", "--", server])
    assert result.returncode == 127, result.stderr
    record = _record(result)
    assert record["cause"] == "missing_library" and record["libraries"] == ["libanswer.so"]
    assert fifo in record["skipped_incompatible"]


def _run_deep_check_in_namespace(setup, argv, directory):
    try:
        return namespaces.run_in_namespace(setup, argv, mode="deep",
                                           python=namespaces.private_python(directory))
    except subprocess.TimeoutExpired:
        pytest.fail("the deep check hung on a FIFO (setup: %s)" % setup)


@pytest.mark.timeout(120)
def test_fifo_as_the_ld_so_cache(tmp_path):
    """/etc/ld.so.cache replaced by a FIFO (in a mount namespace): the deep check still ends."""
    fifo = _fifo(tmp_path, "cache")
    record = _run_deep_check_in_namespace("mount --bind %s /etc/ld.so.cache" % fifo,
                                          [binaries.TRUE], tmp_path)
    assert record is None   # libc.so.6 is still found in the default directories


@pytest.mark.timeout(120)
def test_fifo_as_the_musl_path_file(tmp_path):
    """/etc/ld-musl-x86_64.path as a FIFO (a tmpfs over /etc in a namespace): the deep check ends."""
    loader = binaries.copy("/lib64/ld-linux-x86-64.so.2", tmp_path / "ld-musl-x86_64.so.1")
    prog = binaries.compile_c("int main(void) { return 0; }\n", tmp_path / "prog",
                              "-Wl,--dynamic-linker=%s" % loader)
    setup = "mount -t tmpfs tmpfs /etc && mkfifo /etc/ld-musl-x86_64.path"
    record = _run_deep_check_in_namespace(setup, [prog], tmp_path)
    # musl's default directories are used instead; libc.so is musl's own: nothing is missing.
    assert record is None
