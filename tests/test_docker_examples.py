"""docker/ examples keep the facts pyinit depends on: exec-form entrypoint, one base image, a real app.

These read the files; tests/engines builds and runs them under Docker and podman."""

import json
import os
import re

import pytest

from helpers.dockerfiles import DOCKER_DIR, instructions

DOCKERFILES = ("Dockerfile", "Dockerfile.multistage", "Dockerfile.debian")


@pytest.mark.timeout(10)
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_entrypoint_is_pyinit_in_exec_form(dockerfile):
    """ENTRYPOINT ["pyinit", "--"]: the shell form would make /bin/sh PID 1 and swallow SIGTERM."""
    entrypoints = [arg for name, arg in instructions(dockerfile) if name == "ENTRYPOINT"]
    assert [json.loads(arg) for arg in entrypoints] == [["pyinit", "--"]]


def stages(dockerfile):
    """[(image it starts FROM, stage name or None)], `${ARG}`s of the global ARGs expanded to
    their defaults, and the name of the stage each `FROM name-${ARG}` can select."""
    defaults, result = {}, []
    for name, arg in instructions(dockerfile):
        if name == "ARG" and not result and "=" in arg:
            key, value = arg.split("=", 1)
            defaults[key.strip()] = value.strip()
        elif name == "FROM":
            words = arg.split()
            image = re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), m.group(0)),
                           words[0])
            alias = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append((image, alias))
    return result


@pytest.mark.timeout(10)
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_every_stage_uses_the_same_base_image(dockerfile):
    """Stages not built on another stage start FROM one base: the venv's python3 links into it."""
    names = {alias for _, alias in stages(dockerfile) if alias}
    bases = {image for image, _ in stages(dockerfile) if image not in names}
    assert len(bases) == 1, "stages built FROM different images: %s" % sorted(bases)


@pytest.mark.timeout(10)
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_wheels_come_from_source_or_from_dist(dockerfile):
    """`--build-arg WHEELS=source|dist` names a stage: compiled from the tree, or given in dist/."""
    names = {alias for _, alias in stages(dockerfile) if alias}
    assert {"wheels-source", "wheels-dist", "wheels"} <= names
    assert ("wheels-${WHEELS}", "wheels") in [(arg.split()[0], arg.split()[-1])
                                              for name, arg in instructions(dockerfile)
                                              if name == "FROM"]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("dockerfile", DOCKERFILES)
def test_the_app_is_checked_at_build_time_and_exists(dockerfile):
    """`RUN pyinit --check` names the CMD target, and that target is an executable file in docker/app."""
    steps = instructions(dockerfile)
    (cmd,) = [json.loads(arg) for name, arg in steps if name == "CMD"]
    assert ("RUN", "pyinit --check -- %s" % " ".join(cmd)) in steps
    source = DOCKER_DIR / "app" / os.path.relpath(cmd[0], "/app")
    assert source.is_file() and os.access(source, os.X_OK), "%s is not an executable file" % source


def pod(name):
    import yaml   # test dependency (PyYAML)
    (document,) = list(yaml.safe_load_all((DOCKER_DIR / "k8s" / name).read_text()))
    assert document["apiVersion"] == "v1" and document["kind"] == "Pod"
    return document["spec"]


@pytest.mark.timeout(10)
def test_initcontainer_pod_wraps_its_command_in_pyinit():
    """A Pod's `command:` replaces the image's ENTRYPOINT, so the initContainer names pyinit itself."""
    (init,) = pod("pod-initcontainer.yaml")["initContainers"]
    assert init["command"][0] == "pyinit" and init["command"][-1] == "--"
    assert init["args"], "the wrapped command goes in args"


@pytest.mark.timeout(10)
def test_shared_namespace_pod_runs_pyinit_as_a_subreaper():
    """With shareProcessNamespace pause is PID 1: the pyinit container sets PYINIT_SUBREAPER=1."""
    spec = pod("pod-shareprocessnamespace.yaml")
    assert spec["shareProcessNamespace"] is True
    app = next(c for c in spec["containers"] if c["name"] == "app")
    env = {item["name"]: item["value"] for item in app.get("env", [])}
    assert env.get("PYINIT_SUBREAPER") == "1"
