"""A directory as CMD is is_directory (126), where the kernel says EACCES."""

import pytest

from helpers import binaries
from pyinit import preflight


@pytest.mark.timeout(10)
def test_directory_is_reported_as_is_directory(tmp_path):
    """The record names the directory, exit 126, errno EACCES as execve returns."""
    app = tmp_path / "app"
    app.mkdir()
    record = preflight.check([str(app)], {})
    assert record["cause"] == "is_directory"
    assert record["resolved"] == str(app)
    assert record["exit_code"] == 126
    assert record["errno"] == binaries.kernel_errno(str(app)) == "EACCES"


@pytest.mark.timeout(10)
def test_directory_on_path_is_skipped_like_execvp(tmp_path):
    """A directory named like CMD earlier on PATH is skipped for the real program after it."""
    (tmp_path / "a" / "true").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    real = binaries.copy(binaries.TRUE, tmp_path / "b" / "true")
    record, path = preflight.preflight(["true"], {"PATH": "%s/a:%s/b" % (tmp_path, tmp_path)})
    assert record is None and path == real
