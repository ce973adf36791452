"""Mutated real binaries and random #! lines never make the checker raise, hang or read without bound."""

import os
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import binaries
from pyinit import preflight
from pyinit.preflight import elf, shebang

SEED = 20240603


@pytest.mark.timeout(120)
def test_mutated_binaries_never_raise(tmp_path):
    """3000 mutations of /bin/true and of the loader: _preflight(deep) returns a record or None, fast."""
    rng = random.Random(SEED)
    sources = [open(binaries.TRUE, "rb").read(), open("/lib64/ld-linux-x86-64.so.2", "rb").read()]
    path = str(tmp_path / "mutant")
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(tmp_path)}
    worst = 0.0
    causes = {}
    deadline = time.monotonic() + 60
    count = 0
    while count < 3000 and time.monotonic() < deadline:
        source = sources[count % 2]
        mutant = binaries.mutate(rng, source, binaries.interesting_offsets(source))
        with open(path, "wb") as handle:
            handle.write(mutant)
        os.chmod(path, 0o755)
        start = time.perf_counter()
        record, _ = preflight._preflight([path], env, True)   # not preflight(): it hides bugs
        worst = max(worst, time.perf_counter() - start)
        cause = record["cause"] if record else None
        causes[cause] = causes.get(cause, 0) + 1
        with open(path, "rb") as handle:
            head = handle.read(elf.HEAD_BYTES)
            info = elf.kernel_view(handle.fileno(), head, len(mutant))
            if not info.problem:
                elf.read_dynamic(handle.fileno(), info)
        count += 1
    print("mutants %d, causes %s, slowest %.1f ms" % (count, causes, worst * 1e3))
    assert count >= 2000, "only %d mutants in the time bound" % count
    assert worst < 2.0
    assert len(causes) >= 3


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=400))
def test_shebang_parser_takes_any_bytes(line):
    """shebang.parse accepts any bytes after '#!' and yields an interpreter or a problem."""
    found = shebang.parse(b"#!" + line)
    assert (found.interpreter is None) != (found.problem is None)
    if found.interpreter is not None:
        assert "\0" not in found.interpreter
        shebang.env_target(found)


@pytest.mark.timeout(120)
@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300), st.sampled_from([b"#!", b"\x7fELF", b"\x7fELF\x02\x01\x01", b""]))
def test_random_files_never_raise(tmp_path_factory, body, prefix):
    """Random files with ELF or #! prefixes: _check_file returns a record or None."""
    directory = tmp_path_factory.getbasetemp()
    path = str(directory / "random-target")
    with open(path, "wb") as handle:
        handle.write(prefix + body)
    os.chmod(path, 0o755)
    record = preflight._check_file(path, [path], {"PATH": "/usr/bin"}, True, 0)
    assert record is None or record["cause"] in preflight.CAUSES
