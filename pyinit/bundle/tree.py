"""Write the bundle directory (and its tarball) from what `runtime` and `stdlib` collected.

Python modules are written as sourceless .pyc files compiled at build time: the bundle is
meant for read-only root filesystems, and a .pyc with no .py next to it is loaded as it is,
never checked against a source and never rewritten, so nothing tries to write a __pycache__
at run time. Docstrings and asserts are compiled out (-OO): about a fifth of the size.
"""

import importlib.util
import os
import py_compile
import shutil
import sys
import sysconfig

from pyinit.bundle import runtime, stdlib
from pyinit.bundle.stdlib import BundleError, os_error

FILE_MODE = 0o644
EXEC_MODE = 0o755
OPTIMIZE = 2


def _third_party_dirs():
    """{top-level name: the site directory holding it} for what the bundle carries."""
    dirs = {}
    for name in stdlib.THIRD_PARTY:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            raise BundleError("%s is not installed for %s: install pyinit (with its "
                              "dependencies) into this interpreter" % (name, sys.executable))
        holder = os.path.dirname(spec.origin)
        if spec.submodule_search_locations is not None:
            holder = os.path.dirname(holder)
        dirs[name] = holder
    return dirs


def _is_elf(path):
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def find_launcher(site_dir):
    """The `pyinit` launcher of the installation that holds the running pyinit package."""
    candidates = []
    try:
        candidates.append(os.path.join(sysconfig.get_path("scripts"), "pyinit"))
    except KeyError:
        pass
    candidates += [
        os.path.join(os.path.dirname(sys.executable), "pyinit"),        # a venv's bin/
        os.path.join(site_dir, "bin", "pyinit"),                        # pip install --target
        os.path.join(site_dir, "..", "..", "..", "bin", "pyinit"),     # PREFIX/lib/pythonX.Y/site-packages
        os.path.join(site_dir, "..", "..", "..", "..", "bin", "pyinit"),   # PREFIX/local/lib/... (Debian)
    ]
    for candidate in candidates:
        if _is_elf(candidate):
            return os.path.normpath(candidate)
    raise BundleError("no pyinit launcher (an ELF file named pyinit) at %s: pass --launcher PATH"
                      % ", ".join(os.path.normpath(c) for c in candidates))


def _prepare_output(output):
    if os.path.lexists(output):
        if not os.path.isdir(output) or os.listdir(output):
            raise BundleError("%s already exists and is not an empty directory" % output)
    try:
        os.makedirs(output, mode=EXEC_MODE, exist_ok=True)
        os.chmod(output, EXEC_MODE)
    except OSError as error:
        raise BundleError("cannot create %s: %s" % (output, os_error(error)))


def _makedirs(path):
    os.makedirs(path, mode=EXEC_MODE, exist_ok=True)


def _copy(source, destination, mode):
    _makedirs(os.path.dirname(destination))
    try:
        shutil.copyfile(source, destination)
    except OSError as error:
        raise BundleError("cannot copy %s to %s: %s" % (source, destination, os_error(error)))
    os.chmod(destination, mode)


