"""The matching manylinux wheel, installed each way into Debian bullseye, bookworm and trixie
root filesystems, runs that installation's interpreter and pyinit inside the tree.

Each (suite, method) install is made offline (`--no-index --find-links` the wheel and psutil
directories), by the tree's own /usr/bin/python3 and the pip its python3-venv bundles, with no
compiler in the tree, into an overlay upper layer over the cached debootstrap tree: only that
layer is kept (cached per wheel hash), the debootstrap cache is never written. The checks run
in `chroot` on a read-only overlay of the layer and the tree, in a private mount and PID
namespace with its own /proc.
"""

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from helpers import wheel_installs
from helpers.installs import PROBE
from helpers.rootfs import cache_dir, debootstrap
from helpers.wheel_installs import SUITES

METHODS = ("venv", "moved-venv", "pip-target", "pip-user", "system-wide")
# Exactly the include list of the prefetched trees (helpers.rootfs): a cache hit.
INCLUDE = ("python3", "python3-venv")
TREE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
USER_HOME = "/tmp/pyinit-home"      # HOME of the --user install, a directory of its own
RUN_TIMEOUT_S = 60

pytestmark = [pytest.mark.timeout(600),
              pytest.mark.parametrize("installed", [(s, m) for s in SUITES for m in METHODS],
                                      ids=["%s-%s" % (s, m) for s in SUITES for m in METHODS],
                                      indirect=True)]

# Run in the chroot with /tmp/wheels holding the wheel and psutil. Debian's python3 has no pip
# of its own: a throwaway venv's bundled pip is run by the system interpreter, as root's
# `pip install` does on Debian. PEP 668's marker decides --break-system-packages (bullseye's
# pip predates the flag and has no marker).
INSTALL = r"""
set -e
offline="--no-index --only-binary=:all: --find-links /tmp/wheels"
wheel=/tmp/wheels/{wheel}
pip() {{
    [ -d /tmp/pip ] || /usr/bin/python3 -m venv /tmp/pip
    PYTHONPATH=/tmp/pip/lib/{versioned}/site-packages /usr/bin/python3 -m pip "$@"
}}
brk=; [ -e /usr/lib/{versioned}/EXTERNALLY-MANAGED ] && brk=--break-system-packages
case {method} in
venv)        /usr/bin/python3 -m venv /opt/venv
             /opt/venv/bin/pip install -q $offline "$wheel" ;;
moved-venv)  /usr/bin/python3 -m venv /opt/venv
             /opt/venv/bin/pip install -q $offline "$wheel"
             mv /opt/venv /opt/moved ;;
pip-target)  pip install -q $offline --target /opt/target "$wheel" ;;
pip-user)    mkdir -p {home}
             HOME={home} pip install -q $offline --user $brk "$wheel" ;;
system-wide) pip install -q $offline $brk "$wheel" ;;
esac
rm -rf /tmp/pip /tmp/wheels
"""


class Installed:
    """An install inside a tree: the command users run, the interpreter and package directory
    the launcher must pick (paths in the tree), the HOME to run it with, and how to enter."""

    def __init__(self, base, layer, command, python, package_dir, home="/root"):
        self.base, self.layer = base, layer
        self.command, self.python, self.package_dir, self.home = (command, python,
                                                                  package_dir, home)


def where_installed(method, versioned):
    """(command, interpreter, package directory, HOME) of `method` inside the tree."""
    python = "/usr/bin/" + versioned
    site = "lib/%s/site-packages" % versioned
    return {"venv": ("/opt/venv/bin/pyinit", python, "/opt/venv/" + site, "/root"),
            "moved-venv": ("/opt/moved/bin/pyinit", python, "/opt/moved/" + site, "/root"),
            "pip-target": ("/opt/target/bin/pyinit", python, "/opt/target", "/root"),
            "pip-user": (USER_HOME + "/.local/bin/pyinit", python,
                         USER_HOME + "/.local/" + site, USER_HOME),
            "system-wide": ("/usr/local/bin/pyinit", python,
                            "/usr/local/lib/%s/dist-packages" % versioned, "/root")}[method]


