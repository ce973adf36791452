"""A name on no PATH directory, or a path that does not exist, is not_found (exit 127)."""

import os

import pytest

from helpers import binaries
from pyinit import preflight


@pytest.mark.timeout(10)
def test_name_on_no_path_directory_reports_the_directories_searched(tmp_path):
    """The record lists every PATH directory searched, in order, and resolved is null."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    record = preflight.check(["no-such-program"], {"PATH": "%s:%s" % (a, b)})
    assert record["cause"] == "not_found"
    assert record["exit_code"] == 127 == preflight.exit_code_for(record)
    assert record["searched"] == [str(a), str(b)]
    assert record["resolved"] is None
    assert record["errno"] == "ENOENT" and record["errno_code"] == 2
    assert "no-such-program" in record["hint"]


@pytest.mark.timeout(10)
def test_missing_path_names_the_first_missing_directory(tmp_path):
    """For /x/missing-dir/prog the record names missing-dir, and the kernel agrees on ENOENT."""
    target = str(tmp_path / "gone" / "server")
    record = preflight.check([target], {"PATH": "/usr/bin"})
    assert record["cause"] == "not_found"
    assert record["resolved"] == target
    assert record["missing"] == str(tmp_path / "gone")
    assert binaries.kernel_errno(target) == "ENOENT"


@pytest.mark.timeout(10)
def test_empty_command_is_not_found():
    """An empty argv or empty name is reported, not raised."""
    assert preflight.check([], {})["cause"] == "not_found"
    assert preflight.check([""], {})["cause"] == "not_found"


@pytest.mark.timeout(10)
def test_resolve_follows_execvp_rules(tmp_path, monkeypatch):
    """Slash names are themselves, an empty PATH entry is the cwd, PATH unset means the default."""
    prog = binaries.copy(binaries.TRUE, tmp_path / "prog")
    assert preflight.resolve("./prog", "/nowhere") == (["./prog"], [])
    monkeypatch.chdir(tmp_path)
    assert preflight.resolve("prog", "/nowhere::") == (["prog", "prog"], ["/nowhere", ".", "."])
    candidates, searched = preflight.resolve("true", None)
    assert searched == preflight.DEFAULT_PATH.split(":")
    assert candidates and all(os.path.basename(c) == "true" for c in candidates)
    assert preflight.check(["prog"], {"PATH": ":/nowhere"}) is None
    assert preflight.preflight(["prog"], {"PATH": "/nowhere:" + str(tmp_path)})[1] == prog


@pytest.mark.timeout(10)
def test_dangling_symlink_by_path_names_the_link_and_its_target(tmp_path):
    """app/myapp -> opt/gone/app: the record and hint name the link, its target and what is missing."""
    (tmp_path / "app").mkdir()
    target = str(tmp_path / "opt" / "gone" / "app")
    link = str(tmp_path / "app" / "myapp")
    os.symlink(target, link)
    record = preflight.check([link], {})
    assert record["cause"] == "not_found" and record["resolved"] == link
    assert record["errno"] == binaries.kernel_errno(link) == "ENOENT"
    assert record["symlink"] == link and record["symlink_target"] == target
    assert record["target_missing"] == str(tmp_path / "opt")
    assert link in record["hint"] and target in record["hint"] and "symlink" in record["hint"]
    assert "%s does not exist;" % link not in record["hint"]


@pytest.mark.timeout(10)
def test_dangling_directory_symlink_on_the_way_is_named(tmp_path):
    """app -> gone (a directory link to nothing), CMD app/myapp: the link on the way is named."""
    os.symlink("gone", tmp_path / "app")
    cmd = str(tmp_path / "app" / "myapp")
    record = preflight.check([cmd], {})
    assert record["cause"] == "not_found" and record["missing"] == str(tmp_path / "app")
    assert record["symlink"] == str(tmp_path / "app") and record["symlink_target"] == "gone"
    assert "symlink" in record["hint"] and "gone" in record["hint"]


@pytest.mark.timeout(10)
def test_dangling_symlink_on_path_is_named(tmp_path):
    """'myapp' on PATH is a broken link: not_found, but the hint names the link and its target."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    target = str(tmp_path / "opt" / "gone" / "app")
    os.symlink(target, bindir / "myapp")
    record = preflight.check(["myapp"], {"PATH": "/nowhere:%s" % bindir})
    assert record["cause"] == "not_found" and record["resolved"] is None
    assert record["dangling_symlinks"] == [{"path": str(bindir / "myapp"), "target": target}]
    assert str(bindir / "myapp") in record["hint"] and target in record["hint"]
    assert "in none of" not in record["hint"]
