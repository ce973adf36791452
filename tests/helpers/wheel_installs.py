"""The built manylinux wheels, installed the way users install them: pyenv venvs, Debian trees.

Everything made here is cached under the test cache (see helpers.rootfs.cache_dir), keyed by
the wheel's own hash, so a warm run installs nothing. Installs run with no compiler on PATH
and `--only-binary=:all:`: a wheel that needed building from source would fail, not compile.
psutil (for --doctor) comes from PyPI as a wheel, downloaded once into the cache.
"""

import fcntl
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from helpers import foreign_arch, rootfs
from helpers.runc_bundle import Bundle, bind, kernel_mounts, APP, MARKERS

REPO = Path(__file__).resolve().parents[2]
BUILD_WHEELS = REPO / "tools" / "build-wheels"
INSTALL_TIMEOUT_S = 600
# What the checks run in a namespace (unshare to make it): a shell and a few coreutils, no compiler.
ALLOWED_COMMANDS = ("unshare", "sh", "sleep", "cat", "readlink", "touch", "true", "env", "tr")
VENV_IN_ROOTFS = "/opt/pyinit"
# Debian releases the wheels are proven on; the Python each ships is read from its tree.
SUITES = ("bullseye", "bookworm", "trixie")
# arm64 trees are made under emulation (minutes each, cold): one, whose Python 3.11 runs the
# cp311 wheel; the other versions' headers are compared with Debian's instead.
ARM64_SUITES = ("bookworm",)


def build_tool():
    """tools/build-wheels loaded as a module: its interpreter discovery is the tests' too."""
    loader = importlib.machinery.SourceFileLoader("build_wheels", str(BUILD_WHEELS))
    spec = importlib.util.spec_from_loader("build_wheels", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


# The CPython minors the project supports; their patch versions are discovered under pyenv.
MINORS = build_tool().SUPPORTED_MINORS


def tool_bin():
    """bin/ of the venv (auditwheel, twine) tools/build-wheels keeps in its cache."""
    return wheel_cache() / "tool-venv" / "bin"


def wheel_cache():
    return rootfs.cache_dir("manylinux-wheels")


def build_wheels(dist, arch="x86_64"):
    """Run tools/build-wheels (cached by source hash); {"3.N": wheel path}."""
    command = [sys.executable, str(BUILD_WHEELS), "--arch", arch, "--dist", str(dist),
               "--cache", str(wheel_cache())]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=1800)
    if done.returncode != 0:
        raise AssertionError("`%s` exited %d:\n%s" % (" ".join(command), done.returncode,
                                                       done.stderr[-5000:]))
    wheels = {}
    for line in done.stdout.split():
        name = Path(line).name
        tag = name.split("-")[2]            # cp311
        wheels["%s.%s" % (tag[2], tag[3:])] = Path(line)
    return wheels


def file_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def bare_path(directory):
    """A directory of symlinks to ALLOWED_COMMANDS only: the PATH of a machine without gcc."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ALLOWED_COMMANDS:
        found = shutil.which(name, path="/usr/bin:/bin")
        if not found:
            raise AssertionError("`%s` is missing from /usr/bin and /bin" % name)
        link = directory / name
        if not link.exists():
            link.symlink_to(found)
    for compiler in ("cc", "gcc", "clang", "c99"):
        assert shutil.which(compiler, path=str(directory)) is None
    return str(directory)


def _run(command, what, env=None):
    done = subprocess.run([str(c) for c in command], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        raise AssertionError("%s: `%s` exited %d:\n%s%s" % (what, " ".join(map(str, command)),
                                                         done.returncode, done.stdout[-3000:],
                                                         done.stderr[-3000:]))
    return done.stdout


# pip's platform tags of a manylinux2014 wheel, by wheel architecture.
PIP_PLATFORMS = {"x86_64": ("manylinux2014_x86_64", "manylinux_2_17_x86_64"),
                 "aarch64": ("manylinux2014_aarch64", "manylinux_2_17_aarch64")}


def psutil_wheels(python_version, arch="x86_64"):
    """Directory holding a psutil wheel for CPython `python_version` ("3.N") on `arch`, from
    PyPI, cached."""
    directory = rootfs.cache_dir("pip-wheels", "cp%s-%s" % (python_version.replace(".", ""), arch))
    if not list(directory.glob("psutil-*.whl")):
        platforms = [arg for tag in PIP_PLATFORMS[arch] for arg in ("--platform", tag)]
        _run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--no-deps",
              "--python-version", python_version, "--implementation", "cp", *platforms,
              "--dest", directory, "psutil>=5.9"], "download psutil")
    return directory


# Installs kept per suite or minor: the newest few, so that branches built one after the other
# on one machine share the cache without it growing with every source change.
KEEP_INSTALLS = 3


# ... and never one used this recently: another test run of another source state (a second
# checkout on the same machine) may be using it right now.
IN_USE_S = 3 * 3600


def _last_used(path):
    complete = path / ".complete"
    return complete.stat().st_mtime if complete.exists() else 0


def _prune(directory):
    """Remove the siblings of the same kind beyond the KEEP_INSTALLS most recently used that
    have not been used for IN_USE_S."""
    kind = directory.name.rsplit("-", 1)[0]
    siblings = [p for p in directory.parent.glob(kind + "-*")
                if p.is_dir() and p.name.rsplit("-", 1)[0] == kind]
    siblings.sort(key=_last_used, reverse=True)
    for old in siblings[KEEP_INSTALLS:]:
        if time.time() - _last_used(old) < IN_USE_S:
            continue
        shutil.rmtree(old, ignore_errors=True)
        Path(str(old) + ".lock").unlink(missing_ok=True)


def _cached(directory, make):
    """`make(directory)` once, under a lock; the finished directory (its use recorded)."""
    directory = Path(directory)
    complete = directory / ".complete"
    if not complete.exists():
        with open(str(directory) + ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not complete.exists():
                shutil.rmtree(directory, ignore_errors=True)
                make(directory)
                complete.write_text("")
                _prune(directory)
    os.utime(complete)
    return directory


def pyenv_venv(python, minor, wheel, scratch):
    """A venv of the pyenv interpreter `python` with the wheel installed (cached)."""
    def make(venv):
        env = {"PATH": bare_path(Path(scratch) / "bare-bin"), "HOME": str(scratch),
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        _run([python, "-m", "venv", venv], "venv", env=env)
        _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-index",
              "--only-binary=:all:", "--find-links", wheel.parent,
              "--find-links", psutil_wheels(minor), wheel], "install the wheel", env=env)
    return _cached(rootfs.cache_dir("wheel-venvs") / ("%s-%s" % (minor, file_hash(wheel))), make)


def rootfs_python_version(tree):
    """"3.N" of the Debian tree's python3, read from the /usr/bin/python3 symlink."""
    target = os.readlink(Path(tree) / "usr" / "bin" / "python3")
    match = re.fullmatch(r"python(\d+\.\d+)", os.path.basename(target))
    if not match:
        raise RuntimeError("%s/usr/bin/python3 -> %s: no version in the name" % (tree, target))
    return match.group(1)


