"""pyinit: a small, correct init process (PID 1) for containers.

The package is plain Python that explains (CLI, preflight, reports, diagnostics); the
supervisor itself lives in the compiled top-level module ``pyinit_core``.
Nothing here is imported eagerly: the normal start must stay fast.
"""

__version__ = "0.1.0"
