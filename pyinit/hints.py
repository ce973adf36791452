"""One sentence per failure cause, built from the record's own facts (never generic advice)."""

import os


def _who():
    return "uid %d" % os.geteuid()


def _list(items, limit=6):
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    return shown + (" and %d more" % (len(items) - limit) if len(items) > limit else "")


def _not_found(r):
    name = r["argv"][0] if r.get("argv") else ""
    if r.get("detail") == "empty command":
        return "No command was given after '--'; put the program to run there."
    if r.get("resolved") is None:
        if r.get("dangling_symlinks"):
            links = "; ".join("%s is a symlink to %s, which does not exist" % (link["path"], link["target"])
                              for link in r["dangling_symlinks"][:3])
            return ("'%s' is on PATH only as a broken symlink: %s; fix the link or put its target in the "
                    "image." % (name, links))
        return ("'%s' is in none of the %d PATH directories searched (%s); install it, fix PATH, "
                "or give its absolute path." % (name, len(r.get("searched") or ()), _list(r.get("searched") or ())))
    if r.get("symlink"):
        lead = "" if r["symlink"] == r["resolved"] else "%s does not exist because " % r["resolved"]
        gone = (" (%s is missing)" % r["target_missing"]) if r.get("target_missing") else ""
        return ("%s%s is a symlink to %s, which does not exist%s; fix the link or put its target in the "
                "image (check the image's COPY)." % (lead, r["symlink"], r["symlink_target"], gone))
    if r.get("missing"):
        return "%s does not exist because %s does not exist; check the path (and the image's WORKDIR/COPY)." % (
            r["resolved"], r["missing"])
    return "%s does not exist; check the path (and the image's WORKDIR/COPY)." % r["resolved"]


def _permission_denied(r):
    if r.get("directory"):
        return "The directory %s is not searchable by %s, so %s cannot be reached; chmod +x the directory." % (
            r["directory"], _who(), r["resolved"])
    if r.get("detail") == "not a regular file":
        return "%s is a %s (mode %s), not a regular file, and cannot be executed; point CMD at a program file." % (
            r["resolved"], r.get("file_type") or "special file", r.get("mode"))
    if r.get("mode") is None:
        return "%s cannot be executed by %s; check its permissions." % (r["resolved"], _who())
    return ("%s (mode %s, owner uid %s) is not executable by %s; run 'chmod +x %s' or run as a user "
            "it allows." % (r["resolved"], r["mode"], r.get("owner_uid"), _who(), r["resolved"]))


# Debian/Ubuntu architecture names of the compat C libraries, for the install hint.
_DEBIAN_ARCH = {"i386": "i386", "arm": "armhf", "powerpc": "powerpc", "s390": "s390"}


def _missing_interpreter(r):
    loader = r["interpreter"]
    base = os.path.basename(loader)
    if r.get("native_loader"):
        arch = _DEBIAN_ARCH.get(r.get("machine"))
        package = " (on Debian/Ubuntu: dpkg --add-architecture %s, then install libc6:%s)" % (arch, arch) \
            if arch else ""
        return ("%s is a %s-bit %s program and needs the loader %s, which does not exist here, although the "
                "image has this machine's native loader %s: install the %s-bit %s C library%s or use a "
                "native build of %s." % (
                    r["resolved"], r.get("bits"), r.get("machine"), loader, r["native_loader"], r.get("bits"),
                    r.get("machine"), package, r["resolved"]))
    if "musl" in base:
        guess = "a musl (Alpine) binary in an image without musl"
        fix = "use an Alpine base image or build %s statically" % r["resolved"]
    elif base.startswith(("ld-linux", "ld64")):
        guess = "a glibc binary in an image without glibc (musl/Alpine, distroless static or scratch)"
        fix = "install glibc in the image or build %s statically" % r["resolved"]
    else:
        guess = "a dynamically linked binary whose loader is not in this image"
        fix = "install the loader or build %s statically" % r["resolved"]
    link = (" (a symlink to the missing %s)" % r["interpreter_link"]) if r.get("interpreter_link") else ""
    return "%s needs the loader %s%s, which does not exist here: %s; %s." % (
        r["resolved"], loader, link, guess, fix)


def _bad_interpreter(r):
    if r.get("interpreter") == "":
        return ("The #! line of %s names no interpreter (a NUL byte or the end of the file follows '#!', "
                "so the kernel opens an empty path and answers EACCES); write the interpreter's path after "
                "'#!'." % r["resolved"])
    return "The interpreter %s of %s exists but cannot be used: %s; fix or replace %s." % (
        r.get("interpreter"), r["resolved"], r.get("detail") or "the kernel refuses it", r.get("interpreter"))


