"""A name on PATH gets execvp's answer when its candidates fail differently.

glibc's execvpe goes on after ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT and EACCES
(remembering EACCES), stops at any other error, and fails with EACCES if it saw one.
The report names the candidate that answer comes from, and what the others said.
"""

import os
import subprocess

import pytest

from helpers import binaries, namespaces
from pyinit import preflight

NOBODY = 65534


def _file(path, content, mode=0o755):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    path.chmod(mode)
    return str(path)


def _execvp(name, path_env, uid=None):
    """Exit code of `env NAME` (glibc's execvp) with this PATH: 126, 127 or the program's."""
    prefix = ["/usr/bin/setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"] if uid else []
    return subprocess.run(prefix + ["/usr/bin/env", name], env={"PATH": path_env},
                          capture_output=True, timeout=10).returncode


@pytest.mark.timeout(30)
def test_eacces_of_a_later_candidate_wins_over_an_earlier_enoent(tmp_path):
    """pa/zz's #! interpreter is missing (ENOENT), pb/zz is 0644 (EACCES): EACCES and 126, as execvp."""
    missing = _file(tmp_path / "pa" / "zz", b"#!/nonexistent/sh\n")
    denied = _file(tmp_path / "pb" / "zz", b"#!/bin/sh\n", mode=0o644)
    path_env = "%s/pa:%s/pb" % (tmp_path, tmp_path)
    assert _execvp("zz", path_env) == 126
    record = preflight.check(["zz"], {"PATH": path_env})
    assert record["cause"] == "permission_denied" and record["errno"] == "EACCES"
    assert record["resolved"] == denied and record["exit_code"] == 126
    assert record["also_tried"] == [{"path": missing, "cause": "shebang_interpreter_missing"}]


@pytest.mark.timeout(30)
def test_the_first_of_several_enoent_candidates_is_reported(tmp_path):
    """Two scripts with missing interpreters: ENOENT (127); the first is reported, the other listed."""
    first = _file(tmp_path / "pa" / "zz", b"#!/nonexistent/sh\n")
    second = _file(tmp_path / "pb" / "zz", b"#!/nonexistent/bash\n")
    path_env = "%s/pa:%s/pb" % (tmp_path, tmp_path)
    assert _execvp("zz", path_env) == 127
    record = preflight.check(["zz"], {"PATH": path_env})
    assert record["cause"] == "shebang_interpreter_missing" and record["resolved"] == first
    assert record["exit_code"] == 127
    assert record["also_tried"] == [{"path": second, "cause": "shebang_interpreter_missing"}]


@pytest.mark.timeout(30)
def test_another_error_stops_the_search(tmp_path):
    """A symlink loop first on PATH (ELOOP) stops execvp before the good program after it."""
    (tmp_path / "pa").mkdir()
    os.symlink("zz", tmp_path / "pa" / "zz")
    _file(tmp_path / "pb" / "zz", open(binaries.TRUE, "rb").read())
    path_env = "%s/pa:%s/pb" % (tmp_path, tmp_path)
    assert _execvp("zz", path_env) == 126
    record = preflight.check(["zz"], {"PATH": path_env})
    assert record["cause"] == "symlink_loop" and record["resolved"] == str(tmp_path / "pa" / "zz")
    assert "also_tried" not in record


@pytest.mark.timeout(30)
def test_a_good_candidate_after_failing_ones_starts(tmp_path):
    """Failing candidates before a good one do not stop the start: its path is the one to execve."""
    _file(tmp_path / "pa" / "zz", b"#!/nonexistent/sh\n")
    _file(tmp_path / "pb" / "zz", b"#!/bin/sh\n", mode=0o644)
    good = _file(tmp_path / "pc" / "zz", open(binaries.TRUE, "rb").read())
    path_env = "%s/pa:%s/pb:%s/pc" % (tmp_path, tmp_path, tmp_path)
    assert _execvp("zz", path_env) == 0
    assert preflight.preflight(["zz"], {"PATH": path_env}) == (None, good)


@pytest.mark.timeout(60)
def test_an_unsearchable_directory_before_the_one_holding_cmd(shared_dir):
    """PATH=private(0700):public, CMD in public: uid 65534 runs it, and the check passes."""
    private = shared_dir / "private"
    private.mkdir(mode=0o700)
    good = _file(shared_dir / "public" / "zz", open(binaries.TRUE, "rb").read())
    path_env = "%s:%s" % (private, shared_dir / "public")
    assert _execvp("zz", path_env, uid=NOBODY) == 0
    assert namespaces.check_as(NOBODY, ["zz"], env={"PATH": path_env}) is None
    assert os.path.exists(good)


@pytest.mark.timeout(60)
def test_an_unsearchable_directory_and_no_cmd_elsewhere_is_eacces(shared_dir):
    """CMD only behind the 0700 directory: EACCES (126) naming the directory, as execvp answers."""
    private = shared_dir / "private"
    private.mkdir(mode=0o700)
    _file(private / "zz", open(binaries.TRUE, "rb").read())
    (shared_dir / "public").mkdir()
    path_env = "%s:%s" % (private, shared_dir / "public")
    assert _execvp("zz", path_env, uid=NOBODY) == 126
    record = namespaces.check_as(NOBODY, ["zz"], env={"PATH": path_env})
    assert record["cause"] == "permission_denied" and record["errno"] == "EACCES"
    assert record["directory"] == str(private) and record["exit_code"] == 126


@pytest.mark.timeout(60)
def test_pyinit_exits_126_with_the_eacces_candidate(pyinit, tmp_path):
    """The installed pyinit as PID 1 gives execvp's answer too: 126, permission_denied."""
    import json

    _file(tmp_path / "pa" / "zz", b"#!/nonexistent/sh\n")
    denied = _file(tmp_path / "pb" / "zz", b"#!/bin/sh\n", mode=0o644)
    env = {"PATH": "%s/pa:%s/pb:/usr/bin" % (tmp_path, tmp_path)}
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", pyinit, "--", "zz"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 126
    [record] = [json.loads(l) for l in result.stderr.splitlines() if l.startswith("{")]
    assert record["cause"] == "permission_denied" and record["resolved"] == denied
