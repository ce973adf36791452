"""A program on a filesystem mounted noexec is noexec_mount (126), naming the mount point."""

import pytest

from helpers import binaries, namespaces


@pytest.mark.timeout(30)
def test_binary_on_noexec_tmpfs_names_the_mount(tmp_path):
    """In its own mount namespace, a tmpfs mounted noexec holding /bin/true: noexec_mount, mount named."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    setup = "mount -t tmpfs -o noexec tmpfs %s && cp %s %s/true" % (mnt, binaries.TRUE, mnt)
    record = namespaces.run_in_namespace(setup, [str(mnt / "true")])
    assert record["cause"] == "noexec_mount"
    assert record["mount"] == str(mnt)
    assert "noexec" in record["mount_options"].split(",")
    assert record["exit_code"] == 126 and record["errno"] == "EACCES"
    assert str(mnt) in record["hint"]


@pytest.mark.timeout(30)
def test_kernel_refuses_the_noexec_binary_with_eacces(tmp_path):
    """The kernel agrees: execve on the noexec mount fails with EACCES (126 from the shell)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    result = namespaces.shell_in_namespace(
        "mount -t tmpfs -o noexec tmpfs %s && cp %s %s/true && %s/true; echo rc=$?"
        % (mnt, binaries.TRUE, mnt, mnt))
    assert "rc=126" in result.stdout, result.stdout + result.stderr
    assert "Permission denied" in result.stderr


@pytest.mark.timeout(30)
def test_remounted_noexec_is_seen(tmp_path):
    """A mount first exec-able, then remounted noexec, is reported on the current options."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    setup = ("mount -t tmpfs tmpfs %s && cp %s %s/true && mount -o remount,noexec %s"
             % (mnt, binaries.TRUE, mnt, mnt))
    record = namespaces.run_in_namespace(setup, [str(mnt / "true")])
    assert record["cause"] == "noexec_mount" and record["mount"] == str(mnt)