def make_layer(base, method, wheel, minor):
    """The overlay upper layer holding `method`'s install of `wheel` over `base` (cached)."""
    def make(directory):
        for name in ("upper", "work", "root"):
            (directory / name).mkdir(parents=True)
        drop = directory / "upper" / "tmp" / "wheels"
        drop.mkdir(parents=True)
        os.chmod(directory / "upper" / "tmp", 0o1777)
        for found in [wheel, *wheel_installs.psutil_wheels(minor).glob("psutil-*.whl")]:
            subprocess.run(["cp", found, drop], check=True)
        install = INSTALL.format(wheel=shlex.quote(wheel.name), versioned="python" + minor,
                                 method=method, home=USER_HOME)
        root = directory / "root"
        script = ("set -e; mount -t overlay overlay -o lowerdir={base},upperdir={up},"
                  "workdir={work} {root}; mount -t proc proc {root}/proc; "
                  "for cc in cc gcc clang; do if [ -e {root}/usr/bin/$cc ]; then "
                  "echo \"compiler in the tree: $cc\" >&2; exit 1; fi; done; "
                  "exec chroot {root} /bin/sh -c {install}").format(
                      base=shlex.quote(str(base)), up=shlex.quote(str(directory / "upper")),
                      work=shlex.quote(str(directory / "work")), root=shlex.quote(str(root)),
                      install=shlex.quote(install))
        wheel_installs._run(["unshare", "--mount", "--pid", "--fork", "sh", "-c", script],
                            "%s install in %s" % (method, base.name),
                            env={"PATH": TREE_PATH, "HOME": "/root", "LC_ALL": "C.UTF-8",
                                 "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    name = "methods-%s-%s-%s" % (base.name.split("-")[0], method, wheel_installs.file_hash(wheel))
    return wheel_installs._cached(cache_dir("wheel-rootfs") / name, make) / "upper"


class Installer:
    """Makes each (suite, method) install on first use, keeps it for the session."""

    def __init__(self, wheels):
        self.wheels, self.made = wheels, {}

    def get(self, suite, method):
        if (suite, method) not in self.made:
            base = debootstrap(suite, include=INCLUDE)
            minor = wheel_installs.rootfs_python_version(base)
            if minor not in self.wheels:
                pytest.fail("%s has Python %s: no wheel was built for it (built: %s)"
                            % (suite, minor, sorted(self.wheels)), pytrace=False)
            layer = make_layer(base, method, self.wheels[minor], minor)
            self.made[suite, method] = Installed(base, layer,
                                                 *where_installed(method, "python" + minor))
        return self.made[suite, method]


@pytest.fixture(scope="session")
def debian_installer(manylinux_wheels):
    return Installer(manylinux_wheels)


@pytest.fixture
def installed(request, debian_installer):
    suite, method = request.param
    return debian_installer.get(suite, method)


def run_in_tree(installed, args, tmp_path):
    """`installed.command args` in the chroot of a read-only overlay (layer over the tree),
    in a private mount and PID namespace with its own /proc."""
    root = tmp_path / "root"
    root.mkdir()
    script = ("set -e; mount -t overlay overlay -o ro,lowerdir={layer}:{base} {root}; "
              "mount -t proc proc {root}/proc; exec chroot {root} {command}").format(
                  layer=shlex.quote(str(installed.layer)), base=shlex.quote(str(installed.base)),
                  root=shlex.quote(str(root)),
                  command=" ".join(map(shlex.quote, [installed.command] + args)))
    return subprocess.run(["unshare", "--mount", "--pid", "--fork", "sh", "-c", script],
                          env={"PATH": TREE_PATH, "HOME": installed.home, "LC_ALL": "C.UTF-8"},
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          stdin=subprocess.DEVNULL)


def test_runs_the_installations_interpreter_and_package(installed, tmp_path):
    """The child's parent is this install's interpreter, with only its own pyinit_core loaded."""
    done = run_in_tree(installed, ["-s", "--", "sh", "-c", PROBE], tmp_path)
    assert done.returncode == 0, done
    exe, *cores = done.stdout.splitlines()
    assert exe == installed.python, done
    assert cores, done
    for core in cores:
        assert os.path.dirname(core) == installed.package_dir, done


def test_exit_code_passes_through(installed, tmp_path):
    """The child's exit code 3 is pyinit's."""
    done = run_in_tree(installed, ["-s", "--", "sh", "-c", "exit 3"], tmp_path)
    assert done.returncode == 3, (done.returncode, done.stderr)


def test_check_of_a_missing_command_exits_127(installed, tmp_path):
    """--check of a path that does not exist exits 127."""
    done = run_in_tree(installed, ["--check", "--", "/nonexistent"], tmp_path)
    assert done.returncode == 127, (done.returncode, done.stderr)
