"""The images the engines tier runs, built without any registry.

- base: a cached debootstrap of bookworm with python3 and python3-venv, `docker import`ed.
- wheels: this tree's wheel, built on the host by an interpreter of the base's Python version
  (in a venv whose path no image has: the launcher keeps its builder's path as a last resort),
  plus psutil's wheel from PyPI (cached: a warm run needs no network). The one place that makes
  wheels, so that it can switch to the project's manylinux wheels.
- app images: docker/Dockerfile and docker/Dockerfile.debian built FROM the base with
  WHEELS=dist, in a build context made of dist/ and docker/app/ only.
- bundle image: FROM scratch with only /opt/pyinit, the bundle (`python -m pyinit.bundle`)
  built from the tree under test, as docker/Dockerfile.bundle's final stage.
Docker's layer cache makes a rebuild of an unchanged tree take seconds.
"""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from helpers import rootfs, wheel_installs

REPO = Path(__file__).resolve().parents[2]
SUITE = "bookworm"
INCLUDE = ("python3", "python3-venv")
WHEEL_TIMEOUT_S = 900


def base_image(docker):
    """Tag of the imported root filesystem, imported once per cached tree."""
    tree = rootfs.debootstrap(SUITE, include=INCLUDE)
    stamp = hashlib.sha256((tree / ".complete").read_bytes() + str(
        (tree / ".complete").stat().st_mtime_ns).encode()).hexdigest()[:12]
    tag = "pyinit-test/%s:%s" % (SUITE, stamp)
    if docker.run("image", "inspect", tag).returncode != 0:
        tar = subprocess.Popen(["tar", "-C", str(tree), "--exclude=./.complete", "-c", "."],
                               stdout=subprocess.PIPE)
        docker.ok("import", "-", tag, stdin=tar.stdout, timeout=600)
        tar.stdout.close()
        if tar.wait(60) != 0:
            raise RuntimeError("tar of %s failed" % tree)
    return tag


def host_interpreter(version):
    """An interpreter of this host with that X.Y version and its headers, or a loud failure."""
    candidates = [sys.executable, "/usr/bin/python" + version,
                  shutil.which("python" + version) or "",
                  str(wheel_installs.build_tool().pyenv_root() / "versions")]
    pyenv = Path(candidates.pop())
    if pyenv.is_dir():
        candidates += [str(p / "bin" / ("python" + version))
                       for p in sorted(pyenv.glob(version + ".*"))]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        probe = subprocess.run([candidate, "-c", "import sys, sysconfig, os; print('%d.%d' % "
                                "sys.version_info[:2]); print(os.path.exists(os.path.join("
                                "sysconfig.get_paths()['include'], 'Python.h')))"],
                               capture_output=True, text=True, timeout=60)
        if probe.stdout.split() == [version, "True"]:
            return candidate
    raise RuntimeError("no Python %s with headers on this host to build the image's wheel "
                       "(tried %s); install python%s-dev or a pyenv %s"
                       % (version, ", ".join(c for c in candidates if c), version, version))


# What the wheel is built from (the rest of the tree does not change it).
WHEEL_SOURCES = ("pyinit", "launcher", "pyinit_core.pyx", "setup.py", "pyproject.toml",
                 "MANIFEST.in", "LICENSE")


def tree_digest():
    """Digest of what the wheel is built from, so an unchanged tree reuses its wheel (also in
    a tree that is not a git checkout, such as an unpacked sdist)."""
    digest = hashlib.sha256()
    for source in WHEEL_SOURCES:
        top = REPO / source
        paths = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".so":
                digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def wheels():
    """A directory holding pyinit's wheel for the base image's Python and psutil's wheel."""
    version = wheel_installs.rootfs_python_version(rootfs.debootstrap(SUITE, include=INCLUDE))
    out = rootfs.cache_dir("engines", "wheels", "%s-py%s" % (tree_digest(), version))
    if list(out.glob("pyinit-*.whl")) and list(out.glob("psutil-*.whl")):
        return out
    python = host_interpreter(version)
    venv = rootfs.cache_dir("engines", "build-venv-py" + version)
    if not (venv / "bin" / "pip").exists():
        run([python, "-m", "venv", "--clear", str(venv)])
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    run([str(venv / "bin" / "pip"), "wheel", "-q", "--no-deps", "--wheel-dir", str(partial),
         str(REPO)])
    run([str(venv / "bin" / "pip"), "download", "-q", "--only-binary", ":all:", "--dest",
         str(partial), "psutil"])
    for wheel in partial.iterdir():
        shutil.copy2(wheel, out / wheel.name)
    shutil.rmtree(partial)
    # Wheels of earlier trees: kept a day (another checkout may be using them), then dropped.
    for old in out.parent.iterdir():
        if old != out and time.time() - old.stat().st_mtime > 86400:
            shutil.rmtree(old, ignore_errors=True)
    return out


def run(command):
    done = subprocess.run(command, capture_output=True, text=True, timeout=WHEEL_TIMEOUT_S,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError("`%s` exited %d:\n%s" % (" ".join(command), done.returncode,
                                                    (done.stderr or done.stdout)[-3000:]))


def build_context(tmp, wheel_dir):
    """The smallest context docker/Dockerfile* need with WHEELS=dist: dist/ and docker/app/."""
    shutil.copytree(wheel_dir, tmp / "dist")
    shutil.copytree(REPO / "docker" / "app", tmp / "docker" / "app")
    return tmp


def build(docker, dockerfile, tag, context, **build_args):
    args = ["build", "--network=none", "--progress=plain", "-f", str(dockerfile), "-t", tag]
    for key, value in build_args.items():
        args += ["--build-arg", "%s=%s" % (key, value)]
    docker.ok(*args, str(context), timeout=900)
    return tag


def _bundle_tier():
    """tests/bundle/conftest.py, for its build_bundle (one builder of the bundle in the tests)."""
    path = REPO / "tests" / "bundle" / "conftest.py"
    spec = importlib.util.spec_from_file_location("bundle_tier_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bundle_image(docker, ctx, tag):
    """An image holding only /opt/pyinit, the bundle built from the tree under test, as
    docker/Dockerfile.bundle's final stage does (FROM scratch). Raises RuntimeError when
    `python -m pyinit.bundle` fails."""
    done = _bundle_tier().build_bundle(ctx / "pyinit")
    if done.returncode != 0:
        raise RuntimeError("python -m pyinit.bundle exited %d: %s" % (done.returncode,
                                                                      done.stderr))
    (ctx / "Dockerfile").write_text("FROM scratch\nCOPY pyinit /opt/pyinit\n")
    return build(docker, ctx / "Dockerfile", tag, ctx)
