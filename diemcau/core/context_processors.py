"""Menu entries from every app's ``nav`` (see core.apps) and the unread-notice count.

An app with one entry gets a plain link; an app with several shows its
first ``nav_primary`` entries as links and the rest in a dropdown named after
the app, so the bar stays short on every screen.
"""

from django.apps import apps
from django.urls import reverse

from diemcau.core.apps import DiemcauAppConfig


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    configs = [c for c in apps.get_app_configs() if isinstance(c, DiemcauAppConfig)]
    for config in sorted(configs, key=lambda c: c.nav_order):
        entries = []
        for label, url_name, roles in config.nav:
            if roles is None or user.role in roles:
                url = reverse(url_name)
                entries.append({"label": label, "url": url, "active": url != "/" and request.path.startswith(url)})
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
    return {"nav_items": items, "unread_notices": _unread(request)}


def _unread(request):
    # Counted lazily: a template that never shows it costs no query.
    from diemcau.core.models import Notice

    return lambda: Notice.objects.filter(user=request.user, read_at__isnull=True).count()
