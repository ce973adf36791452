"""Preflight from the bundle gives the same verdict as a venv-installed pyinit: it reads the
image's loader, libraries and ld.so.cache, never the bundle's own loader or library path."""

import os
import sys

import pytest

from helpers.bundle_runs import JSON
from helpers.run import reports
from helpers.images import loader_of
from helpers.runc_image import PYINIT

# The musl image has no glibc loader for the venv's interpreter: the host's is bound at this
# path, off every path a glibc program would look at, and the interpreter started through it.
HOST_GLIBC = "/host-glibc"
ENTRY = "from pyinit.supervisor import launched; launched()"
# Facts about the process that ran the check, not about the verdict.
PROCESS_FACTS = ("pid",)


def host_loader():
    """The host's glibc loader, as the venv's interpreter names it (PT_INTERP), real path."""
    return os.path.realpath(loader_of(os.path.realpath(sys.executable)))


def venv_argv(image, args):
    """The venv's own pyinit (its interpreter, its site-packages) in IMAGE, running ARGS."""
    if image == "distroless":   # glibc is in the image: the venv's launcher runs as it is
        return [os.path.join(os.path.dirname(sys.executable), "pyinit")] + args
    return [HOST_GLIBC + "/" + os.path.basename(host_loader()), "--library-path", HOST_GLIBC,
            sys.executable, "-I", "-c", ENTRY, "--pyinit-state=0:0"] + args


def verdict(image_containers, image_roots, image, argv):
    loader_dir = os.path.dirname(host_loader())
    container = image_containers.run_image(image_roots[image], argv, env=JSON, host_python=True,
                                           extra_binds=[(loader_dir, HOST_GLIBC)])
    code = container.wait()
    found = [r for r in reports(container.stderr) if r.get("event") == "preflight_failed"]
    assert len(found) == 1, container.describe()
    return code, {k: v for k, v in found[0].items() if k not in PROCESS_FACTS}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("image,target,cause", [
    ("musl", "/app/foreign", "missing_interpreter"),        # glibc program, Alpine-like image
    ("musl", "/app/needs-gone", "missing_library"),
    ("distroless", "/app/foreign", "missing_interpreter"),  # musl program, glibc image
    ("distroless", "/app/needs-gone", "missing_library"),
])
def test_bundle_and_venv_give_the_same_report(image_containers, image_roots, programs, image,
                                              target, cause):
    """`pyinit --check -- TARGET`: same exit code, same record, field for field."""
    args = ["--check", "--", target]
    bundled = verdict(image_containers, image_roots, image, [PYINIT] + args)
    venv = verdict(image_containers, image_roots, image, venv_argv(image, args))
    assert bundled == venv
    assert bundled[0] == 127 and bundled[1]["cause"] == cause, bundled
    if cause == "missing_interpreter":
        assert programs.missing_loader(image) in bundled[1].values(), bundled
