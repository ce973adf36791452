"""Copy a dynamically linked ELF binary and point its PT_INTERP at a loader that does not exist.

This is the classic "exec format / no such file" trap in slim images: the binary is there and
executable, but the kernel cannot find its ELF interpreter (e.g. a glibc binary on musl), so
execve fails with ENOENT naming a file that plainly exists.
"""

import shutil
import struct

PT_INTERP = 3
ELFCLASS32, ELFCLASS64 = 1, 2


def interpreter_segment(data):
    """(offset, size) of the PT_INTERP string in an ELF image; ValueError if it has none."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    elf_class, endian_tag = data[4], data[5]
    endian = "<" if endian_tag == 1 else ">"
    if elf_class == ELFCLASS64:
        phoff = struct.unpack_from(endian + "Q", data, 0x20)[0]
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x36)
        layout, type_at, offset_at, size_at = "IIQQQQQQ", 0, 2, 5
    elif elf_class == ELFCLASS32:
        phoff = struct.unpack_from(endian + "I", data, 0x1C)[0]
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 0x2A)
        layout, type_at, offset_at, size_at = "IIIIIIII", 0, 1, 4
    else:
        raise ValueError("unknown ELF class %d" % elf_class)
    for index in range(phnum):
        fields = struct.unpack_from(endian + layout, data, phoff + index * phentsize)
        if fields[type_at] == PT_INTERP:
            return fields[offset_at], fields[size_at]
    raise ValueError("no PT_INTERP: statically linked")


def copy_with_interpreter(source, destination, interpreter):
    """Copy SOURCE to DESTINATION (mode kept) with its ELF interpreter path replaced."""
    data = bytearray(open(source, "rb").read())
    offset, size = interpreter_segment(data)
    new = interpreter.encode() + b"\0"
    if len(new) > size:
        raise ValueError("%s is longer than the %d bytes of %s's PT_INTERP" % (interpreter, size - 1, source))
    data[offset:offset + size] = new.ljust(size, b"\0")
    with open(destination, "wb") as out:
        out.write(data)
    shutil.copymode(source, destination)
    return destination
