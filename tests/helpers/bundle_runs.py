"""What the bundle tier's tests share: the users they run as, reading pyinit's reports."""

import json

# Every case runs as root and as a uid that owns nothing in the image.
USERS = {"root": (0, 0), "nobody": (65534, 65534)}
# JSON reports whatever stderr is (a file here, not a terminal, but say it).
JSON = {"PYINIT_REPORT_FORMAT": "json"}


def reports(stderr):
    """The JSON objects among stderr's lines (pyinit writes one per line)."""
    found = []
    for line in stderr.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            found.append(record)
    return found
