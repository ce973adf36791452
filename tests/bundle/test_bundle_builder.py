"""`python -m pyinit.bundle`: what it writes, how big, its tarball, and its refusals."""

import os
import shutil
import stat
import subprocess
import sys
import tarfile

import pytest

MAX_BYTES = 15 * 1000 * 1000    # issue 11: `du -s` at most 15 MB


def du_bytes(path):
    done = subprocess.run(["du", "-s", "--block-size=1", str(path)], capture_output=True,
                          text=True, timeout=60, check=True)
    return int(done.stdout.split()[0])


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


@pytest.mark.timeout(60)
def test_bundle_is_at_most_15_mb(pyinit_bundle):
    """du -s of the bundle directory is at most 15 MB."""
    assert du_bytes(pyinit_bundle) <= MAX_BYTES, "%d bytes" % du_bytes(pyinit_bundle)


@pytest.mark.timeout(60)
def test_layout_is_the_launcher_s_contract(pyinit_bundle):
    """bin/pyinit, runtime/ld.so, runtime/bin/python3, glibc in runtime/lib, the stdlib with its
    os landmark and lib-dynload, and pyinit in runtime/lib/python3.X/site-packages."""
    version = "python%d.%d" % sys.version_info[:2]
    runtime = pyinit_bundle / "runtime"
    for path in [pyinit_bundle / "bin" / "pyinit", runtime / "ld.so", runtime / "bin" / "python3",
                 runtime / "lib" / "libc.so.6"]:
        assert os.access(path, os.X_OK), path
    stdlib = runtime / getattr(sys, "platlibdir", "lib") / version
    assert (stdlib / "os.pyc").is_file()
    assert (stdlib / "lib-dynload").is_dir()
    site = runtime / "lib" / version / "site-packages"
    assert (site / "pyinit" / "supervisor.pyc").is_file()
    assert (site / "psutil" / "__init__.pyc").is_file()
    assert list(site.glob("pyinit_core*.so"))


@pytest.mark.timeout(60)
def test_only_compiled_modules_readable_by_anyone(pyinit_bundle):
    """No .py source and no __pycache__ (nothing to check or rewrite at run time); every file
    readable and every directory searchable by any uid."""
    for directory, subdirs, files in os.walk(pyinit_bundle):
        assert "__pycache__" not in subdirs, directory
        assert os.stat(directory).st_mode & 0o005 == 0o005, directory
        for name in files:
            path = os.path.join(directory, name)
            assert not name.endswith(".py"), path
            assert os.stat(path).st_mode & stat.S_IROTH, path


@pytest.mark.timeout(60)
def test_tarball_holds_the_same_tree(pyinit_bundle, tmp_path):
    """The .tar.gz extracts to one directory named like the bundle, same files, same bytes,
    owned by root."""
    with tarfile.open(pyinit_bundle.parent / "pyinit.tar.gz") as archive:
        members = archive.getmembers()
        assert {m.uid for m in members} == {0} and {m.gid for m in members} == {0}
        archive.extractall(tmp_path)
    extracted = tmp_path / pyinit_bundle.name
    assert files_under(extracted) == files_under(pyinit_bundle)
    for name in files_under(pyinit_bundle):
        assert (extracted / name).read_bytes() == (pyinit_bundle / name).read_bytes(), name


@pytest.mark.timeout(60)
def test_moved_bundle_still_runs(pyinit_bundle, tmp_path):
    """A copy of the bundle at another path runs its command: nothing is tied to where it was built."""
    moved = tmp_path / "elsewhere" / "deeper"
    moved.parent.mkdir()
    subprocess.run(["cp", "-a", str(pyinit_bundle), str(moved)], check=True, timeout=60)
    done = subprocess.run([str(moved / "bin" / "pyinit"), "-s", "--", "sh", "-c", "exit 7"],
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 7, done.stderr


@pytest.mark.timeout(120)
def test_refuses_a_non_empty_output_in_one_line(tmp_path):
    """An output directory that holds something: exit 1 and one line naming it, no traceback."""
    (tmp_path / "something").write_text("keep me")
    done = subprocess.run([sys.executable, "-I", "-m", "pyinit.bundle", "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and str(tmp_path) in done.stderr, done.stderr
    assert (tmp_path / "something").read_text() == "keep me"


@pytest.mark.timeout(120)
def test_a_launcher_that_does_not_run_the_bundle_is_refused(tmp_path):
    """--launcher naming a program that is not this installation's launcher: the built bundle
    fails its `bin/pyinit --version` check, exit 1 with one line, and nothing is left in DIR."""
    output = tmp_path / "bundle"
    done = subprocess.run([sys.executable, "-I", "-m", "pyinit.bundle", "--output", str(output),
                           "--launcher", shutil.which("true")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "does not run this bundle" in done.stderr, done.stderr
    assert os.listdir(output) == []


@pytest.mark.timeout(60)
def test_bad_usage_exits_2():
    """No --output: argparse's usage line and exit 2."""
    done = subprocess.run([sys.executable, "-I", "-m", "pyinit.bundle"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "--output" in done.stderr and "Traceback" not in done.stderr
