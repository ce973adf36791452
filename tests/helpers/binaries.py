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
