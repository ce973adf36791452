"""Nothing of the bundle reaches the child: environment byte for byte, signal masks, fds,
rlimits, umask and cwd are the ones a venv-installed pyinit gives it, in the same image."""

import os

import pytest

from helpers.bundle_runs import USERS
from helpers.runc_image import PYINIT

# The glibc image: the venv's interpreter (bound from the host) can run there too.
IMAGE = "distroless"
# HOME given: runc would append HOME=/ itself otherwise.
GIVEN = {"PATH": "/bin:/usr/bin:/app", "HOME": "/home/app", "APP_SETTING": "a b\tc", "EMPTY": ""}
# What a bundle could be tempted to set for its interpreter.
RUNTIME_VARIABLES = (b"LD_LIBRARY_PATH=", b"LD_PRELOAD=", b"PYTHONHOME=", b"PYTHONPATH=",
                     b"PYTHONNOUSERSITE=", b"PYINIT_")


def venv_pyinit():
    import sys
    return os.path.join(os.path.dirname(sys.executable), "pyinit")


def child_state(image_containers, image_roots, launcher, env, user):
    container = image_containers.run_image(
        image_roots[IMAGE], [launcher, "--", "/app/probe", "state", "/markers/state"],
        env=env, user=user, host_python=True)
    assert container.wait() == 0, container.describe()
    lines = container.marker("state").read_text().splitlines()
    return dict((line.split(None, 1) + [""])[:2] for line in lines)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("locale", ["C.UTF-8", None], ids=["LANG", "no-locale"])
def test_child_state_matches_a_venv_pyinit(image_containers, image_roots, user, locale):
    """The child's /proc/self/environ, SigBlk/SigIgn/SigCgt, fds and rlimits under the bundle
    equal those under the venv's pyinit; with a locale set, the environment is exactly the
    container's; never a variable for the bundle's interpreter."""
    env = dict(GIVEN, **({"LANG": locale} if locale else {}))
    bundled = child_state(image_containers, image_roots, PYINIT, env, USERS[user])
    venv = child_state(image_containers, image_roots, venv_pyinit(), env, USERS[user])
    assert bundled == venv
    environ = bytes.fromhex(bundled["environ"])
    assert not any(entry.startswith(RUNTIME_VARIABLES) for entry in environ.split(b"\0")), environ
    if locale:
        # runc puts the config's variables in order: the child gets exactly those.
        expected = b"".join(b"%s=%s\0" % (k.encode(), v.encode()) for k, v in env.items())
        assert environ == expected
    assert bundled["fds"] == "0 1 2"
    # Ignored signals are what runc passed on (SIGINT/SIGQUIT too when the tests run under
    # nohup or `&`): the comparison above covers them.
    assert bundled["SigBlk:"] == "0000000000000000"
