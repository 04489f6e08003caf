"""Build steps the declarative configuration in pyproject.toml cannot express.

1. The wheel carries the compiled Vietnamese catalogues (``.mo``) of the
   project's own apps, so a server shows Vietnamese without ``make`` or
   ``compilemessages`` (GNU ``msgfmt`` from Debian's ``gettext`` is needed
   where the wheel is built, not where it is installed).
2. Every build starts from an empty ``build/lib``: setuptools otherwise reuses
   what an earlier build left there, and a stale or planted file would be
   packaged.
"""

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogues(build_py):
    def run(self):
        if not self.editable_mode and Path(self.build_lib).exists():
            shutil.rmtree(self.build_lib)
        super().run()
        if not self.editable_mode:
            compile_catalogues(Path(self.build_lib))


def compile_catalogues(root: Path) -> None:
    catalogues = sorted(root.glob("diemcau/**/locale/*/LC_MESSAGES/*.po"))
    if not catalogues:
        raise SystemExit(f"no translation catalogue found under {root}/diemcau")
    if shutil.which("msgfmt") is None:
        raise SystemExit("msgfmt not found: install Debian's gettext package to build the wheel")
    for po in catalogues:
        subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
