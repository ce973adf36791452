"""`python -m pyinit`: the same as the `pyinit` command, without the launcher.

Without the launcher, signals are not blocked while the interpreter starts (see README); the
launcher itself enters through pyinit.supervisor.launched.
"""

import sys

if __name__ == "__main__":
    from pyinit.supervisor import main

    main(sys.argv[1:], inherited=None)
