"""A system-wide `pip install --break-system-packages` into a real Debian root filesystem
(scripts in /usr/local/bin, package in /usr/local/lib/python3.X/dist-packages) runs Debian's
/usr/bin/python3.X on that package, as PID 1 of a PID namespace."""

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.installs import PROBE, VERSIONED
from helpers.rootfs import debootstrap
from helpers.wheels import built_wheel

SOURCE = Path(__file__).resolve().parent.parent
# The Debian release that ships the interpreter version the tests run with: the wheel is
# built by that interpreter, so its extension fits only Debian's python of the same version.
DEBIAN_PYTHON = {(3, 9): "bullseye", (3, 11): "bookworm", (3, 13): "trixie"}
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Debian's python3 has no pip; the pip that python3-venv bundles (ensurepip) is run with the
# system interpreter, which is what `pip install` as root does on Debian.
SCRIPT = r"""
set -e
mount -t overlay overlay -o lowerdir={rootfs},upperdir={tmp}/upper,workdir={tmp}/work {tmp}/root
mount -t proc proc {tmp}/root/proc
cp {wheel} {tmp}/root/tmp/
chroot {tmp}/root /usr/bin/python3 -m venv /opt/pip
brk=; [ -e {tmp}/root/usr/lib/{versioned}/EXTERNALLY-MANAGED ] && brk=--break-system-packages
chroot {tmp}/root env PYTHONPATH=/opt/pip/lib/{versioned}/site-packages /usr/bin/python3 \
    -m pip install -q --disable-pip-version-check --no-deps --no-index $brk /tmp/{wheel_name}
exec chroot {tmp}/root /usr/local/bin/pyinit -- sh -c {probe}
"""


@pytest.mark.timeout(900)
def test_system_wide_debian_install_runs_debian_python(tmp_path):
    """Installed system-wide in Debian: /usr/bin/python3.X on /usr/local/.../dist-packages."""
    suite = DEBIAN_PYTHON.get(sys.version_info[:2])
    if suite is None:
        pytest.fail("no Debian release ships Python %d.%d: run this test with 3.9, 3.11 or 3.13"
                    % sys.version_info[:2])
    rootfs = debootstrap(suite, include=("python3", "python3-venv"))
    wheel = built_wheel(sys.executable, SOURCE)
    for name in ("upper", "work", "root"):
        (tmp_path / name).mkdir()
    script = SCRIPT.format(rootfs=shlex.quote(str(rootfs)), tmp=shlex.quote(str(tmp_path)),
                           wheel=shlex.quote(str(wheel)), wheel_name=shlex.quote(wheel.name),
                           versioned=VERSIONED, probe=shlex.quote(PROBE))
    result = subprocess.run(["unshare", "--mount", "--pid", "--fork", "sh", "-c", script],
                            env={"PATH": PATH, "LANG": "C.UTF-8"}, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == "/usr/bin/" + VERSIONED, result
    assert lines[1:] and all(line.startswith("/usr/local/lib/%s/dist-packages/pyinit_core"
                                             % VERSIONED) for line in lines[1:]), result
