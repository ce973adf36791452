"""Find every DT_NEEDED library the way the dynamic loader will, and name the ones it cannot.

This is the deep check (``--check``, after an early exit 127, or when asked): it opens
the program's libraries and theirs, breadth first like ld.so. Search order for a name
without a slash, per object O:

  glibc: DT_RPATH of O and of the objects that loaded it (ignored when O has DT_RUNPATH),
         LD_LIBRARY_PATH, DT_RUNPATH of O, /etc/ld.so.cache, the default directories.
  musl:  LD_LIBRARY_PATH, DT_RPATH/DT_RUNPATH of O and its loaders,
         /etc/ld-musl-ARCH.path (or /lib:/usr/local/lib:/usr/lib).

$ORIGIN, $LIB and $PLATFORM are expanded. Where a loader's choice depends on how it was
built ($LIB, the default directories), every plausible value is tried: a false
"missing" would send a person chasing a library that is there, so the check errs on
the side of "found". A candidate of the wrong class or machine is skipped (and listed),
as ld.so skips it.

Preloads (LD_PRELOAD, separated by spaces or colons, then glibc's /etc/ld.so.preload) are
mapped first: a path as is, a name searched like a DT_NEEDED of the program. A later
DT_NEEDED name they answer to (glibc: their DT_SONAME, or the name as written) is not
searched again; a preload that cannot be found is ignored, as the loader ignores it.
"""

import os
import stat
import struct

from . import elf, untrusted

MAX_OBJECTS = 512
# Paths the whole check may try (a directory's stat, a candidate's open): hostile RPATHs
# and LD_LIBRARY_PATHs of thousands of entries must cost time linear in their size, not
# in objects x names x entries. Past it, nothing more is claimed missing.
MAX_PROBES = 100000
MAX_PRELOAD_BYTES = 65536
PRELOAD_FILE = "/etc/ld.so.preload"   # glibc only
MAX_CACHE_BYTES = 16 << 20
CACHE_MAGIC_NEW = b"glibc-ld.so.cache1.1"
CACHE_MAGIC_OLD = b"ld.so-1.7.0"

_TRIPLETS = {
    (64, 62): "x86_64-linux-gnu", (32, 3): "i386-linux-gnu", (64, 183): "aarch64-linux-gnu",
    (32, 40): "arm-linux-gnueabihf", (64, 21): "powerpc64le-linux-gnu",
    (64, 22): "s390x-linux-gnu", (64, 243): "riscv64-linux-gnu",
    (64, 258): "loongarch64-linux-gnu",
}
_MUSL_BUILTIN = ("libc.so", "libdl.so", "libm.so", "libpthread.so", "librt.so",
                 "libutil.so", "libxnet.so")


def read_ld_so_cache(path="/etc/ld.so.cache"):
    """{library name: [paths]} from glibc's cache (new format, alone or after the old one)."""
    try:
        data = untrusted.read_head(path, MAX_CACHE_BYTES)
    except (OSError, ValueError):
        return {}
    base = 0
    if data.startswith(CACHE_MAGIC_OLD):
        if len(data) < 16:
            return {}
        old_count = struct.unpack_from("<I", data, 12)[0]
        base = 16 + old_count * 12
        base = (base + 7) & ~7      # the new header follows, 8-byte aligned
        if data.find(CACHE_MAGIC_NEW, base, base + 64) < 0:
            return {}
        base = data.find(CACHE_MAGIC_NEW, base, base + 64)
    if data[base:base + len(CACHE_MAGIC_NEW)] != CACHE_MAGIC_NEW or len(data) < base + 48:
        return {}
    order = "<"
    count = struct.unpack_from("<I", data, base + 20)[0]
    if base + 48 + count * 24 > len(data):
        order = ">"   # a cache written by a big-endian ldconfig
        count = struct.unpack_from(">I", data, base + 20)[0]
        if base + 48 + count * 24 > len(data):
            return {}
    entry = struct.Struct(order + "iIIIQ")
    libraries = {}
    for index in range(count):
        _, key, value, _, _ = entry.unpack_from(data, base + 48 + index * 24)
        name = _c_string(data, base + key)
        where = _c_string(data, base + value)
        if name and where:
            libraries.setdefault(name, []).append(where)
    return libraries


def _c_string(data, offset):
    if offset >= len(data):
        return None
    end = data.find(b"\0", offset, offset + 4096)
    return os.fsdecode(data[offset:end]) if end > offset else None


