"""Open files named by untrusted input (CMD, #! lines, PT_INTERP, libraries) without blocking.

A plain open() of a FIFO waits for a writer, forever, and pyinit is PID 1: one FIFO named
by a #! line would hang the container before its program starts. So every such file is
opened O_NONBLOCK (a FIFO opens at once), O_NOCTTY (a terminal must not become PID 1's
controlling terminal) and O_CLOEXEC, after a stat that refuses anything but a regular file
(opening some devices has effects), and fstat checks again what was opened before a byte
is read. execve answers EACCES for a file that is not regular; so does NotRegularFile.
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os

_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY
_S_IFMT, _S_IFREG = 0o170000, 0o100000
_KINDS = {0o010000: "FIFO", 0o020000: "character device", 0o040000: "directory",
          0o060000: "block device", 0o140000: "socket", 0o120000: "symlink"}
EACCES = 13


class NotRegularFile(OSError):
    """The path is a FIFO, device, socket or directory: nothing to read a program from."""

    def __init__(self, path, mode):
        self.kind = kind_of(mode)
        super().__init__(EACCES, "not a regular file (a %s)" % self.kind, path)


def kind_of(mode):
    """'FIFO', 'directory', ... for a st_mode; 'regular file' for one."""
    file_type = mode & _S_IFMT
    return "regular file" if file_type == _S_IFREG else _KINDS.get(file_type, "special file")


def is_regular(mode):
    return (mode & _S_IFMT) == _S_IFREG


def open_regular(path, st=None):
    """(fd, fstat result) for the regular file at ``path``, read-only; the caller closes fd.

    ``st`` is the path's stat when the caller already has it. Raises OSError: the stat's
    or open's own error, or NotRegularFile.
    """
    if st is None:
        st = os.stat(path)
    if not is_regular(st.st_mode):
        raise NotRegularFile(path, st.st_mode)
    fd = os.open(path, _FLAGS)
    try:
        opened = os.fstat(fd)
        if not is_regular(opened.st_mode):   # replaced between the stat and the open
            raise NotRegularFile(path, opened.st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd, opened


def read_head(path, size, st=None):
    """The first ``size`` bytes (fewer for a shorter file) of the regular file at ``path``."""
    fd, _ = open_regular(path, st)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)
