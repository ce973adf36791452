"""Command line and environment -> Config (the one frozen object that says what this run
should do, read by pyinit.supervisor), or a one-line usage error (exit 2).

tini's flags where tini has them, their long forms, dumb-init's --rewrite, and pyinit's own
(--grace, --check, --doctor, --report-format). Hand-rolled rather than argparse: argparse costs
a few milliseconds on every start of every container.
"""

EXIT_USAGE = 2
DEFAULT_GRACE_SECONDS = 3.0

# Each variable sits beside the flag it mirrors; TINI_* are accepted for drop-in use.
ENV_SUBREAPER = ("PYINIT_SUBREAPER", "TINI_SUBREAPER")              # -s
ENV_KILL_PROCESS_GROUP = ("PYINIT_KILL_PROCESS_GROUP", "TINI_KILL_PROCESS_GROUP")  # -g
ENV_VERBOSITY = ("PYINIT_VERBOSITY", "TINI_VERBOSITY")              # -v
ENV_GRACE = ("PYINIT_GRACE",)                                       # --grace
ENV_REPORT_FORMAT = ("PYINIT_REPORT_FORMAT",)                       # --report-format
ENV_TIMEOUT = ("PYINIT_TIMEOUT",)                                   # --timeout
ENV_STOP_REPORT_AFTER = ("PYINIT_STOP_REPORT_AFTER",)               # --stop-report-after
ENV_TERMINATION_LOG = "PYINIT_TERMINATION_LOG"                      # --termination-log ('' = off)
DEFAULT_STOP_REPORT_AFTER = 5.0


# A plain class with __slots__: dataclasses would cost an import of `inspect` on every start.
class Config:
    __slots__ = (
        "command",          # list[str]: CMD and its arguments
        "subreaper",        # -s / PYINIT_SUBREAPER
        "pdeathsig",        # -p: signal number, or 0
        "verbosity",        # -v count / PYINIT_VERBOSITY
        "warn_on_reap",     # -w
        "pgroup",           # -g / PYINIT_KILL_PROCESS_GROUP: forward to the child's group
        "remap_exit",       # -e: frozenset of exit codes reported as 0
        "rewrite",          # -r: {received: sent}, 0 drops
        "grace",            # --grace seconds (float) / PYINIT_GRACE
        "report_format",    # "json" | "text"
        "mode",             # "run" | "check" | "doctor" | "events"
        "timeout",          # --timeout seconds (float) / PYINIT_TIMEOUT; 0 none
        "stop_report_after",  # --stop-report-after seconds / PYINIT_STOP_REPORT_AFTER; 0 off
        "termination_log",  # --termination-log / PYINIT_TERMINATION_LOG: None default, '' off
        "events_pid",       # --events PID, or None for "find it"
        "warnings",         # False with PYINIT_VERBOSITY=0 / TINI_VERBOSITY=0: warnings silenced
    )

    def __init__(self, **values):
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name, value):
        raise AttributeError("Config is frozen")

    def __repr__(self):
        return "Config(%s)" % ", ".join("%s=%r" % (n, getattr(self, n)) for n in self.__slots__)


