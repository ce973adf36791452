"""--doctor -- CMD fails when CMD sits on a noexec mount, and names noexec PATH directories."""

import os
import subprocess

import pytest

SCRIPT = ('mount -t tmpfs -o noexec tmpfs "$1" && printf "#!/bin/sh\\nexit 0\\n" > "$1/app" '
          '&& chmod +x "$1/app" && PATH="$1:$PATH" exec "$0" --doctor --report-format json -- app')


@pytest.mark.timeout(60)
def test_a_target_on_a_noexec_mount_fails_the_mounts_check(pyinit, tmp_path):
    """A real noexec tmpfs in a private mount namespace: verdict fail, the mount named."""
    import json

    target_dir = tmp_path / "noexec"
    target_dir.mkdir()
    result = subprocess.run(["unshare", "--mount", "--pid", "--fork", "--mount-proc",
                             "sh", "-c", SCRIPT, pyinit, str(target_dir)],
                            capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    mounts, = [r for r in lines if r.get("check") == "mounts"]
    assert mounts["verdict"] == "fail", (mounts, result.stderr)
    assert mounts["target"] == str(target_dir / "app")
    assert mounts["target_mount"] == str(target_dir) and "noexec" in mounts["target_mount_options"]
    assert str(target_dir) in mounts["noexec_path_dirs"]
    assert "execve() fails with EACCES" in mounts["message"]
    assert result.returncode == 1
    assert os.listdir(str(target_dir)) == []   # the tmpfs lived only in that mount namespace
