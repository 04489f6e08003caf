"""What link monitoring tells the standards engine about a site's stability (R11, R15).

Over the last ``MONITORING_STABILITY_DAYS`` days of hourly roll-ups: a site
whose rounds were graded bad or terrible more than ``MONITORING_UNSTABLE_BAD_PCT``
% of the time works but is unstable; above ``MONITORING_UNFIT_BAD_PCT`` % its
link is unfit for meetings. Too few rounds say nothing.
"""

import datetime as dt

from django.conf import settings
from django.db.models import F, FloatField, Sum
from django.utils.translation import gettext as _

from diemcau.monitoring.choices import Period
from diemcau.monitoring.models import Rollup

MIN_ROUNDS = 500


def stability_inputs(site_ids, now) -> dict:
    days = int(getattr(settings, "MONITORING_STABILITY_DAYS", 14))
    unstable = float(getattr(settings, "MONITORING_UNSTABLE_BAD_PCT", 5.0))
    unfit = float(getattr(settings, "MONITORING_UNFIT_BAD_PCT", 25.0))
    rows = (Rollup.objects.filter(site_id__in=site_ids, period=Period.HOUR, bucket__gte=now - dt.timedelta(days=days),
                                  bucket__lte=now)
            .values("site_id").annotate(rounds=Sum("rounds"), bad=Sum("bad_rounds")))
    findings = {}
    for row in rows:
        if not row["rounds"] or row["rounds"] < MIN_ROUNDS:
            continue
        share = 100.0 * (row["bad"] or 0) / row["rounds"]
        level = "unfit" if share > unfit else "unstable" if share > unstable else None
        if level:
            findings[row["site_id"]] = [{
                "level": level, "code": "link_quality",
                "reason": _("The link was bad or terrible %(share).0f %% of the time in the last %(days)s days "
                            "(loss ≥ 3 %% or high jitter)") % {"share": share, "days": days},
                "value": round(share, 1),
            }]
    return findings


def link_quality(site_ids, now) -> dict:
    """Measured link quality per site for the minimum standard (NET-RTT, NET-JITTER, NET-LOSS).

    Round-weighted means of the hourly roll-ups over the last
    ``MONITORING_STABILITY_DAYS`` days; a site with fewer than ``MIN_ROUNDS``
    rounds has no figures (the requirement stays unknown rather than pass).
    """
    days = int(getattr(settings, "MONITORING_STABILITY_DAYS", 14))
    wanted = set(site_ids)
    rows = Rollup.objects.filter(period=Period.HOUR, bucket__gte=now - dt.timedelta(days=days), bucket__lte=now)
    if len(wanted) <= 1000:
        rows = rows.filter(site_id__in=wanted)
    rows = rows.values("site_id").annotate(
        total=Sum("rounds"),
        rtt=Sum(F("rtt_avg") * F("rounds"), output_field=FloatField()),
        jitter=Sum(F("jitter_avg") * F("rounds"), output_field=FloatField()),
        loss=Sum(F("loss_avg") * F("rounds"), output_field=FloatField()),
    )
    quality = {}
    for row in rows:
        if row["site_id"] not in wanted or not row["total"] or row["total"] < MIN_ROUNDS:
            continue
        n = row["total"]
        quality[row["site_id"]] = {
            "rtt_ms": round(row["rtt"] / n, 1) if row["rtt"] is not None else None,
            "jitter_ms": round(row["jitter"] / n, 1) if row["jitter"] is not None else None,
            "loss_pct": round(row["loss"] / n, 2) if row["loss"] is not None else None,
            "days": days,
        }
    return quality