USAGE = """\
usage: pyinit [OPTIONS] [--] CMD [ARGS...]
       pyinit --check [--report-format FMT] -- CMD [ARGS...]
       pyinit --doctor [--report-format FMT] [-- CMD [ARGS...]]
       pyinit [--report-format FMT] --events [PID]

Runs CMD as its child, forwards every signal to it, reaps zombies and exits with CMD's
status (128+N when CMD was killed by signal N).

options:
  -s, --subreaper          become a child subreaper when not PID 1 (env PYINIT_SUBREAPER=1)
  -p, --pdeathsig SIG      signal pyinit gets when its parent dies (forwarded to CMD)
  -v, --verbose            trace signals, forwards, reaps and exit as JSON lines on stderr
                           (repeatable; env PYINIT_VERBOSITY=N; N=0 silences warnings)
  -w, --warn-on-reap       warn about every reaped zombie that is not CMD
  -g, --pgroup             forward signals to CMD's process group (env PYINIT_KILL_PROCESS_GROUP=1)
  -e, --remap-exit CODE    report CMD's exit code CODE as 0 (repeatable)
  -r, --rewrite FROM:TO    forward signal FROM as TO; TO=0 drops it (repeatable)
      --grace SECONDS      after CMD exits, give the processes left SECONDS between SIGTERM
                           and SIGKILL (default 3; 0 exits at once, as tini; env PYINIT_GRACE)
      --timeout SECONDS    after SECONDS, stop CMD as a SIGTERM from outside would (then
                           SIGKILL after --grace) and exit 124 (env PYINIT_TIMEOUT; 0 none)
      --stop-report-after SECONDS
                           when CMD is still alive SECONDS after a TERM/INT/QUIT (or an
                           unhandled HUP/USR1/USR2) was forwarded, report why (default 5;
                           0 off; env PYINIT_STOP_REPORT_AFTER)
      --termination-log PATH
                           write the final report there (default /dev/termination-log when
                           it is writable; '' off; env PYINIT_TERMINATION_LOG)
      --events [PID]       print the flight recorder of the pyinit PID (default: PID 1, else
                           the only one visible): signals, forwards, reaps, exits
      --check              only validate that CMD would start: exit 0, 126 or 127 (3: the
                           check could not finish)
      --doctor             report on this PID namespace, mounts, credentials and limits
      --report-format FMT  json or text (default: text on a terminal, else json;
                           env PYINIT_REPORT_FORMAT)
  -l, --license            show the license and exit
  -h, --help               show this help and exit
  -V, --version            show the version and exit

exit codes: CMD's own; 128+N when CMD died of signal N; 2 bad usage; 1 pyinit itself failed;
126 CMD found but cannot be executed; 127 nothing to run (not found, missing loader);
124 --timeout ended CMD; 3 --check could not finish, or --events cannot read the history
(no pyinit, no /proc, not allowed).
"""

# What -l prints (as tini's -l prints its license). The one place the text lives in the
# package; the LICENSE file of the source tree carries the same words.
LICENSE = """\
MIT License

Copyright (c) 2026 the pyinit authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


class UsageError(Exception):
    """Bad input on the command line or in the environment: one line, exit 2."""


class Exit(Exception):
    """--help, --version, --license: print `text` on stdout and exit 0."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def _env(env, names):
    for name in names:
        value = env.get(name)
        if value is not None and value != "":
            return name, value
    return None, None


def _env_flag(env, names):
    """How the on/off variables are read. PYINIT_*: unset or empty is off; 0, false, no
    and off (any case) are off; anything else is on. TINI_*: on when set at all, even
    empty or 0, as tini reads them (getenv() != NULL). A non-empty PYINIT_* decides over
    its TINI_* twin."""
    for name in names:
        value = env.get(name)
        if value is None:
            continue
        if name.startswith("TINI_"):
            return True
        if value != "":
            return value.lower() not in ("0", "false", "no", "off")
    return False


# Longest value an option or number variable may have: anything longer is a mistake, and
# is shown shortened (int() of thousands of digits would even raise).
MAX_VALUE_CHARS = 64


def _shown(text):
    """The value as a usage error quotes it: repr, cut to a readable length."""
    if len(text) <= 40:
        return repr(text)
    return "%r... (%d characters)" % (text[:32], len(text))


def _parse_exit_code(text):
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > 3 or not 0 <= int(text) <= 255:
        raise UsageError("exit code %s for -e is not a number from 0 to 255" % _shown(text))
    return int(text)


def _parse_rewrite(text):
    source, sep, target = text.partition(":")
    if not sep:
        raise UsageError("--rewrite %s: expected FROM:TO, e.g. TERM:QUIT or 15:0" % _shown(text))
    from pyinit import signames   # only for -r/-p: a plain start names no signal
    try:
        received = signames.parse(source)
        sent = signames.parse(target, allow_zero=True)
    except ValueError as error:
        raise UsageError("--rewrite %s: %s" % (_shown(text), error)) from None
    if received in (9, 19):
        raise UsageError("--rewrite %s: %s never reaches pyinit" % (_shown(text), signames.name(received)))
    if received == 17:
        raise UsageError("--rewrite %s: SIGCHLD is how pyinit learns of exits; it is not forwarded" % _shown(text))
    return received, sent


