"""`python -m pyinit.bundle --output DIR [--tar FILE]`: write a self-contained pyinit.

Run it with the interpreter pyinit is installed in: that interpreter, its libraries and
glibc go into DIR. Exit codes: 0 written, 1 the bundle could not be made (one line naming
what and where), 2 bad usage.
"""

import argparse
import os
import sys

EXIT_FAILED = 1
EXIT_USAGE = 2


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m pyinit.bundle",
        description="Write a self-contained pyinit (interpreter, glibc, stdlib subset) into "
                    "DIR, for images without Python: run DIR/bin/pyinit.")
    parser.add_argument("--output", required=True, metavar="DIR",
                        help="directory to create (absent or empty), e.g. /opt/pyinit")
    parser.add_argument("--tar", metavar="FILE", help="also write DIR as a .tar.gz")
    parser.add_argument("--launcher", metavar="PATH",
                        help="the pyinit launcher to copy (default: the one installed with "
                             "this interpreter's pyinit)")
    parser.add_argument("--no-strip", dest="strip", action="store_false",
                        help="keep debug sections of the copied ELF files")
    return parser


def main(argv):
    from pyinit.bundle import tree
    from pyinit.bundle.stdlib import BundleError, os_error

    options = _parser().parse_args(argv)   # exits 2 with one usage line on bad input

    def log(text):
        sys.stderr.write("pyinit.bundle: %s\n" % text)

    try:
        layout = tree.build(options.output, launcher=options.launcher, strip=options.strip,
                            log=log)
        if options.tar:
            tree.write_tarball(layout.output, options.tar)
    except BundleError as error:
        log(str(error))
        return EXIT_FAILED
    except OSError as error:   # a write into DIR or the tarball failed (disk full, EROFS, ...)
        log("%s: %s" % (error.filename or options.output, os_error(error)))
        return EXIT_FAILED
    size = tree.disk_usage(layout.output)
    log("wrote %s (%.1f MB on disk) with Python %d.%d from %s"
        % (layout.output, size / 1e6, sys.version_info[0], sys.version_info[1],
           os.path.realpath(sys.executable)))
    if options.tar:
        log("wrote %s (%.1f MB)" % (options.tar, os.path.getsize(options.tar) / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
