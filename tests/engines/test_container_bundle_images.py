"""The self-contained bundle (`python -m pyinit.bundle`) as the ENTRYPOINT of images with no
Python under Docker: a busybox image and a scratch image holding one static program.

The bundle is put in an image of its own, as docker/Dockerfile.bundle's final stage does
(FROM scratch, /opt/pyinit only), and each test image takes it with `COPY --from`, the way
docs/bundle.md tells users to. The image roots are tests/helpers/images.py's, the bundle
tier's: busybox-static's applets or nothing at all, plus /app/probe (static) and /app/foreign
(a glibc program whose loader these images lack)."""

import os
import shutil

import pytest

import engine_images
from engine_checks import host_pid, timed_stop, wait_for_exit, wait_until_settled
from helpers import images

ENTRYPOINT = '["/opt/pyinit/bin/pyinit", "--"]'


@pytest.fixture(scope="module")
def bundle_images(docker, bundle_image, tmp_path_factory):
    """{"busybox": tag, "scratch": tag}: the image root, the bundle by `COPY --from`, and the
    bundle's pyinit as ENTRYPOINT."""
    programs = images.Programs(tmp_path_factory.mktemp("bundle-image-programs"))
    tags = {}
    for name in ("busybox", "scratch"):
        ctx = tmp_path_factory.mktemp("bundle-%s" % name)
        root = images.build(name, ctx / "root", programs)
        os.chmod(root, 0o755)
        shutil.rmtree(root / "opt")   # a mount point for runc; here the bundle's place
        (ctx / "Dockerfile").write_text(
            "ARG BUNDLE\nFROM ${BUNDLE} AS bundle\n"
            "FROM scratch\nCOPY root/ /\n"
            "COPY --from=bundle /opt/pyinit /opt/pyinit\n"
            "ENTRYPOINT %s\n" % ENTRYPOINT)
        tags[name] = engine_images.build(docker, ctx / "Dockerfile",
                                         "pyinit-test/bundle-%s:latest" % name, ctx,
                                         BUNDLE=bundle_image)
    return tags


# The child each image runs: busybox's shell where there is one, the static probe otherwise.
EXIT_3 = {"busybox": ["sh", "-c", "exit 3"], "scratch": ["/app/probe", "exit", "3"]}
SLEEPER = {"busybox": (["sh", "-c", "sleep 1000"], "sleep"),
           "scratch": (["/app/probe", "sleep"], "probe")}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("image", ["busybox", "scratch"])
def test_exit_code_passes_through(docker, bundle_images, container_name, image):
    """The child's exit status 3 is the container's exit code."""
    name = container_name("bundle-exit")
    docker.ok("run", "-d", "--network=none", "--name", name, bundle_images[image], *EXIT_3[image])
    code = wait_for_exit(docker, name)
    assert code == 3, "exit %d; logs:\n%s" % (code, docker.run("logs", name).stderr)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("image", ["busybox", "scratch"])
def test_docker_stop_of_child_dying_of_term(docker, bundle_images, container_name, image):
    """`docker stop` reaches the child through the bundle's pyinit: it dies of SIGTERM, exit
    143, before the engine's SIGKILL 10 s later (which would give 137)."""
    name = container_name("bundle-stop")
    command, process = SLEEPER[image]
    docker.ok("run", "-d", "--network=none", "--name", name, bundle_images[image], *command)
    wait_until_settled(host_pid(docker, name),
                       lambda procs: any(cmd == process for _, _, cmd in procs))
    code, elapsed = timed_stop(docker, name)
    assert code == 143, "exit %d after %.1fs (137: SIGTERM was lost, SIGKILL ended it)" % (
        code, elapsed)


@pytest.mark.timeout(600)
def test_glibc_program_in_busybox_reports_missing_loader(docker, bundle_images, container_name):
    """A glibc program in the busybox image: `docker logs` has the missing_interpreter report
    and the container exits 127."""
    name = container_name("bundle-foreign")
    docker.ok("run", "-d", "--network=none", "--name", name, bundle_images["busybox"],
              "/app/foreign")
    code = wait_for_exit(docker, name)
    done = docker.run("logs", name)
    logs = done.stdout + done.stderr
    assert code == 127, "exit %d; logs:\n%s" % (code, logs)
    assert "missing_interpreter" in logs, logs
