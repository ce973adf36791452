"""A cut ELF file: pyinit never refuses what the kernel would run; --check still calls it broken.

The kernel maps whole pages: bytes cut from the page that holds EOF read as zeros and the
program usually runs; a segment reaching into a page wholly past EOF faults when touched.
"""

import json
import os

import pytest

from helpers import binaries
from helpers.run import run_pid1, run_plain
from pyinit import preflight

PAGE = os.sysconf("SC_PAGE_SIZE")


def _last_load_end(path):
    return max(offset + size for _, p_type, offset, size, _ in binaries.program_headers(path)
               if p_type == 1)


def _cut(tmp_path, name, short_by):
    """/bin/true cut ``short_by`` bytes before the end of its last PT_LOAD."""
    prog = binaries.copy(binaries.TRUE, tmp_path / name)
    with open(prog, "r+b") as handle:
        handle.truncate(_last_load_end(prog) - short_by)
    return prog


def _past_the_eof_page(tmp_path, name="cut"):
    """/bin/true cut so that its last segment reaches one page past the page holding EOF."""
    end = _last_load_end(binaries.TRUE)
    return _cut(tmp_path, name, (end % PAGE) + 1)


def _records(stderr):
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


@pytest.mark.timeout(60)
def test_a_cut_within_the_eof_page_is_not_reported(pyinit, tmp_path):
    """Cut 1 and 8 bytes short: the kernel runs it, so neither a start nor --check says a word."""
    for short_by in (1, 8):
        prog = _cut(tmp_path, "cut%d" % short_by, short_by)
        assert binaries.kernel_errno(prog) is None
        assert preflight.check([prog], {}) is None
        assert preflight.preflight([prog], {}) == (None, prog)
        checked = run_plain(pyinit, ["--check", "--", prog])
        assert checked.returncode == 0 and checked.stderr == ""
        started = run_pid1(pyinit, ["--", prog])
        assert started.returncode == 0 and started.stderr == ""


@pytest.mark.timeout(60)
def test_a_cut_past_the_eof_page_is_fatal_in_check(pyinit, tmp_path):
    """--check: 126, truncated_file with the size, the size the segments need and the page size."""
    prog = _past_the_eof_page(tmp_path)
    result = run_plain(pyinit, ["--check", "--", prog])
    assert result.returncode == 126
    [record] = _records(result.stderr)
    assert record["event"] == "preflight_failed" and record["cause"] == "truncated_file"
    assert record["size"] == os.path.getsize(prog) and record["needed_size"] == _last_load_end(prog)
    assert record["page_size"] == PAGE and record["errno"] is None
    assert prog in record["hint"]


@pytest.mark.timeout(60)
def test_a_cut_past_the_eof_page_warns_and_starts(pyinit, tmp_path):
    """A normal start writes a preflight_warning with the same facts and runs the program anyway."""
    prog = _past_the_eof_page(tmp_path)
    result = run_pid1(pyinit, ["--", prog])
    # The kernel execs it and it dies touching the missing page: pyinit passes on 128+SIGSEGV.
    assert result.returncode == 128 + 11, result.stderr
    # The second record explains the exit: death by a signal is always explained.
    [record, ending] = _records(result.stderr)
    assert (ending["event"], ending["reason"], ending["signal"]) == ("exit", "signaled", "SIGSEGV")
    assert record["event"] == "preflight_warning" and record["cause"] == "truncated_file"
    assert record["needed_size"] == _last_load_end(prog) and "exit_code" not in record
    assert record["pid1"] is True and "started anyway" in record["hint"]


@pytest.mark.timeout(60)
def test_the_warning_follows_report_format_and_joins_the_trace(pyinit, tmp_path):
    """--report-format text writes it as text; with -v it is a timestamped record of the trace."""
    prog = _past_the_eof_page(tmp_path)
    text = run_pid1(pyinit, ["--report-format", "text", "--", prog])
    assert text.stderr.startswith("pyinit: preflight_warning: truncated_file"), text.stderr
    traced = run_pid1(pyinit, ["-v", "--report-format", "json", "--", prog])
    events = [json.loads(line) for line in traced.stderr.splitlines()]
    warning, = [r for r in events if r["event"] == "preflight_warning"]
    assert events[0]["event"] == "start" and "t" in warning


@pytest.mark.timeout(60)
def test_warning_goes_to_the_callback_and_the_path_is_returned(tmp_path):
    """preflight() hands the warning to ``warn`` and returns the path to execve."""
    prog = _past_the_eof_page(tmp_path)
    warnings = []
    assert preflight.preflight([prog], {}, warn=warnings.append) == (None, prog)
    [warning] = warnings
    assert warning["event"] == "preflight_warning" and warning["resolved"] == prog
