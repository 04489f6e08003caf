"""Shared pieces every domain app plugs into: layout, overview, history, demo."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiemcauAppConfig(AppConfig):
    """An app of Điểm Cầu declares here how it plugs into the shared pages.

    - ``url_prefix``: its ``urls.py`` is mounted at ``/<url_prefix>/`` under its
      own namespace (the app label), when the module exists;
    - ``nav``: menu entries ``(label, url name, roles or None for everyone)``,
      placed by ``nav_order``; beyond the first ``nav_primary`` entries an
      app's entries go into a dropdown named after the app;
    - ``site_panel``: dotted path of ``f(request, site) -> (template, context)``
      or ``None``, drawn on every site page;
    - ``site_panel_folded``: on a phone the site page opens with the panels a
      technician needs now (open incidents, link quality, the next meeting);
      a panel with ``True`` here (a long reference: compliance, reviews) comes
      after them, folded behind a button;
    - ``overview_panel``: the same for the province overview, ``f(request)``;
    - ``stability_inputs``: dotted path of ``f(site_ids, now) -> {site_id:
      [finding, …]}`` where a finding is a dict ``{"level": "unstable" |
      "unfit", "code": str, "reason": str (translated), "value": …}``; the
      standards app folds every app's findings into each site's verdict;
    - ``link_quality``: dotted path of ``f(site_ids, now) -> {site_id: {"rtt_ms",
      "jitter_ms", "loss_pct", "days"}}``, the measured link quality the
      standards app judges NET-RTT, NET-JITTER and NET-LOSS against;
    - ``site_retired``: dotted path of ``f(site, user) -> [text, …]``, called
      inside the transaction that retires a site: what the app stopped because
      of it (the monitoring app revokes the site's agent token), said to the
      person who retired it.
    - ``report_url``: dotted path of ``f(user) -> url or None``, the one-tap
      "report an incident" button every page shows (the incidents app);
    - ``notice_topics``: ``((topic, label), …)``, the topics of the messages
      the app sends through ``core.outbox`` (the first part of their kind:
      ``incident`` of ``incident.escalated``), for which each user chooses
      whether to get e-mail too.

    The API router in ``<app>/api.py`` (``router``) is mounted at
    ``/api/v1/`` automatically. Demo data comes from ``<app>/demo.py``
    (``load(ctx)``), called in the order of INSTALLED_APPS.
    """

    default_auto_field = "django.db.models.BigAutoField"
    url_prefix: str | None = None
    nav: tuple = ()
    nav_order: int = 50
    nav_primary: int = 0
    site_panel: str | None = None
    site_panel_folded: bool = False
    overview_panel: str | None = None
    stability_inputs: str | None = None
    link_quality: str | None = None
    site_retired: str | None = None
    notice_topics: tuple = ()
    report_url: str | None = None


class CoreConfig(DiemcauAppConfig):
    default = True
    name = "diemcau.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.backends.signals import connection_created

        from diemcau.lib.collation import register_sqlite_collation

        connection_created.connect(register_sqlite_collation, dispatch_uid="diemcau-vi-collation")

        from django.contrib.auth.signals import user_logged_in

        from diemcau.core.columns import load_into_session

        user_logged_in.connect(load_into_session, dispatch_uid="diemcau-table-columns")

        from diemcau.core import checks  # noqa: F401 (registers the installation's checks)
