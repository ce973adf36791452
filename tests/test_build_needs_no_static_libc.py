"""Building from source on x86_64 and aarch64 needs no static C library (Fedora without
glibc-static builds); elsewhere its absence is named in the one prerequisite message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.launcher_builds import c_library_traces, launcher_links_no_c_library, launcher_of_wheel
from helpers.wheels import copy_sources

SOURCE = Path(__file__).resolve().parent.parent
# A compiler whose static links of the C library fail, as gcc's do without libc.a.
NO_LIBC_A = """#!/bin/sh
static=0; nostdlib=0
for arg in "$@"; do
    case "$arg" in -static) static=1 ;; -nostdlib) nostdlib=1 ;; esac
done
if [ "$static" = 1 ] && [ "$nostdlib" = 0 ]; then
    echo "ld: cannot find -lc: No such file or directory (no libc.a here)" >&2
    exit 1
fi
exec gcc "$@"
"""


@pytest.mark.timeout(900)
def test_build_without_a_static_c_library(tmp_path):
    """With a compiler that cannot link libc statically, the wheel builds and its launcher
    links no C library (x86_64, aarch64); elsewhere the build says libc.a is missing."""
    compiler = tmp_path / "cc-without-libc.a"
    compiler.write_text(NO_LIBC_A)
    compiler.chmod(0o755)
    sources = copy_sources(SOURCE, tmp_path / "src")
    env = dict(os.environ, CC=str(compiler), PIP_DISABLE_PIP_VERSION_CHECK="1")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                           str(tmp_path / "out"), str(sources)], capture_output=True, text=True,
                          timeout=800, env=env, stdin=subprocess.DEVNULL)
    output = done.stdout + done.stderr
    if not launcher_links_no_c_library():
        assert done.returncode != 0 and "a static C library (libc.a)" in output, output[-3000:]
        return
    assert done.returncode == 0, output[-3000:]
    launcher = launcher_of_wheel(next((tmp_path / "out").glob("pyinit-*.whl")), tmp_path)
    assert c_library_traces(launcher) == [], c_library_traces(launcher)
