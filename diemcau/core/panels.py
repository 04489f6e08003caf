"""Collecting what other apps contribute: panels of the site page and the overview, and what they do
when a site is retired."""

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


def site_retired(site, user) -> list[str]:
    """Let every app stop what it does for a retired site; what they did, to tell the person."""
    notices = []
    for config in apps.get_app_configs():
        dotted = getattr(config, "site_retired", None) if isinstance(config, DiemcauAppConfig) else None
        if dotted:
            notices.extend(import_string(dotted)(site, user))
    return notices
