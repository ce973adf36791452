"""The container's exit status is the child's: its exit code, or 128+N when it died of signal N."""

import pytest

from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import sh

CASES = {
    "exit-0": ("exit 0", None, 0),
    "exit-3": ("exit 3", None, 3),
    "killed-by-KILL-inside": ("kill -KILL $$", None, 137),
    "TERM-from-runtime-default-action": ("touch %s/ready; exec sleep 3600" % MARKERS, "TERM", 143),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("script, signame, expected", CASES.values(), ids=list(CASES))
def test_container_exit_status_is_the_childs(containers, script, signame, expected):
    """0 and 3 pass through; a child killed by KILL gives 137, by a forwarded TERM 143."""
    container = containers.run(sh(script))
    if signame:
        container.wait_for_marker("ready")
        container.kill(signame)
    assert container.wait() == expected, container.describe()