def _missing_library(r):
    libraries = r.get("libraries") or []
    unusable = r.get("unusable") or {}
    needed_by = _list(r.get("needed_by") or [r["resolved"]])
    them = len(libraries) > 1
    if not unusable:
        return ("The dynamic loader %s cannot find %s needed by %s (searched %s); install %s or add "
                "%s directory to LD_LIBRARY_PATH or the rpath." % (
                    r.get("loader"), _list(libraries), needed_by, _list(r.get("searched") or []) or "nothing",
                    "them" if them else "it", "their" if them else "its"))
    found = {os.path.basename(path) for path in unusable}
    facts = ["%s was found but cannot be used (%s)" % (path, why) for path, why in list(unusable.items())[:3]]
    not_found = [name for name in libraries if os.path.basename(name) not in found]
    if not_found:
        facts.append("%s %s in none of the places searched" % (_list(not_found), "are" if len(not_found) > 1 else "is"))
    return ("The dynamic loader %s cannot load %s needed by %s: %s; replace %s with a working build for "
            "this machine%s." % (
                r.get("loader"), _list(libraries), needed_by, "; ".join(facts), "them" if them else "it",
                " or install the missing ones" if not_found else ", or remove the unusable file from the search path"))


_BINFMT_UNSEEN = ("; /proc/sys/fs/binfmt_misc cannot be read here, so an emulator or handler registered "
                  "on the host with binfmt_misc would not be seen, and with one it may still run")


def _wrong_architecture(r):
    bits = ("%s-bit " % r["bits"]) if r.get("bits") else ""
    unseen = _BINFMT_UNSEEN if r.get("binfmt_misc") == "unreadable" else ""
    return ("%s is a %s%s binary but this machine is %s; use an image built for %s (docker --platform) "
            "or register an emulator with binfmt_misc%s." % (
                r["resolved"], bits, r.get("machine"), r.get("host_machine"), r.get("host_machine"), unseen))


def _not_executable_format(r):
    unseen = _BINFMT_UNSEEN if r.get("binfmt_misc") == "unreadable" else ""
    if r.get("format") == "elf":
        return ("%s is a malformed ELF file the kernel refuses (%s); rebuild it or copy it again." % (
            r["resolved"], r.get("detail")))
    if r.get("format") == "script":
        return ("The #! line of %s cannot be used by the kernel (%s)%s; fix the first line of the script." % (
            r["resolved"], r.get("detail"), unseen))
    return ("%s is neither an ELF binary nor a script the kernel can run (%s)%s; start it with a valid "
            "#! line or run it through its interpreter." % (
                r["resolved"], r.get("detail") or "exec format error", unseen))


def _truncated_file(r):
    if r.get("event") == "preflight_warning":
        outcome = "it is started anyway, and will crash if it touches the missing pages"
    else:
        outcome = "the kernel would start it, and it would crash when it touches the missing pages"
    return "%s is truncated (%s bytes, its segments need %s): %s; copy or download it again." % (
        r["resolved"], r.get("size"), r.get("needed_size"), outcome)


def _shebang_interpreter_missing(r):
    if r.get("program") and r.get("searched") is not None:
        return ("%s runs '#!%s %s', but %s is in none of the PATH directories (%s); install it or add "
                "its directory to PATH." % (r["resolved"], r["interpreter"], r["program"], r["program"],
                                             _list(r["searched"])))
    return "%s starts with '#!%s' but %s does not exist; install it or fix the #! line." % (
        r["resolved"], r["interpreter"], r["interpreter"])


def _shebang_crlf(r):
    started = (" (execve accepts it, so it is started anyway and its interpreter gets the \\r)"
               if r.get("event") == "preflight_warning" else "")
    return ("%s has Windows line endings: its #! line ends in \\r, so the kernel or the interpreter sees "
            "%r%s; convert it with dos2unix or sed -i 's/\\r$//'." % (r["resolved"], r.get("shebang_line"),
                                                                      started))


def _simple(text):
    return lambda r: text % {"resolved": r.get("resolved"), "interpreter": r.get("interpreter"),
                             "mount": r.get("mount"), "program": r.get("program"),
                             "detail": r.get("detail")}


