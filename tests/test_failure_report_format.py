"""Failure reports: text on a terminal, JSON into a pipe, PYINIT_REPORT_FORMAT chooses, and the
JSON is valid UTF-8 for strict parsers even when a file name is not."""

import json
import os
import pty
import subprocess

import pytest

from helpers.run import run_pid1

MISSING = "/nonexistent/pyinit-test/app"


def _strictly_parsed(line):
    """json.loads, then prove the data is valid Unicode: re-encoding to UTF-8 must work."""
    record = json.loads(line)
    json.dumps(record, ensure_ascii=False).encode("utf-8")
    return record


def _stderr_on_a_terminal(argv, env=None):
    """Run argv with stderr on a pseudo-terminal (stdin/stdout to /dev/null); return what it wrote."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=slave, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:   # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        proc.wait(timeout=60)
        return proc.returncode, b"".join(chunks).decode()
    finally:
        os.close(master)


@pytest.mark.timeout(60)
def test_non_utf8_file_name_gives_strict_json(pyinit, tmp_path):
    """CMD with a 0xfe byte in its name, not found: the JSON line parses strictly, bytes shown as \\xfe."""
    name = os.fsencode(str(tmp_path)) + b"/\xfeapp"
    result = subprocess.run([os.fsencode(pyinit), b"--check", b"--", name], capture_output=True, timeout=60)
    assert result.returncode == 127
    line = result.stderr.decode("utf-8")   # strict: raises on anything that is not UTF-8
    record = _strictly_parsed(line)
    assert record["cause"] == "not_found"
    assert record["resolved"] == str(tmp_path) + "/\\xfeapp" and record["argv"] == [record["resolved"]]
    assert "\\xfeapp" in record["hint"]


@pytest.mark.timeout(60)
def test_default_is_text_on_a_terminal(pyinit):
    """No flag, no variable, stderr a terminal: readable 'key: value' lines, not JSON."""
    code, out = _stderr_on_a_terminal([pyinit, "--check", "--", MISSING])
    assert code == 127
    assert out.startswith("pyinit: preflight_failed: not_found")
    assert "  hint: " in out and "  resolved: %s" % MISSING in out and "{" not in out


@pytest.mark.timeout(60)
def test_default_is_json_into_a_pipe(pyinit):
    """No flag, no variable, stderr a pipe: one JSON object on one line."""
    result = subprocess.run([pyinit, "--check", "--", MISSING], capture_output=True, text=True, timeout=60)
    assert result.returncode == 127
    [line] = result.stderr.splitlines()
    assert _strictly_parsed(line)["resolved"] == MISSING


@pytest.mark.timeout(60)
def test_variable_text_gives_text_for_a_failed_start(pyinit):
    """PYINIT_REPORT_FORMAT=text into a pipe: the failure report of a start is text."""
    result = run_pid1(pyinit, ["--", MISSING], env={"PYINIT_REPORT_FORMAT": "text", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 127
    assert result.stderr.startswith("pyinit: preflight_failed: not_found")
    assert "  pid1: True" in result.stderr


@pytest.mark.timeout(60)
def test_variable_json_gives_json_on_a_terminal(pyinit):
    """PYINIT_REPORT_FORMAT=json on a terminal: JSON although a person is watching."""
    env = {"PYINIT_REPORT_FORMAT": "json", "PATH": "/usr/bin:/bin"}
    code, out = _stderr_on_a_terminal([pyinit, "--subreaper", "--", MISSING], env=env)
    assert code == 127
    [line] = out.splitlines()
    record = _strictly_parsed(line)
    assert record["event"] == "preflight_failed" and record["cause"] == "not_found"


@pytest.mark.timeout(60)
def test_text_format_shows_nested_facts_readably(pyinit, tmp_path):
    """also_tried (a list of dicts) reads as 'path: ..., cause: ...' in text, not as Python reprs."""
    for directory, content, mode in (("pa", b"#!/nonexistent/sh\n", 0o755), ("pb", b"#!/bin/sh\n", 0o644)):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "zz").write_bytes(content)
        (tmp_path / directory / "zz").chmod(mode)
    env = {"PATH": "%s/pa:%s/pb" % (tmp_path, tmp_path)}
    result = subprocess.run([pyinit, "--check", "--report-format", "text", "--", "zz"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 126
    assert ("  also_tried: path: %s/pa/zz, cause: shebang_interpreter_missing" % tmp_path) in result.stderr
    assert "{'" not in result.stderr