def _spelled(origin, text):
    """How the user wrote it: `--grace '5'` for a flag, `PYINIT_GRACE='5'` for a variable."""
    return "%s%s" % (origin, _shown(text)) if origin.endswith("=") else "%s %s" % (origin, _shown(text))


def _parse_grace(text, origin):
    if len(text) > MAX_VALUE_CHARS:
        raise UsageError("%s is not a number of seconds from 0 to 86400" % _spelled(origin, text))
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400 or seconds != seconds:
        raise UsageError("%s is not a number of seconds from 0 to 86400" % _spelled(origin, text))
    return seconds


def _parse_seconds(text, origin, limit=86400 * 366):
    """A number of seconds for --timeout and --stop-report-after; 0 turns the feature off."""
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= limit or seconds != seconds:
        raise UsageError("%s is not a number of seconds from 0 to %d" % (_spelled(origin, text), limit))
    return seconds


def _parse_pid(text):
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 1 << 22:
        raise UsageError("--events %r: expected a process id (a positive whole number)" % text)
    return int(text)


def _parse_format(text, origin):
    value = text.strip().lower()
    if value not in ("json", "text"):
        raise UsageError("%s: expected json or text" % _spelled(origin, text))
    return value


# option -> (canonical name, takes a value)
_OPTIONS = {
    "-s": ("subreaper", False), "--subreaper": ("subreaper", False),
    "-p": ("pdeathsig", True), "--pdeathsig": ("pdeathsig", True),
    "-v": ("verbose", False), "--verbose": ("verbose", False),
    "-w": ("warn_on_reap", False), "--warn-on-reap": ("warn_on_reap", False),
    "-g": ("pgroup", False), "--pgroup": ("pgroup", False),
    "-e": ("remap_exit", True), "--remap-exit": ("remap_exit", True),
    "-r": ("rewrite", True), "--rewrite": ("rewrite", True),
    "--grace": ("grace", True),
    "--timeout": ("timeout", True),
    "--stop-report-after": ("stop_report_after", True),
    "--termination-log": ("termination_log", True),
    "--events": ("events", False),
    "--check": ("check", False),
    "--doctor": ("doctor", False),
    "--report-format": ("report_format", True),
    "-l": ("license", False), "--license": ("license", False),
    "-h": ("help", False), "--help": ("help", False),
    "-V": ("version", False), "--version": ("version", False),
}


# Options whose value is a number or a signal: longer than MAX_VALUE_CHARS is a mistake.
# (Paths, such as --termination-log's, may be long.)
_SHORT_VALUES = frozenset(("remap_exit", "grace", "pdeathsig", "rewrite", "timeout",
                           "stop_report_after"))


def _check_length(name, spelled, value):
    if name in _SHORT_VALUES and len(value) > MAX_VALUE_CHARS:
        raise UsageError("option %s: the value %s is too long to be one" % (spelled, _shown(value)))


def _split_options(args):
    """Yield (name, value, spelled) for each option; return the command that follows."""
    found = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            return found, args[i + 1:]
        if not arg.startswith("-") or arg == "-":
            return found, args[i:]
        if arg.startswith("--"):
            spelled, eq, inline = arg.partition("=")
            if spelled not in _OPTIONS:
                raise UsageError("unknown option %s (see pyinit --help)" % spelled)
            name, takes_value = _OPTIONS[spelled]
            if takes_value and not eq:
                i += 1
                if i >= len(args):
                    raise UsageError("option %s needs a value" % spelled)
                inline = args[i]
            elif eq and not takes_value:
                raise UsageError("option %s takes no value" % spelled)
            if takes_value:
                _check_length(name, spelled, inline)
            found.append((name, inline if takes_value else None, spelled))
        else:
            # Short options cluster (-vvv, -sg) and take a value attached or next (-pTERM, -p TERM).
            j = 1
            while j < len(arg):
                spelled = "-" + arg[j]
                if spelled not in _OPTIONS:
                    raise UsageError("unknown option %s (see pyinit --help)" % spelled)
                name, takes_value = _OPTIONS[spelled]
                if takes_value:
                    value = arg[j + 1:]
                    if not value:
                        i += 1
                        if i >= len(args):
                            raise UsageError("option %s needs a value" % spelled)
                        value = args[i]
                    _check_length(name, spelled, value)
                    found.append((name, value, spelled))
                    break
                found.append((name, None, spelled))
                j += 1
        i += 1
    return found, []


