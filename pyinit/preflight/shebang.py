"""Parse a ``#!`` line exactly as the kernel's binfmt_script (Linux >= 5.1) does.

The kernel looks only at the first BINPRM_BUF_SIZE (256) bytes. It refuses (ENOEXEC) a
line with no interpreter name, and a line with no newline in those bytes whose
interpreter name has no space/tab/NUL after it (the name might be cut, and running a
cut name would be worse). Everything after the name, trimmed, is ONE argument. The
interpreter name keeps a trailing ``\\r``: that is why a script saved with Windows line
endings fails with ENOENT ("/bin/sh^M: bad interpreter").
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os

BINPRM_BUF_SIZE = 256   # include/uapi/linux/binfmts.h since Linux 5.1 (128 before)
MAX_NESTED_SCRIPTS = 5  # fs/exec.c: a script plus 4 script interpreters; one more is ELOOP (measured)


class Shebang:
    __slots__ = ("interpreter", "argument", "crlf", "problem")

    def __init__(self):
        self.interpreter = None   # str as the kernel will open it (may end in "\r")
        self.argument = None      # str or None: the single optional argument
        self.crlf = False         # the line ends in "\r\n"
        self.problem = None       # why the kernel answers ENOEXEC, or None


def _spacetab(byte):
    return byte == 0x20 or byte == 0x09


def parse(head):
    """Parse the start of a file that begins with ``#!``; ``head`` needs >= 256 bytes if the file has them."""
    found = Shebang()
    buf = head[:BINPRM_BUF_SIZE]
    # The kernel's buffer is NUL-padded when the file is shorter.
    buf = buf + b"\0" * (BINPRM_BUF_SIZE - len(buf))
    last = BINPRM_BUF_SIZE - 1
    newline = buf.find(b"\n")
    if newline >= 0:
        end = newline
    else:
        start = 2
        while start <= last and _spacetab(buf[start]):
            start += 1
        if start > last:
            found.problem = "the #! line is only spaces"
            return found
        terminator = start
        while terminator <= last and not (_spacetab(buf[terminator]) or buf[terminator] == 0):
            terminator += 1
        if terminator > last:
            found.problem = "the #! line is longer than %d bytes and the interpreter path is cut" % BINPRM_BUF_SIZE
            return found
        end = last
    while end > 2 and _spacetab(buf[end - 1]):
        end -= 1
    name_at = 2
    while name_at < end and _spacetab(buf[name_at]):
        name_at += 1
    if name_at >= end:
        found.problem = "the #! line names no interpreter"
        return found
    line = buf[name_at:end]
    # The kernel copies C strings: a NUL ends the name (or the argument) early.
    sep = 0
    while sep < len(line) and not (_spacetab(line[sep]) or line[sep] == 0):
        sep += 1
    name = line[:sep]
    # An empty name (a NUL right after "#!") is not refused here: the kernel goes on to
    # open "" and fails with EACCES (measured on 6.x); the caller reports that.
    found.interpreter = os.fsdecode(name)
    if sep < len(line) and line[sep] != 0:
        rest = line[sep:].lstrip(b" \t")
        rest = rest.split(b"\0", 1)[0]
        if rest:
            found.argument = os.fsdecode(rest)
    found.crlf = newline > 0 and buf[newline - 1] == 0x0D
    return found


def env_target(shebang):
    """The program ``#!/usr/bin/env [-S] NAME`` asks env to find on PATH, or None.

    Returns None when the interpreter is not env, or when the argument is something this
    check does not model (other env options): then nothing is claimed about it.
    """
    if shebang.interpreter is None or shebang.interpreter.rpartition("/")[2] != "env":
        return None
    argument = shebang.argument
    if not argument:
        return None
    words = argument.split()
    if words and words[0] == "-S":
        words = words[1:]
    elif argument.startswith("-S"):
        words = argument[2:].split()
    elif argument.startswith("-"):
        return None
    elif len(words) > 1:
        return None   # without -S, env gets "python3 -u" as one name: not modelled, claim nothing
    for word in words:
        if "=" in word and not word.startswith("="):
            continue   # VAR=value assignment
        if word.startswith("-"):
            return None
        return word
    return None
