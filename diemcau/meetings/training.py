"""Training of site contacts (R23), and the sites that need it.

A site is flagged to the department when, over ``MEETINGS_TRAINING_DAYS``,
at least ``MEETINGS_TRAINING_OPERATION_COUNT`` of its incidents were caused
by operator handling ("operation": the cause found, else the one suspected)
and its primary contact has attended no training in that period or since.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from diemcau.inventory.models import Contact
from diemcau.meetings.models import TrainingSession

OPERATION = "operation"


def window_days() -> int:
    return int(getattr(settings, "MEETINGS_TRAINING_DAYS", 180))


def threshold() -> int:
    return int(getattr(settings, "MEETINGS_TRAINING_OPERATION_COUNT", 2))


def operation_counts(site_ids=None, *, now=None) -> Counter:
    from diemcau.incidents.models import Incident

    now = now or timezone.now()
    qs = Incident.objects.filter(reported_at__gte=now - dt.timedelta(days=window_days()), reported_at__lte=now)
    if site_ids is not None:
        qs = qs.filter(site_id__in=list(site_ids))
    counts = Counter()
    for site_id, found, suspected in qs.values_list("site_id", "cause_found__code", "suspected_cause__code"):
        if (found or suspected) == OPERATION:
            counts[site_id] += 1
    return counts


def untrained_sites(sites, *, now=None) -> list[dict]:
    """Flagged sites (visible ones only), most operation incidents first."""
    now = now or timezone.now()
    site_ids = list(sites.values_list("pk", flat=True))
    counts = operation_counts(site_ids, now=now)
    candidates = [pk for pk, n in counts.items() if n >= threshold()]
    if not candidates:
        return []
    contacts = {c.site_id: c for c in Contact.objects.active().filter(site_id__in=candidates, role="primary")
                .select_related("site", "site__organization")}
    since = (now - dt.timedelta(days=window_days())).date()
    trained = dict(TrainingSession.attendees.through.objects.filter(
        contact_id__in=[c.pk for c in contacts.values()]).values("contact_id")
        .annotate(last=Max("trainingsession__held_on")).values_list("contact_id", "last"))
    site_by_id = {s.pk: s for s in sites.filter(pk__in=candidates).select_related("organization")}
    rows = []
    for site_id in candidates:
        contact = contacts.get(site_id)
        last = trained.get(contact.pk) if contact else None
        if last is not None and last >= since:
            continue
        rows.append({"site": site_by_id[site_id], "count": counts[site_id], "contact": contact, "last_training": last})
    rows.sort(key=lambda r: (-r["count"], r["site"].code))
    return rows


@transaction.atomic
def session_save(session: TrainingSession, *, user, attendees=None, guides=None) -> TrainingSession:
    if session.pk is None and getattr(user, "is_authenticated", False):
        session.created_by = user
    session.full_clean()
    session.save()
    if attendees is not None:
        session.attendees.set(attendees)
    if guides is not None:
        session.guides.set(guides)
    return session
