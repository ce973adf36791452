"""Choose the Python modules a bundle carries: pyinit, psutil and the stdlib they can reach.

The choice is made from the code, not from a list kept by hand, so that a new import in
pyinit is carried into the next bundle without anyone remembering to:
- every import statement of pyinit's own package, at any depth (pyinit imports lazily inside
  functions: a failure report or --doctor imports what a normal start never does);
- psutil's Linux modules, and for them and each standard-library module reached, the imports
  made at module level (an import inside a stdlib function serves a feature pyinit does not
  use; the few that pyinit's paths do reach are in LAZY_IMPORTS, found by running every path
  from a bundle: tests/bundle/test_bundle_every_path_runs.py);
- what the interpreter imports on its own before any code runs (asked of the interpreter
  itself: it differs from 3.9 to 3.13), and the whole `encodings` package, because the codec
  CPython needs at start depends on the locale of the image it runs in.

Names that are not found (another platform's modules: nt, _winapi, msvcrt) are left out.
"""

import ast
import importlib.machinery
import os
import subprocess
import sys

# The packages installed next to the stdlib. pyinit's imports are followed into function
# bodies (its lazy imports are the point); psutil's at module level, like the stdlib's.
THIRD_PARTY = ("pyinit", "pyinit_core", "psutil")
IMPORTS_EVERYWHERE = ("pyinit",)
# Not needed at run time: psutil's tests and its other platforms, this builder.
SKIPPED = ("psutil.tests", "psutil._pswindows", "psutil._psosx", "psutil._psbsd",
           "psutil._pssunos", "psutil._psaix", "pyinit.bundle")
# Whole packages: the codec for the image's locale is chosen at start, by name.
WHOLE_PACKAGES = ("encodings",)
# ... except codecs no locale selects: bytes-to-bytes transforms (*_codec), and the CJK
# multibyte codecs and IDNA, whose C tables (_codecs_*, unicodedata) are 2.5 MB.
UNCARRIED_IMPORTS = ("_multibytecodec", "unicodedata", "stringprep")
# Imports made from C or from inside stdlib functions that pyinit's paths reach.
LAZY_IMPORTS = (
    "_bootlocale",      # 3.9: io.open() in text mode asks it for the locale's encoding
    "_strptime",        # time.strptime, datetime.strptime (psutil's boot time parsing)
)


class BundleError(Exception):
    """The bundle cannot be made; the message names what and where."""


def os_error(error):
    """An OSError as its errno name and text: `ENOSPC (No space left on device)`."""
    import errno
    if not error.errno:
        return str(error)
    return "%s (%s)" % (errno.errorcode.get(error.errno, str(error.errno)), os.strerror(error.errno))


class Module:
    """One module to carry: its dotted name, its file, and whether it is a package."""

    __slots__ = ("name", "path", "is_package", "third_party")

    def __init__(self, name, path, is_package, third_party):
        self.name = name
        self.path = path
        self.is_package = is_package
        self.third_party = third_party

    @property
    def is_source(self):
        return self.path.endswith(".py")


def stdlib_dirs():
    """Where this interpreter's standard library and lib-dynload are (no site-packages)."""
    import sysconfig
    paths = sysconfig.get_paths()
    found = []
    for path in [paths["stdlib"], paths["platstdlib"]] + [p for p in sys.path
                                                          if os.path.basename(p) == "lib-dynload"]:
        if path and os.path.isdir(path) and path not in found:
            found.append(path)
    return found


def startup_modules(python):
    """Modules the interpreter imports before running any code, as `python -I -S` in a bare
    environment (the launcher's flags, an image's typical environment)."""
    code = "import sys; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([python, "-I", "-S", "-c", code], env={}, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise BundleError("%s -I -S could not list its start-up modules: %s"
                          % (python, done.stderr.strip()[-500:]))
    return done.stdout.split()


