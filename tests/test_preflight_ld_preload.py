"""A DT_NEEDED library satisfied by an LD_PRELOAD library is not missing.

glibc's loader maps the preloads first and matches a later DT_NEEDED name against their
DT_SONAME (or, without one, the name as written in LD_PRELOAD), so the program runs.
"""

import json
import shutil
import subprocess

import pytest

from helpers import binaries
from pyinit import preflight

LIB_SOURCE = "int answer(void) { return 42; }\n"
MAIN_SOURCE = "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n"


def _server_and_preload(tmp_path, soname="libanswer.so.1"):
    """server needs libanswer (via $ORIGIN/lib, now removed); pre/custom.so is that library."""
    lib = tmp_path / "lib"
    lib.mkdir()
    flags = ["-shared", "-fPIC"] + (["-Wl,-soname,%s" % soname] if soname else [])
    binaries.compile_c(LIB_SOURCE, lib / "libanswer.so", *flags)
    server = binaries.compile_c(MAIN_SOURCE, tmp_path / "server", "-L%s" % lib, "-lanswer",
                                "-Wl,-rpath,$ORIGIN/lib")
    (tmp_path / "pre").mkdir()
    preload = str(tmp_path / "pre" / "custom.so")
    shutil.copyfile(lib / "libanswer.so", preload)
    shutil.rmtree(lib)
    return server, preload


def _runs(server, env):
    """Exit code of the real program under the real loader with this environment."""
    return subprocess.run([server], env=env, capture_output=True, timeout=10).returncode


@pytest.mark.timeout(60)
def test_preload_by_path_satisfies_needed_by_its_soname(tmp_path):
    """LD_PRELOAD=/path/custom.so whose soname is libanswer.so.1: it runs, and the deep check passes."""
    server, preload = _server_and_preload(tmp_path)
    assert _runs(server, {}) == 127
    assert preflight.check([server], {}, deep=True)["libraries"] == ["libanswer.so.1"]
    env = {"LD_PRELOAD": preload}
    assert _runs(server, env) == 0
    assert preflight.check([server], env, deep=True) is None


@pytest.mark.timeout(60)
def test_preload_entries_are_separated_by_spaces_or_colons(tmp_path):
    """A preload that cannot be found is ignored (as ld.so ignores it); the next one counts."""
    server, preload = _server_and_preload(tmp_path)
    for value in ("libnowhere.so " + preload, "libnowhere.so:" + preload, " %s " % preload):
        env = {"LD_PRELOAD": value}
        assert _runs(server, env) == 0, value
        assert preflight.check([server], env, deep=True) is None, value


@pytest.mark.timeout(60)
def test_preload_by_name_is_searched_like_a_needed_library(tmp_path):
    """LD_PRELOAD=custom.so is found through LD_LIBRARY_PATH, and its soname then counts."""
    server, preload = _server_and_preload(tmp_path)
    env = {"LD_PRELOAD": "custom.so", "LD_LIBRARY_PATH": str(tmp_path / "pre")}
    assert _runs(server, env) == 0
    assert preflight.check([server], env, deep=True) is None
    assert preflight.check([server], {"LD_PRELOAD": "custom.so"}, deep=True)["cause"] == "missing_library"


@pytest.mark.timeout(60)
def test_preload_by_path_without_a_soname_does_not_count(tmp_path):
    """No DT_SONAME: glibc knows the preload only by its path, so DT_NEEDED libanswer.so stays missing."""
    server, preload = _server_and_preload(tmp_path, soname=None)
    env = {"LD_PRELOAD": preload}
    assert _runs(server, env) == 127
    assert preflight.check([server], env, deep=True)["libraries"] == ["libanswer.so"]


@pytest.mark.timeout(60)
def test_check_command_sees_ld_preload(pyinit, tmp_path):
    """pyinit --check with LD_PRELOAD in its environment: exit 0; without it: 127."""
    server, preload = _server_and_preload(tmp_path)
    result = subprocess.run([pyinit, "--check", "--", server], env={"LD_PRELOAD": preload},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""
    result = subprocess.run([pyinit, "--check", "--", server], env={},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 127
    assert json.loads(result.stderr)["cause"] == "missing_library"
