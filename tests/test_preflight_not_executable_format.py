"""Files the kernel refuses with ENOEXEC are not_executable_format (126), never a traceback."""

import struct

import pytest

from helpers import binaries
from pyinit import preflight


def _agrees(path, detail_part=None):
    record = preflight.check([str(path)], {})
    assert record is not None, "check passed %s but the kernel refuses it" % path
    assert record["cause"] == "not_executable_format", record
    assert record["errno"] == binaries.kernel_errno(str(path)) == "ENOEXEC"
    assert record["exit_code"] == 126
    if detail_part:
        assert detail_part in record["detail"], record["detail"]
    return record


def _script(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    path.chmod(0o755)
    return path


@pytest.mark.timeout(10)
def test_text_without_shebang(tmp_path):
    """A shell script without #! (execve semantics: no /bin/sh fallback)."""
    _agrees(_script(tmp_path, "noshebang", b"echo hello\n"), "neither ELF nor #!")


@pytest.mark.timeout(10)
def test_empty_file(tmp_path):
    """An empty executable file."""
    _agrees(_script(tmp_path, "empty", b""), "empty")


@pytest.mark.timeout(10)
def test_shebang_longer_than_the_kernel_buffer(tmp_path):
    """A #! interpreter path running past 256 bytes with no space: the kernel refuses a cut name."""
    _agrees(_script(tmp_path, "long", b"#!/" + b"x" * 300 + b"\n"), "longer than 256")


@pytest.mark.timeout(10)
def test_shebang_naming_nothing(tmp_path):
    """'#!' followed only by spaces (ENOEXEC), and by nothing (the kernel opens "": EACCES)."""
    _agrees(_script(tmp_path, "blank", b"#!   \n"), "names no interpreter")
    bare = _script(tmp_path, "bare", b"#!")
    record = preflight.check([str(bare)], {})
    assert record["cause"] == "bad_interpreter" and record["interpreter"] == ""
    assert record["errno"] == binaries.kernel_errno(str(bare)) == "EACCES"


@pytest.mark.timeout(10)
def test_truncated_elf_header(tmp_path):
    """/bin/true cut to 40 and to 200 bytes."""
    for size in (40, 200):
        prog = binaries.copy(binaries.TRUE, tmp_path / ("cut%d" % size))
        with open(prog, "r+b") as handle:
            handle.truncate(size)
        _agrees(prog)


@pytest.mark.timeout(10)
def test_absurd_phnum_and_bad_phentsize(tmp_path):
    """e_phnum 0xffff (table past 64 KiB and EOF) and a wrong e_phentsize."""
    prog = binaries.patch(binaries.copy(binaries.TRUE, tmp_path / "phnum"), 56, struct.pack("<H", 0xFFFF))
    _agrees(prog, "e_phnum")
    prog = binaries.patch(binaries.copy(binaries.TRUE, tmp_path / "phent"), 54, struct.pack("<H", 57))
    _agrees(prog, "e_phentsize")


@pytest.mark.timeout(10)
def test_program_headers_past_the_end_of_the_file(tmp_path):
    """e_phoff pointing past EOF."""
    prog = binaries.patch(binaries.copy(binaries.TRUE, tmp_path / "phoff"), 32, struct.pack("<Q", 1 << 40))
    _agrees(prog, "past the end")


@pytest.mark.timeout(10)
def test_pt_interp_without_its_nul(tmp_path):
    """PT_INTERP whose last byte is not NUL, and one with size 1."""
    prog = binaries.copy(binaries.PYTHON, tmp_path / "nonul")
    offset, size = binaries.interp_location(prog)
    binaries.patch(prog, offset + size - 1, b"X")
    _agrees(prog, "NUL")
    prog = binaries.copy(binaries.TRUE, tmp_path / "tiny")
    for _, p_type, _, _, header_at in binaries.program_headers(prog):
        if p_type == 3:
            binaries.patch(prog, header_at + 32, struct.pack("<Q", 1))
    _agrees(prog, "PT_INTERP size")


@pytest.mark.timeout(10)
def test_relocatable_object_is_not_an_executable(tmp_path):
    """A .o file (ET_REL) built by gcc -c."""
    obj = tmp_path / "x.o"
    (tmp_path / "x.c").write_text("int x(void) { return 1; }\n")
    import subprocess
    subprocess.run(["gcc", "-c", "-o", str(obj), str(tmp_path / "x.c")], check=True, timeout=60)
    obj.chmod(0o755)
    _agrees(obj, "ELF type 1")


@pytest.mark.timeout(10)
def test_truncated_body_is_truncated_file(tmp_path):
    """python3 cut to 1000 bytes: headers intact, so the kernel execs it and it crashes; we say truncated_file."""
    prog = binaries.copy(binaries.PYTHON, tmp_path / "cut")
    with open(prog, "r+b") as handle:
        handle.truncate(1000)
    record = preflight.check([prog], {})
    assert record["cause"] == "truncated_file" and record["size"] == 1000
    assert record["needed_size"] > 1000 and record["exit_code"] == 126


@pytest.mark.timeout(30)
def test_pt_interp_past_the_end_of_the_file_gets_the_kernels_errno(tmp_path):
    """PT_INTERP p_offset past EOF: the kernel's read comes up short (EIO) or refuses the
    position (EINVAL at 2**63 and beyond); the record carries the same errno, exit 126."""
    size = __import__("os").path.getsize(binaries.TRUE)
    _, interp_size = binaries.interp_location(binaries.TRUE)
    offsets = {"past": size + 100, "at_eof": size, "straddling": size - 10, "far": 1 << 40,
               "negative": 1 << 63, "all_ones": (1 << 64) - 1,
               "overflowing": (1 << 63) - interp_size, "just_fits": (1 << 63) - interp_size - 1}
    seen = set()
    for name, offset in offsets.items():
        prog = binaries.copy(binaries.TRUE, tmp_path / name)
        for _, p_type, _, _, header_at in binaries.program_headers(prog):
            if p_type == 3:
                binaries.patch(prog, header_at + 8, struct.pack("<Q", offset))
        kernel = binaries.kernel_errno(prog)
        record = preflight.check([prog], {})
        assert record["cause"] == "not_executable_format" and record["format"] == "elf", name
        assert record["errno"] == kernel, (name, record["errno"], kernel)
        assert record["exit_code"] == 126
        seen.add(kernel)
    assert seen == {"EIO", "EINVAL"}
