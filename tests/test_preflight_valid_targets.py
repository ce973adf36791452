"""Programs that start pass the check, cheap and deep: static, dynamic, scripts, env lookups."""

import pytest

from helpers import binaries
from pyinit import preflight
from pyinit.preflight import elf

PATH = {"PATH": "/usr/local/bin:/usr/bin:/bin"}


@pytest.mark.timeout(60)
def test_static_binary_passes(tmp_path):
    """gcc -static output has no PT_INTERP; it passes both checks and runs."""
    prog = binaries.compile_c("int main(void) { return 0; }\n", tmp_path / "static", "-static")
    with open(prog, "rb") as handle:
        head = handle.read(elf.HEAD_BYTES)
        import os
        info = elf.kernel_view(handle.fileno(), head, os.fstat(handle.fileno()).st_size)
    assert info.problem is None and info.interp is None
    assert preflight.check([prog], {}) is None
    assert preflight.check([prog], {}, deep=True) is None
    assert binaries.kernel_errno(prog) is None


@pytest.mark.timeout(30)
def test_system_programs_pass_deep(tmp_path):
    """python3, sh, env and true from the system pass the deep check by name on PATH."""
    for name in ("python3", "sh", "env", "true", "gcc"):
        record, path = preflight.preflight([name], PATH, deep=True)
        assert record is None, record
        assert path is not None


@pytest.mark.timeout(10)
def test_env_python3_script_passes(tmp_path):
    """A '#!/usr/bin/env python3' script passes with python3 on PATH and runs."""
    script = tmp_path / "app.py"
    script.write_text("#!/usr/bin/env python3\nprint('ok')\n")
    script.chmod(0o755)
    assert preflight.check([str(script)], PATH, deep=True) is None
