"""Findings from the incident history for the standards engine's site verdicts.

A site is "works but unstable" when, within ``INCIDENT_UNSTABLE_DAYS`` (30),
it had ``INCIDENT_UNSTABLE_COUNT`` (3) or more incidents of one kind of
trouble, or when a repeat is flagged and not yet fixed (R10).
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from diemcau.incidents.choices import Family
from diemcau.incidents.models import Incident, RepeatFlag


def stability_inputs(site_ids, now) -> dict:
    days = getattr(settings, "INCIDENT_UNSTABLE_DAYS", 30)
    threshold = getattr(settings, "INCIDENT_UNSTABLE_COUNT", 3)
    findings: dict = {}
    counts = Incident.objects.filter(site_id__in=site_ids, reported_at__gte=now - dt.timedelta(days=days),
                                     reported_at__lte=now).values("site_id", "family").annotate(n=Count("pk"))
    for row in counts.order_by("site_id", "family"):
        if row["n"] >= threshold:
            findings.setdefault(row["site_id"], []).append({
                "level": "unstable", "code": f"incidents_{row['family']}",
                "reason": _("%(n)s incidents of %(family)s in %(days)s days") % {
                    "n": row["n"], "family": Family(row["family"]).label, "days": days},
                "value": row["n"],
            })
    for flag in RepeatFlag.objects.filter(site_id__in=site_ids, cleared_at__isnull=True, flagged_at__lte=now):
        findings.setdefault(flag.site_id, []).append({
            "level": "unstable", "code": "incident_repeat",
            "reason": _("Incidents of %(family)s repeat with no corrective action recorded") % {
                "family": Family(flag.family).label},
            "value": flag.count,
        })
    return findings
