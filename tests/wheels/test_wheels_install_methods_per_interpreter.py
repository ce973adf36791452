"""Each pyenv CPython's manylinux wheel, installed each way that decides which interpreter and
which package directory the launcher picks, runs that installation's interpreter and pyinit.

Installs are offline (`--no-index --find-links` the wheel and psutil directories) with no
compiler on PATH, made once per session and shared by the three checks of each.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import wheel_installs
from helpers.installs import assert_runs, first_system_python, what_runs
from helpers.tools import tools_venv
from helpers.rootfs import cache_dir
from helpers.wheel_installs import MINORS

METHODS = ("venv", "moved-venv", "pip-target", "pip-user", "uv-venv", "pipx")
RUN_TIMEOUT_S = 60

pytestmark = [pytest.mark.timeout(600),
              pytest.mark.parametrize("installed", [(m, k) for m in MINORS for k in METHODS],
                                      ids=["%s-%s" % (m, k) for m in MINORS for k in METHODS],
                                      indirect=True)]


class Installed:
    """An installation: the command users run, the interpreter and the package directory the
    launcher must pick, and the environment to run it in."""

    def __init__(self, command, python, package_dir, env):
        self.command, self.python, self.package_dir, self.env = command, python, package_dir, env


def site_packages(prefix, minor):
    return Path(prefix) / "lib" / ("python" + minor) / "site-packages"


def clean_env(**extra):
    """The test's environment without PYTHON* variables (no PYTHONPATH helps pyinit)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


class Installer:
    """Makes each (minor, method) installation on first use, keeps it for the session."""

    def __init__(self, wheels, pythons, venvs, bare, scratch):
        self.wheels, self.pythons, self.venvs = wheels, pythons, venvs
        self.bare, self.scratch = bare, Path(scratch)
        self.made = {}

    def get(self, minor, method):
        if (minor, method) not in self.made:
            where = self.scratch / ("%s-%s" % (minor, method))
            where.mkdir()
            make = getattr(self, method.replace("-", "_"))
            self.made[minor, method] = make(minor, where)
        return self.made[minor, method]

    def install_env(self, home, **extra):
        """No compiler on PATH and a HOME of the test's own."""
        return clean_env(PATH=self.bare, HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1",
                         **extra)

    def offline(self, minor):
        wheel = self.wheels[minor]
        return ["--no-index", "--only-binary=:all:", "--find-links", wheel.parent,
                "--find-links", wheel_installs.psutil_wheels(minor)]

    def venv(self, minor, where):
        venv = self.venvs[minor]
        return Installed(venv / "bin" / "pyinit", venv / "bin" / "python",
                         site_packages(venv, minor), clean_env())

    def moved_venv(self, minor, where):
        # A copy at a new path, the original still in place: the launcher must follow itself.
        moved = where / "moved"
        shutil.copytree(self.venvs[minor], moved, symlinks=True)
        return Installed(moved / "bin" / "pyinit", moved / "bin" / "python",
                         site_packages(moved, minor), clean_env())

    def pip_target(self, minor, where):
        target = where / "target"
        wheel_installs._run([self.pythons[minor], "-m", "pip", "install", "-q",
                             *self.offline(minor), "--target", target, self.wheels[minor]],
                            "pip install --target", env=self.install_env(where))
        return Installed(target / "bin" / "pyinit",
                         first_system_python("python" + minor, self.pythons[minor]), target,
                         clean_env())

    def pip_user(self, minor, where):
        home = where / "home"
        home.mkdir()
        wheel_installs._run([self.pythons[minor], "-m", "pip", "install", "-q", "--user",
                             *self.offline(minor), self.wheels[minor]],
                            "pip install --user", env=self.install_env(home))
        local = home / ".local"
        return Installed(local / "bin" / "pyinit",
                         first_system_python("python" + minor, self.pythons[minor]),
                         site_packages(local, minor), clean_env(HOME=str(home)))

    def uv_venv(self, minor, where):
        uv = tools_venv() / "uv"
        env = self.install_env(where, UV_CACHE_DIR=str(cache_dir("uv")), UV_NO_CONFIG="1",
                               UV_PYTHON_DOWNLOADS="never", UV_OFFLINE="1")
        venv = where / "uv-venv"
        wheel_installs._run([uv, "venv", "-q", "--python", self.pythons[minor], venv], "uv venv",
                            env=env)
        wheel_installs._run([uv, "pip", "install", "-q", "--python", venv / "bin" / "python",
                             *self.offline(minor), self.wheels[minor]], "uv pip install",
                            env=env)
        return Installed(venv / "bin" / "pyinit", venv / "bin" / "python",
                         site_packages(venv, minor), clean_env())

    def pipx(self, minor, where):
        pipx = tools_venv() / "pipx"
        # pipx's default backend is uv when uv sits beside it (it does in the tools venv); with
        # the pip backend its shared pip venv would come from PyPI: once per session, then.
        env = self.install_env(where, PIPX_HOME=str(where / "pipx"),
                               PIPX_BIN_DIR=str(where / "bin"), PIPX_MAN_DIR=str(where / "man"),
                               PIPX_SHARED_LIBS=str(self.scratch / "pipx-shared"))
        pip_args = " ".join(map(str, self.offline(minor)))
        wheel_installs._run([pipx, "install", "--python", self.pythons[minor],
                             "--pip-args=" + pip_args, self.wheels[minor]], "pipx install",
                            env=env)
        prefix = where / "pipx" / "venvs" / "pyinit"
        assert Path(os.path.realpath(where / "bin" / "pyinit")).parent.parent == prefix
        return Installed(where / "bin" / "pyinit", prefix / "bin" / "python",
                         site_packages(prefix, minor), clean_env())


@pytest.fixture(scope="session")
def installer(manylinux_wheels, pyenv_pythons, pyenv_venvs, bare_path, tmp_path_factory):
    return Installer(manylinux_wheels, pyenv_pythons, pyenv_venvs, bare_path,
                     tmp_path_factory.mktemp("install-methods"))


@pytest.fixture
def installed(request, installer):
    minor, method = request.param
    return installer.get(minor, method)


def run(installed, args):
    return subprocess.run([str(installed.command)] + args, capture_output=True, text=True,
                          env=installed.env, timeout=RUN_TIMEOUT_S, stdin=subprocess.DEVNULL)


def test_runs_the_installations_interpreter_and_package(installed):
    """The child's parent is this installation's interpreter, with its own pyinit_core loaded."""
    seen = what_runs(installed.command, env=installed.env, timeout=RUN_TIMEOUT_S)
    assert_runs(seen, installed.python, installed.package_dir)


def test_exit_code_passes_through(installed):
    """The child's exit code 3 is pyinit's."""
    done = run(installed, ["-s", "--", "sh", "-c", "exit 3"])
    assert done.returncode == 3, (done.returncode, done.stderr)


def test_check_of_a_missing_command_exits_127(installed):
    """--check of a command that is on no PATH exits 127."""
    done = run(installed, ["--check", "--", "pyinit-test-no-such-command"])
    assert done.returncode == 127, (done.returncode, done.stderr)
