"""Which mount a file lives on, from /proc/self/mountinfo (used only to explain a failure)."""

import os

MAX_MOUNTINFO_BYTES = 4 << 20


def _unescape(field):
    # mountinfo escapes space, tab, newline and backslash as \ooo octal.
    if "\\" not in field:
        return field
    out, index = [], 0
    while index < len(field):
        if field[index] == "\\" and index + 4 <= len(field) and field[index + 1:index + 4].isdigit():
            out.append(chr(int(field[index + 1:index + 4], 8)))
            index += 4
        else:
            out.append(field[index])
            index += 1
    return "".join(out)


def read_mountinfo(path="/proc/self/mountinfo"):
    """[{root, mount_point, device, fstype, source, options, super_options}] in mount order
    (later ones on top); options are the comma-separated strings mountinfo shows."""
    try:
        with open(path, "rb") as handle:
            text = os.fsdecode(handle.read(MAX_MOUNTINFO_BYTES))
    except OSError:
        return []
    mounts = []
    for line in text.splitlines():
        fields = line.split(" ")
        if len(fields) < 10 or "-" not in fields[6:]:
            continue
        dash = fields.index("-", 6)
        if dash + 2 >= len(fields):
            continue
        mounts.append({
            "root": _unescape(fields[3]),
            "mount_point": _unescape(fields[4]),
            "device": fields[2],
            "options": fields[5],
            "fstype": fields[dash + 1],
            "source": _unescape(fields[dash + 2]),
            "super_options": fields[dash + 3] if dash + 3 < len(fields) else "",
        })
    return mounts


def _under(path, mount_point):
    if mount_point == "/":
        return True
    return path == mount_point or path.startswith(mount_point.rstrip("/") + "/")


def mount_of(path):
    """The mountinfo entry the file at ``path`` lives on, or None."""
    try:
        real = os.path.realpath(path)
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    device = "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
    best = fallback = None
    for mount in read_mountinfo():
        if not _under(real, mount["mount_point"]):
            continue
        # Longest prefix wins; on a tie the later mount is the one on top.
        if fallback is None or len(mount["mount_point"]) >= len(fallback["mount_point"]):
            fallback = mount
        if mount["device"] == device and (best is None or len(mount["mount_point"]) >= len(best["mount_point"])):
            best = mount
    return best or fallback


def is_noexec(path):
    """True when the filesystem holding ``path`` is mounted noexec (statvfs, one syscall)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_NOEXEC)
    except (OSError, ValueError):
        return False