def _split_path_list(text, cwd_for_empty=True):
    """A colon (or semicolon) separated list; an empty entry means the current directory."""
    entries = []
    for part in text.replace(";", ":").split(":"):
        if part or cwd_for_empty:
            entries.append(part or ".")
    return entries


def _expand(entry, origin, bits, machine, platform):
    """Every path a dynamic string token could stand for ($ORIGIN, $LIB, $PLATFORM)."""
    triplet = _TRIPLETS.get((bits, machine))
    libs = ["lib64" if bits == 64 else "lib32", "lib"] + (["lib/" + triplet] if triplet else [])
    results = [entry]
    for token, values in (("ORIGIN", [origin]), ("LIB", libs), ("PLATFORM", [platform])):
        expanded = []
        for text in results:
            if "$" not in text:
                expanded.append(text)
                continue
            for value in values:
                expanded.append(text.replace("${%s}" % token, value).replace("$" + token, value))
        results = expanded
    return results


class Resolution:
    """What the search found: ``missing`` is [(name, needed_by, [dirs searched],
    [(path found but unusable, why)])]."""

    __slots__ = ("found", "missing", "skipped", "problems", "flavour")

    def __init__(self, flavour):
        self.flavour = flavour   # "glibc", "musl" or "static"
        self.found = {}          # name -> path
        self.missing = []
        self.skipped = []        # candidates found but not used (wrong class/machine, unreadable...)
        self.problems = []       # objects whose dynamic section could not be read


class _Object:
    __slots__ = ("path", "dynamic", "origin", "loader", "rpaths", "search_dirs")

    def __init__(self, path, dynamic, origin, loader):
        self.path, self.dynamic, self.origin, self.loader = path, dynamic, origin, loader
        self.rpaths = None        # _Rpaths of this object and its loaders, made on first search
        self.search_dirs = None   # the existing directories it searches, in order, once


class _Rpaths:
    """One object's own run-time search directories, linked to its loader's: each list is
    stored once, however deep the chain of objects that inherit it."""

    __slots__ = ("every", "existing", "parent")

    def __init__(self, every, existing, parent):
        self.every = every          # as written (expanded), for the report's `searched`
        self.existing = existing    # deduplicated, only directories that exist
        self.parent = parent


def _default_dirs(bits, machine):
    triplet = _TRIPLETS.get((bits, machine))
    dirs = []
    if triplet:
        dirs += ["/lib/" + triplet, "/usr/lib/" + triplet]
    dirs += ["/lib64", "/usr/lib64"] if bits == 64 else ["/lib32", "/usr/lib32"]
    return dirs + ["/lib", "/usr/lib"]


def _musl_dirs(interp):
    arch = os.path.basename(interp)[len("ld-musl-"):].split(".so", 1)[0]
    try:
        text = os.fsdecode(untrusted.read_head("/etc/ld-musl-%s.path" % arch, 65536))
    except (OSError, ValueError):
        return ["/lib", "/usr/local/lib", "/usr/lib"]
    return [d for d in text.replace("\n", ":").split(":") if d]


def _open_elf(path):
    """(fd, size, first bytes) of the regular file at ``path``; OSError (or ValueError) if none."""
    fd, st = untrusted.open_regular(path)
    try:
        return fd, st.st_size, os.read(fd, elf.HEAD_BYTES)
    except BaseException:
        os.close(fd)
        raise


