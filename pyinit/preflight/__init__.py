"""Will CMD start? Resolve it as execvp does, validate it before execve, explain why not.

Public API (called by pyinit.supervisor):

  resolve(name, path_env)                  -> (candidates, searched_dirs)
  preflight(argv, env, deep=False, warn=None) -> (record or None, path to execve or None)
  check(argv, env, deep=False)             -> record or None (stricter: --check)
  explain_exec_failure(argv, env, path_tried, errno_code) -> record
  diagnose_early_127(argv, env, resolved)  -> record or None
  exit_code_for(record)                    -> 126 or 127 (also in record["exit_code"])

A record is a flat dict for pyinit.report.write(). The cheap check (deep=False) runs on
every start that pyinit_core.quick_preflight does not accept (a native ELF program whose
headers and loader are fine, or a #! script run by one, checked in C without importing this
module): a stat, an
access(2), one read of the file's first KiB, and the same for the ELF loader or #!
interpreter. deep=True adds the shared-library search (libraries.py).
Nothing here raises on a bad file: every verdict is a record.

The package reads files as the kernel and the loaders do, each module one reader:
elf (headers, PT_INTERP, the dynamic section), shebang (#! lines), libraries (the loader's
library search), binfmt (binfmt_misc handlers), untrusted (opening a file named by untrusted
input without blocking).

execve semantics, not execvp's: a file that is neither ELF nor ``#!`` is reported as
not_executable_format (the kernel's ENOEXEC), although glibc's execvp would hand it to
/bin/sh. pyinit execs the resolved path with execve.
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os

from . import elf, untrusted

# pyinit_core.DEFAULT_PATH is the same (a test holds them equal): this module also runs
# where the core is not built (the checker tests' interpreters).
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
EXIT_CANNOT_EXECUTE = 126
EXIT_NOT_FOUND = 127
# --check could not finish (MemoryError under `ulimit -v`, an unexpected error): nothing is
# known about whether CMD would start, so neither 0 nor 126/127.
EXIT_CHECK_INCOMPLETE = 3

# cause -> (errno name the kernel's execve returns for it, exit code)
# errno None: execve itself succeeds and the program fails right after.
CAUSES = {
    "not_found": ("ENOENT", EXIT_NOT_FOUND),
    "is_directory": ("EACCES", EXIT_CANNOT_EXECUTE),
    "permission_denied": ("EACCES", EXIT_CANNOT_EXECUTE),
    "noexec_mount": ("EACCES", EXIT_CANNOT_EXECUTE),
    "missing_interpreter": ("ENOENT", EXIT_NOT_FOUND),
    "bad_interpreter": ("ELIBBAD", EXIT_CANNOT_EXECUTE),
    "missing_library": (None, EXIT_NOT_FOUND),
    "wrong_architecture": ("ENOEXEC", EXIT_CANNOT_EXECUTE),
    "not_executable_format": ("ENOEXEC", EXIT_CANNOT_EXECUTE),
    "truncated_file": (None, EXIT_CANNOT_EXECUTE),
    "shebang_interpreter_missing": ("ENOENT", EXIT_NOT_FOUND),
    "shebang_crlf": ("ENOENT", EXIT_CANNOT_EXECUTE),
    "text_file_busy": ("ETXTBSY", EXIT_CANNOT_EXECUTE),
    "symlink_loop": ("ELOOP", EXIT_CANNOT_EXECUTE),
    "interpreter_loop": ("ELOOP", EXIT_CANNOT_EXECUTE),
    "env_loop": (None, EXIT_CANNOT_EXECUTE),
    "name_too_long": ("ENAMETOOLONG", EXIT_CANNOT_EXECUTE),
    "argument_list_too_long": ("E2BIG", EXIT_CANNOT_EXECUTE),
    "out_of_memory": ("ENOMEM", EXIT_CANNOT_EXECUTE),
    "operation_not_permitted": ("EPERM", EXIT_CANNOT_EXECUTE),
    "exec_error": (None, EXIT_CANNOT_EXECUTE),
    "check_incomplete": (None, EXIT_CHECK_INCOMPLETE),
}

# When execve itself fails and the diagnosis finds nothing better, the errno decides.
_CAUSE_FOR_ERRNO = {
    "ENOENT": "not_found", "ENOTDIR": "not_found", "EACCES": "permission_denied",
    "EISDIR": "is_directory", "ENOEXEC": "not_executable_format", "ETXTBSY": "text_file_busy",
    "E2BIG": "argument_list_too_long", "ELOOP": "symlink_loop",
    "ENAMETOOLONG": "name_too_long", "ELIBBAD": "bad_interpreter", "ENOMEM": "out_of_memory",
    "EPERM": "operation_not_permitted",
}

# errnos after which execvp tries the next PATH directory (glibc posix/execvpe.c);
# pyinit_core's exec loop follows the same rule.
_SEARCH_GOES_ON = ("ENOENT", "ENOTDIR", "ESTALE", "ENODEV", "ETIMEDOUT", "EACCES")
_S_IFMT, _S_IFDIR, _S_IFREG = 0o170000, 0o040000, 0o100000
_MAX_ENV_HOPS = 8


def exit_code_for(record):
    """126 (found but cannot be executed) or 127 (nothing to run), as shells use them."""
    if record is None:
        return 0
    return CAUSES.get(record.get("cause"), (None, EXIT_CANNOT_EXECUTE))[1]


def resolve(name, path_env):
    """execvp's search: (paths where something exists, in PATH order; directories searched).

    A name with a slash is itself (and is returned even if missing, so the report names
    it). An empty PATH entry is the current directory. PATH unset means DEFAULT_PATH
    (what Docker puts in an image's environment). A path whose stat fails with
    ENOENT/ENOTDIR (nothing there) is skipped, as execvp skips it; any other answer
    (EACCES on a directory, ELOOP...) is kept, since execvp would stop or note it there.
    """
    if "/" in name:
        return [name], []
    if not name:
        return [], []
    path = DEFAULT_PATH if path_env is None else path_env
    candidates, searched = [], []
    for directory in path.split(":"):
        searched.append(directory or ".")
        full = directory.rstrip("/") + "/" + name if directory else name
        try:
            os.stat(full)
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue
        except (OSError, ValueError) as error:
            if getattr(error, "errno", None) in (116, 19, 110):   # ESTALE ENODEV ETIMEDOUT
                continue
        candidates.append(full)
    return candidates, searched


def check(argv, env, deep=False):
    """--check: the failure record for CMD, or None when it would start and run as built.

    Stricter than a start: a file the kernel would exec but that is broken (truncated_file)
    is a failure here, since an image build should stop on it.
    """
    try:
        return _preflight(list(argv), env, deep, True)[0]
    except Exception as error:
        # Never "would start" for a check that did not finish: say why, exit 3.
        return _check_incomplete(argv, error)


def _check_incomplete(argv, error):
    record = {"event": "check_incomplete", "cause": "check_incomplete",
              "message": "the check stopped before it could decide: %s: %s"
                         % (type(error).__name__, error)}
    record["argv"] = list(argv)
    record["resolved"] = None
    return _finish(record)


def preflight(argv, env, deep=False, warn=None):
    """(record or None, path to execve or None) for a normal start.

    Only what execve itself would refuse stops the start. A file the kernel would exec
    although it looks broken (truncated_file) is passed to ``warn`` as a preflight_warning
    record (written on stderr when ``warn`` is None), and the start goes on.
    """
    try:
        record, path = _preflight(list(argv), env, deep, False)
    except Exception as error:   # a bug here must not stop a valid program from starting
        return None, _first_candidate(argv, env, error)
    if record is not None and record["event"] == "preflight_warning":
        if warn is None:
            from . import report
            report.write(record)
        else:
            warn(record)
        return None, path
    return record, path


def _first_candidate(argv, env, error):
    try:
        candidates = resolve(argv[0], env.get("PATH"))[0]
        return candidates[0] if candidates else None
    except Exception:
        return None


def _preflight(argv, env, deep, strict=True):
    """(record, path to execve). ``strict`` is --check. For a start (not strict), what execve
    may still run is not a failure: a claim pyinit cannot verify (binfmt_misc unreadable)
    passes, and a broken file the kernel would exec comes back as a preflight_warning."""
    if not argv or not argv[0]:
        return _finish(_record("not_found", argv, None, detail="empty command")), None
    name = argv[0]
    candidates, searched = resolve(name, env.get("PATH"))
    if not candidates:
        record = _record("not_found", argv, None, searched=searched)
        dangling = _dangling_links_on_path(name, searched)
        if dangling:
            record["dangling_symlinks"] = dangling
        return _finish(record), None
    failures = []
    for candidate in candidates:
        record = _check_file(candidate, argv, env, deep, 0)
        if record is None:
            return None, candidate
        if not strict and record.get("binfmt_misc") == "unreadable":
            return None, candidate   # a handler registered on the host may run it: ask execve
        if not strict and _exec_would_start(record):
            return _warning(record), candidate
        failures.append(record)
        if record.get("errno") not in _SEARCH_GOES_ON:
            break
    chosen = _execvp_answer(failures)
    also = [{"path": r["resolved"], "cause": r["cause"]} for r in failures if r is not chosen]
    if also:
        chosen["also_tried"] = also
    return _finish(chosen), chosen["resolved"]


def _execvp_answer(failures):
    """The failure whose errno execvp returns: the one that stopped the search, else the
    first EACCES (execvp fails with EACCES if it saw one), else the first candidate
    (what pyinit_core's exec loop reports too)."""
    last = failures[-1]
    if last.get("errno") not in _SEARCH_GOES_ON:
        return last
    for record in failures:
        if record.get("errno") == "EACCES":
            return record
    return failures[0]


def _exec_would_start(record):
    """execve runs this file although the check found it broken: a truncated ELF (it dies
    touching the missing pages), a #! line whose \r lands in the argument (the
    interpreter runs and chokes on it), or `#!/usr/bin/env` naming the script itself (env
    execs it again, forever)."""
    return record["cause"] in ("truncated_file", "env_loop") or (
        record["cause"] == "shebang_crlf" and record.get("errno") is None)


def explain_exec_failure(argv, env, path_tried, errno_code):
    """The record for an execve that failed with ``errno_code`` (from the core's CLOEXEC pipe)."""
    import errno as errno_names

    errno_name = errno_names.errorcode.get(errno_code, "E%d" % errno_code)
    diagnosis = None
    try:
        if path_tried:
            diagnosis = _check_file(path_tried, list(argv), env, False, 0)
        else:
            diagnosis = _preflight(list(argv), env, False)[0]
    except Exception:
        diagnosis = None
    if diagnosis is not None and diagnosis.get("errno") == errno_name:
        record = diagnosis
        # execve has answered: whether pyinit could see binfmt_misc no longer matters.
        record.pop("binfmt_misc", None)
    else:
        cause = _CAUSE_FOR_ERRNO.get(errno_name, "exec_error")
        if cause == "not_found" and path_tried and _exists(path_tried):
            cause = "exec_error"   # ENOENT for a file that is there: a loader or interpreter vanished
        record = _record(cause, list(argv), path_tried)
        if diagnosis is not None:
            record["preflight_cause"] = diagnosis.get("cause")
    _set_errno(record, errno_name, errno_code)
    record["event"] = "exec_failed"
    return _finish(record)


def diagnose_early_127(argv, env, resolved):
    """After CMD exited 127 right after exec: a missing_library record, or None."""
    try:
        if not resolved:
            candidates = resolve(argv[0], env.get("PATH"))[0] if argv else []
            resolved = candidates[0] if candidates else None
        if not resolved:
            return None
        record = _check_file(resolved, list(argv), env, True, 0)
    except Exception:
        return None
    if record is None or record.get("cause") != "missing_library":
        return None
    record["event"] = "exec_failed"
    return _finish(record)


def _exists(path):
    try:
        os.stat(path)
        return True
    except (OSError, ValueError):
        return False


# ---------------------------------------------------------------- one file, as the kernel sees it

def _check_file(path, argv, env, deep, depth, hops=0):
    """The record for execve(path), or None.

    ``depth`` counts #! interpreters the kernel already followed in this execve; ``hops``
    counts new execves made by ``#!/usr/bin/env NAME`` (bounded, in case NAME is the script).
    """
    try:
        st = os.stat(path)
    except (OSError, ValueError) as error:
        return _stat_failure(path, argv, error)
    if (st.st_mode & _S_IFMT) == _S_IFDIR:
        return _record("is_directory", argv, path)
    if (st.st_mode & _S_IFMT) != _S_IFREG:
        return _not_regular(argv, path, st, untrusted.kind_of(st.st_mode))
    if not os.access(path, os.X_OK, effective_ids=True):
        return _access_failure(argv, path, st)
    try:
        fd, st = untrusted.open_regular(path, st)
    except untrusted.NotRegularFile as error:   # replaced since the stat
        return _not_regular(argv, path, st, error.kind)
    except (OSError, ValueError):
        return None   # execute-only file: the kernel can run what we cannot read
    try:
        head = os.read(fd, elf.HEAD_BYTES)
        if elf.is_elf(head):
            return _check_elf(fd, head, st.st_size, path, argv, env, deep)
    except OSError:
        return None
    finally:
        os.close(fd)
    if head[:2] == b"#!":
        return _check_script(head, path, argv, env, deep, depth, hops)
    return _unknown_format(head, path, argv, "neither ELF nor #!" if head else "the file is empty")


def _stat_failure(path, argv, error):
    code = getattr(error, "errno", None)
    if isinstance(error, (FileNotFoundError, NotADirectoryError)):
        record = _record("not_found", argv, path)
        missing = _first_missing(path)
        if missing and missing != path:
            record["missing"] = missing
        if missing:
            _add_dangling_link(record, missing)
        return record
    if isinstance(error, PermissionError):
        record = _record("permission_denied", argv, path)
        blocked = _unsearchable_directory(path)
        if blocked:
            record["directory"] = blocked
        return record
    if code == 40:
        return _record("symlink_loop", argv, path)
    if code == 36:
        return _record("name_too_long", argv, path)
    record = _record("exec_error", argv, path)
    if code is not None:
        import errno as errno_names
        _set_errno(record, errno_names.errorcode.get(code, "E%d" % code), code)
    return record


def _first_missing(path):
    """The shortest prefix of ``path`` that does not exist (a missing directory, often)."""
    parts = os.path.abspath(path).split("/")
    for count in range(2, len(parts) + 1):
        prefix = "/".join(parts[:count]) or "/"
        if not _exists(prefix):
            return prefix
    return None


def _add_dangling_link(record, path):
    """When ``path`` (which stat cannot follow) is a symlink to nothing: name it, its target
    and the first missing part of the target, rather than say the link does not exist."""
    try:
        target = os.readlink(path)
    except (OSError, ValueError):
        return
    record["symlink"] = path
    record["symlink_target"] = target
    absolute = os.path.abspath(os.path.join(os.path.dirname(path), target))
    missing = _first_missing(absolute)
    if missing and missing != absolute:
        record["target_missing"] = missing


def _dangling_links_on_path(name, searched):
    """PATH entries where ``name`` is a symlink to nothing (execvp skips them as ENOENT)."""
    links = []
    for directory in searched:
        full = os.path.join(directory, name)
        try:
            target = os.readlink(full)
        except (OSError, ValueError):
            continue
        if not _exists(full):
            links.append({"path": full, "target": target})
    return links


def _unsearchable_directory(path):
    parts = os.path.abspath(path).split("/")[:-1]
    for count in range(1, len(parts) + 1):
        prefix = "/".join(parts[:count]) or "/"
        if not os.access(prefix, os.X_OK, effective_ids=True):
            return prefix
    return None


def _mode_allows_exec(st):
    euid = os.geteuid()
    if euid == 0:
        return bool(st.st_mode & 0o111)   # root needs at least one x bit
    if st.st_uid == euid:
        return bool(st.st_mode & 0o100)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & 0o010)
    return bool(st.st_mode & 0o001)


def _access_failure(argv, path, st):
    """access(X_OK) said no: the mode bits, a noexec mount, or something else (ACL, LSM)."""
    from pyinit import mounts

    if _mode_allows_exec(st) and mounts.is_noexec(path):
        record = _record("noexec_mount", argv, path)
        mount = mounts.mount_of(path)
        record["mount"] = mount["mount_point"] if mount else None
        if mount:
            record["mount_options"] = mount["options"]
            record["fstype"] = mount["fstype"]
        return record
    return _permission_record(argv, path, st, None)


def _permission_record(argv, path, st, detail):
    record = _record("permission_denied", argv, path, mode="%04o" % (st.st_mode & 0o7777),
                     owner_uid=st.st_uid, owner_gid=st.st_gid)
    if detail:
        record["detail"] = detail
    return record


def _not_regular(argv, path, st, kind):
    record = _permission_record(argv, path, st, "not a regular file")
    record["file_type"] = kind
    return record


def _unknown_format(head, path, argv, detail):
    record = _record("not_executable_format", argv, path, detail=detail)
    return _unless_binfmt_runs_it(head, path, record)


def _unless_binfmt_runs_it(head, path, record):
    """None when a binfmt_misc handler takes the file; else ``record``, noting when the
    handlers could not be read (a start then leaves the verdict to execve)."""
    from . import binfmt

    handler = binfmt.handler_for(head, path)
    if handler is binfmt.UNREADABLE:
        record["binfmt_misc"] = "unreadable"
    elif handler:
        return None
    return record


# ---------------------------------------------------------------- ELF

def _check_elf(fd, head, size, path, argv, env, deep):
    info = elf.kernel_view(fd, head, size)
    if info.problem == "wrong architecture":
        record = _record("wrong_architecture", argv, path, machine=info.machine_name,
                         bits=info.bits or None, host_machine=os.uname().machine)
        return _unless_binfmt_runs_it(head, path, record)
    if info.problem:
        record = _record("not_executable_format", argv, path, detail=info.problem, format="elf")
        if info.problem_errno != "ENOEXEC":
            _set_errno(record, info.problem_errno, None)
        return record
    if info.interp is not None:
        record = _check_loader(info, path, argv)
        if record is not None:
            return record
    if info.truncated:
        return _record("truncated_file", argv, path, size=size, needed_size=info.needed_size,
                       page_size=elf.page_size())
    if deep and info.interp:
        return _check_libraries(path, info, argv, env)
    return None


def _check_loader(info, path, argv):
    """The kernel opens PT_INTERP like an executable, then wants an ELF of the same machine."""
    loader = info.interp
    try:
        st = os.stat(loader)
    except (FileNotFoundError, NotADirectoryError):
        record = _record("missing_interpreter", argv, path, interpreter=loader,
                         bits=info.bits, machine=info.machine_name)
        try:
            record["interpreter_link"] = os.readlink(loader)   # a dangling symlink
        except (OSError, ValueError):
            pass
        native = _native_loader_if_compat(info)
        if native:
            record["native_loader"] = native
        return record
    except (OSError, ValueError) as error:
        return _bad_loader(argv, path, loader, "EACCES" if isinstance(error, PermissionError) else "ELOOP",
                           "it cannot be looked up (%s)" % (error.strerror or error))
    if (st.st_mode & _S_IFMT) != _S_IFREG:
        return _bad_loader(argv, path, loader, "EACCES",
                           "it is a %s, not a regular file" % untrusted.kind_of(st.st_mode))
    if not os.access(loader, os.X_OK, effective_ids=True):
        from pyinit import mounts

        if _mode_allows_exec(st) and mounts.is_noexec(loader):
            return _bad_loader(argv, path, loader, "EACCES", "its filesystem is mounted noexec")
        return _bad_loader(argv, path, loader, "EACCES",
                           "it is not executable (mode %04o)" % (st.st_mode & 0o7777))
    try:
        loader_head = untrusted.read_head(loader, 64, st)
    except untrusted.NotRegularFile as error:
        return _bad_loader(argv, path, loader, "EACCES", "it is a %s, not a regular file" % error.kind)
    except (OSError, ValueError):
        return None
    if len(loader_head) < (64 if info.bits == 64 else 52):
        # The kernel reads a whole ELF header from the loader; a short read is EIO.
        return _bad_loader(argv, path, loader, "EIO", "it is shorter than an ELF header")
    if not elf.is_elf(loader_head):
        return _bad_loader(argv, path, loader, "ELIBBAD", "it is not an ELF file")
    if len(loader_head) < 20 or elf._E_TYPE_MACHINE.unpack_from(loader_head, 16)[1] != info.machine:
        machine = elf.machine_name(elf._foreign_machine(loader_head)) if len(loader_head) >= 20 else "?"
        return _bad_loader(argv, path, loader, "ELIBBAD",
                           "it is built for %s, the program for %s" % (machine, info.machine_name))
    return None


# glibc's loader for each (bits, e_machine): to tell "no glibc at all" from "no glibc for
# this compat architecture" (an i386 program in an x86-64 image).
_GLIBC_LOADERS = {
    (64, 62): "/lib64/ld-linux-x86-64.so.2", (32, 3): "/lib/ld-linux.so.2",
    (64, 183): "/lib/ld-linux-aarch64.so.1", (32, 40): "/lib/ld-linux-armhf.so.3",
    (64, 21): "/lib64/ld64.so.2", (64, 22): "/lib/ld64.so.1",
    (64, 243): "/lib/ld-linux-riscv64-lp64d.so.1", (64, 258): "/lib64/ld-linux-loongarch-lp64d.so.1",
}


def _native_loader_if_compat(info):
    """The host's native glibc loader, when it exists and the program is not native."""
    machines = elf.host_machines()
    if not machines or machines[0] == (info.bits, info.machine):
        return None
    native = _GLIBC_LOADERS.get(machines[0])
    return native if native and _exists(native) else None


def _bad_loader(argv, path, loader, errno_name, detail):
    record = _record("bad_interpreter", argv, path, interpreter=loader, detail=detail)
    _set_errno(record, errno_name, None)
    return record


def _check_libraries(path, info, argv, env):
    from . import libraries

    resolution = libraries.resolve(path, info, env)
    if not resolution.missing:
        return None
    names = [name for name, _, _, _ in resolution.missing]
    record = _record("missing_library", argv, path, libraries=names,
                     needed_by=sorted({by for _, by, _, _ in resolution.missing}),
                     searched=resolution.missing[0][2], loader=info.interp,
                     libc=resolution.flavour)
    if resolution.skipped:
        record["skipped_incompatible"] = resolution.skipped
    unusable = {where: why for _, _, _, tried in resolution.missing for where, why in tried}
    if unusable:
        record["unusable"] = unusable   # found under the name, but the loader cannot use it
    return record


# ---------------------------------------------------------------- #! scripts

def _check_script(head, path, argv, env, deep, depth, hops):
    from . import shebang

    found = shebang.parse(head)
    if found.problem:
        record = _unknown_format(head, path, argv, found.problem)
        if record is not None:
            record["format"] = "script"
        return record
    if depth + 1 >= shebang.MAX_NESTED_SCRIPTS and _is_script(found.interpreter):
        return _record("interpreter_loop", argv, path, interpreter=found.interpreter)
    interpreter = found.interpreter
    if not interpreter:
        record = _record("bad_interpreter", argv, path, interpreter="",
                         detail="the #! line starts with a NUL byte, so the interpreter name is empty")
        _set_errno(record, "EACCES", None)
        return record
    if found.crlf:
        record = _record("shebang_crlf", argv, path, interpreter=interpreter,
                         shebang_line="#!" + interpreter + (" " + found.argument if found.argument else ""))
        if not interpreter.endswith("\r"):
            _set_errno(record, None, None)   # execve works; the interpreter chokes on "\r"
        return record
    try:
        os.stat(interpreter)
    except (FileNotFoundError, NotADirectoryError):
        return _record("shebang_interpreter_missing", argv, path, interpreter=interpreter)
    except (OSError, ValueError):
        pass   # the nested check reports ELOOP/EACCES with the interpreter named
    nested = _check_file(interpreter, [interpreter], env, deep, depth + 1, hops)
    if nested is not None:
        return _interpreter_failed(nested, path, argv, interpreter)
    program = shebang.env_target(found)
    if program is None:
        return None
    if hops >= _MAX_ENV_HOPS:
        return _env_loop(argv, path, interpreter, program,
                         "scripts name each other through #!%s more than %d times in a row"
                         % (interpreter, _MAX_ENV_HOPS))
    candidates, searched = resolve(program, env.get("PATH"))
    if not candidates:
        return _record("shebang_interpreter_missing", argv, path, interpreter=interpreter,
                       program=program, searched=searched)
    failures = []   # env finds NAME with execvp: the same rules as for CMD
    for candidate in candidates:
        if _same_file(candidate, path):
            return _env_loop(argv, path, interpreter, program,
                             "%s is this script itself: env execs it again, forever" % candidate)
        nested = _check_file(candidate, [candidate], env, deep, 0, hops + 1)
        if nested is None:
            return None
        failures.append(nested)
        if nested.get("errno") not in _SEARCH_GOES_ON:
            break
    chosen = _execvp_answer(failures)
    return _interpreter_failed(chosen, path, argv, chosen["resolved"], program=program)


def _same_file(one, other):
    try:
        a, b = os.stat(one), os.stat(other)
    except (OSError, ValueError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _env_loop(argv, path, interpreter, program, detail):
    record = _record("env_loop", argv, path, interpreter=interpreter, program=program,
                     detail=detail)
    return record


def _is_script(path):
    try:
        return untrusted.read_head(path, 2) == b"#!"
    except (OSError, ValueError):
        return False


def _interpreter_failed(nested, script, argv, interpreter, program=None):
    """A failure of the #! interpreter (or env's target), reported against the script.

    ``script_interpreter`` is what the script's #! line (or env) runs; ``nested_file`` the
    file further down the chain where the check failed, when that is not the script.
    """
    cause = nested["cause"]
    if cause == "interpreter_loop":
        return _record("interpreter_loop", argv, script, interpreter=interpreter)
    if cause in ("permission_denied", "noexec_mount", "is_directory", "not_executable_format",
                 "symlink_loop"):
        what = nested.get("detail") or nested.get("mount") or interpreter
        if nested.get("file_type"):
            what = "a %s, not a regular file" % nested["file_type"]
        record = _record("bad_interpreter", argv, script, interpreter=interpreter,
                         detail="%s (%s)" % (cause.replace("_", " "), what))
        _set_errno(record, nested.get("errno"), nested.get("errno_code"))
        if "binfmt_misc" in nested:
            record["binfmt_misc"] = nested["binfmt_misc"]
    elif cause == "not_found":
        record = _record("shebang_interpreter_missing", argv, script, interpreter=interpreter)
    else:
        # The failure lies in a file the #! chain reaches: report it against the path
        # pyinit executes (resolved), and name that file in nested_file.
        record = dict(nested)
        record["argv"] = argv
        record["resolved"] = script
        record["script_interpreter"] = interpreter
        record.setdefault("nested_file", nested["resolved"])
    if program:
        record.setdefault("program", program)
    return record


# ---------------------------------------------------------------- records

def _set_errno(record, errno_name, errno_code):
    if errno_name and errno_code is None:
        import errno as errno_names
        errno_code = getattr(errno_names, errno_name, None)
    record["errno"] = errno_name
    record["errno_code"] = errno_code
    record["strerror"] = os.strerror(errno_code) if errno_code else None


def _record(cause, argv, resolved, **facts):
    record = {"event": "preflight_failed", "cause": cause}
    _set_errno(record, CAUSES[cause][0], None)
    record["argv"] = list(argv)
    record["resolved"] = resolved
    record.update(facts)
    return record


_HEAD = ("event", "cause", "exit_code", "errno", "errno_code", "strerror", "argv", "resolved")


def _warning(record):
    """A finished record for a problem that does not stop the start: no exit code."""
    record["event"] = "preflight_warning"
    record = _finish(record)
    del record["exit_code"]
    return record


def _finish(record):
    """Add exit code, process facts and the hint; order keys: what happened, then the facts."""
    from pyinit import hints, report

    record["exit_code"] = exit_code_for(record)
    record.update(report.process_facts())
    record["hint"] = hints.hint_for(record)
    ordered = {key: record[key] for key in _HEAD if key in record}
    for key, value in record.items():
        if key not in ordered and key != "hint":
            ordered[key] = value
    ordered["hint"] = record["hint"]
    return ordered
