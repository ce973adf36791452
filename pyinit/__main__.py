"""Entry points: `python -m pyinit` and the compiled `pyinit` launcher."""

import sys


def _parse_state(text):
    """--pyinit-state=MASK:IGNORED (hex), written by the launcher before it blocked anything."""
    mask, _, ignored = text[len("--pyinit-state="):].partition(":")
    return int(mask, 16), int(ignored, 16)


def launched():
    """Run from the launcher: sys.argv is ['-c', '--pyinit-state=...', ARGS...]."""
    from pyinit.supervisor import main

    main(sys.argv[2:], inherited=_parse_state(sys.argv[1]))


if __name__ == "__main__":
    from pyinit.supervisor import main

    # No launcher: signals were not blocked while the interpreter started (see README).
    main(sys.argv[1:], inherited=None)
