"""`runc kill CTR TERM` (what docker stop sends) reaches the child, whose exit status becomes the container's."""

import pytest

from helpers.runc_bundle import MARKERS
from helpers.runc_runtime import sh

TRAPS_TERM_EXITS_42 = """
trap 'echo term > %(m)s/got-term; kill $sleeper; exit 42' TERM
sleep 3600 & sleeper=$!
touch %(m)s/ready
wait $sleeper
""" % {"m": MARKERS}


@pytest.mark.timeout(60)
def test_term_to_container_is_trapped_by_child_and_its_status_is_the_containers(containers):
    """The child's TERM trap runs and the container exits with the child's own code, 42."""
    container = containers.run(sh(TRAPS_TERM_EXITS_42))
    container.wait_for_marker("ready")
    container.kill("TERM")
    assert container.wait() == 42, container.describe()
    assert container.marker("got-term").read_text().strip() == "term"
