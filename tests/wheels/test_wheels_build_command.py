"""tools/build-wheels: bad input is one line and exit 2; unchanged sources come from the cache."""

import subprocess
import sys

import pytest

from helpers import wheel_installs

pytestmark = pytest.mark.timeout(300)


def build(*args, env=None):
    return subprocess.run([sys.executable, str(wheel_installs.BUILD_WHEELS), *args],
                          capture_output=True, text=True, timeout=240, env=env,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args, says", [
    (("--versions", "3.8"), "--versions: 3.8 is not among 3.9,3.10,3.11,3.12,3.13"),
    (("--arch", "ppc64le"), "invalid choice: 'ppc64le'"),
])
def test_bad_arguments_exit_2_with_one_line(args, says, tmp_path):
    """An unsupported version or architecture: exit 2 and one line naming it."""
    done = build(*args, "--dist", str(tmp_path))
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_missing_interpreter_is_named(tmp_path):
    """No CPython 3.9 under PYENV_ROOT: exit 2 naming the version and the directory searched."""
    env = {"PATH": "/usr/bin:/bin", "PYENV_ROOT": str(tmp_path / "pyenv")}
    done = build("--versions", "3.9", "--dist", str(tmp_path / "dist"), env=env)
    assert done.returncode == 2, done
    assert "no CPython 3.9 under %s/pyenv/versions" % tmp_path in done.stderr, done.stderr


def test_unchanged_sources_are_taken_from_the_cache(manylinux_wheels, tmp_path):
    """Built once (the session's wheels), a second run builds nothing and gives the same bytes."""
    again = wheel_installs.build_wheels(tmp_path)
    assert sorted(again) == sorted(manylinux_wheels)
    for minor, wheel in again.items():
        assert wheel.read_bytes() == manylinux_wheels[minor].read_bytes(), wheel
