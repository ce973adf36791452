"""A pyinit wheel built from a source tree, once per machine and source state.

The tests that install pyinit the ways users do need the artefact users get: a wheel. Building
one takes a compile, so it is cached under $PYINIT_TEST_CACHE/wheels, keyed by a hash of every
file that goes into it and of the interpreter that builds it (its version and path are baked
into the launcher). The build runs on a copy of the sources: the tree's own build/ is left alone.
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from helpers.rootfs import cache_dir

# What a wheel is made of (tests, docs and the rest of the sdist do not change it).
WHEEL_INPUTS = ("setup.py", "pyproject.toml", "MANIFEST.in", "LICENSE", "README.md",
                "pyinit_core.pyx", "launcher", "pyinit")
BUILD_TIMEOUT_S = 600


def _input_files(source_dir):
    for name in WHEEL_INPUTS:
        path = source_dir / name
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            yield path


def source_hash(python, source_dir):
    """Hash of the wheel's inputs and of the building interpreter's path and version."""
    source_dir = Path(source_dir)
    digest = hashlib.sha256()
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"],
                             capture_output=True, text=True, check=True).stdout
    digest.update(("%s\0%s\0" % (python, version)).encode())
    for path in _input_files(source_dir):
        digest.update(str(path.relative_to(source_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def copy_sources(source_dir, target):
    """The wheel's inputs of `source_dir`, copied into `target` (created)."""
    source_dir, target = Path(source_dir), Path(target)
    for path in _input_files(source_dir):
        destination = target / path.relative_to(source_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return target


def built_wheel(python, source_dir, cache=None):
    """Path of a wheel of `source_dir` built by `python` (pip wheel), cached by content."""
    cache = Path(cache) if cache else cache_dir("wheels")
    key = source_hash(python, source_dir)
    slot = cache / key
    done = sorted(slot.glob("*.whl")) if slot.is_dir() else []
    if done:
        return done[0]
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / (key + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = sorted(slot.glob("*.whl")) if slot.is_dir() else []
        if done:
            return done[0]
        with tempfile.TemporaryDirectory(prefix="pyinit-wheel-") as scratch:
            sources = copy_sources(source_dir, Path(scratch) / "src")
            out = Path(scratch) / "out"
            command = [python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                       str(sources)]
            try:
                result = subprocess.run(command, capture_output=True, text=True,
                                        timeout=BUILD_TIMEOUT_S, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as exc:
                raise RuntimeError("`%s` took over %ds" % (" ".join(command),
                                                           BUILD_TIMEOUT_S)) from exc
            wheels = sorted(out.glob("pyinit-*.whl"))
            if result.returncode != 0 or not wheels:
                raise RuntimeError("`%s` exited %d:\n%s" % (" ".join(command), result.returncode,
                                                            (result.stderr or result.stdout)[-3000:]))
            partial = cache / (key + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            shutil.copy2(wheels[0], partial / wheels[0].name)
            os.rename(partial, slot)
    return sorted(slot.glob("*.whl"))[0]
