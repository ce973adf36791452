"""No execute permission for the effective uid is permission_denied (126) with mode and owner."""


import pytest

from helpers import binaries, namespaces
from pyinit import preflight

NOBODY = 65534


@pytest.mark.timeout(10)
def test_root_needs_at_least_one_execute_bit(tmp_path):
    """Even root cannot exec a 0644 file: permission_denied with mode 0644, like the kernel."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "prog", mode=0o644)
    record = preflight.check([prog], {})
    assert record["cause"] == "permission_denied"
    assert record["mode"] == "0644" and record["owner_uid"] == 0 and record["uid"] == 0
    assert record["errno"] == binaries.kernel_errno(prog) == "EACCES"
    assert record["exit_code"] == 126
    assert "0644" in record["hint"]


@pytest.mark.timeout(10)
def test_root_runs_a_file_with_only_the_other_execute_bit(tmp_path):
    """Mode 0601 is executable for root (one x bit is enough): the check passes as the kernel runs it."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "prog", mode=0o601)
    assert preflight.check([prog], {}) is None
    assert binaries.kernel_errno(prog) is None


@pytest.mark.timeout(30)
def test_owner_only_file_is_denied_to_another_uid(shared_dir):
    """A 0700 root-owned binary checked as uid 65534 is permission_denied naming uid 65534."""
    prog = binaries.copy(binaries.TRUE, shared_dir / "prog", mode=0o700)
    record = namespaces.check_as(NOBODY, [prog])
    assert record["cause"] == "permission_denied"
    assert record["uid"] == NOBODY and record["owner_uid"] == 0 and record["mode"] == "0700"
    assert "uid 65534" in record["hint"]


@pytest.mark.timeout(30)
def test_execute_only_binary_passes_for_another_uid(shared_dir):
    """A 0711 binary cannot be read by uid 65534 but the kernel runs it, so the check passes."""
    prog = binaries.copy(binaries.TRUE, shared_dir / "prog", mode=0o711)
    assert namespaces.check_as(NOBODY, [prog]) is None


@pytest.mark.timeout(30)
def test_unsearchable_directory_is_named(shared_dir):
    """A binary under a 0700 directory is denied to uid 65534 and the record names the directory."""
    private = shared_dir / "private"
    private.mkdir(mode=0o700)
    prog = binaries.copy(binaries.TRUE, private / "prog")
    record = namespaces.check_as(NOBODY, [prog])
    assert record["cause"] == "permission_denied"
    assert record["directory"] == str(private)
