"""`pyinit -l` prints the LICENSE file of the source tree, word for word."""

from pathlib import Path

import pytest

from helpers.run import run_plain

LICENSE = Path(__file__).resolve().parent.parent / "LICENSE"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag", ["-l", "--license"])
def test_license_flag_prints_the_license_file(pyinit, flag):
    """-l / --license: the LICENSE text on stdout, exit 0."""
    result = run_plain(pyinit, [flag])
    assert result.returncode == 0, result.stderr
    assert result.stdout == LICENSE.read_text()
    assert "MIT License" in result.stdout and "the pyinit authors" in result.stdout
