"""The child's environment: exactly the one execve gave pyinit, byte for byte.

os.environ is not that: CPython's C-locale coercion adds LC_CTYPE=C.UTF-8 to it when the
locale is C or POSIX (LANG=C, or nothing set), which changes what the child's programs
match and print; and building it drops entries without '=' and all but one of duplicate
names. /proc/self/environ holds the strings the kernel copied at execve, untouched by any
setenv() since. Without /proc (or with a /proc in which pyinit is not visible) os.environb
is the fallback, with those three differences.
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os


def as_execve_gave_it():
    """The environment pyinit was started with, as a list of bytes entries."""
    try:
        with open("/proc/self/environ", "rb") as f:
            data = f.read()
    except OSError:
        return [key + b"=" + value for key, value in os.environb.items()]
    if not data:
        return []
    # The area ends with the NUL of its last entry; a NUL-free tail means it was truncated
    # or overwritten (setproctitle): keep what is there rather than lose an entry.
    entries = data.split(b"\0")
    if entries[-1] == b"":
        entries.pop()
    return entries
