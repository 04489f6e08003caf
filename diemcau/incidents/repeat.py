"""R10: incidents of one symptom family that keep coming back to a site.

A site is flagged when ``INCIDENT_REPEAT_COUNT`` (3) incidents of the same
family were reported within ``INCIDENT_REPEAT_DAYS`` (30) days and no
corrective action was recorded after them (an incident of that family
resolved with an action other than "keep using"). The unit's head is told
once per flag; the flag stays on the province overview until a corrective
action is recorded.

Only separate occurrences count: a report closed as a duplicate of another
counts nowhere, and reports of one family at one site less than
``INCIDENT_REPEAT_GAP_MINUTES`` (60) after the previous report are the same
occurrence (one outage reported by several people). A flag whose incidents
no longer make a repeat once duplicates are taken out is withdrawn.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemcau.incidents import notify
from diemcau.incidents.choices import Family, Status
from diemcau.incidents.models import Incident, RepeatFlag


def repeat_count() -> int:
    return getattr(settings, "INCIDENT_REPEAT_COUNT", 3)


def repeat_days() -> int:
    return getattr(settings, "INCIDENT_REPEAT_DAYS", 30)


def repeat_gap() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "INCIDENT_REPEAT_GAP_MINUTES", 60))


def occurrences(times) -> list:
    """The first report of each occurrence: a report less than the gap after the previous one is the same."""
    gap, first, previous = repeat_gap(), [], None
    for moment in sorted(times):
        if previous is None or moment - previous >= gap:
            first.append(moment)
        previous = moment
    return first


def _last_fix(site, family):
    return Incident.objects.filter(
        site=site, family=family, status__in=[Status.RESOLVED, Status.CLOSED], action_taken__isnull=False,
    ).exclude(action_taken__code="keep").aggregate(at=Max("resolved_at"))["at"]


def repeat_check(site, *, now: dt.datetime | None = None, quiet: bool = False) -> list[RepeatFlag]:
    """Flag (or clear) each symptom family of the site; returns the open flags.

    ``quiet`` records the flag as notified without telling anyone (demo data).
    """
    now = now or timezone.now()
    window_start = now - dt.timedelta(days=repeat_days())
    counted = Incident.objects.filter(site=site, duplicate_of__isnull=True)
    families = set(counted.filter(reported_at__gte=window_start).values_list("family", flat=True))
    families |= set(RepeatFlag.objects.filter(site=site, cleared_at__isnull=True).values_list("family", flat=True))
    flags = []
    for family in sorted(families):
        fix = _last_fix(site, family)
        since = max(window_start, fix) if fix else window_start
        recent = counted.filter(family=family, reported_at__gte=since, reported_at__lte=now)
        times = occurrences(recent.values_list("reported_at", flat=True))
        open_flag = RepeatFlag.objects.filter(site=site, family=family, cleared_at__isnull=True).first()
        if open_flag and fix and fix >= open_flag.first_incident_at:
            cleared_by = Incident.objects.filter(site=site, family=family, resolved_at=fix).first()
            RepeatFlag.objects.filter(pk=open_flag.pk).update(cleared_at=fix, cleared_by=cleared_by)
            open_flag = None
        if open_flag and len(occurrences(counted.filter(
                family=family, reported_at__gte=open_flag.first_incident_at,
                reported_at__lte=open_flag.last_incident_at).values_list("reported_at", flat=True))) < repeat_count():
            # Raised on reports now closed as duplicates: not a repeat after all.
            RepeatFlag.objects.filter(pk=open_flag.pk).update(cleared_at=now)
            open_flag = None
        if len(times) >= repeat_count():
            if open_flag is None:
                open_flag = RepeatFlag.objects.create(
                    site=site, family=family, count=len(times), window_days=repeat_days(),
                    first_incident_at=times[0], last_incident_at=times[-1], flagged_at=now)
            else:
                open_flag.count, open_flag.last_incident_at = max(open_flag.count, len(times)), times[-1]
                open_flag.save(update_fields=["count", "last_incident_at"])
            recent.filter(is_repeat=False).update(is_repeat=True)
            if quiet:
                RepeatFlag.objects.filter(pk=open_flag.pk, notified_at__isnull=True).update(notified_at=now)
            else:
                _notify_head(open_flag, now)
        if open_flag:
            flags.append(open_flag)
    return flags


def _notify_head(flag: RepeatFlag, now) -> None:
    # Claimed by a conditional UPDATE: the head hears about a flag once.
    if not RepeatFlag.objects.filter(pk=flag.pk, notified_at__isnull=True).update(notified_at=now):
        return
    site = flag.site
    with override(settings.LANGUAGE_CODE):
        title = _("%(site)s: %(count)s incidents of %(family)s in %(days)s days with no corrective action") % {
            "site": site.name, "count": flag.count, "family": Family(flag.family).label, "days": flag.window_days}
        body = title + "\n" + _("As head of the unit you answer for repeated incidents (R10): have them reviewed "
                                "and record the corrective action when resolving the next one.")
    latest = Incident.objects.filter(site=site, family=flag.family).order_by("-reported_at").first()
    notify.send(kind="incident.repeat", title=title, body=body, key=f"incident.repeat:{flag.pk}",
                users=notify.unit_heads(site.organization_id) or notify.department_users(), incident=latest)