class Finder:
    """Locates modules by name in the stdlib directories and the third-party packages,
    without importing them (the builder must not run module code of what it carries)."""

    def __init__(self, stdlib, third_party_dirs):
        self.stdlib = list(stdlib)
        self.third_party_dirs = dict(third_party_dirs)   # top-level name -> directory holding it
        self.cache = {}

    def find(self, name):
        """Module for a dotted name, or None for a built-in, an absent or a skipped module."""
        if name in self.cache:
            return self.cache[name]
        self.cache[name] = found = self._find(name)
        return found

    def _find(self, name):
        if name in sys.builtin_module_names or any(
                name == skipped or name.startswith(skipped + ".") for skipped in SKIPPED):
            return None
        parent, _, _ = name.rpartition(".")
        top = name.partition(".")[0]
        if parent:
            outer = self.find(parent)
            if outer is None or not outer.is_package:
                return None
            search = [os.path.dirname(outer.path)]
        elif top in self.third_party_dirs:
            search = [self.third_party_dirs[top]]
        else:
            search = self.stdlib
        spec = importlib.machinery.PathFinder.find_spec(name, search)
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            return None
        return Module(name, spec.origin, spec.submodule_search_locations is not None,
                      top in self.third_party_dirs)


def _imports(tree, module, everywhere):
    """Dotted names a module's import statements name; `everywhere` includes function bodies."""
    package = module.name if module.is_package else module.name.rpartition(".")[0]
    names = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if not everywhere and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.Lambda)):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    parts = alias.name.split(".")
                    names.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - (child.level - 1)] if child.level > 1 else base
                    origin = ".".join(base + ([child.module] if child.module else []))
                else:
                    origin = child.module
                if origin:
                    names.append(origin)
                    # `from package import name` imports the submodule when there is one.
                    names.extend(origin + "." + alias.name for alias in child.names
                                 if alias.name != "*")
            visit(child)

    visit(tree)
    return names


def _read_tree(module):
    try:
        with open(module.path, "rb") as source:
            return ast.parse(source.read(), module.path)
    except OSError as error:
        raise BundleError("cannot read %s (module %s): %s" % (module.path, module.name,
                                                            os_error(error)))
    except (SyntaxError, ValueError) as error:
        raise BundleError("cannot parse %s (module %s): %s" % (module.path, module.name, error))


def _package_members(finder, package):
    """Every module of a package, by walking its directory (for WHOLE_PACKAGES and THIRD_PARTY)."""
    root = finder.find(package)
    if root is None:
        return []
    if not root.is_package:
        return [package]
    names = [package]
    top = os.path.dirname(root.path)
    for directory, subdirs, files in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        relative = os.path.relpath(directory, top)
        prefix = package if relative == "." else package + "." + relative.replace(os.sep, ".")
        for filename in sorted(files):
            stem = filename.partition(".")[0]
            if stem == "__init__":
                continue
            if filename.endswith(".py") or any(filename.endswith(suffix) for suffix in
                                               importlib.machinery.EXTENSION_SUFFIXES):
                names.append(prefix + "." + stem)
        if relative != ".":
            names.append(prefix)
    return names


def _locale_never_needs(finder, name):
    if name.endswith("_codec"):
        return True
    module = finder.find(name)
    if module is None or not module.is_source:
        return False
    imported = _imports(_read_tree(module), module, everywhere=False)
    return any(n in UNCARRIED_IMPORTS or n.startswith("_codecs_") for n in imported)


def choose(finder, python):
    """The modules to carry, sorted by name: pyinit, psutil and the stdlib closure."""
    wanted = []
    for name in THIRD_PARTY:
        members = _package_members(finder, name)
        if not members:
            raise BundleError("%s is not installed for %s (looked in %s)"
                              % (name, python, finder.third_party_dirs.get(name, "site-packages")))
        wanted.extend(members)
    for name in WHOLE_PACKAGES:
        wanted.extend(member for member in _package_members(finder, name)
                      if not _locale_never_needs(finder, member))
    wanted.extend(startup_modules(python))
    wanted.extend(LAZY_IMPORTS)
    # os is the landmark by which CPython finds its prefix: always carried, frozen or not.
    wanted.append("os")

    chosen = {}
    while wanted:
        name = wanted.pop()
        if name in chosen:
            continue
        module = finder.find(name)
        if module is None:
            continue
        chosen[name] = module
        if "." in name:
            wanted.append(name.rpartition(".")[0])   # a submodule needs its package
        if module.is_source:
            everywhere = name.partition(".")[0] in IMPORTS_EVERYWHERE
            wanted.extend(_imports(_read_tree(module), module, everywhere))
    return [chosen[name] for name in sorted(chosen)]