def debian_install(suite, wheels, arch="x86_64"):
    """A copy of the suite's cached rootfs with the matching wheel in a venv at VENV_IN_ROOTFS.

    (path of the tree, the "3.N" it has); the tree is cached per wheel. For aarch64 the tree
    is an arm64 one and everything in it runs under qemu-user.
    """
    if arch == "x86_64":
        base = rootfs.debootstrap(suite, include=("python3", "python3-venv"))
    else:
        base = foreign_arch.debootstrap_foreign(suite, "arm64", include=("python3", "python3-venv"))
    minor = rootfs_python_version(base)
    if minor not in wheels:
        raise AssertionError("%s has Python %s: no wheel was built for it (built: %s)"
                             % (suite, minor, sorted(wheels)))
    wheel = wheels[minor]

    def make(tree):
        _run(["cp", "-a", "--reflink=auto", base, tree], "copy the %s rootfs" % suite)
        drop = tree / "tmp" / "wheels"
        drop.mkdir(parents=True)
        shutil.copy2(wheel, drop)
        for found in psutil_wheels(minor, arch).glob("psutil-*.whl"):
            shutil.copy2(found, drop)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "LC_ALL": "C.UTF-8"}
        _run(["chroot", tree, "/usr/bin/python3", "-m", "venv", VENV_IN_ROOTFS],
             "venv in %s" % suite, env=env)
        _run(["chroot", tree, VENV_IN_ROOTFS + "/bin/pip", "install", "-q", "--no-index",
              "--only-binary=:all:", "--find-links", "/tmp/wheels", "/tmp/wheels/" + wheel.name],
             "install the wheel in %s" % suite, env=env)
        shutil.rmtree(drop)
        for mount_point in (APP, MARKERS):   # the bundle's binds, made here, not by runc
            (tree / mount_point.lstrip("/")).mkdir(exist_ok=True)
        for compiler in ("cc", "gcc"):
            if (tree / "usr" / "bin" / compiler).exists():
                raise AssertionError("%s rootfs has a compiler: %s" % (suite, compiler))

    name = "%s-%s-%s" % (suite, arch, file_hash(wheel))
    tree = _cached(rootfs.cache_dir("wheel-rootfs") / name, make)
    return tree, minor


class HostDirsBundle(Bundle):
    """The runc suite's bundle (host system directories) plus more host trees bound read-only."""

    def __init__(self, directory, args, extra_dirs, env=None):
        super().__init__(directory, args, env=env)
        self.extra_dirs = [str(d) for d in extra_dirs]

    def config(self, mounts):
        bound = {m["destination"] for m in mounts}
        mounts = mounts + [bind(d, d) for d in self.extra_dirs if d not in bound]
        return super().config(mounts)


class RootfsBundle(Bundle):
    """A bundle whose root is a whole distribution tree (read-only), as an image gives."""

    def __init__(self, directory, args, tree, env=None):
        super().__init__(directory, args, env=env)
        self.tree = Path(tree)

    def write(self):
        self.app_dir.mkdir(parents=True, exist_ok=True)
        self.markers_dir.mkdir(exist_ok=True)
        mounts = kernel_mounts() + [bind(self.app_dir, APP),
                                    bind(self.markers_dir, MARKERS, writable=True)]
        config = self.config(mounts)
        config["root"] = {"path": str(self.tree), "readonly": True}
        (self.directory / "config.json").write_text(json.dumps(config, indent=1))
        return self
