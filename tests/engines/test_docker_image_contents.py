"""The images of docker/ that users run hold pyinit and no compiler and no wheel file in any
layer; `pyinit` runs the interpreter it was installed into."""

import hashlib
import io
import json
import re
import subprocess
import tarfile

import pytest

# Anything of a C toolchain, and wheels, in any layer of the image.
FORBIDDEN = re.compile(r"(^|/)(gcc|cc1|cc|ld|as)(-[\d.]+)?$|(^|/)x86_64-linux-gnu-gcc|\.whl$")


def added_layer_files(docker, image, base):
    """{layer: [file paths]} of every layer the image adds to its base, from `docker save`.
    (The base is Debian's own: python3-venv ships pip's wheel for ensurepip there.)"""
    base_layers = set(json.loads(docker.ok("image", "inspect", base))[0]["RootFS"]["Layers"])
    saved = docker.popen("save", image, stdout=subprocess.PIPE)
    files = {}
    with tarfile.open(fileobj=saved.stdout, mode="r|") as outer:
        for member in outer:
            if member.name.endswith("layer.tar"):
                data = outer.extractfile(member).read()
                if "sha256:" + hashlib.sha256(data).hexdigest() in base_layers:
                    continue
                with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                    files[member.name] = [m.name for m in layer.getmembers() if not m.isdir()]
    assert saved.wait(120) == 0
    return files


# image fixture: where its `pyinit` command is, and the python3 the launcher must exec.
IMAGES = {
    "app_image": ("opt/pyinit/bin/pyinit", "/opt/pyinit/bin/python"),          # Dockerfile
    "debian_image": ("opt/pyinit/bin/pyinit", "/opt/pyinit/bin/python"),       # .debian
    "multistage_image": ("usr/local/bin/pyinit", "/usr/local/bin/python"),     # .multistage
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("image_fixture", IMAGES)
def test_no_compiler_and_no_wheel_in_any_layer(docker, request, image_fixture, base_image):
    """No gcc, cc1, ld or .whl in any layer: the build stages left nothing behind."""
    image = request.getfixturevalue(image_fixture)
    added = added_layer_files(docker, image, base_image)
    command = IMAGES[image_fixture][0]
    assert any(n.endswith(command) for names in added.values() for n in names), added
    found = {layer: [n for n in names if FORBIDDEN.search(n)] for layer, names in added.items()}
    assert not any(found.values()), {k: v[:10] for k, v in found.items() if v}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("image_fixture", IMAGES)
def test_pyinit_runs_the_interpreter_it_was_installed_into(docker, request, image_fixture):
    """The launcher execs the python3 of its installation on that installation's package (its
    own command line shows `pyinit -- ...`: the mapped pyinit_core says which one ran)."""
    image = request.getfixturevalue(image_fixture)
    done = docker.run("run", "--rm", "--network=none", "--entrypoint", "pyinit", image, "--",
                      "sh", "-c", "grep -o '/[^ ]*pyinit_core[^ ]*' /proc/$PPID/maps | head -n 1; "
                      "readlink /proc/$PPID/exe")
    assert done.returncode == 0, done.stderr
    core, exe = done.stdout.splitlines()
    prefix = IMAGES[image_fixture][1].rsplit("/bin/", 1)[0] + "/lib/"
    assert core.startswith(prefix), core
    assert re.fullmatch(r"/usr/bin/python3\.\d+", exe), exe
    config = json.loads(docker.ok("image", "inspect", image))[0]["Config"]
    assert config["Entrypoint"] == ["pyinit", "--"] and config["Cmd"] == ["/app/app.py"]
