"""Collecting the panels other apps contribute to the site page and the overview."""

from django.apps import apps
from django.utils.module_loading import import_string

from diemcau.core.apps import DiemcauAppConfig


def _panels(attribute: str, *args) -> list[dict]:
    panels = []
    for config in apps.get_app_configs():
        dotted = getattr(config, attribute, None) if isinstance(config, DiemcauAppConfig) else None
        if dotted:
            result = import_string(dotted)(*args)
            if result is not None:
                template, context = result
                panels.append({
                    "template": template, "context": context, "app": config.label, "title": config.verbose_name,
                    "folded": config.site_panel_folded,
                })
    return panels


def site_panels(request, site) -> list[dict]:
    return _panels("site_panel", request, site)


def overview_panels(request) -> list[dict]:
    return _panels("overview_panel", request)