def resolve(path, info, env, platform=None):
    """Resolve the libraries of the ELF at ``path`` (already parsed by elf.kernel_view)."""
    if not info.interp:
        return Resolution("static")
    try:
        exe_origin = os.path.dirname(os.path.realpath(path))
    except (OSError, ValueError):
        exe_origin = os.path.dirname(path)
    loader = _Loader(info, env, exe_origin, platform or os.uname().machine)
    result = loader.result
    try:
        fd = _open_elf(path)[0]
    except (OSError, ValueError):
        return result
    try:
        dynamic = elf.read_dynamic(fd, info)
    finally:
        os.close(fd)
    if dynamic.problem:
        result.problems.append("%s: %s" % (path, dynamic.problem))
    root = _Object(path, dynamic, exe_origin, None)
    queue = [root]
    seen_paths = {path}
    for name in _preload_names(env, loader.musl):
        found = loader.preload(name, root, seen_paths)
        if found is not None:
            queue.append(found)
    index = 0
    while index < len(queue) and index < MAX_OBJECTS:
        current = queue[index]
        index += 1
        for name in current.dynamic.needed:
            if name in result.found:
                continue
            if loader.musl and name.startswith(_MUSL_BUILTIN):
                result.found[name] = info.interp
                continue
            found, unusable = loader.search(name, current)
            if loader.probes > MAX_PROBES:
                result.problems.append("the library search stopped after %d paths tried: "
                                       "nothing past that point is claimed missing" % MAX_PROBES)
                result.found = {k: v for k, v in result.found.items() if v is not None}
                return result
            if found is None:
                # Only the first missing name's directories are reported: keep one list.
                searched = [] if result.missing else loader.searched(name, current)
                result.missing.append((name, current.path, searched, unusable))
                result.found[name] = None
                continue
            result.found[name] = found
            if found in seen_paths:
                continue
            seen_paths.add(found)
            lib = loader.library(found)
            if lib is not None:
                queue.append(_Object(found, lib, os.path.dirname(found), current))
    result.found = {k: v for k, v in result.found.items() if v is not None}
    return result


def _preload_names(env, musl):
    """LD_PRELOAD's names, then (glibc) /etc/ld.so.preload's, in the order the loader maps them."""
    names = (env.get("LD_PRELOAD") or "").replace(":", " ").split()
    if not musl:
        try:
            text = os.fsdecode(untrusted.read_head(PRELOAD_FILE, MAX_PRELOAD_BYTES))
        except (OSError, ValueError):
            text = ""
        names += text.replace(":", " ").split()
    return names


