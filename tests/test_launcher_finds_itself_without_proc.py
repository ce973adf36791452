"""Without /proc the launcher finds its installation from the name it was executed by, with
every symbolic link on the way followed and a relative name resolved against the cwd."""

import os
import subprocess

import pytest

from helpers.installs import PROBE, Seen, assert_runs
from helpers.launcher_builds import make_installation

# /proc is detached in a mount namespace of its own before the launcher runs, and mounted
# again by the child (after the launcher is gone) so that the probe can see what ran.
WITHOUT_PROC = ('umount -l /proc && test ! -e /proc/self && cd "$1" && shift && '
                'exec "$@"')
CHILD_PROBE = "mount -t proc proc /proc && " + PROBE


def run_without_proc(cwd, command):
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           WITHOUT_PROC, "sh", str(cwd), *command],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


@pytest.fixture
def linked_installation(pyinit, tmp_path):
    """tmp/prefix is a copy of this installation; tmp/via is a link to tmp/links, whose
    pyinit is a relative link to ../prefix/bin/pyinit."""
    launcher, python, packages = make_installation(tmp_path / "prefix", os.path.realpath(pyinit))
    (tmp_path / "links").mkdir()
    os.symlink("../prefix/bin/pyinit", tmp_path / "links" / "pyinit")
    os.symlink("links", tmp_path / "via")
    return python, packages


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", ["via/pyinit", "./via/../via//pyinit"])
def test_relative_symlinked_launcher_finds_its_installation(linked_installation, tmp_path, name):
    """Started as a relative path through a directory link and a file link, with no /proc:
    it runs its own installation's interpreter and pyinit_core."""
    python, packages = linked_installation
    done = run_without_proc(tmp_path, [name, "-s", "--", "sh", "-c", CHILD_PROBE])
    lines = done.stdout.splitlines()
    assert_runs(Seen(lines[0] if lines else None, lines[1:], done), python, packages)


@pytest.mark.timeout(60)
def test_absolute_symlinked_launcher_names_its_own_bindir(linked_installation, tmp_path):
    """Through an absolute link, with no /proc and a broken package: the one line names the
    interpreter of the link's target installation, so the launcher found where it lies."""
    python, packages = linked_installation
    (packages / "pyinit" / "supervisor.py").unlink()
    os.symlink(tmp_path / "via" / "pyinit", tmp_path / "absolute")
    done = run_without_proc("/", [str(tmp_path / "absolute"), "true"])
    assert done.returncode == 1, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done
    assert lines[0].startswith("pyinit: %s cannot import pyinit (No module named "
                               "'pyinit.supervisor')" % python), lines[0]
    assert "could not find its own path" not in lines[0], lines[0]
