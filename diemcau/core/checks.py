"""System checks of the installation itself (``diemcau check``, ``diemcau check --deploy``)."""

from pathlib import Path

from django.apps import apps
from django.core.checks import Tags, Warning, register

import diemcau


def stale_catalogues(roots) -> list[Path]:
    """Catalogues without a compiled ``.mo`` newer than their ``.po``: those pages would show English."""
    stale = []
    for root in roots:
        for po in sorted(Path(root).glob("locale/*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                stale.append(po)
    return stale


@register(Tags.translation)
def catalogues_compiled(app_configs=None, **kwargs):
    package = Path(diemcau.__file__).resolve().parent
    roots = [package, *(Path(c.path) for c in apps.get_app_configs() if Path(c.path).is_relative_to(package))]
    return [
        Warning(f"{po} is not compiled: its pages show English",
                hint="install the built wheel (it carries the .mo files) or run 'make test' / 'make run' "
                     "in a checkout", id="core.W001")
        for po in stale_catalogues(dict.fromkeys(roots))
    ]
