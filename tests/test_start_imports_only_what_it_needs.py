"""A successful start imports nothing beyond the bare interpreter's modules but pyinit's own.

Every module a start imports is paid on every start of every container: os alone costs about
a millisecond, json, re, enum, struct or runpy more. The interpreter runs the entry the
launcher runs (`pyinit.supervisor.launched`) without `site` (`-I -S`, as the launcher does),
with `-X importtime`, so that stderr lists every module the whole run imported.
"""

import os
import subprocess
import sys

import pytest

from helpers.pid1 import UNSHARE


def _installed_package_dir():
    """The directory holding the installed pyinit and pyinit_core (what the launcher runs)."""
    code = "import os, pyinit_core; print(os.path.dirname(pyinit_core.__file__))"
    return subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=30, check=True).stdout.strip()


def _imported(argv):
    """Names of the modules a run of argv imported (from -X importtime on stderr)."""
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return result, names


def _start(command, pid1, package_dir):
    entry = ("import sys; sys.path.insert(0, %r); from pyinit.supervisor import launched; "
             "launched()" % package_dir)
    argv = [sys.executable, "-I", "-S", "-X", "importtime", "-c", entry, "--pyinit-state=0:0"]
    argv += (["--"] if pid1 else ["-s", "--"]) + command
    return (UNSHARE if pid1 else []) + argv


@pytest.fixture(scope="module")
def bare_modules():
    result, names = _imported([sys.executable, "-I", "-S", "-X", "importtime", "-c", "pass"])
    assert result.returncode == 0 and names, result.stderr
    return names


def _extra_modules(command, pid1, bare_modules):
    result, names = _imported(_start(command, pid1, _installed_package_dir()))
    assert result.returncode == 0, result.stderr
    assert "pyinit.supervisor" in names, result.stderr
    return sorted(name for name in names - bare_modules
                  if name != "pyinit" and not name.startswith(("pyinit.", "pyinit_core")))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("pid1", [True, False], ids=["pid1", "plain"])
def test_start_of_a_binary_imports_only_pyinit_modules(pid1, bare_modules):
    """pyinit -- /bin/true imports no standard-library module the bare interpreter does not."""
    true = "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"
    assert _extra_modules([true], pid1, bare_modules) == []


@pytest.mark.timeout(60)
def test_start_of_a_script_imports_only_pyinit_modules(tmp_path, bare_modules):
    """A #! script as the command (its check reads the #! line) imports no more either."""
    script = tmp_path / "app.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    assert _extra_modules([str(script)], True, bare_modules) == []


@pytest.mark.timeout(60)
def test_start_imports_no_os_module(bare_modules):
    """Not even os: what a successful run needs comes from posix (pyinit.lazy_os). (A
    failing exit writes its explanation, and a report may import more.)"""
    result, names = _imported(_start(["/bin/sh", "-c", "exit 0"], True, _installed_package_dir()))
    assert result.returncode == 0, result.stderr
    assert "os" not in names and "os" not in bare_modules


# What a start of each kind imports of pyinit itself (pyinit_core.quick_preflight accepts a
# native ELF program, and a #! script run by one, in C; an env script is preflight's).
START_MODULES = {"pyinit", "pyinit.lazy_os", "pyinit_core", "pyinit.cli", "pyinit.supervisor"}
PREFLIGHT_MODULES = {"pyinit.preflight", "pyinit.preflight.elf", "pyinit.preflight.untrusted"}


def _pyinit_modules(command, package_dir):
    result, names = _imported(_start(command, True, package_dir))
    assert result.returncode == 0, result.stderr
    return {name for name in names if name == "pyinit" or name.startswith(("pyinit.", "pyinit_core"))}


@pytest.mark.timeout(60)
def test_start_of_a_native_binary_imports_no_preflight_module():
    """pyinit -- /bin/true imports five modules of pyinit's own, none of the preflight's."""
    true = "/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true"
    assert _pyinit_modules([true], _installed_package_dir()) == START_MODULES


@pytest.mark.timeout(60)
def test_start_of_a_sh_script_imports_no_preflight_module(tmp_path):
    """A #!/bin/sh script: the core reads its #! line and checks /bin/sh; no preflight."""
    script = tmp_path / "app.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    assert _pyinit_modules([str(script)], _installed_package_dir()) == START_MODULES


@pytest.mark.timeout(60)
def test_start_of_an_env_script_reads_it_with_preflight(tmp_path):
    """#!/usr/bin/env sh: env's target is found by pyinit.preflight, with its shebang reader."""
    script = tmp_path / "app.sh"
    script.write_text("#!/usr/bin/env sh\nexit 0\n")
    script.chmod(0o755)
    modules = _pyinit_modules([str(script)], _installed_package_dir())
    assert START_MODULES | PREFLIGHT_MODULES | {"pyinit.preflight.shebang"} == modules
