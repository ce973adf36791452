"""Build real broken programs in a temp directory: copies and byte patches of real binaries."""

import os
import shutil
import struct
import subprocess

TRUE = os.path.realpath("/bin/true")
PYTHON = os.path.realpath("/usr/bin/python3")
ELF64_PHDR = struct.Struct("<IIQQQQQQ")


def copy(src, dst, mode=0o755):
    shutil.copyfile(src, dst)
    os.chmod(dst, mode)
    return str(dst)


def patch(path, offset, data):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(data)
    return str(path)


def program_headers(path):
    """[(index, p_type, p_offset, p_filesz, header offset)] of a 64-bit little-endian ELF."""
    with open(path, "rb") as handle:
        data = handle.read(65536)
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phnum = struct.unpack_from("<H", data, 56)[0]
    headers = []
    for index in range(phnum):
        at = phoff + index * ELF64_PHDR.size
        fields = ELF64_PHDR.unpack_from(data, at)
        headers.append((index, fields[0], fields[2], fields[5], at))
    return headers


def interp_location(path):
    for _, p_type, offset, size, _ in program_headers(path):
        if p_type == 3:
            return offset, size
    raise AssertionError("%s has no PT_INTERP" % path)


def with_interp(src, dst, loader):
    """A copy of ``src`` whose PT_INTERP names ``loader`` (must fit in the original's space)."""
    copy(src, dst)
    offset, size = interp_location(dst)
    raw = os.fsencode(loader) + b"\0"
    assert len(raw) <= size, "loader path %r longer than the original PT_INTERP" % loader
    patch(dst, offset, raw + b"\0" * (size - len(raw)))
    return str(dst)


def interesting_offsets(data):
    """Offsets of a 64-bit little-endian ELF where a mutation matters most: the header fields,
    the program headers, PT_DYNAMIC and PT_INTERP."""
    offsets = list(range(0, 64))
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phnum = struct.unpack_from("<H", data, 56)[0]
    offsets += list(range(phoff, min(len(data), phoff + 56 * phnum)))
    for index in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + 56 * index)
        if p_type in (2, 3):
            offsets += list(range(p_offset, min(len(data), p_offset + p_filesz)))
    return offsets


def mutate(rng, data, offsets):
    """``data`` with 1 to 8 changes at ``offsets``: a random byte, a telling value (0, all ones,
    the file size...) over 2, 4 or 8 bytes, or the file cut short."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        at = rng.choice(offsets)
        if at >= len(data) - 8:
            continue
        if kind < 0.5:
            data[at] = rng.randrange(256)
        elif kind < 0.8:
            width = rng.choice((2, 4, 8))
            value = rng.choice((0, 1, 0xFF, 0xFFFF, 0xFFFFFFFF, 1 << 40, (1 << 64) - 1,
                                len(data), len(data) - 1, rng.randrange(1 << 32)))
            data[at:at + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "little")
        else:
            del data[rng.randrange(1, len(data)):]
    return bytes(data)


def compile_c(source, output, *flags, cwd=None):
    src = str(output) + ".c"
    with open(src, "w") as handle:
        handle.write(source)
    result = subprocess.run(["gcc", "-O1", "-o", str(output), src, *flags], cwd=cwd,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, "gcc failed: %s" % result.stderr
    return str(output)


def kernel_errno(path, argv=None, cwd=None):
    """What execve(path) really does: the errno name, or None when the program started."""
    import errno

    try:
        proc = subprocess.Popen(argv or [path], executable=path, cwd=cwd,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    except OSError as error:
        return errno.errorcode[error.errno]
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return None
