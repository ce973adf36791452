"""pyinit -v: an orphan reaped by pyinit is traced with its name, its status and orphan=true."""

import pytest

from helpers.pid1 import Namespace
from helpers.verbose import parse_all

# The inner shell leaves a subshell behind that exits 3; the main child polls until pyinit
# has reaped it (kill -0 succeeds on a zombie), so the order needs no sleep-based timing.
SCRIPT = ("sh -c '(sleep 0.2; exit 3) & echo $! > \"$0\"' \"$0\"; "
          "while kill -0 $(cat \"$0\") 2>/dev/null; do sleep 0.02; done")


@pytest.mark.timeout(60)
def test_an_orphan_is_reaped_with_its_name_and_marked_orphan(pyinit, tmp_path):
    """reap record: command sh, exit_code 3, orphan true; the main child's reap is main_child."""
    pidfile = str(tmp_path / "orphan.pid")
    with Namespace(pyinit, ["-v", "--report-format", "json", "--", "sh", "-c", SCRIPT, pidfile],
                   universal_newlines=True) as ns:
        code, _, err = ns.wait(30)
    records = parse_all(err)
    reaps = [r for r in records if r["event"] == "reap"]
    orphan, main = reaps
    assert orphan["orphan"] is True and orphan["main_child"] is False
    assert orphan["command"] == "sh" and orphan["exit_code"] == 3
    assert orphan["pid"] == int(open(pidfile).read())
    assert main["main_child"] is True and main["orphan"] is False and main["pid"] == 2
    assert code == 0
