"""Root filesystems that hold only what the test put in: what pyinit's bundle meets in the wild.

  scratch     a static program and nothing else (FROM scratch + a Go binary)
  busybox     busybox-static and its applets (FROM busybox)
  musl        musl's loader and musl-linked programs (FROM alpine)
  distroless  glibc's loader and libraries, glibc-linked programs, no shell (distroless/base)

Every image has, under /app:
  probe          tests/helpers/image_probe.c, built for the image (static, musl or glibc)
  foreign        a probe built for the other C library: its loader is not in the image
  needs-gone     (musl, distroless) a probe linked against libpyinitgone.so, which is absent
  crlf.sh        a script whose #! line ends in \\r
  migrate        (distroless) the probe again, as docker/k8s's initContainer example names it
and the mount points the container bundle uses. Built once per session from the host's
compilers (gcc, musl-gcc from musl-tools) and packages (busybox-static).
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

from helpers import debian

IMAGES = ("scratch", "busybox", "musl", "distroless")
# Made in advance: runc would otherwise create them in the (shared) image directory.
MOUNT_POINTS = ("proc", "dev", "sys", "tmp", "markers", "opt/pyinit", "pyinit", "host-glibc")
BUSYBOX_APPLETS = ("sh", "cat", "ls", "sleep", "env", "true", "kill", "ps", "echo")
PROBE_SOURCE = Path(__file__).with_name("image_probe.c")
_LIST_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(/\S+)\s+\(0x[0-9a-f]+\)")
_LOADER_LINE = re.compile(r"^\s*(/\S+)\s+(?:=>\s+\S+\s+)?\(0x[0-9a-f]+\)")


def _run(command, cwd=None):
    done = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError("`%s` exited %d: %s" % (" ".join(map(str, command)), done.returncode,
                                                   done.stderr.strip()[-2000:]))
    return done.stdout


class Programs:
    """The probe and its companions, built for each C library into one directory."""

    def __init__(self, directory):
        debian.ensure_packages("gcc", "libc6-dev", "musl-tools", "busybox-static")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        gone = self.dir / "gone.c"
        gone.write_text("int pyinit_gone(void) { return 0; }\n")
        caller = self.dir / "needs_gone.c"
        caller.write_text("int pyinit_gone(void);\nint main(void) { return pyinit_gone(); }\n")
        flags = ["-O2", "-Wall"]
        _run(["gcc", *flags, "-static", "-o", self.dir / "probe-static", PROBE_SOURCE])
        _run(["gcc", *flags, "-o", self.dir / "probe-glibc", PROBE_SOURCE])
        _run(["musl-gcc", *flags, "-o", self.dir / "probe-musl", PROBE_SOURCE])
        for cc, libc in (("gcc", "glibc"), ("musl-gcc", "musl")):
            libdir = self.dir / ("gone-" + libc)
            libdir.mkdir(exist_ok=True)
            _run([cc, "-shared", "-fPIC", "-o", libdir / "libpyinitgone.so", gone])
            _run([cc, *flags, "-o", self.dir / ("needs-gone-" + libc), caller,
                  "-L", libdir, "-lpyinitgone"])

    def path(self, name):
        return self.dir / name

    @property
    def glibc_loader(self):
        """The loader glibc programs name (PT_INTERP): /lib64/ld-linux-x86-64.so.2 on x86-64."""
        return loader_of(self.path("probe-glibc"))

    @property
    def musl_loader(self):
        """The loader musl programs name: /lib/ld-musl-x86_64.so.1 on x86-64."""
        return loader_of(self.path("probe-musl"))

    def missing_loader(self, image):
        """The loader /app/foreign names, which IMAGE lacks."""
        return self.musl_loader if image == "distroless" else self.glibc_loader


def loader_of(program):
    """PT_INTERP of an ELF program, read the way pyinit reads it."""
    from pyinit.preflight import elf
    with open(program, "rb") as handle:
        fd = handle.fileno()
        info = elf.kernel_view(fd, os.pread(fd, elf.HEAD_BYTES, 0), os.fstat(fd).st_size)
    if not info.interp:
        raise RuntimeError("%s has no PT_INTERP" % program)
    return info.interp


def glibc_files(*programs):
    """{path in the image: host file} of the loader and libraries glibc programs need."""
    files = {}
    for program in programs:
        listing = _run(["ldd", str(program)])
        for line in listing.splitlines():
            library = _LIST_LINE.match(line)
            if library:
                files[library.group(2)] = os.path.realpath(library.group(2))
                continue
            loader = _LOADER_LINE.match(line)
            if loader:
                files[loader.group(1)] = os.path.realpath(loader.group(1))
    return files


def _put(root, inside, source, mode=0o755):
    target = root / inside.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    os.chmod(target, mode)


def build(name, root, programs, extra_files=None):
    """Make image NAME under ROOT (a fresh directory); returns ROOT.

    extra_files ({path in the image: host file}) go into the distroless image only."""
    root = Path(root)
    root.mkdir(parents=True)
    for point in MOUNT_POINTS:
        (root / point).mkdir(parents=True, exist_ok=True)
    app = root / "app"
    app.mkdir()
    crlf = app / "crlf.sh"
    crlf.write_bytes(b"#!/bin/sh\r\necho hello\r\n")
    os.chmod(crlf, 0o755)

    if name in ("scratch", "busybox"):
        _put(root, "/app/probe", programs.path("probe-static"))
        _put(root, "/app/foreign", programs.path("probe-glibc"))
    elif name == "musl":
        _put(root, programs.musl_loader, os.path.realpath(programs.musl_loader))
        _put(root, "/app/probe", programs.path("probe-musl"))
        _put(root, "/app/foreign", programs.path("probe-glibc"))
        _put(root, "/app/needs-gone", programs.path("needs-gone-musl"))
    elif name == "distroless":
        # What distroless/base holds: glibc's loader and libraries (here the host's), no shell.
        wanted = glibc_files(programs.path("probe-glibc"))
        wanted.update(extra_files or {})
        for inside, source in sorted(wanted.items()):
            _put(root, inside, source)
        _put(root, "/app/probe", programs.path("probe-glibc"))
        _put(root, "/app/foreign", programs.path("probe-musl"))
        _put(root, "/app/needs-gone", programs.path("needs-gone-glibc"))
        _put(root, "/app/migrate", programs.path("probe-glibc"))   # docker/k8s's example step
    else:
        raise ValueError("unknown image %r (one of %s)" % (name, ", ".join(IMAGES)))
    if name == "busybox":
        _put(root, "/bin/busybox", "/bin/busybox")
        for applet in BUSYBOX_APPLETS:
            os.symlink("busybox", root / "bin" / applet)
    return root


# The images with a dynamic loader (where a missing library can be what is missing).
HAS_LOADER = ("musl", "distroless")
