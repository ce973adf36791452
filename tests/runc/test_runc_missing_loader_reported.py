"""A target whose ELF loader is missing inside the rootfs gets a `missing_interpreter` report."""

import shutil

import pytest

from helpers.elf_patch import copy_with_interpreter
from helpers.run import reports
from helpers.runc_bundle import APP

MISSING_LOADER = "/nonexistent/ld-linux.so.2"
TARGET = APP + "/true-without-loader"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", ["run", "check"])
def test_missing_elf_loader_is_reported_and_exits_127(containers, init_argv, mode):
    """The binary exists but its PT_INTERP does not: exit 127 and a report naming the cause.

    `check` is `pyinit --check` as a Dockerfile's RUN step would use it.
    """
    if mode == "run":
        bundle = containers.bundle([TARGET], env={"PYINIT_REPORT_FORMAT": "json"})
    else:
        bundle = containers.bundle([init_argv[0], "--check", "--", TARGET], with_init=False,
                                   env={"PYINIT_REPORT_FORMAT": "json"})
    copy_with_interpreter(shutil.which("true"), bundle.app_dir / "true-without-loader", MISSING_LOADER)
    container = containers.start(bundle)
    assert container.wait() == 127, container.describe()
    missing = [record for record in reports(container.stderr) if record.get("cause") == "missing_interpreter"]
    assert missing, container.describe()
    assert any(MISSING_LOADER in str(value) for value in missing[0].values()), (
        "the report does not name the missing loader %s: %s" % (MISSING_LOADER, missing[0]))
