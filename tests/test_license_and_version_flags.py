"""-l prints the license text, as tini does; -V is --version, as in dumb-init."""

import pytest

from helpers.run import run_plain


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag", ["-l", "--license"])
def test_license_flag_prints_the_license_text(pyinit, flag):
    """The full MIT text on stdout, exit 0, nothing on stderr."""
    result = run_plain(pyinit, [flag])
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in result.stdout
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in result.stdout


@pytest.mark.timeout(30)
def test_capital_v_is_version(pyinit):
    """-V prints what --version prints: `pyinit X.Y.Z`."""
    short, long = run_plain(pyinit, ["-V"]), run_plain(pyinit, ["--version"])
    assert short.returncode == long.returncode == 0
    assert short.stdout == long.stdout and short.stdout.startswith("pyinit ")
