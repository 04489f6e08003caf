"""What the standards app draws on every site page and on the province overview."""

import contextlib

from django.db import IntegrityError
from django.urls import reverse

from diemcau.standards import access
from diemcau.standards.models import SiteCompatibility, SiteCompliance, SiteVerdict, Standard
from diemcau.standards.results import (
    compatibility_rows,
    compliance_rows,
    drift_for_site,
    verdict_counts,
    verdict_reasons,
)


def site_context(request, site) -> dict:
    """Compliance, compatibility, drift and verdict of one site, from stored results."""
    verdict = SiteVerdict.objects.filter(site=site, is_current=True).first()
    if verdict is None and not site.is_retired:
        # Never judged (a new site): judge it now, it is one site.
        from diemcau.standards.services import recompute_sites

        # A recomputation running at the same time may have judged it first.
        with contextlib.suppress(IntegrityError):
            recompute_sites([site.pk])
        verdict = SiteVerdict.objects.filter(site=site, is_current=True).first()
    standard = Standard.objects.current()
    compliance = SiteCompliance.objects.filter(site=site, standard=standard).first() if standard else None
    requirements = list(standard.requirements.all()) if standard else []
    rows = compliance_rows(standard, compliance, requirements) if standard else []
    return {
        "site": site,
        "standard": standard,
        "compliance": compliance,
        "rows": rows,
        "counts": {s: sum(1 for r in rows if r["status"] == s) for s in ("pass", "warn", "fail", "unknown")},
        "compatibility": compatibility_rows(SiteCompatibility.objects.filter(site=site).first()),
        "drift": drift_for_site(site),
        "verdict": verdict,
        "reasons": verdict_reasons(verdict),
        "can_record_settings": access.can_record_settings(request.user, site),
        "can_recompute": access.can_record_settings(request.user, site),
        "other_versions": SiteCompliance.objects.filter(site=site).exclude(standard=standard).select_related("standard").order_by("-computed_at"),
        "settings_url": reverse("standards:site_settings", args=[site.pk]),
    }


def site_panel(request, site):
    return "standards/_site_panel.html", site_context(request, site)


def overview_panel(request):
    sites = access.sites_for_user(request.user)
    return "standards/_overview_panel.html", {"counts": verdict_counts(sites)}