def _compile(module, destination):
    _makedirs(os.path.dirname(destination))
    try:
        py_compile.compile(module.path, cfile=destination, dfile=module.path, doraise=True,
                           optimize=OPTIMIZE,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError as error:
        raise BundleError("cannot compile %s: %s" % (module.path, error.msg))
    os.chmod(destination, FILE_MODE)


class Layout:
    """Where each part goes inside the bundle directory (see the package docstring)."""

    def __init__(self, output):
        version = "python%d.%d" % sys.version_info[:2]
        self.output = output
        self.launcher = os.path.join(output, "bin", "pyinit")
        self.runtime = os.path.join(output, "runtime")
        self.loader = os.path.join(self.runtime, "ld.so")
        self.python = os.path.join(self.runtime, "bin", "python3")
        self.libraries = os.path.join(self.runtime, "lib")
        # CPython looks for its stdlib under sys.platlibdir (lib64 on Fedora, lib elsewhere).
        self.stdlib = os.path.join(self.runtime, getattr(sys, "platlibdir", "lib"), version)
        self.dynload = os.path.join(self.stdlib, "lib-dynload")
        # The launcher's contract: this directory goes first on sys.path.
        self.site_packages = os.path.join(self.runtime, "lib", version, "site-packages")


def _destination(module, layout, stdlib_dirs, third_party_dirs):
    """Where a module's file goes: the same relative path under the bundle's stdlib or
    site-packages, with .py compiled to a sourceless .pyc."""
    if module.third_party:
        root = third_party_dirs[module.name.partition(".")[0]]
        relative = os.path.relpath(module.path, root)
        base = layout.site_packages
    else:
        root = max((d for d in stdlib_dirs if module.path.startswith(d.rstrip("/") + "/")),
                   key=len)
        relative = os.path.relpath(module.path, root)
        base = layout.stdlib
        if os.path.basename(root) == "lib-dynload":
            relative = os.path.join("lib-dynload", relative)
    if module.is_source:
        relative = relative[:-len(".py")] + ".pyc"
    return os.path.join(base, relative)


def build(output, launcher=None, strip=True, log=None):
    """Write the bundle into OUTPUT (absent or empty); return the layout."""
    output = os.path.abspath(output)
    python = runtime.interpreter()
    loader = runtime.loader_of(python)
    third_party_dirs = _third_party_dirs()
    stdlib_dirs = stdlib.stdlib_dirs()
    finder = stdlib.Finder(stdlib_dirs, third_party_dirs)
    modules = stdlib.choose(finder, python)
    launcher = launcher or find_launcher(third_party_dirs["pyinit"])
    if not _is_elf(launcher):
        raise BundleError("the launcher %s is not an ELF file" % launcher)
    strip_tool = runtime.strip_command() if strip else None
    if strip and strip_tool is None and log:
        log("strip (binutils) is not installed: ELF files are copied with their debug "
            "sections, the bundle will be larger")

    _prepare_output(output)
    layout = Layout(output)
    try:
        _write(layout, launcher, loader, python, modules, stdlib_dirs, third_party_dirs,
               strip_tool)
    except BaseException:
        # No half-made bundle is left behind to be copied into an image by mistake.
        for entry in os.listdir(output):
            path = os.path.join(output, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        raise
    return layout


def _write(layout, launcher, loader, python, modules, stdlib_dirs, third_party_dirs, strip_tool):
    _copy(launcher, layout.launcher, EXEC_MODE)
    _copy(loader, layout.loader, EXEC_MODE)
    elves = [(python, layout.python)]
    _makedirs(layout.dynload)   # CPython's landmark for its exec_prefix, even when empty
    _makedirs(layout.site_packages)
    for module in modules:
        destination = _destination(module, layout, stdlib_dirs, third_party_dirs)
        if module.is_source:
            _compile(module, destination)
        else:
            elves.append((module.path, destination))
    libraries = runtime.libraries_needed(loader, [source for source, _ in elves])
    libraries.update(runtime.glibc_dlopened(libraries))
    elves += [(path, os.path.join(layout.libraries, name)) for name, path in sorted(libraries.items())]
    for source, destination in elves:
        _copy(source, destination, EXEC_MODE)
        if strip_tool:
            runtime.strip_debug(strip_tool, destination)
    _smoke_test(layout)


def _smoke_test(layout):
    """Run DIR/bin/pyinit --version: the launcher must take the bundle's runtime and import
    pyinit from it (a launcher built for another Python version would not)."""
    import subprocess
    from pyinit import __version__
    try:
        done = subprocess.run([layout.launcher, "--version"], env={}, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BundleError("%s --version could not run: %s" % (layout.launcher, error))
    if done.returncode != 0 or done.stdout.strip() != "pyinit %s" % __version__:
        raise BundleError("%s --version exited %d (%s): the launcher does not run this bundle"
                          % (layout.launcher, done.returncode,
                             " ".join((done.stderr or done.stdout).split())[-300:]))


def disk_usage(path):
    """Bytes the tree occupies on disk, as `du -s` counts them (allocated blocks)."""
    total = 0
    for directory, _, files in os.walk(path):
        total += os.lstat(directory).st_blocks * 512
        total += sum(os.lstat(os.path.join(directory, name)).st_blocks * 512 for name in files)
    return total


def write_tarball(output, tarball):
    """A .tar.gz holding the bundle as one directory named like OUTPUT, owned by root."""
    import tarfile

    def owned_by_root(info):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    name = os.path.basename(os.path.abspath(output))
    try:
        with tarfile.open(tarball, "w:gz") as archive:
            archive.add(output, arcname=name, filter=owned_by_root)
    except OSError as error:
        raise BundleError("cannot write %s: %s" % (tarball, os_error(error)))
