"""Would a binfmt_misc handler (qemu-user, a jar runner...) run a file the kernel itself cannot?

Consulted only before reporting wrong_architecture or not_executable_format, so that an
image running arm64 binaries through a registered qemu is not told its binaries are
wrong. Only visible when /proc/sys/fs/binfmt_misc is mounted; in most containers it is
not, although the host's handlers still apply: then handler_for() says UNREADABLE, and
the caller must not claim the kernel refuses the file.
"""

import os

from . import untrusted

ROOT = "/proc/sys/fs/binfmt_misc"
MAX_ENTRIES = 64
UNREADABLE = object()   # handler_for()'s answer when nothing can be known (compare with `is`)


def _entry(text):
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        fields[key.rstrip(":")] = value.strip()
    return fields


def handler_for(head, path):
    """Name of the enabled binfmt_misc entry matching this file, None, or UNREADABLE."""
    try:
        if untrusted.read_head(os.path.join(ROOT, "status"), 16).strip() != b"enabled":
            return None
        names = sorted(os.listdir(ROOT))[:MAX_ENTRIES + 2]
    except OSError:
        return UNREADABLE
    for name in names:
        if name in ("status", "register"):
            continue
        try:
            fields = _entry(untrusted.read_head(os.path.join(ROOT, name), 4096).decode("ascii", "replace"))
        except OSError:
            continue
        if "enabled" not in fields:
            continue
        if "extension" in fields:
            if path.endswith(fields["extension"]):
                return name
            continue
        try:
            magic = bytes.fromhex(fields.get("magic", ""))
            mask = bytes.fromhex(fields["mask"]) if "mask" in fields else b"\xff" * len(magic)
            offset = int(fields.get("offset", "0"))
        except ValueError:
            continue
        sample = head[offset:offset + len(magic)]
        if magic and len(sample) == len(magic) and all(
                (s & m) == (g & m) for s, m, g in zip(sample, mask, magic)):
            return name
    return None
