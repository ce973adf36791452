"""--doctor still answers without psutil (reads /proc) and without the preflight module."""

import json
import os
import subprocess
import sys

import pytest

LEAK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "helpers", "leak_zombie.py")

# Import blocked the way a missing package is: `import X` raises ImportError.
DOCTOR = ("import sys; sys.modules[%r] = None; from pyinit import doctor; "
          "sys.exit(doctor.run(sys.argv[1:], 'json'))")


@pytest.mark.timeout(60)
def test_without_psutil_leaked_zombies_are_found_from_proc(tmp_path):
    """psutil unimportable: the zombie check reads /proc itself and names the same facts."""
    ready = tmp_path / "ready"
    script = ('"$0" "$1" "$2" & while [ ! -s "$2" ]; do sleep 0.01; done; '
              'exec "$0" -c "$3"')
    result = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script,
                             sys.executable, LEAK, str(ready), DOCTOR % "psutil"],
                            capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    zombies, = [r for r in lines if r.get("check") == "zombies"]
    parent_pid, zombie_pid = (int(word) for word in ready.read_text().split())
    assert zombies["zombies"] == [{"pid": zombie_pid, "command": "true", "parent_pid": parent_pid,
                                   "parent_command": "leaky-parent", "parent_sigchld": "default"}]
    assert not [r for r in lines if "could not run" in r.get("message", "")], lines


@pytest.mark.timeout(60)
def test_without_the_preflight_module_the_command_check_says_unavailable():
    """pyinit.preflight unimportable: a `command` record with verdict warn, not a traceback."""
    result = subprocess.run([sys.executable, "-c", DOCTOR % "pyinit.preflight", "true"],
                            capture_output=True, text=True, timeout=60)
    assert result.stderr == ""
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    command, = [r for r in lines if r.get("check") == "command"]
    assert command["verdict"] == "warn" and "not available" in command["message"]
