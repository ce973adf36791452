"""--doctor finds psutil installed in the interpreter's own site-packages although the launcher
runs the interpreter without site (-S) when it knows where pyinit lies."""

import os
import subprocess
import sys

import pytest

import pyinit

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(pyinit.__file__)))
# What the launcher's entry code does, then the doctor's import of psutil.
CODE = ("import sys; sys.path.insert(0, %r)\n"
        "try:\n    import psutil\n    print('psutil without site')\n"
        "except ImportError:\n    print('no psutil without site')\n"
        "from pyinit import doctor\n"
        "found = doctor._import_psutil()\n"
        "print('doctor found', found.__name__ if found else None)\n")


@pytest.mark.timeout(60)
def test_doctor_imports_psutil_of_the_interpreters_site_packages(tmp_path):
    """pyinit imported from a --target style directory, psutil only in the venv: found."""
    import shutil
    # pyinit alone in a directory of its own, as `pip install --target` lays it out.
    alone = tmp_path / "target"
    shutil.copytree(os.path.join(PACKAGE_DIR, "pyinit"), alone / "pyinit")
    done = subprocess.run([sys.executable, "-I", "-S", "-c", CODE % str(alone)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["no psutil without site", "doctor found psutil"]
