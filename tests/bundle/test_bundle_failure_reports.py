"""The bundle's pyinit judges the image's files: a missing loader, a missing library, a CRLF
shebang are reported as in any other image, though the bundle carries a loader of its own."""

import pytest

from helpers.bundle_runs import JSON, USERS
from helpers.run import reports
from helpers.images import HAS_LOADER, IMAGES
from helpers.runc_image import PYINIT

CASES = {
    # name: (target, cause, exit code)
    "missing_loader": ("/app/foreign", "missing_interpreter", 127),
    "missing_library": ("/app/needs-gone", "missing_library", 127),
    "crlf_shebang": ("/app/crlf.sh", "shebang_crlf", 126),
}


def _named(case, image, programs):
    """What the report must name: the loader the image lacks, the library, the \\r."""
    return {"missing_loader": programs.missing_loader(image), "missing_library": "libpyinitgone.so",
            "crlf_shebang": "/bin/sh\r"}[case]


def _cases():
    for image in IMAGES:
        for case in CASES:
            if case == "missing_library" and image not in HAS_LOADER:
                continue   # without any loader in the image, the loader is what is missing
            for mode in ("check", "run") if case == "missing_loader" else ("check",):
                yield pytest.param(image, case, mode, id="%s-%s-%s" % (image, case, mode))


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("image,case,mode", list(_cases()))
def test_failure_is_reported_with_the_image_s_names(image_containers, image_roots, programs,
                                                    image, case, mode, user):
    """`pyinit --check -- TARGET` (and for the loader also `pyinit -- TARGET`) exits with the
    documented code and one JSON report whose cause and names are the image's."""
    target, cause, code = CASES[case]
    args = [PYINIT, "--check", "--", target] if mode == "check" else [PYINIT, "--", target]
    container = image_containers.run_image(image_roots[image], args, env=JSON, user=USERS[user])
    assert container.wait() == code, container.describe()
    found = [record for record in reports(container.stderr) if record.get("cause") == cause]
    assert found, container.describe()
    values = [str(value) for value in found[0].values()]
    assert any(_named(case, image, programs) in value for value in values), found[0]
    # Nothing of the bundle's own runtime (its ld.so, its lib directory) leaks into a verdict.
    assert not any("/opt/pyinit" in value for value in values), found[0]
