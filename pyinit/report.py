"""Structured lines on stderr: failure reports, warnings and --verbose events.

Every record is a flat dict; it is written as one JSON object on one line (the default
when stderr is not a terminal) or as readable ``key: value`` text (``--report-format text``,
the default on a terminal). Data first, text second: the text form shows the same facts.
"""

import os
import sys

FORMATS = ("json", "text")
_TEXT_FIRST = ("event", "cause", "message", "hint")


def default_format(env=None):
    """PYINIT_REPORT_FORMAT if valid, else text for a terminal and json for a pipe or file."""
    env = os.environ if env is None else env
    chosen = env.get("PYINIT_REPORT_FORMAT", "").strip().lower()
    if chosen in FORMATS:
        return chosen
    try:
        return "text" if os.isatty(2) else "json"
    except OSError:
        return "json"


def process_facts():
    """The fields every report carries: who we are and whether we are a namespace's init."""
    pid = os.getpid()
    return {"pid": pid, "pid1": pid == 1, "uid": os.geteuid(), "gid": os.getegid()}


def _valid_text(value):
    """``value`` with every string made valid Unicode, in lists and dicts too.

    A file name that is not UTF-8 decodes (os.fsdecode) to lone surrogates such as
    "\\udcfe", which strict JSON parsers reject; it is shown as its original bytes, "\\xfe".
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            try:
                return os.fsencode(value).decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:   # a surrogate that no undecodable byte produced
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_valid_text(key): _valid_text(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_valid_text(item) for item in value]
    return value


def format_json(record):
    import json  # lazily: json is not needed on a start that reports nothing

    return json.dumps(_valid_text(record), separators=(", ", ": "), default=str)


# Shown as escapes in the text format: C0 and C1 controls and DEL (a \r hidden in a #! line,
# a \n that would forge a report line, ESC and CSI that would drive the terminal), and
# the Unicode line separators and bidirectional overrides that reorder what is shown.
_CONTROLS = set(range(0x20)) | set(range(0x7F, 0xA0)) | {0x2028, 0x2029} \
    | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"}


def _escaped(value):
    """``value`` with every control character of every string written as an escape
    (\\r, \\n, \\x1b, \\u2028): text reports show file names and #! lines that
    anyone may have written."""
    if isinstance(value, str):
        if not any(ord(c) in _CONTROLS for c in value):
            return value
        return "".join(_ESCAPES.get(ord(c)) or ("\\x%02x" % ord(c) if ord(c) < 0x100
                                                else "\\u%04x" % ord(c))
                       if ord(c) in _CONTROLS else c for c in value)
    if isinstance(value, dict):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escaped(item) for item in value]
    return value


def format_text(record):
    record = _escaped(_valid_text(record))
    head = [k for k in _TEXT_FIRST if k in record]
    lines = []
    title = record.get("event", "pyinit")
    lines.append("pyinit: %s%s" % (title, (": " + str(record["cause"])) if "cause" in record else ""))
    for key in head:
        if key in ("event", "cause"):
            continue
        lines.append("  %s: %s" % (key, record[key]))
    for key, value in record.items():
        if key in _TEXT_FIRST:
            continue
        lines.append("  %s: %s" % (key, _text_value(value)))
    return "\n".join(lines)


def _text_value(value):
    """A field as a person reads it: a list space-separated, a dict as 'key: value' pairs,
    a list of dicts (also_tried) one entry after another, separated by ';'."""
    if isinstance(value, dict):
        return ", ".join("%s: %s" % (key, _text_value(item)) for key, item in value.items()) or "(none)"
    if isinstance(value, (list, tuple)):
        if not value:
            return "(none)"
        if any(isinstance(item, (dict, list, tuple)) for item in value):
            return "; ".join(_text_value(item) for item in value)
        return " ".join(str(item) for item in value)
    return str(value)


def render(record, fmt=None):
    fmt = fmt or default_format()
    return format_text(record) if fmt == "text" else format_json(record)


def write(record, fmt=None, stream=None):
    """Write one record to stderr, never raising: a report must not become a traceback.

    Returns False when the stream refused it (a closed pipe, a full disk).
    """
    stream = sys.stderr if stream is None else stream
    try:
        stream.write(render(record, fmt) + "\n")
        stream.flush()
    except (OSError, ValueError):
        return False
    return True
