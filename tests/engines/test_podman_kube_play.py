"""`podman kube play` of docker/k8s/*.yaml with the images built from docker/ and the bundle: the
initContainer gates the app, the bundle's pyinit runs a step in an image with no Python, the
subreaper reaps the app's orphans, and the pod stops cleanly.

podman 4.3 differs from a kubelet in three ways, each replaced here by its equivalent (see
docs/engines.md): it applies the Pod's restartPolicy (Always) to initContainers, restarting a
successful one forever, so the manifests are played with `restartPolicy: OnFailure`; `kube down`
kills the containers with SIGKILL, so the graceful stop is `podman pod stop` before it; with
shareProcessNamespace it stops the pause container (the namespace's PID 1) with the others, and
the kernel then SIGKILLs the whole namespace, so the app container is stopped first.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

import engine_daemons
import engine_images
from engine_checks import wait_for_log
from helpers import debian, images

K8S = Path(__file__).resolve().parents[2] / "docker" / "k8s"
PLAYED = ("pod-initcontainer.yaml", "pod-shareprocessnamespace.yaml",
          "pod-initcontainer-distroless.yaml")
# Manifests this tier does not play yet, and why: a new manifest must be added to one of the two.
NOT_PLAYED = {}
BUSYBOX_APPLETS = ("sh", "sleep", "echo", "cat", "true")
INIT_TYPE_ANNOTATION = "io.podman.annotations.init.container.type"


@pytest.fixture(scope="session")
def kube_images(podman, docker, app_image, tmp_path_factory):
    """The image names the manifests use: pyinit-example:latest (docker/Dockerfile) and
    busybox:1.36 (Debian's busybox-static, imported: no registry is reachable)."""
    (app,) = engine_daemons.move_images(docker, podman, app_image)
    podman.ok("tag", app, "localhost/pyinit-example:latest")
    if podman.run("image", "exists", "localhost/busybox:1.36").returncode != 0:
        debian.ensure_packages("busybox-static")
        tree = tmp_path_factory.mktemp("busybox")
        (tree / "bin").mkdir()
        subprocess.run(["cp", "/bin/busybox", str(tree / "bin")], check=True, timeout=30)
        for applet in BUSYBOX_APPLETS:
            (tree / "bin" / applet).symlink_to("busybox")
        tar = subprocess.Popen(["tar", "-C", str(tree), "-c", "."], stdout=subprocess.PIPE)
        podman.ok("import", "--change", "ENV PATH=/bin", "-", "localhost/busybox:1.36",
                  stdin=tar.stdout)
        tar.stdout.close()
        assert tar.wait(60) == 0


@pytest.fixture(scope="session")
def distroless_images(podman, docker, bundle_image, tmp_path_factory):
    """The images pod-initcontainer-distroless.yaml names: pyinit-bundle:latest (FROM scratch,
    only /opt/pyinit) and my-distroless-app:latest (no shell, no Python: helpers/images.py's
    scratch root, with the static probe as /app/migrate, which exits 0 given no argument,
    and `/app/probe sleep` as the app)."""
    programs = images.Programs(tmp_path_factory.mktemp("distroless-programs"))
    ctx = tmp_path_factory.mktemp("distroless-app")
    root = images.build("scratch", ctx / "root", programs)
    os.chmod(root, 0o755)
    shutil.copy(programs.path("probe-static"), root / "app" / "migrate")
    (ctx / "Dockerfile").write_text('FROM scratch\nCOPY root/ /\nCMD ["/app/probe", "sleep"]\n')
    app = engine_images.build(docker, ctx / "Dockerfile", "pyinit-test/distroless-app:latest",
                              ctx)
    bundle, app = engine_daemons.move_images(docker, podman, bundle_image, app)
    podman.ok("tag", bundle, "localhost/pyinit-bundle:latest")
    podman.ok("tag", app, "localhost/my-distroless-app:latest")


def manifest(name, edit=None):
    """The manifest with podman 4.3's initContainer workaround, and the test's own edit.
    podman removes a finished initContainer unless its type is "always": kept, so its exit
    code and logs can be read."""
    document = yaml.safe_load((K8S / name).read_text())
    document["spec"].setdefault("restartPolicy", "OnFailure")
    annotations = document["metadata"].setdefault("annotations", {})
    annotations[INIT_TYPE_ANNOTATION] = "always"
    if edit:
        edit(document["spec"])
    return document


@pytest.fixture
def play(podman, kube_images, tmp_path):
    """play(document) -> the CompletedProcess of `podman kube play`; `kube down` afterwards."""
    played = []

    def run(document):
        path = tmp_path / ("%d.yaml" % len(played))
        path.write_text(yaml.safe_dump(document))
        played.append(path)
        return podman.run("kube", "play", "--network", "none", path, timeout=300)

    yield run
    for path in played:
        podman.run("kube", "down", path, timeout=300)


def container(spec, name):
    return next(c for c in spec.get("initContainers", []) + spec["containers"]
                if c["name"] == name)


def graceful_stop(podman, target, *what):
    """Stop `what` (e.g. `pod stop POD`) while `podman wait` watches container `target`:
    its exit code."""
    waiter = podman.popen("wait", target, stdout=subprocess.PIPE, text=True)
    podman.ok(*what, timeout=300)
    out, _ = waiter.communicate(timeout=120)
    return int(out.split()[-1])


@pytest.mark.timeout(60)
def test_every_manifest_is_played_or_says_why_not():
    """A new docker/k8s/*.yaml is either played here or listed with the reason it is not."""
    found = sorted(p.name for p in K8S.glob("*.yaml"))
    unknown = [name for name in found if name not in PLAYED and name not in NOT_PLAYED]
    assert not unknown, "add these to PLAYED (with a test) or NOT_PLAYED: %s" % unknown


@pytest.mark.timeout(400)
def test_initcontainer_runs_to_completion_before_the_app(podman, play):
    """The initContainer (pyinit wrapping a shell step) exits 0, then the app starts; `podman
    pod stop` gives the app SIGTERM through pyinit and it exits 0."""
    document = manifest("pod-initcontainer.yaml")
    pod = document["metadata"]["name"]
    done = play(document)
    assert done.returncode == 0, done.stderr
    init = "%s-migrate" % pod
    app = "%s-app" % pod
    init_state = podman.state(init)
    assert init_state["ExitCode"] == 0 and "migrated" in podman.ok("logs", init)
    wait_for_log(podman, app, "app: ready")
    finished = int(podman.inspect(init, "{{.State.FinishedAt.UnixNano}}"))
    assert finished <= int(podman.inspect(app, "{{.State.StartedAt.UnixNano}}"))
    assert graceful_stop(podman, app, "pod", "stop", pod) == 0
    assert "app: got SIGTERM" in podman.ok("logs", app)


@pytest.mark.timeout(400)
def test_failing_initcontainer_keeps_the_app_from_starting(podman, play):
    """An initContainer whose step exits 3 exits 3 through pyinit, and the app never starts."""
    def fail(spec):
        spec["restartPolicy"] = "Never"
        container(spec, "migrate")["args"] = ["sh", "-c", "echo failing; exit 3"]

    document = manifest("pod-initcontainer.yaml", fail)
    pod = document["metadata"]["name"]
    done = play(document)
    assert done.returncode != 0 and "exited with code 3" in done.stderr, done.stderr
    assert podman.state("%s-migrate" % pod)["ExitCode"] == 3
    app = podman.state("%s-app" % pod)
    assert not app["Running"] and app["Status"] == "created", app


@pytest.mark.timeout(400)
def test_subreaper_in_a_shared_namespace_reaps_the_apps_orphans(podman, play):
    """pause is PID 1; pyinit (PYINIT_SUBREAPER=1) adopts and reaps the orphan its app leaves,
    and stopping the app container ends it with the app's exit 0."""
    def orphan_maker(spec):
        app = container(spec, "app")
        app["args"] = ["sh", "-c", "(sleep 2 &); exec /app/app.py"]
        app["env"].append({"name": "PYINIT_VERBOSITY", "value": "1"})

    document = manifest("pod-shareprocessnamespace.yaml", orphan_maker)
    pod = document["metadata"]["name"]
    done = play(document)
    assert done.returncode == 0, done.stderr
    app = "%s-app" % pod
    wait_for_log(podman, app, '"orphan": true')
    events = [json.loads(line) for line in podman.run("logs", app).stderr.splitlines()
              if line.startswith("{")]
    start = next(e for e in events if e["event"] == "start")
    assert start["pid1"] is False and start["subreaper"] is True, start
    reaped = [e for e in events if e["event"] == "reap" and e["orphan"]]
    assert [e["command"] for e in reaped] == ["sleep"], reaped
    assert graceful_stop(podman, app, "stop", app) == 0
    assert podman.state("%s-debug" % pod)["Running"], "the sidecar must not be signalled"


@pytest.mark.timeout(600)
def test_distroless_initcontainer_runs_the_bundles_pyinit(podman, distroless_images, play):
    """The bundle image's interpreter copies /opt/pyinit into the emptyDir (exit 0); in the
    image with no shell and no Python, /pyinit/bin/pyinit runs /app/migrate as PID 1 and exits
    with its 0; then the app starts."""
    def trace(spec):
        container(spec, "migrate")["env"].append({"name": "PYINIT_VERBOSITY", "value": "1"})

    document = manifest("pod-initcontainer-distroless.yaml", trace)
    pod = document["metadata"]["name"]
    done = play(document)
    assert done.returncode == 0, done.stderr
    copy, migrate, app = ("%s-%s" % (pod, name) for name in ("pyinit-copy", "migrate", "app"))
    assert podman.state(copy)["ExitCode"] == 0, podman.run("logs", copy).stderr
    logs = podman.run("logs", migrate)
    assert podman.state(migrate)["ExitCode"] == 0, logs.stderr
    events = [json.loads(line) for line in logs.stderr.splitlines() if line.startswith("{")]
    start = next(e for e in events if e["event"] == "start")
    assert start["pid1"] is True, start
    assert any(e["event"] == "exit" for e in events), events
    deadline = time.monotonic() + 60
    while not podman.state(app)["Running"]:
        assert time.monotonic() < deadline, podman.state(app)
        time.sleep(0.2)
    finished = int(podman.inspect(migrate, "{{.State.FinishedAt.UnixNano}}"))
    assert finished <= int(podman.inspect(app, "{{.State.StartedAt.UnixNano}}"))
    # The app is /app/probe as its container's PID 1, with no pyinit: the kernel drops the
    # SIGTERM it has no handler for, so only the SIGKILL after the grace period ends it.
    assert graceful_stop(podman, app, "pod", "stop", pod) == 137
    podman.ok("kube", "down", done.args[-1], timeout=300)
    assert podman.run("pod", "exists", pod).returncode != 0, "kube down left the pod"
