"""OCI bundles whose root filesystem is an image the test made (helpers/images.py), nothing else.

The sibling of runc_bundle.Bundle, which binds the host's /usr: here the rootfs is the image
directory itself, read-only, and the only things added are the kernel's mounts, pyinit's
bundle at /opt/pyinit (read-only) and a writable /markers. The process runs as root or as
any uid:gid the test names. `host_python` also binds the host's Python installation and
venv at their own paths, for a venv-installed pyinit to compare the bundle with.
"""

import json
import os

from helpers.runc_bundle import Bundle, bind, kernel_mounts, python_install_dirs
from helpers.runc_runtime import Containers, unique_id

PYINIT_HOME = "/opt/pyinit"
PYINIT = PYINIT_HOME + "/bin/pyinit"
MARKERS = "/markers"
IMAGE_PATH = "/bin:/usr/bin:/app"


class ImageBundle(Bundle):
    """config.json + the host side of /markers, for a container whose rootfs is IMAGE."""

    def __init__(self, directory, image, args, pyinit_home, env=None, user=(0, 0),
                 host_python=False, extra_binds=()):
        super().__init__(directory, args, env=env)
        self.image = image
        self.pyinit_home = pyinit_home
        self.user = user
        self.host_python = host_python
        self.extra_binds = list(extra_binds)

    def write(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.markers_dir.mkdir(exist_ok=True)
        os.chmod(self.markers_dir, 0o777)   # the container's uid may be anyone
        mounts = kernel_mounts()
        mounts.append(bind(self.pyinit_home, PYINIT_HOME))
        if self.host_python:
            mounts.extend(bind(tree, tree) for tree in python_install_dirs())
        # (source, destination) read-only, or (source, destination, True) writable.
        mounts.extend(bind(*spec) for spec in self.extra_binds)
        mounts.append(bind(self.markers_dir, MARKERS, writable=True))
        config = self.config(mounts)
        config["root"] = {"path": str(self.image), "readonly": True}
        uid, gid = self.user
        config["process"]["user"] = {"uid": uid, "gid": gid}
        config["process"]["env"] = ["%s=%s" % item for item in
                                    {"PATH": IMAGE_PATH, **self.env}.items()]
        (self.directory / "config.json").write_text(json.dumps(config, indent=1))
        return self


class ImageContainers(Containers):
    """This test's containers on made images; `runc delete -f`'d after, like Containers."""

    def __init__(self, runc, directory, label, pyinit_home):
        super().__init__(runc, [], directory, label)
        self.pyinit_home = pyinit_home

    def image_bundle(self, image, args, env=None, user=(0, 0), host_python=False,
                     extra_binds=()):
        ctr_id = unique_id(self.label)
        bundle = ImageBundle(self.directory / ctr_id, image, args, self.pyinit_home, env=env,
                             user=user, host_python=host_python,
                             extra_binds=extra_binds).write()
        bundle.ctr_id = ctr_id
        self.made.append(ctr_id)
        return bundle

    def run_image(self, image, args, **options):
        return self.start(self.image_bundle(image, args, **options))
