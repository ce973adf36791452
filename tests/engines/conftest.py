"""The engines tier: pyinit as the ENTRYPOINT of images built from docker/, run by Docker and podman.

Session fixtures install the engines (apt-get on demand), start a private dockerd, import a
cached Debian root filesystem as the base image and build the project's images once; they fail
loudly when any of that cannot be done. Run this tier alone with `pytest tests/engines`.
"""

import textwrap
import uuid

import pytest

import engine_daemons
import engine_images
from helpers import binaries, debian, elf_patch, rootfs

# A Python app that ignores SIGTERM: only SIGKILL ends it.
IGNORE_TERM_APP = """\
#!/usr/bin/env python3
import signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("app: ready, ignoring SIGTERM", flush=True)
while True:
    signal.pause()
"""
LIB_SOURCE = "int answer(void) { return 42; }\n"
MAIN_SOURCE = "int answer(void);\nint main(void) { return answer() == 42 ? 0 : 1; }\n"


@pytest.fixture(scope="session")
def dockerd():
    daemon = engine_daemons.Dockerd()
    try:
        daemon.start()
    except (engine_daemons.EngineError, debian.Unavailable, OSError) as error:
        pytest.fail("cannot start a private dockerd: %s" % error)
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def docker(dockerd):
    """The Debian docker client talking to the private dockerd."""
    return dockerd.cli


@pytest.fixture(scope="session")
def base_image(docker):
    return engine_images.base_image(docker)


@pytest.fixture(scope="session")
def wheel_dir():
    return engine_images.wheels()


@pytest.fixture(scope="session")
def build_context(tmp_path_factory, wheel_dir):
    return engine_images.build_context(tmp_path_factory.mktemp("context"), wheel_dir)


@pytest.fixture(scope="session")
def app_image(docker, base_image, build_context):
    """docker/Dockerfile built FROM the Debian base with this tree's wheels."""
    return engine_images.build(docker, engine_images.REPO / "docker" / "Dockerfile",
                               "pyinit-test/app:latest", build_context, BASE=base_image,
                               WHEELS="dist")


@pytest.fixture(scope="session")
def debian_image(docker, base_image, build_context):
    """docker/Dockerfile.debian: Debian's packaged python3, pyinit in a venv (PEP 668)."""
    return engine_images.build(docker, engine_images.REPO / "docker" / "Dockerfile.debian",
                               "pyinit-test/app-debian:latest", build_context,
                               BASE=base_image, WHEELS="dist")


@pytest.fixture(scope="session")
def multistage_image(docker, base_image, build_context, tmp_path_factory):
    """docker/Dockerfile.multistage (pip install into the base's own Python, no venv) on a
    stand-in for python:3.11-slim, which no registry here serves: the Debian base with a
    Python environment at /usr/local, whose bin/ comes first on PATH, as in the python images."""
    ctx = tmp_path_factory.mktemp("usrlocal-python")
    (ctx / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\nRUN python3 -m venv /usr/local\n")
    python_like = engine_images.build(docker, ctx / "Dockerfile",
                                      "pyinit-test/usrlocal-python:latest", ctx, BASE=base_image)
    return engine_images.build(docker, engine_images.REPO / "docker" / "Dockerfile.multistage",
                               "pyinit-test/app-multistage:latest", build_context,
                               BASE=python_like, WHEELS="dist")


@pytest.fixture(scope="session")
def test_image(docker, app_image, base_image, tmp_path_factory):
    """The app image plus the test's programs: a TERM-ignoring app and broken commands."""
    ctx = tmp_path_factory.mktemp("test-image")
    (ctx / "ignore_term.py").write_text(IGNORE_TERM_APP)
    (ctx / "crlf.sh").write_bytes(b"#!/bin/sh\r\necho crlf\r\n")
    (ctx / "not-executable.sh").write_text("#!/bin/sh\necho never\n")
    tree = rootfs.debootstrap(engine_images.SUITE, include=engine_images.INCLUDE)
    # A glibc program whose ELF loader the image lacks, as a glibc binary in a musl image.
    elf_patch.copy_with_interpreter(str(tree / "usr" / "bin" / "true"),
                                    str(ctx / "missing-loader"), "/lib/ld-musl-x86_64.so.1")
    debian.ensure_packages("gcc", "libc6-dev")
    binaries.compile_c(LIB_SOURCE, ctx / "libanswer.so", "-shared", "-fPIC")
    binaries.compile_c(MAIN_SOURCE, ctx / "missing-library", "-L%s" % ctx, "-lanswer")
    (ctx / "Dockerfile").write_text(textwrap.dedent("""\
        ARG APP
        FROM ${APP}
        COPY --chmod=755 ignore_term.py crlf.sh missing-loader missing-library /app/
        COPY --chmod=644 not-executable.sh /app/
        # Where the noexec test binds a host tmpfs.
        RUN mkdir /data
        """))
    return engine_images.build(docker, ctx / "Dockerfile", "pyinit-test/programs:latest", ctx,
                               APP=app_image)


class Engine:
    """What a test needs to run the same case under Docker or podman."""

    def __init__(self, name, cli, app, programs):
        self.name, self.cli, self.app, self.programs = name, cli, app, programs
        # The engine's `--init`: tini for Docker, catatonit for podman.
        self.init_flags = ["--init", "--entrypoint="]

    def __repr__(self):
        return self.name


@pytest.fixture(scope="session")
def bundle_image(docker, tmp_path_factory):
    """An image holding only /opt/pyinit, the bundle built from the tree under test (once per
    session: the bundle images' test and the kube manifests use it)."""
    debian.ensure_packages("binutils")   # strip, as the bundle tier does
    try:
        return engine_images.bundle_image(docker, tmp_path_factory.mktemp("bundle-image"),
                                          "pyinit-test/bundle:latest")
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def podman(docker):
    """Rootful podman with private storage (and no leftovers from an earlier session)."""
    try:
        cli = engine_daemons.podman()
    except (engine_daemons.EngineError, debian.Unavailable, OSError) as error:
        pytest.fail("cannot use podman: %s" % error)
    yield cli
    cli.run("pod", "rm", "--all", "--force", timeout=300)
    cli.run("rm", "--all", "--force", timeout=300)


@pytest.fixture(scope="session", params=["docker", "podman"])
def engine(request, docker, app_image, test_image):
    """Docker, then podman (images moved with `docker save | podman load`)."""
    if request.param == "docker":
        return Engine("docker", docker, app_image, test_image)
    podman = request.getfixturevalue("podman")
    app, programs = engine_daemons.move_images(docker, podman, app_image, test_image)
    return Engine("podman", podman, app, programs)


@pytest.fixture
def container_name(request, docker):
    """A unique container name; the container is removed after the test, whatever happened."""
    names = []

    def make(label="ctr"):
        names.append("pyinit-%s-%s" % (label, uuid.uuid4().hex[:8]))
        return names[-1]

    yield make
    if names:
        cli = request.getfixturevalue("engine").cli if "engine" in request.fixturenames \
            else docker
        cli.run("rm", "-f", "-v", *names, timeout=120)
