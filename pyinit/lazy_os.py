"""The os module's API for the start path, without the cost of importing os.

`import os` costs about a millisecond on every start when the interpreter runs without
`site` (the launcher's `-S`): os builds os.environ and imports _collections_abc, posixpath
and stat. What a successful start calls (stat, access, open, read, pread, fstat, close,
getpid, uname, strerror, _exit...) lives in `posix`, the C module os re-exports as it is,
so it is taken from there. fsencode and fsdecode are written here with os's rules. Any
other name (os.path, os.environ, os.walk...) imports the real os on first use and returns
the real object, so code written against os keeps working on every path; the start's own
test (tests/test_start_imports_only_what_it_needs.py) checks that a successful start never
gets there.

Use: `from pyinit import lazy_os as os`.
"""

import sys

import posix
from posix import *  # noqa: F401,F403  (posix has no __all__: every public name)
from posix import _exit  # noqa: F401  (a star import leaves out underscored names)

# posix.environ is bytes -> bytes; os.environ is the decoded, putenv-backed mapping. Never
# offer the one in place of the other.
del environ  # noqa: F821

_ENCODING = sys.getfilesystemencoding()
_ERRORS = sys.getfilesystemencodeerrors()


def fsencode(filename):
    """os.fsencode: str to bytes with the filesystem encoding and surrogateescape."""
    filename = posix.fspath(filename)
    if isinstance(filename, str):
        return filename.encode(_ENCODING, _ERRORS)
    return filename


def fsdecode(filename):
    """os.fsdecode: bytes to str with the filesystem encoding and surrogateescape."""
    filename = posix.fspath(filename)
    if isinstance(filename, bytes):
        return filename.decode(_ENCODING, _ERRORS)
    return filename


def environ_text():
    """The environment as a plain dict of str, decoded as os.environ decodes it; for
    reading (cli, preflight) without building os.environ."""
    return {fsdecode(key): fsdecode(value) for key, value in posix.environ.items()}


def __getattr__(name):
    # Anything posix lacks: the real os, imported once, its object returned as it is.
    import os
    value = getattr(os, name)
    globals()[name] = value
    return value
