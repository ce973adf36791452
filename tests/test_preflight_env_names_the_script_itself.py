"""--check reports a script whose `#!/usr/bin/env NAME` finds the script itself: env would
exec it again, forever, and the program would never run."""

import json
import os

import pytest

from helpers.run import run_plain


def write_script(directory, name, first_line):
    path = os.path.join(str(directory), name)
    with open(path, "w") as f:
        f.write(first_line + "\necho never\n")
    os.chmod(path, 0o755)
    return path


def check(pyinit, argv, path_env):
    result = run_plain(pyinit, ["--check", "--report-format", "json", "--"] + argv,
                       env={"PATH": path_env})
    return result.returncode, json.loads(result.stderr)


@pytest.mark.timeout(30)
def test_env_naming_the_script_by_path(pyinit, tmp_path):
    """#!/usr/bin/env /abs/path/of/itself: env_loop, exit 126, the hint names the script."""
    script = str(tmp_path / "self.sh")
    write_script(tmp_path, "self.sh", "#!/usr/bin/env " + script)
    code, record = check(pyinit, [script], "/usr/bin:/bin")
    assert (code, record["cause"], record["resolved"]) == (126, "env_loop", script), record
    assert script in record["hint"]


@pytest.mark.timeout(30)
def test_env_naming_the_script_through_path(pyinit, tmp_path):
    """#!/usr/bin/env self with the script's own directory first on PATH: env_loop."""
    write_script(tmp_path, "self", "#!/usr/bin/env self")
    code, record = check(pyinit, ["self"], "%s:/usr/bin:/bin" % tmp_path)
    assert (code, record["cause"], record["program"]) == (126, "env_loop", "self"), record


@pytest.mark.timeout(30)
def test_two_scripts_naming_each_other(pyinit, tmp_path):
    """a names b and b names a through env: a loop too, reported against a."""
    write_script(tmp_path, "a", "#!/usr/bin/env b")
    write_script(tmp_path, "b", "#!/usr/bin/env a")
    code, record = check(pyinit, ["a"], "%s:/usr/bin:/bin" % tmp_path)
    assert (code, record["cause"]) == (126, "env_loop"), record
