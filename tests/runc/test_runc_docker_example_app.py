"""docker/app/app.py, run as docker/Dockerfile runs it, stops cleanly on what `docker stop` sends."""

import shutil
from pathlib import Path

import pytest

from helpers.runc_bundle import APP

EXAMPLE_APP = Path(__file__).resolve().parents[2] / "docker" / "app" / "app.py"


@pytest.mark.timeout(60)
def test_example_app_exits_0_on_term_from_the_runtime(containers):
    """CMD ["/app/app.py"] under pyinit: ready, then TERM via runc, then a clean exit 0."""
    bundle = containers.bundle([APP + "/app.py"])
    shutil.copy2(EXAMPLE_APP, bundle.app_dir / "app.py")
    container = containers.start(bundle)
    container.wait_for_output("app: ready")
    container.kill("TERM")
    assert container.wait() == 0, container.describe()
    assert "app: got SIGTERM, shutting down" in container.stdout, container.describe()
