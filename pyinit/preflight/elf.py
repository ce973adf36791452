"""Read what the kernel and the dynamic loader need from an ELF file, and nothing more.

The file is untrusted (pyinit runs as PID 1 and reads whatever CMD points at), so every
read is bounded, every offset is checked against the file size, and malformed input
becomes a verdict string in ``problem``, never an exception. Parsing follows the kernel's
``load_elf_binary``: the kernel trusts ``e_machine`` and ignores ``EI_CLASS``/``EI_DATA``
(a 64-bit x86 binary with a patched class byte still runs), so ``kernel_view`` does too;
the dynamic loader is stricter, so ``library_verdict`` checks the identity bytes as well.
"""

from pyinit import lazy_os as os   # os itself costs ~1 ms per start: see lazy_os
import sys

HEAD_BYTES = 1024            # ELF header + program headers + PT_INTERP of almost every binary
MAX_PHDR_BYTES = 65536       # kernel: load_elf_phdrs refuses a larger table (ENOEXEC)
MAX_INTERP_BYTES = 4096      # kernel: PT_INTERP p_filesz must be in [2, PATH_MAX]
MAX_DYNAMIC_ENTRIES = 4096   # real binaries have < 100; bound the read, not the loader
MAX_NEEDED = 1024
MAX_STRING_BYTES = 4096      # a DT_NEEDED/DT_RUNPATH string longer than this is not a path
MAX_TOTAL_STRING_BYTES = 1 << 20
_LOFF_MAX = (1 << 63) - 1    # the largest file position (loff_t) the kernel reads at

ET_EXEC, ET_DYN = 2, 3
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_SONAME, DT_RPATH, DT_RUNPATH = 0, 1, 5, 10, 14, 15, 29

MACHINE_NAMES = {
    2: "sparc", 3: "i386", 8: "mips", 20: "powerpc", 21: "powerpc64", 22: "s390",
    40: "arm", 43: "sparc64", 50: "ia64", 62: "x86-64", 183: "aarch64", 243: "riscv",
    258: "loongarch",
}

# uname machine -> (bits, e_machine) the kernel runs natively, then compat ones it may run.
_HOST_MACHINES = {
    "x86_64": ((64, 62), (32, 3)),
    "aarch64": ((64, 183), (32, 40)),
    "aarch64_be": ((64, 183), (32, 40)),
    "armv7l": ((32, 40),), "armv8l": ((32, 40),), "armv6l": ((32, 40),),
    "i386": ((32, 3),), "i486": ((32, 3),), "i586": ((32, 3),), "i686": ((32, 3),),
    "ppc64le": ((64, 21),), "ppc64": ((64, 21), (32, 20)), "ppc": ((32, 20),),
    "s390x": ((64, 22), (32, 22)),
    "riscv64": ((64, 243),), "riscv32": ((32, 243),),
    "loongarch64": ((64, 258),),
}

_NATIVE = "<" if sys.byteorder == "little" else ">"


class _Record:
    """A packed run of native-endian integers, read like struct.Struct(...).unpack_from.

    ELF headers hold nothing else, and `import struct` would cost every start 0.2 ms.
    Codes as struct's: H (2 bytes), I (4), Q (8) unsigned; i (4), q (8) signed; no padding.
    """

    _WIDTHS = {"H": 2, "I": 4, "Q": 8, "i": 4, "q": 8}

    def __init__(self, codes, order=sys.byteorder):
        self._fields = []
        self.size = 0
        for code in codes:
            width = self._WIDTHS[code]
            self._fields.append((self.size, width, code.islower()))
            self.size += width
        self._order = order

    def unpack_from(self, buffer, offset=0):
        if offset < 0 or len(buffer) - offset < self.size:
            raise ValueError("need %d bytes at offset %d, have %d" % (self.size, offset, len(buffer)))
        order = self._order
        return tuple(int.from_bytes(buffer[offset + at:offset + at + width], order, signed=signed)
                     for at, width, signed in self._fields)


_EHDR = {64: _Record("HHIQQQIHHHHHH"), 32: _Record("HHIIIIIHHHHHH")}
_PHDR = {64: _Record("IIQQQQQQ"), 32: _Record("IIIIIIII")}
_DYN = {64: _Record("qQ"), 32: _Record("iI")}
_E_TYPE_MACHINE = _Record("HH")


def host_machines(machine=None):
    """(bits, e_machine) pairs this kernel can run, native first; empty when unknown."""
    if machine is None:
        machine = os.uname().machine
    return _HOST_MACHINES.get(machine, ())


def page_size():
    return os.sysconf("SC_PAGE_SIZE")


def machine_name(e_machine):
    return MACHINE_NAMES.get(e_machine, "e_machine %d" % e_machine)