class _Loader:
    """The search state of one dynamic loader (glibc or musl) for one program."""

    def __init__(self, info, env, exe_origin, platform):
        self.interp = info.interp
        self.musl = os.path.basename(info.interp).startswith("ld-musl-")
        self.result = Resolution("musl" if self.musl else "glibc")
        self.bits, self.machine, self.platform = info.bits, info.machine, platform
        self.probes = 0
        self._is_dir = {}     # directory -> exists (ld.so too marks a missing one once)
        self._judged = {}     # candidate path -> judge()'s verdict
        ld_library_path = env.get("LD_LIBRARY_PATH") or ""
        self.library_path = [d for e in _split_path_list(ld_library_path) if ld_library_path
                             for d in self.expand(e, exe_origin)]
        self.library_path_existing = self._existing(self.library_path)
        self.cache = None if self.musl else read_ld_so_cache()
        self.system_dirs = _musl_dirs(info.interp) if self.musl else _default_dirs(self.bits, self.machine)
        # The loader itself is loaded under its own name before any library.
        self.result.found[os.path.basename(info.interp)] = info.interp

    def expand(self, entry, origin):
        return _expand(entry, origin, self.bits, self.machine, self.platform)

    def preload(self, name, root, seen_paths):
        """Map one LD_PRELOAD entry as the loader does: an _Object, or None (ld.so ignores
        a preload it cannot load). Later DT_NEEDED names match it by what it registers."""
        found = self.search(name, root)[0]
        if found is None or found in seen_paths:
            return None
        lib = self.library(found)
        if lib is None:
            return None
        seen_paths.add(found)
        # glibc matches a DT_NEEDED name against DT_SONAME, and against the name as written
        # (a path without DT_SONAME is known only by its path); musl by the name as written.
        for key in (None if self.musl else lib.soname, None if "/" in name else name):
            if key:
                self.result.found.setdefault(key, found)
        return _Object(found, lib, os.path.dirname(found), root)

    def library(self, path):
        """The DynamicInfo of a library the search accepted, or None."""
        try:
            fd, size, head = _open_elf(path)
        except (OSError, ValueError):
            return None
        try:
            info = elf.kernel_view(fd, head, size, ((self.bits, self.machine),))
            if info.problem:
                self.result.problems.append("%s: %s" % (path, info.problem))
                return None
            dynamic = elf.read_dynamic(fd, info)
        finally:
            os.close(fd)
        if dynamic.problem:
            self.result.problems.append("%s: %s" % (path, dynamic.problem))
        return dynamic

    def _existing(self, directories):
        """The directories of the list that exist, each once, in order; each is stat'ed
        once per check."""
        kept, seen = [], set()
        for directory in directories:
            if directory in seen:
                continue
            seen.add(directory)
            exists = self._is_dir.get(directory)
            if exists is None:
                self.probes += 1
                try:
                    exists = stat.S_ISDIR(os.stat(directory).st_mode)
                except (OSError, ValueError):
                    exists = False
                self._is_dir[directory] = exists
            if exists:
                kept.append(directory)
        return tuple(kept)

    def judge(self, path):
        """judge_uncached(), each path once per check."""
        verdict = self._judged.get(path)
        if verdict is None:
            self.probes += 1
            verdict = self._judged[path] = self.judge_uncached(path)
        return verdict

    def judge_uncached(self, path):
        """Does the loader take the file at ``path``? (use it, stop the search, why not).

        A path where nothing can be opened is passed over silently; one that cannot be read
        (EACCES) is passed over too, with its reason. What glibc finds fatal, and anything
        musl opens, ends the search there: musl uses the first file it can open.
        """
        try:
            fd, _, head = _open_elf(path)
        except untrusted.NotRegularFile as error:
            # glibc and musl open it without O_NONBLOCK: a FIFO blocks them for good.
            why = "it is a FIFO: the loader would block opening it" if error.kind == "FIFO" \
                else "it is a %s" % error.kind
            return False, True, why
        except (OSError, ValueError) as error:
            if isinstance(error, PermissionError):
                return False, False, "it cannot be read (%s)" % error.strerror
            return False, False, None
        os.close(fd)
        verdict = elf.library_verdict(head, self.bits, self.machine)
        if verdict is None:
            return True, False, None
        fatal, why = verdict
        return False, fatal or self.musl, why

    def search(self, name, obj):
        """(path or None, [(unusable path, why)]) for ``name`` needed by ``obj``. Stops
        early once more than MAX_PROBES paths were tried (see self.probes)."""
        unusable = []
        for candidate in self._candidates(name, obj):
            if self.probes > MAX_PROBES:
                return None, unusable
            use, stop, why = self.judge(candidate)
            if use:
                return candidate, unusable
            if why:
                unusable.append((candidate, why))
                self.result.skipped.append(candidate)
            if stop:
                return None, unusable
        return None, unusable

    def searched(self, name, obj):
        """The directories (and /etc/ld.so.cache) the search for ``name`` went through, in
        order, as written: for the report of a missing library."""
        if "/" in name:
            return []
        places = list(self._directories(obj, every=True))
        if self.cache:
            places.append("/etc/ld.so.cache")
        places += self.system_dirs
        return [p for i, p in enumerate(places) if i == 0 or places[i - 1] != p]

    def _candidates(self, name, obj):
        """The paths to try, in the loader's order: directories that do not exist are
        left out (a file in them cannot exist either)."""
        if "/" in name:
            yield from self.expand(name, obj.origin)
            return
        if obj.search_dirs is None:
            obj.search_dirs = self._existing(self._directories(obj, every=False))
        for directory in obj.search_dirs:
            yield os.path.join(directory, name)
        if self.cache:
            yield from self.cache.get(name, ())
        for directory in self.system_dirs:
            yield os.path.join(directory, name)

    def _rpaths(self, obj):
        """obj's _Rpaths: its own DT_RPATH (glibc: when it has no DT_RUNPATH; musl: both
        kinds), linked to its loader's, built once per object."""
        if obj.rpaths is None:
            dyn = obj.dynamic
            texts = (dyn.rpath, dyn.runpath) if self.musl else (
                (dyn.rpath,) if dyn.rpath and not dyn.runpath else ())
            own = tuple(d for text in texts if text for e in _split_path_list(text, False)
                        for d in self.expand(e, obj.origin))
            parent = self._rpaths(obj.loader) if obj.loader is not None else None
            obj.rpaths = _Rpaths(own, self._existing(own), parent)
        return obj.rpaths

    def _directories(self, obj, every):
        """The directories searched before the cache: rpaths, LD_LIBRARY_PATH, runpath
        (glibc), or LD_LIBRARY_PATH then rpaths (musl). every=False: only those that exist."""
        chain = []
        if self.musl or not obj.dynamic.runpath:
            node = self._rpaths(obj)
            while node is not None:
                chain.append(node.every if every else node.existing)
                node = node.parent
        library_path = self.library_path if every else self.library_path_existing
        if self.musl:
            yield from library_path
            for part in chain:
                yield from part
            return
        for part in chain:
            yield from part
        yield from library_path
        if obj.dynamic.runpath:
            yield from (d for e in _split_path_list(obj.dynamic.runpath, False)
                        for d in self.expand(e, obj.origin))
