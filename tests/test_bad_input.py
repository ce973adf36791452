"""Bad input gets one clear line on stderr and exit 2, never a traceback."""

import pytest

from helpers.run import run_plain

BAD_INPUT = [
    [],
    ["--"],
    ["--bogus", "true"],
    ["-x", "true"],
    ["-p"],
    ["-p", "SIGNOPE", "true"],
    ["-p", "99", "true"],
    ["-e", "256", "true"],
    ["-e", "-1", "true"],
    ["-e", "abc", "true"],
    ["-e", "\u00b2", "true"],        # str.isdigit() says yes to a superscript two
    ["-e", "\u0663", "true"],        # and to an Arabic-Indic three
    ["-p", "\u00b2", "true"],
    ["-p", "--5", "true"],
    ["-r", "TERM", "true"],
    ["-r", "TERM:NOPE", "true"],
    ["-r", "KILL:TERM", "true"],
    ["--grace", "soon", "true"],
    ["--grace", "-1", "true"],
    ["--report-format", "xml", "true"],
    ["--check", "--doctor", "true"],
    ["--subreaper=yes", "true"],
    ["", "arg"],
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("args", BAD_INPUT, ids=lambda a: " ".join(a) or "<none>")
def test_bad_input_exits_2_with_one_line(pyinit, args):
    """Each bad command line ends with exit 2 and a single `pyinit: ...` line."""
    result = run_plain(pyinit, args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyinit: "), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.timeout(30)
@pytest.mark.parametrize("variable, value", [
    ("PYINIT_VERBOSITY", "lots"),
    ("PYINIT_GRACE", "forever"),
    ("PYINIT_REPORT_FORMAT", "yaml"),
])
def test_bad_environment_exits_2_naming_the_variable(pyinit, monkeypatch, variable, value):
    """A bad PYINIT_* value is named in the error as it was set: VARIABLE='value'."""
    monkeypatch.setenv(variable, value)
    result = run_plain(pyinit, ["true"])
    assert result.returncode == 2
    assert "%s=%r" % (variable, value) in result.stderr and "Traceback" not in result.stderr


@pytest.mark.timeout(30)
@pytest.mark.parametrize("flag, expected", [("--help", "usage: pyinit"), ("-h", "usage: pyinit"),
                                            ("--version", "pyinit 0."), ("-l", "license")])
def test_help_version_and_license_exit_0(pyinit, flag, expected):
    """-h, --version and -l print on stdout and exit 0."""
    result = run_plain(pyinit, [flag])
    assert result.returncode == 0 and expected in result.stdout


@pytest.mark.timeout(30)
def test_signal_names_and_numbers_are_accepted(pyinit):
    """-p accepts SIGTERM, TERM, term and 15 alike."""
    for spelling in ("SIGTERM", "TERM", "term", "15"):
        assert run_plain(pyinit, ["-s", "-p", spelling, "--", "true"]).returncode == 0


@pytest.mark.timeout(30)
def test_long_options_mean_what_the_short_ones_do():
    """Every long form parses to the same configuration as its short form."""
    from pyinit import cli

    short = ["-s", "-p", "TERM", "-v", "-w", "-g", "-e", "3", "-r", "USR1:0", "--", "true"]
    long = ["--subreaper", "--pdeathsig", "TERM", "--verbose", "--warn-on-reap", "--pgroup",
            "--remap-exit=3", "--rewrite", "USR1:0", "--", "true"]
    assert repr(cli.parse(long, {})) == repr(cli.parse(short, {}))
    with pytest.raises(cli.Exit) as shown:
        cli.parse(["--license"], {})
    assert "license" in shown.value.text
