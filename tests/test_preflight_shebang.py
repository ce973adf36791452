"""#! scripts: missing interpreters (127), CRLF line ends, env lookups, nesting, garbage."""

import os

import pytest

from helpers import binaries
from pyinit import preflight


def _script(tmp_path, name, content, mode=0o755):
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(mode)
    return str(path)


@pytest.mark.timeout(10)
def test_missing_interpreter_is_named(tmp_path):
    """#!/opt/nowhere/bash: shebang_interpreter_missing, 127, ENOENT like the kernel."""
    script = _script(tmp_path, "run.sh", b"#!/opt/nowhere/bash\necho hi\n")
    record = preflight.check([script], {})
    assert record["cause"] == "shebang_interpreter_missing"
    assert record["interpreter"] == "/opt/nowhere/bash" and record["exit_code"] == 127
    assert record["errno"] == binaries.kernel_errno(script) == "ENOENT"
    assert "/opt/nowhere/bash" in record["hint"]


@pytest.mark.timeout(10)
def test_env_program_not_on_path(tmp_path):
    """#!/usr/bin/env python3 with a PATH lacking python3: the program and the PATH searched are named."""
    script = _script(tmp_path, "app.py", b"#!/usr/bin/env python3\nprint(1)\n")
    record = preflight.check([script], {"PATH": str(tmp_path)})
    assert record["cause"] == "shebang_interpreter_missing"
    assert record["program"] == "python3" and record["searched"] == [str(tmp_path)]
    assert record["exit_code"] == 127 and "python3" in record["hint"]


@pytest.mark.timeout(10)
def test_env_program_on_path_passes(tmp_path):
    """#!/usr/bin/env python3 and #!/usr/bin/env -S python3 -u pass with python3 on PATH."""
    for name, line in (("a.py", b"#!/usr/bin/env python3\n"), ("b.py", b"#!/usr/bin/env -S python3 -u\n")):
        script = _script(tmp_path, name, line + b"print(1)\n")
        assert preflight.check([script], {"PATH": "/usr/bin:/bin"}) is None


@pytest.mark.timeout(10)
def test_env_program_with_a_missing_loader_is_followed(tmp_path):
    """env's target is checked too: a python3 on PATH whose loader is missing is reported."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    binaries.with_interp(binaries.TRUE, bindir / "python3", "/lib/ld-gone.so.2")
    script = _script(tmp_path, "app.py", b"#!/usr/bin/env python3\n")
    record = preflight.check([script], {"PATH": str(bindir)})
    assert record["cause"] == "missing_interpreter" and record["interpreter"] == "/lib/ld-gone.so.2"
    assert record["resolved"] == script and record["program"] == "python3"
    assert record["nested_file"] == str(bindir / "python3")
    assert record["hint"].startswith("%s runs %s through its #! line: " % (script, bindir / "python3"))


@pytest.mark.timeout(10)
def test_crlf_shebang(tmp_path):
    """A script saved with CRLF: shebang_crlf; the kernel looks for '/bin/sh\\r' (ENOENT)."""
    script = _script(tmp_path, "win.sh", b"#!/bin/sh\r\necho hi\r\n")
    record = preflight.check([script], {})
    assert record["cause"] == "shebang_crlf" and record["interpreter"] == "/bin/sh\r"
    assert record["errno"] == binaries.kernel_errno(script) == "ENOENT"
    assert record["exit_code"] == 126 and "\\r" in record["hint"]


@pytest.mark.timeout(10)
def test_crlf_after_an_argument(tmp_path):
    """'#!/bin/sh -e\\r\\n' starts (the \\r lands in the argument) but is still reported as CRLF."""
    script = _script(tmp_path, "win2.sh", b"#!/bin/sh -e\r\necho hi\r\n")
    record = preflight.check([script], {})
    assert record["cause"] == "shebang_crlf" and record["errno"] is None
    assert binaries.kernel_errno(script) is None


@pytest.mark.timeout(10)
def test_binary_garbage_after_shebang(tmp_path):
    """#! followed by binary bytes: a missing interpreter or a refused line, as the kernel sees it."""
    script = _script(tmp_path, "garbage", b"#!\x89\xff\xfe\x00\x01binary\n")
    record = preflight.check([script], {})
    assert record["cause"] == "shebang_interpreter_missing"
    assert record["errno"] == binaries.kernel_errno(script) == "ENOENT"
    script = _script(tmp_path, "garbage2", b"#!\x00\x00\x00")
    record = preflight.check([script], {})
    assert record["cause"] == "bad_interpreter"
    assert record["errno"] == binaries.kernel_errno(script) == "EACCES"


@pytest.mark.timeout(10)
def test_interpreter_that_is_a_directory_or_not_executable(tmp_path):
    """#!/tmp/dir and #!/non-executable-file: bad_interpreter with EACCES, as the kernel answers."""
    (tmp_path / "dir").mkdir()
    plain = _script(tmp_path, "plain", b"#!/bin/sh\n", mode=0o644)
    for interpreter in (str(tmp_path / "dir"), plain):
        script = _script(tmp_path, "s", b"#!" + interpreter.encode() + b"\n")
        record = preflight.check([script], {})
        assert record["cause"] == "bad_interpreter" and record["interpreter"] == interpreter
        assert record["errno"] == binaries.kernel_errno(script) == "EACCES"


