"""A wheel built by one venv runs, installed any way users install tools, that installation's
interpreter and that installation's pyinit, with the builder's venv still present."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.installs import (SITE_PACKAGES, VERSIONED, assert_runs, first_system_python,
                              what_runs)
from helpers.tools import tools_venv
from helpers.wheels import built_wheel, copy_sources
from helpers.rootfs import cache_dir

SOURCE = Path(__file__).resolve().parent.parent
PIP_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def wheel():
    """The wheel of this tree, built by the interpreter running the tests (the builder)."""
    return built_wheel(sys.executable, SOURCE)


@pytest.fixture(scope="session")
def tools():
    return tools_venv()


def run(command, env=None, timeout=PIP_TIMEOUT_S):
    """Run an installer; its failure fails the test with its output."""
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        pytest.fail("`%s` exited %d:\n%s" % (" ".join(map(str, command)), done.returncode,
                                              (done.stderr + done.stdout)[-3000:]))
    return done


def new_venv(path):
    run([sys.executable, "-m", "venv", "--without-pip", path])
    return path / "bin" / VERSIONED


def pip_into(python, *args):
    """The builder's pip, installing for another interpreter (pip --python)."""
    return run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                "--disable-pip-version-check", *args])


def env_without_pythonpath(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


@pytest.mark.timeout(120)
def test_venv(wheel, tmp_path):
    """pip install into a venv: that venv's interpreter and package."""
    python = new_venv(tmp_path / "venv")
    pip_into(python, "--no-deps", "--no-index", wheel)
    assert_runs(what_runs(tmp_path / "venv" / "bin" / "pyinit"), python,
                tmp_path / "venv" / SITE_PACKAGES)


@pytest.mark.timeout(120)
def test_moved_venv(wheel, tmp_path):
    """A venv moved to another path after the install runs from where it is now."""
    python = new_venv(tmp_path / "before")
    pip_into(python, "--no-deps", "--no-index", wheel)
    os.rename(tmp_path / "before", tmp_path / "after")
    assert_runs(what_runs(tmp_path / "after" / "bin" / "pyinit"),
                tmp_path / "after" / "bin" / VERSIONED, tmp_path / "after" / SITE_PACKAGES)


def uv_env(tmp_path):
    return env_without_pythonpath(UV_CACHE_DIR=str(cache_dir("uv")), UV_PYTHON_DOWNLOADS="never",
                                  UV_TOOL_DIR=str(tmp_path / "uv-tools"),
                                  UV_TOOL_BIN_DIR=str(tmp_path / "bin"), UV_NO_CONFIG="1")


@pytest.mark.timeout(300)
def test_uv_venv_and_uv_pip_install(wheel, tools, tmp_path):
    """uv venv + uv pip install: the uv venv's interpreter and package."""
    env = uv_env(tmp_path)
    venv = tmp_path / "uv-venv"
    run([tools / "uv", "venv", "-q", "--python", sys.executable, venv], env=env)
    run([tools / "uv", "pip", "install", "-q", "--python", venv / "bin" / "python", "--no-deps",
         wheel], env=env)
    assert_runs(what_runs(venv / "bin" / "pyinit"), venv / "bin" / "python", venv / SITE_PACKAGES)


@pytest.mark.timeout(300)
def test_uv_tool_install(wheel, tools, tmp_path):
    """uv tool install: the command on the tool bin dir runs the tool's own venv."""
    env = uv_env(tmp_path)
    run([tools / "uv", "tool", "install", "-q", "--python", sys.executable, wheel], env=env)
    command = tmp_path / "bin" / "pyinit"
    prefix = Path(os.path.realpath(command)).parent.parent
    assert prefix.parent == tmp_path / "uv-tools", prefix
    assert_runs(what_runs(command, env=env), prefix / "bin" / "python", prefix / SITE_PACKAGES)


@pytest.mark.timeout(300)
def test_pipx(wheel, tools, tmp_path):
    """pipx install: the command on pipx's bin dir runs pipx's venv for pyinit."""
    env = env_without_pythonpath(PIPX_HOME=str(tmp_path / "pipx"),
                                 PIPX_BIN_DIR=str(tmp_path / "bin"),
                                 PIPX_MAN_DIR=str(tmp_path / "man"))
    run([tools / "pipx", "install", "--python", sys.executable, wheel], env=env)
    prefix = tmp_path / "pipx" / "venvs" / "pyinit"
    assert Path(os.path.realpath(tmp_path / "bin" / "pyinit")).parent.parent == prefix
    assert_runs(what_runs(tmp_path / "bin" / "pyinit", env=env), prefix / "bin" / "python",
                prefix / SITE_PACKAGES)


@pytest.mark.timeout(120)
def test_pip_install_target(wheel, tmp_path):
    """pip install --target DIR, run as DIR/bin/pyinit without PYTHONPATH: DIR's package."""
    target = tmp_path / "target"
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
         target, wheel])
    assert_runs(what_runs(target / "bin" / "pyinit", env=env_without_pythonpath()),
                first_system_python(), target)


@pytest.mark.timeout(120)
def test_pip_install_user(wheel, tmp_path):
    """pip install --user (HOME a temporary directory): ~/.local's package."""
    home = tmp_path / "home"
    home.mkdir()
    base = os.path.realpath(sys.executable)   # --user is refused inside a venv
    run([sys.executable, "-m", "pip", "--python", base, "install", "-q", "--user", "--no-deps",
         "--no-index", "--break-system-packages", wheel],
        env=env_without_pythonpath(HOME=str(home)))
    assert_runs(what_runs(home / ".local" / "bin" / "pyinit",
                          env=env_without_pythonpath(HOME=str(home))),
                first_system_python(), home / ".local" / SITE_PACKAGES)


@pytest.mark.timeout(300)
def test_editable_install(tmp_path):
    """pip install -e: the package of the source tree (found through site's .pth hook)."""
    source = copy_sources(SOURCE, tmp_path / "src")
    init = source / "pyinit" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "editable-'))
    python = new_venv(tmp_path / "venv")
    pip_into(python, "--no-deps", "-e", source)
    command = tmp_path / "venv" / "bin" / "pyinit"
    shown = run([command, "--version"])
    assert shown.stdout.startswith("pyinit editable-"), shown.stdout
    seen = what_runs(command)
    assert seen.result.returncode == 0 and seen.exe == os.path.realpath(python), seen