class ElfInfo:
    """The facts one parse found; ``problem`` is None when the kernel would accept the headers."""

    __slots__ = ("bits", "e_type", "machine", "file_size", "interp", "loads", "dynamic",
                 "problem", "problem_errno", "ident_bits", "ident_little")

    def __init__(self):
        self.bits = 0
        self.e_type = 0
        self.machine = 0
        self.file_size = 0
        self.interp = None        # str path from PT_INTERP (surrogateescape-decoded)
        self.loads = []           # (p_vaddr, p_offset, p_filesz) for every PT_LOAD
        self.dynamic = None       # (p_offset, p_filesz) of PT_DYNAMIC
        self.problem = None       # why the kernel would refuse, or None
        self.problem_errno = "ENOEXEC"   # the errno execve gives for ``problem``
        self.ident_bits = 0       # what EI_CLASS claims (for naming foreign binaries)
        self.ident_little = True  # what EI_DATA claims

    @property
    def machine_name(self):
        return machine_name(self.machine)

    @property
    def needed_size(self):
        """The file size the PT_LOAD segments need (the end of the last one)."""
        return max((offset + size for _, offset, size in self.loads), default=0)

    @property
    def truncated(self):
        """A PT_LOAD reaching into a page wholly past EOF: the program faults when it touches it.

        The kernel maps whole pages, and the bytes of the page holding EOF that lie past it
        read as zeros: a file cut by a few bytes usually runs, and is not called truncated.
        """
        needed = self.needed_size
        if needed <= self.file_size:
            return False
        page = page_size()
        return -(-needed // page) > -(-self.file_size // page)


def is_elf(head):
    return head[:4] == b"\x7fELF"


def _pread(fd, size, offset):
    try:
        return os.pread(fd, size, offset)
    except (OSError, OverflowError, ValueError):
        return b""


def _identity(head, info):
    info.ident_bits = {1: 32, 2: 64}.get(head[4], 0) if len(head) > 4 else 0
    info.ident_little = (head[5] != 2) if len(head) > 5 else True


def _foreign_machine(head):
    """e_machine as the file's own EI_DATA says, to name a binary built for another CPU."""
    order = "big" if len(head) > 5 and head[5] == 2 else "little"
    return int.from_bytes(head[18:20], order)


def kernel_view(fd, head, file_size, machines=None):
    """Parse the headers the way the kernel's binfmt_elf does; return an ElfInfo.

    ``head`` holds the first bytes of the file (HEAD_BYTES is enough for almost every
    binary; more is read with pread, bounded). ``machines`` are host_machines().
    Sets ``problem`` to a short reason when the kernel would answer ENOEXEC, and leaves
    ``machine``/``bits`` set so the caller can tell a foreign architecture apart.
    """
    info = ElfInfo()
    info.file_size = file_size
    _identity(head, info)
    if len(head) < 20:
        info.problem = "file ends inside the ELF header"
        return info
    info.e_type, machine = _E_TYPE_MACHINE.unpack_from(head, 16)
    if machines is None:
        machines = host_machines()
    bits = 0
    for candidate_bits, candidate_machine in machines:
        if candidate_machine == machine:
            bits = candidate_bits
            break
    if not bits:
        if machines:
            info.machine = _foreign_machine(head)
            info.bits = info.ident_bits
            info.problem = "wrong architecture"
            return info
        bits = info.ident_bits or 64     # unknown host: trust the file, check nothing
    info.machine, info.bits = machine, bits
    if info.e_type not in (ET_EXEC, ET_DYN):
        info.problem = "ELF type %d is neither an executable nor a shared object" % info.e_type
        return info
    ehdr = _EHDR[bits]
    if len(head) < 16 + ehdr.size:
        info.problem = "file ends inside the ELF header"
        return info
    fields = ehdr.unpack_from(head, 16)
    phoff, phentsize, phnum = fields[4], fields[8], fields[9]
    phdr = _PHDR[bits]
    if phentsize != phdr.size:
        info.problem = "e_phentsize %d is not %d" % (phentsize, phdr.size)
        return info
    table_size = phentsize * phnum
    if table_size == 0 or table_size > MAX_PHDR_BYTES:
        info.problem = "e_phnum %d is out of range" % phnum
        return info
    if phoff + table_size > file_size:
        info.problem = "program headers end past the end of the file"
        return info
    if phoff + table_size <= len(head):
        table = head[phoff:phoff + table_size]
    else:
        table = _pread(fd, table_size, phoff)
        if len(table) != table_size:
            info.problem = "program headers could not be read"
            return info
    interp_at = None
    for index in range(phnum):
        entry = phdr.unpack_from(table, index * phentsize)
        if bits == 64:
            p_type, _, p_offset, p_vaddr, _, p_filesz = entry[:6]
        else:
            p_type, p_offset, p_vaddr, _, p_filesz = entry[:5]
        if p_type == PT_LOAD:
            info.loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == PT_INTERP and interp_at is None:
            interp_at = (p_offset, p_filesz)
        elif p_type == PT_DYNAMIC and info.dynamic is None:
            info.dynamic = (p_offset, p_filesz)
    if interp_at is not None:
        _read_interp(fd, head, info, *interp_at)
    return info


def _read_interp(fd, head, info, offset, size):
    if size < 2 or size > MAX_INTERP_BYTES:
        info.problem = "PT_INTERP size %d is out of range" % size
        return
    # The kernel reads PT_INTERP with kernel_read(): a position that is negative as a loff_t,
    # or overflows one, is EINVAL; a read that comes up short is EIO (fs/binfmt_elf.c elf_read).
    if offset + size > _LOFF_MAX:
        info.problem = "PT_INTERP offset %d is beyond any file position" % offset
        info.problem_errno = "EINVAL"
        return
    if offset + size > info.file_size:
        info.problem = "PT_INTERP points past the end of the file"
        info.problem_errno = "EIO"
        return
    raw = head[offset:offset + size] if offset + size <= len(head) else _pread(fd, size, offset)
    if len(raw) != size:
        info.problem = "PT_INTERP could not be read"
        info.problem_errno = "EIO"
    elif raw[-1] != 0:
        info.problem = "PT_INTERP is not NUL-terminated"
    else:
        # The kernel opens the string up to its first NUL.
        info.interp = os.fsdecode(raw[:raw.index(b"\0")])


def _offset_of(info, vaddr):
    """File offset of a virtual address, through the PT_LOAD that maps it from the file."""
    for p_vaddr, p_offset, p_filesz in info.loads:
        if p_vaddr <= vaddr < p_vaddr + p_filesz:
            return vaddr - p_vaddr + p_offset
    return None


class DynamicInfo:
    __slots__ = ("needed", "rpath", "runpath", "soname", "problem")

    def __init__(self):
        self.needed = []
        self.rpath = None      # str (colon-separated, as stored) or None
        self.runpath = None
        self.soname = None
        self.problem = None


def read_dynamic(fd, info):
    """DT_NEEDED, DT_RPATH, DT_RUNPATH and DT_SONAME of an ELF parsed by kernel_view."""
    dyn = DynamicInfo()
    if info.dynamic is None:
        return dyn
    offset, size = info.dynamic
    entry = _DYN[info.bits]
    count = min(size // entry.size, MAX_DYNAMIC_ENTRIES)
    if offset + count * entry.size > info.file_size:
        dyn.problem = "PT_DYNAMIC points past the end of the file"
        return dyn
    table = _pread(fd, count * entry.size, offset)
    strtab = strsz = None
    wanted = []    # (tag, string offset) in table order
    for index in range(len(table) // entry.size):
        tag, value = entry.unpack_from(table, index * entry.size)
        if tag == DT_NULL:
            break
        if tag == DT_STRTAB:
            strtab = value
        elif tag == DT_STRSZ:
            strsz = value
        elif tag in (DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME):
            wanted.append((tag, value))
    if not wanted:
        return dyn
    start = _offset_of(info, strtab) if strtab is not None else None
    if start is None:
        dyn.problem = "DT_STRTAB is not mapped from the file"
        return dyn
    budget = MAX_TOTAL_STRING_BYTES
    for tag, value in wanted:
        if strsz is not None and value >= strsz:
            dyn.problem = "a dynamic string offset is past DT_STRSZ"
            continue
        if tag == DT_NEEDED and len(dyn.needed) >= MAX_NEEDED:
            dyn.problem = "more than %d DT_NEEDED entries" % MAX_NEEDED
            continue
        if budget <= 0:
            dyn.problem = "dynamic strings too large"
            break
        raw = _pread(fd, min(MAX_STRING_BYTES, budget), start + value)
        budget -= len(raw)
        end = raw.find(b"\0")
        if end < 0:
            dyn.problem = "a dynamic string is not NUL-terminated"
            continue
        text = os.fsdecode(raw[:end])
        if tag == DT_NEEDED:
            dyn.needed.append(text)
        elif tag == DT_RPATH:
            dyn.rpath = text
        elif tag == DT_RUNPATH:
            dyn.runpath = text
        else:
            dyn.soname = text
    return dyn


def library_verdict(head, bits, machine):
    """Would the dynamic loader use this file as a library for a (bits, machine) program?

    None when it would; else (fatal, reason). glibc's ld.so (elf/dl-load.c open_verify)
    skips a file of the wrong class or machine and searches on (fatal False), but stops the
    whole program at one too short to hold an ELF header, without the ELF magic, or of the
    other byte order ("file too short", "invalid ELF header": fatal True). It checks the
    identity bytes the kernel ignores ("wrong ELF class: ELFCLASS32").
    """
    if not head:
        return True, "it is empty"
    if len(head) < _EHDR[bits].size + 16:
        return True, "it is only %d bytes, shorter than an ELF header" % len(head)
    if not is_elf(head):
        return True, "it is not an ELF file"
    if head[4] != (2 if bits == 64 else 1):
        return False, "it is a %s ELF file and the program is %d-bit" % (
            {1: "32-bit", 2: "64-bit"}.get(head[4], "class %d" % head[4]), bits)
    native_data = 1 if _NATIVE == "<" else 2
    if head[5] != native_data:
        return True, "it is %s and the program %s" % (
            "big-endian" if head[5] == 2 else "of byte order %d" % head[5],
            "little-endian" if native_data == 1 else "big-endian")
    library_machine = _E_TYPE_MACHINE.unpack_from(head, 16)[1]
    if library_machine != machine:
        return False, "it is built for %s and the program for %s" % (
            machine_name(library_machine), machine_name(machine))
    return None
