"""Findings from meeting results for the standards engine's site verdicts.

A site is "works but unstable" when, over ``MEETINGS_UNSTABLE_DAYS`` (60),
it was not ready at the start of ``MEETINGS_UNSTABLE_COUNT`` (3) or more
meetings (its check failed or was never completed), or was marked absent or
with an audio or video problem at that many roll-calls.
"""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import gettext as _

from diemcau.meetings.choices import MeetingStatus, Readiness, RollCall
from diemcau.meetings.models import Participation


def _settings():
    return (int(getattr(settings, "MEETINGS_UNSTABLE_DAYS", 60)), int(getattr(settings, "MEETINGS_UNSTABLE_COUNT", 3)))


def results(site_ids, now, days: int) -> dict:
    """``{site_id: {"meetings", "not_ready", "rollcall_problems"}}`` over the last ``days``."""
    rows = Participation.objects.filter(
        site_id__in=list(site_ids), removed_at__isnull=True, meeting__status=MeetingStatus.SCHEDULED,
        meeting__ends_at__lte=now, meeting__ends_at__gte=now - dt.timedelta(days=days))
    not_ready_q = (Q(state=Readiness.PROBLEM) | Q(ready_at__isnull=True) | Q(ready_at__gt=F("meeting__starts_at")))
    counts = {"meetings": Counter(rows.values_list("site_id", flat=True)),
              "not_ready": Counter(rows.filter(not_ready_q).values_list("site_id", flat=True)),
              "rollcall_problems": Counter(rows.filter(rollcall__in=RollCall.problems()).values_list("site_id",
                                                                                                     flat=True))}
    return {site_id: {key: counts[key].get(site_id, 0) for key in counts} for site_id in counts["meetings"]}


def stability_inputs(site_ids, now) -> dict:
    days, threshold = _settings()
    findings: dict = {}
    for site_id, tally in results(site_ids, now, days).items():
        if tally["not_ready"] >= threshold:
            findings.setdefault(site_id, []).append({
                "level": "unstable", "code": "meetings_not_ready",
                "reason": _("Not ready at the start of %(n)s of %(total)s meetings in %(days)s days") % {
                    "n": tally["not_ready"], "total": tally["meetings"], "days": days},
                "value": tally["not_ready"]})
        if tally["rollcall_problems"] >= threshold:
            findings.setdefault(site_id, []).append({
                "level": "unstable", "code": "meetings_rollcall",
                "reason": _("Absent or with audio or video problems at %(n)s roll-calls in %(days)s days") % {
                    "n": tally["rollcall_problems"], "days": days},
                "value": tally["rollcall_problems"]})
    return findings


def review_summary(site_ids, now, days: int) -> dict:
    """For the review pre-fill: ``{site_id: {"meetings", "not_ready", "late", "rollcall_problems",
    "failing_items": {item: n}, "days"}}`` of the meetings that ended in the last ``days``."""
    from diemcau.meetings.models import CheckMark

    out = {site_id: {**tally, "late": 0, "failing_items": {}, "days": days}
           for site_id, tally in results(site_ids, now, days).items()}
    ended = Participation.objects.filter(
        site_id__in=list(out), removed_at__isnull=True, meeting__status=MeetingStatus.SCHEDULED,
        meeting__ends_at__lte=now, meeting__ends_at__gte=now - dt.timedelta(days=days))
    for site_id in ended.filter(ready_at__gt=F("meeting__due_at")).values_list("site_id", flat=True):
        out[site_id]["late"] += 1
    failed = CheckMark.objects.filter(participation__in=ended, outcome="fail").values_list(
        "participation__site_id", "participation_id", "item").distinct()
    for site_id, _participation, item in failed:
        out[site_id]["failing_items"][item] = out[site_id]["failing_items"].get(item, 0) + 1
    return out
