"""What the bundle tier's tests share: the users they run as, the report format."""

# Every case runs as root and as a uid that owns nothing in the image.
USERS = {"root": (0, 0), "nobody": (65534, 65534)}
# JSON reports whatever stderr is (a file here, not a terminal, but say it).
JSON = {"PYINIT_REPORT_FORMAT": "json"}