_HINTS = {
    "not_found": _not_found,
    "is_directory": _simple("%(resolved)s is a directory, not a program; point CMD at the executable inside it."),
    "permission_denied": _permission_denied,
    "noexec_mount": _simple("%(resolved)s lives on %(mount)s, which is mounted noexec; remount it without "
                            "noexec or move the program to another filesystem."),
    "missing_interpreter": _missing_interpreter,
    "bad_interpreter": _bad_interpreter,
    "missing_library": _missing_library,
    "wrong_architecture": _wrong_architecture,
    "not_executable_format": _not_executable_format,
    "truncated_file": _truncated_file,
    "shebang_interpreter_missing": _shebang_interpreter_missing,
    "shebang_crlf": _shebang_crlf,
    "text_file_busy": _simple("%(resolved)s is open for writing by another process (ETXTBSY); start it "
                              "after the copy or download that writes it has finished."),
    "symlink_loop": _simple("%(resolved)s goes through a symlink loop (or too many symlinks); fix the link."),
    "check_incomplete": _simple("Nothing is known about whether the command would start: run --check "
                                "again with more memory (ulimit -v, the build's memory limit)."),
    "env_loop": _simple("%(resolved)s starts with #!%(interpreter)s %(program)s, and %(detail)s: "
                        "the program never runs; put the real interpreter on the #! line."),
    "interpreter_loop": _simple("The #! interpreters starting at %(resolved)s nest deeper than the kernel "
                                "allows; point the #! line at a binary."),
    "name_too_long": _simple("The path %(resolved)s is longer than the kernel accepts; use a shorter path."),
    "argument_list_too_long": _simple("The arguments and environment for %(resolved)s exceed the kernel's "
                                      "limit (E2BIG); pass fewer or shorter ones."),
    "out_of_memory": _simple("The kernel ran out of memory while starting %(resolved)s; raise the "
                             "container's memory limit."),
    "operation_not_permitted": _simple("The kernel refused to run %(resolved)s (EPERM: a seccomp, "
                                       "no_new_privs or security-module policy); check the container's "
                                       "security profile."),
    "exec_error": _simple("execve of %(resolved)s failed; see errno and strerror."),
}


def _through_the_chain(r):
    """For a failure in a file CMD reaches through #! lines: say how, then the file's own hint."""
    top, first, nested = r["resolved"], r.get("script_interpreter"), r["nested_file"]
    chain = "" if nested == first else ", which leads to %s" % nested
    inner = _HINTS.get(r.get("cause"), _HINTS["exec_error"])(dict(r, resolved=nested))
    if inner.startswith("The "):
        inner = "t" + inner[1:]
    return "%s runs %s through its #! line%s: %s" % (top, first, chain, inner)


def hint_for(record):
    try:
        if record.get("nested_file") and record["nested_file"] != record.get("resolved"):
            return _through_the_chain(record)
        return _HINTS.get(record.get("cause"), _HINTS["exec_error"])(record)
    except (KeyError, TypeError, ValueError, IndexError):
        return "execve of %s failed; see cause and errno." % record.get("resolved")


def forward_failed(received, sent, target, err):
    """The warning record for a forward the kernel refused (kill/rt_sigqueueinfo errno).

    pyinit goes on supervising after it: the signal is lost for the child, which keeps
    running; the next signal is tried again (and reported again only for a new errno).
    """
    import errno as errno_names
    from pyinit import signames

    name = signames.name(sent)
    who = "process group %d" % -target if target < 0 else "pid %d" % target
    if err == errno_names.EPERM:
        hint = ("pyinit may not signal %s: the child runs as another user and pyinit lacks "
                "CAP_KILL (e.g. docker run --cap-drop ALL); keep that capability "
                "(--cap-add KILL) or run pyinit as the child's user (USER in the image)" % who)
    else:
        hint = "the kernel refused to send %s to %s: %s" % (name, who, os.strerror(err))
    return {
        "event": "warning", "cause": "forward_failed",
        "message": "%s could not be forwarded to %s (%s): the child did not get it and keeps "
                   "running; pyinit goes on forwarding and reaping%s" % (
                       signames.name(received), who, errno_names.errorcode.get(err, str(err)),
                       "; docker stop will SIGKILL it after its timeout"
                       if sent in (2, 3, 15) else ""),
        "signal": signames.name(received), "sent": name, "target": target,
        "errno": errno_names.errorcode.get(err, str(err)), "errno_code": err,
        "strerror": os.strerror(err), "hint": hint}
