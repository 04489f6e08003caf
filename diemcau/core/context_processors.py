"""Menu entries from every app's ``nav`` (see core.apps), the unread-notice count, "Báo sự cố".

An app with one entry gets a plain link; an app with several shows its
first ``nav_primary`` entries as links and the rest in a dropdown named after
the app, so the bar stays short on every screen.
"""

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from diemcau.core.apps import DiemcauAppConfig

# Apps placed at or after this nav_order share one "Administration" menu.
ADMINISTRATION_ORDER = 90


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items, administration = [], []
    configs = [c for c in apps.get_app_configs() if isinstance(c, DiemcauAppConfig)]
    for config in sorted(configs, key=lambda c: c.nav_order):
        if config.nav_order >= ADMINISTRATION_ORDER:
            # Users, the audit log …: one "Administration" menu, so the bar fits a 1366 px screen.
            administration += _entries(config, user, request)
            continue
        entries = _entries(config, user, request)
        if len(entries) == 1:
            items.append(entries[0])
            continue
        items.extend(entries[: config.nav_primary])
        rest = entries[config.nav_primary:]
        if rest:
            items.append({
                "label": config.verbose_name, "children": rest,
                "active": any(entry["active"] for entry in rest),
            })
    if len(administration) == 1:
        items.append(administration[0])
    elif administration:
        items.append({"label": _("Administration"), "children": administration,
                      "active": any(entry["active"] for entry in administration)})
    return {"nav_items": items, "unread_notices": _unread(request), "report_incident_url": _report_url(user)}


def _entries(config, user, request) -> list[dict]:
    entries = []
    for label, url_name, roles in config.nav:
        if roles is None or user.role in roles:
            url = reverse(url_name)
            entries.append({"label": label, "url": url, "active": url != "/" and request.path.startswith(url)})
    return entries


def _report_url(user):
    """"Báo sự cố" is one tap away on every page, for the roles that report incidents.

    The app that takes the reports says where (``report_url`` of its config): core imports no app.
    """
    for config in apps.get_app_configs():
        dotted = getattr(config, "report_url", None) if isinstance(config, DiemcauAppConfig) else None
        if dotted:
            return import_string(dotted)(user)
    return None


def _unread(request):
    # Counted lazily: a template that never shows it costs no query.
    from diemcau.core.models import Notice

    return lambda: Notice.objects.filter(user=request.user, read_at__isnull=True).count()
