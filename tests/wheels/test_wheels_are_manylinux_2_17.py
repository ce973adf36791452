"""Each x86_64 wheel is what PyPI users expect: manylinux_2_17, checked, stripped, licensed."""

import re
import subprocess
import zipfile
from email.parser import Parser

import pytest

from helpers import wheel_installs
from helpers.wheel_installs import MINORS

pytestmark = [pytest.mark.timeout(600), pytest.mark.parametrize("minor", MINORS)]


def run(*command):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, "`%s` exited %d:\n%s%s" % (
        " ".join(map(str, command)), done.returncode, done.stdout, done.stderr)
    return done.stdout


@pytest.fixture
def unpacked(manylinux_wheels, minor, tmp_path):
    with zipfile.ZipFile(manylinux_wheels[minor]) as archive:
        archive.extractall(tmp_path)
    return tmp_path


def elf(unpacked, pattern):
    found = [p for p in unpacked.rglob("*") if re.fullmatch(pattern, p.name) and p.is_file()]
    assert len(found) == 1, "expected one %s in the wheel, found %s" % (pattern, found)
    return found[0]


def test_name_carries_the_cpython_and_manylinux_2_17_tags(manylinux_wheels, minor):
    """One cpXY-cpXY wheel per minor (not abi3), tagged manylinux_2_17 and manylinux2014."""
    tag = "cp" + minor.replace(".", "")
    name = manylinux_wheels[minor].name
    assert name.startswith("pyinit-") and "-%s-%s-" % (tag, tag) in name, name
    assert name.endswith("manylinux2014_x86_64.manylinux_2_17_x86_64.whl"), name


def test_auditwheel_show_says_manylinux_2_17(manylinux_wheels, minor):
    """auditwheel show finds the wheel consistent with manylinux_2_17_x86_64."""
    shown = run(wheel_installs.tool_bin() / "auditwheel", "show", manylinux_wheels[minor])
    assert '"manylinux_2_17_x86_64"' in shown, shown


def test_extension_needs_no_glibc_newer_than_2_17(unpacked, minor):
    """The extension's versioned glibc symbols (objdump -T) are all 2.17 or older."""
    table = run("objdump", "-T", elf(unpacked, r"pyinit_core\..*\.so"))
    versions = set(re.findall(r"GLIBC_(\d+)\.(\d+)", table))
    too_new = sorted(v for v in versions if (int(v[0]), int(v[1])) > (2, 17))
    assert not too_new, "symbols need glibc %s:\n%s" % (too_new, table)


def test_twine_check_is_clean(manylinux_wheels, minor):
    """twine check --strict passes (metadata, long description)."""
    run(wheel_installs.tool_bin() / "twine", "check", "--strict", manylinux_wheels[minor])


def test_launcher_is_static_and_both_elf_files_are_stripped(unpacked, minor):
    """file(1): the launcher is static and stripped, the extension stripped, both x86-64."""
    launcher = run("file", "-b", elf(unpacked, "pyinit"))
    extension = run("file", "-b", elf(unpacked, r"pyinit_core\..*\.so"))
    assert "statically linked" in launcher and ", stripped" in launcher, launcher
    assert ", stripped" in extension and "x86-64" in extension, extension


def test_license_file_and_metadata_are_inside(unpacked, minor):
    """The LICENSE text is in .dist-info and METADATA says the license (SPDX MIT)."""
    licenses = list(unpacked.glob("*.dist-info/licenses/LICENSE")) + \
        list(unpacked.glob("*.dist-info/LICENSE"))
    assert licenses and "MIT" in licenses[0].read_text(), list(unpacked.rglob("*"))
    metadata = Parser().parsestr(next(unpacked.glob("*.dist-info/METADATA")).read_text())
    assert metadata["License-Expression"] == "MIT", dict(metadata)