@pytest.mark.timeout(20)
def test_nested_script_interpreters_stop_where_the_kernel_stops(tmp_path):
    """A chain of script interpreters: 4 nested pass, 5 is interpreter_loop (ELOOP) like the kernel."""
    previous = _script(tmp_path, "s0", b"#!/bin/sh\necho hi\n")
    for level in range(1, 7):
        previous = _script(tmp_path, "s%d" % level, b"#!" + previous.encode() + b"\n")
        record = preflight.check([previous], {})
        kernel = binaries.kernel_errno(previous)
        if level <= 4:
            assert record is None and kernel is None, (level, record)
        else:
            assert record["cause"] == "interpreter_loop" and record["resolved"] == previous
            assert record["errno"] == kernel == "ELOOP"


@pytest.mark.timeout(10)
def test_valid_scripts_pass(tmp_path):
    """#!/bin/sh, '#! /bin/sh -e' and a relative-free python script pass and run."""
    for name, content in (("a", b"#!/bin/sh\nexit 0\n"), ("b", b"#! /bin/sh -e\nexit 0\n"),
                          ("c", b"#!/usr/bin/python3\n")):
        script = _script(tmp_path, name, content)
        assert preflight.check([script], {}) is None
        assert binaries.kernel_errno(script) is None
    assert os.path.exists("/usr/bin/env")


@pytest.mark.timeout(10)
def test_nested_script_with_a_missing_interpreter_is_reported_against_cmd(tmp_path):
    """CMD's #! names a script whose own interpreter is missing: resolved is CMD, the nested
    script has its own field, and the hint says which file starts with which line."""
    nested = _script(tmp_path, "inner", b"#!/nonexistent/sh\n")
    top = _script(tmp_path, "outer", b"#!" + nested.encode() + b"\n")
    record = preflight.check([top], {})
    assert record["cause"] == "shebang_interpreter_missing"
    assert record["errno"] == binaries.kernel_errno(top) == "ENOENT"
    assert record["resolved"] == top and record["argv"] == [top]
    assert record["nested_file"] == nested and record["script_interpreter"] == nested
    assert record["interpreter"] == "/nonexistent/sh"
    assert record["hint"] == ("%s runs %s through its #! line: %s starts with '#!/nonexistent/sh' but "
                              "/nonexistent/sh does not exist; install it or fix the #! line." % (top, nested, nested))


@pytest.mark.timeout(10)
def test_crlf_in_a_nested_script_is_reported_against_cmd(tmp_path):
    """CMD's #! names a script saved with CRLF: shebang_crlf, resolved CMD, the CRLF script named."""
    nested = _script(tmp_path, "inner", b"#!/bin/sh\r\necho hi\r\n")
    top = _script(tmp_path, "outer", b"#!" + nested.encode() + b"\n")
    record = preflight.check([top], {})
    assert record["cause"] == "shebang_crlf" and record["errno"] == binaries.kernel_errno(top) == "ENOENT"
    assert record["resolved"] == top and record["nested_file"] == nested
    assert nested in record["hint"] and top in record["hint"]


@pytest.mark.timeout(10)
def test_a_three_level_chain_names_the_file_that_failed(tmp_path):
    """outer -> middle -> inner (#!/nonexistent/sh): resolved outer, nested_file inner."""
    inner = _script(tmp_path, "inner", b"#!/nonexistent/sh\n")
    middle = _script(tmp_path, "middle", b"#!" + inner.encode() + b"\n")
    outer = _script(tmp_path, "outer", b"#!" + middle.encode() + b"\n")
    record = preflight.check([outer], {})
    assert record["resolved"] == outer and record["script_interpreter"] == middle
    assert record["nested_file"] == inner and record["errno"] == binaries.kernel_errno(outer)
    assert record["hint"].startswith("%s runs %s through its #! line, which leads to %s: " % (outer, middle, inner))


@pytest.mark.timeout(10)
def test_a_shebang_naming_no_interpreter_says_so(tmp_path):
    """'#!' then NUL, or '#!' alone: the hint says the #! line names no interpreter."""
    for name, content in (("nul", b"#!\x00/bin/sh\n"), ("bare", b"#!")):
        script = _script(tmp_path, name, content)
        record = preflight.check([script], {})
        assert record["cause"] == "bad_interpreter" and record["interpreter"] == ""
        assert record["errno"] == binaries.kernel_errno(script) == "EACCES"
        assert "names no interpreter" in record["hint"] and script in record["hint"]
        assert "The interpreter  of" not in record["hint"] and "replace ." not in record["hint"]


@pytest.mark.timeout(30)
def test_crlf_after_an_argument_warns_and_starts(pyinit, tmp_path):
    """A normal start does not refuse what execve runs: a preflight_warning, then the
    interpreter's own answer to '-e\\r' (dash: illegal option, exit 2)."""
    import json
    import subprocess

    script = _script(tmp_path, "win2.sh", b"#!/bin/sh -e\r\necho hi\r\n")
    result = subprocess.run([pyinit, "-s", "--report-format", "json", "--", script],
                            capture_output=True, text=True, timeout=20)
    warning = json.loads(result.stderr.splitlines()[0])
    assert warning["event"] == "preflight_warning" and warning["cause"] == "shebang_crlf"
    assert "started anyway" in warning["hint"] and "exit_code" not in warning
    assert result.returncode == 2 and "Illegal option" in result.stderr
