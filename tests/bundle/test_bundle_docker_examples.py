"""docker/Dockerfile.bundle and docker/k8s/pod-initcontainer-distroless.yaml say what the
bundle needs, and the Pod's two steps work: the copy into an emptyDir from an image with
nothing but /opt/pyinit, then pyinit from that copy as PID 1 of a shell-less image."""

import os

import pytest

from helpers.dockerfiles import DOCKER_DIR, instructions

POD = DOCKER_DIR / "k8s" / "pod-initcontainer-distroless.yaml"


def pod_spec():
    import yaml   # test dependency (PyYAML)
    (document,) = list(yaml.safe_load_all(POD.read_text()))
    assert document["apiVersion"] == "v1" and document["kind"] == "Pod"
    return document["spec"]


@pytest.mark.timeout(10)
def test_dockerfile_builds_the_bundle_and_ships_only_it():
    """A builder stage runs `python -m pyinit.bundle --output /opt/pyinit`; the last stage is
    FROM scratch and copies only /opt/pyinit from it."""
    steps = instructions("Dockerfile.bundle")
    froms = [i for i, (name, _) in enumerate(steps) if name.upper() == "FROM"]
    assert len(froms) == 2
    builder = steps[froms[0]][1].split()
    assert builder[-2].upper() == "AS"
    assert any("-m pyinit.bundle --output /opt/pyinit" in arg
               for name, arg in steps[froms[0]:froms[1]] if name.upper() == "RUN")
    assert steps[froms[1]] == ("FROM", "scratch")
    assert steps[froms[1] + 1:] == [("COPY", "--from=%s /opt/pyinit /opt/pyinit" % builder[-1])]


@pytest.mark.timeout(10)
def test_pod_copies_the_bundle_then_runs_pyinit_from_the_copy():
    """The emptyDir is written by the copy step and mounted read-only where the next step's
    command, /pyinit/bin/pyinit -- ..., expects it."""
    spec = pod_spec()
    (volume,) = spec["volumes"]
    assert volume["emptyDir"] == {}
    copy, migrate = spec["initContainers"]
    assert [m["mountPath"] for m in copy["volumeMounts"]] == ["/pyinit"]
    assert migrate["command"][0] == "/pyinit/bin/pyinit" and migrate["command"][-1] == "--"
    (mount,) = migrate["volumeMounts"]
    assert mount == {"name": volume["name"], "mountPath": "/pyinit", "readOnly": True}


@pytest.mark.timeout(120)
def test_pod_steps_run_under_runc(image_containers, image_roots, tmp_path):
    """The copy step's command, run in the scratch image with the bundle at /opt/pyinit,
    fills the emptyDir; the migrate step's command runs from it in the distroless image
    and exits with /app/migrate's code."""
    copy, migrate = pod_spec()["initContainers"]
    empty_dir = tmp_path / "emptydir"
    empty_dir.mkdir()
    os.chmod(empty_dir, 0o777)
    copying = image_containers.run_image(image_roots["scratch"], copy["command"],
                                         extra_binds=[(empty_dir, "/pyinit", True)])
    assert copying.wait() == 0, copying.describe()
    assert os.access(empty_dir / "bin" / "pyinit", os.X_OK)
    env = {item["name"]: item["value"] for item in migrate["env"]}
    running = image_containers.run_image(image_roots["distroless"],
                                         migrate["command"] + migrate["args"] + ["exit", "9"],
                                         env=env, extra_binds=[(empty_dir, "/pyinit")])
    assert running.wait() == 9, running.describe()
