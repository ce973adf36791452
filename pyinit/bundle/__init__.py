"""A self-contained pyinit for images without Python: `python -m pyinit.bundle --output DIR`.

The directory it writes holds the launcher, the interpreter that runs this builder, glibc and
glibc's dynamic loader, the shared libraries they need, the standard-library modules pyinit
can import and the pyinit and psutil packages. The launcher finds `runtime/ld.so` next to
itself and starts the interpreter through it, so the image's own loader and libraries (or
their absence) never matter to pyinit itself:

    DIR/bin/pyinit                                the launcher
    DIR/runtime/ld.so                             glibc's loader (from the interpreter's PT_INTERP)
    DIR/runtime/lib/*.so*                         every library the ELF files below need
    DIR/runtime/bin/python3                       the interpreter
    DIR/runtime/<platlibdir>/python3.X/           the standard-library subset, as .pyc only
    DIR/runtime/lib/python3.X/site-packages/      pyinit, pyinit_core, psutil

One job per module: `runtime` collects the interpreter and its libraries, `stdlib` chooses
the modules, `tree` writes the directory and the tarball, `__main__` is the command line.
"""
