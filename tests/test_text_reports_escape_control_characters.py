"""The text format shows every control character of untrusted text as an escape: no hidden
\\r, no forged report lines, no escape sequences reaching the terminal."""

import subprocess

import pytest


def text_check(pyinit, argv):
    """pyinit --check in text format; output decoded without newline translation (which
    would turn a raw \r into \n and hide it)."""
    result = subprocess.run([pyinit, "--check", "--report-format", "text", "--"] + argv,
                            capture_output=True, env={"PATH": "/usr/bin:/bin"}, timeout=30)
    result.stdout = result.stdout.decode("utf-8", "surrogateescape")
    result.stderr = result.stderr.decode("utf-8", "surrogateescape")
    return result


@pytest.mark.timeout(30)
def test_crlf_shebang_shows_the_carriage_return(pyinit, tmp_path):
    """#!/bin/sh\\r\\n: the interpreter is shown as `/bin/sh\\r`, with no raw CR in the report."""
    script = tmp_path / "crlf.sh"
    script.write_bytes(b"#!/bin/sh\r\necho hi\r\n")
    script.chmod(0o755)
    result = text_check(pyinit, [str(script)])
    assert result.returncode != 0
    assert "  interpreter: /bin/sh\\r\n" in result.stderr
    assert "\r" not in result.stdout + result.stderr


@pytest.mark.timeout(30)
def test_a_file_name_cannot_forge_report_lines(pyinit, tmp_path):
    """A missing file named `x\\n  hint: all good`: one hint line, pyinit's own."""
    name = str(tmp_path / "x\n  hint: all good")
    result = text_check(pyinit, [name])
    assert result.returncode == 127
    lines = result.stderr.splitlines()
    assert "  hint: all good" not in lines
    assert len([line for line in lines if line.startswith("  hint:")]) == 1, lines
    assert all(line.startswith(("pyinit: ", "  ")) for line in lines), lines


@pytest.mark.timeout(30)
def test_escape_sequences_do_not_reach_the_terminal(pyinit, tmp_path):
    """ESC, CSI (0x9b), DEL and a Unicode line separator in a name come out escaped."""
    name = str(tmp_path / "red\x1b[31m\u009b2J\x7f\u2028end")
    result = text_check(pyinit, [name])
    assert result.returncode == 127
    for raw in ("\x1b", "\u009b", "\x7f", "\u2028"):
        assert raw not in result.stderr, repr(result.stderr)
    assert "red\\x1b[31m\\x9b2J\\x7f\\u2028end" in result.stderr