def parse(args, env):
    """Return a Config for these arguments (without argv[0]) and this environment."""
    options, command = _split_options(list(args))
    values = {
        "subreaper": _env_flag(env, ENV_SUBREAPER),
        "pgroup": _env_flag(env, ENV_KILL_PROCESS_GROUP),
        "pdeathsig": 0,
        "verbosity": 0,
        "warn_on_reap": False,
        "remap_exit": set(),
        "rewrite": {},
        "grace": DEFAULT_GRACE_SECONDS,
        "report_format": None,
        "mode": "run",
        "timeout": 0.0,
        "stop_report_after": DEFAULT_STOP_REPORT_AFTER,
        "termination_log": env.get(ENV_TERMINATION_LOG),
        "events_pid": None,
        "warnings": True,
    }
    name, raw = _env(env, ENV_VERBOSITY)
    if name:
        if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > 3:
            raise UsageError("%s=%s is not a whole number from 0 to 999" % (name, _shown(raw)))
        values["verbosity"] = int(raw)
        # Level 0 set on purpose silences warnings, as tini's does; failures still show.
        values["warnings"] = values["verbosity"] > 0
    for variables, key, parse in ((ENV_GRACE, "grace", _parse_grace),
                                  (ENV_REPORT_FORMAT, "report_format", _parse_format),
                                  (ENV_TIMEOUT, "timeout", _parse_seconds),
                                  (ENV_STOP_REPORT_AFTER, "stop_report_after", _parse_seconds)):
        name, raw = _env(env, variables)
        if name:
            values[key] = parse(raw, name + "=")

    for option, value, spelled in options:
        if option == "help":
            raise Exit(USAGE)
        if option == "version":
            from pyinit import __version__
            raise Exit("pyinit %s\n" % __version__)
        if option == "license":
            raise Exit(LICENSE)
        if option in ("subreaper", "pgroup", "warn_on_reap"):
            values[option] = True
        elif option == "verbose":
            values["verbosity"] += 1
            values["warnings"] = True
        elif option == "pdeathsig":
            try:
                from pyinit import signames
                values["pdeathsig"] = signames.parse(value)
            except ValueError as error:
                raise UsageError("%s: %s" % (spelled, error)) from None
        elif option == "remap_exit":
            values["remap_exit"].add(_parse_exit_code(value))
        elif option == "rewrite":
            received, sent = _parse_rewrite(value)
            values["rewrite"][received] = sent
        elif option == "grace":
            values["grace"] = _parse_grace(value, spelled)
        elif option == "report_format":
            values["report_format"] = _parse_format(value, spelled)
        elif option in ("timeout", "stop_report_after"):
            values[option] = _parse_seconds(value, spelled)
        elif option == "termination_log":
            values["termination_log"] = value
        elif option in ("check", "doctor", "events"):
            if values["mode"] != "run" and values["mode"] != option:
                raise UsageError("--check, --doctor and --events cannot be combined")
            values["mode"] = option

    if values["mode"] == "events":
        # The one word after --events, if any, is the pid whose history to print.
        if len(command) > 1:
            raise UsageError("--events takes at most one PID, got %r" % " ".join(command))
        values["events_pid"] = _parse_pid(command[0]) if command else None
        command = []
    elif not command and values["mode"] != "doctor":
        raise UsageError("no command given: usage: pyinit [OPTIONS] [--] CMD [ARGS...]")
    if command and command[0] == "":
        raise UsageError("the command is an empty string")
    values["command"] = command
    values["remap_exit"] = frozenset(values["remap_exit"])
    return Config(**values)
