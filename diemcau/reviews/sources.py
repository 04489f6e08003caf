"""Every read of another app's data, in one place.

The reviews app pre-fills assessments and judges proposals with what the
standards app (compliance, compatibility, verdict), the incidents app
(incident history) and the monitoring app (measured link quality) know.
Each function here reads many sites at once, and returns nothing when the
other app has no data, so their evolution touches only this module. The
other apps are always installed: they are imported here, once.
"""

import datetime as dt
import functools
import logging
from collections import Counter, defaultdict

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from diemcau.incidents.models import Incident
from diemcau.inventory.choices import Resolution
from diemcau.reviews.choices import CALLING_GROUPS, RESOLUTION_GROUPS
from diemcau.standards import facts
from diemcau.standards.choices import Compatibility, Verdict
from diemcau.standards.compatibility import check_device
from diemcau.standards.facts import DeviceFact
from diemcau.standards.models import (
    Platform,
    SiteCompatibility,
    SiteCompliance,
    SiteVerdict,
    Standard,
)
from diemcau.standards.reasons import render

log = logging.getLogger(__name__)


def _guard(default):
    """Another app's tables not there (a database not yet migrated) mean "no data", not a crash.

    The read runs in a savepoint: on PostgreSQL a failed statement aborts the
    whole transaction, so without it the caller's next query would fail with
    "current transaction is aborted" instead of going on.
    """

    def wrap(function):
        @functools.wraps(function)
        def inner(*args, **kwargs):
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except DatabaseError as exc:
                log.warning("reviews: %s unavailable: %s", function.__name__, exc)
                return default() if callable(default) else default
        return inner

    return wrap


def render_reason(reason) -> str:
    """The words of a reason stored by the standards app, in the reader's language."""
    if not reason:
        return ""
    return render(reason)


@_guard(dict)
def verdicts(site_ids) -> dict:
    """``{site_id: {"verdict": code, "reasons": [{"level", "reason"}]}}`` of the current verdicts."""
    rows = SiteVerdict.objects.filter(site_id__in=site_ids, is_current=True).values_list("site_id", "verdict", "reasons")
    return {
        site_id: {"verdict": verdict, "reasons": [{"level": r.get("level"), "reason": r.get("reason")}
                                                  for r in (reasons or [])][:12]}
        for site_id, verdict, reasons in rows
    }


@_guard(dict)
def compliance(site_ids) -> dict:
    """``{site_id: {"passed", "warned", "failed", "unknown", "failing": [{"code", "reason"}]}}`` against the standard in force."""
    standard = Standard.objects.current()
    if standard is None:
        return {}
    out = {}
    rows = SiteCompliance.objects.filter(site_id__in=site_ids, standard=standard).values_list(
        "site_id", "passed", "warned", "failed", "unknown", "results")
    for site_id, passed, warned, failed, unknown, results in rows:
        failing = [{"code": code, "status": r["status"], "reason": r.get("reason")}
                   for code, r in (results or {}).items() if r.get("status") in ("fail", "warn")]
        out[site_id] = {"standard": standard.version, "passed": passed, "warned": warned, "failed": failed,
                        "unknown": unknown, "failing": failing}
    return out


@_guard(dict)
def compatibility(site_ids) -> dict:
    """``{site_id: {"platforms": [{"name", "status"}], "devices": {device_id: best status}}}``.

    A device's status is its best against the province's reference platforms.
    """
    out = {}
    for site_id, results in SiteCompatibility.objects.filter(site_id__in=site_ids).values_list("site_id", "results"):
        devices: dict = {}
        platforms = []
        for result in results or []:
            platforms.append({"name": result.get("platform_name", ""), "status": result.get("status", "unknown"),
                              "reference": bool(result.get("reference"))})
            if not result.get("reference"):
                continue
            for device in result.get("devices", []):
                have = devices.get(device["device_id"])
                if have is None or Compatibility.rank(device["status"]) < Compatibility.rank(have):
                    devices[device["device_id"]] = device["status"]
        out[site_id] = {"platforms": platforms, "devices": devices}
    return out


@_guard(dict)
def incidents(site_ids, *, now: dt.datetime, days: int = 180) -> dict:
    """Incident history of the sites over ``days``.

    ``{site_id: {"total": n, "days": days, "symptoms": {code: n}, "causes": {code: n},
    "pairs": [(symptom code, cause code or "")]}}``; causes are the cause found,
    else the one suspected.
    """
    since = now - dt.timedelta(days=days)
    incidents_qs = Incident.objects.filter(site_id__in=site_ids, reported_at__gte=since, reported_at__lte=now)
    causes = {}
    out: dict = defaultdict(lambda: {"total": 0, "days": days, "symptoms": Counter(), "causes": Counter(), "pairs": []})
    for pk, site_id, found, suspected in incidents_qs.values_list("pk", "site_id", "cause_found__code",
                                                                  "suspected_cause__code").iterator(chunk_size=5000):
        causes[pk] = (site_id, found or suspected or "")
        out[site_id]["total"] += 1
        if found or suspected:
            out[site_id]["causes"][found or suspected] += 1
    through = Incident.symptoms.through
    rows = through.objects.filter(incident__in=incidents_qs).values_list("incident_id", "term__code")
    for incident_id, symptom in rows.iterator(chunk_size=5000):
        site_id, cause = causes.get(incident_id, (None, ""))
        if site_id is None:
            continue
        out[site_id]["symptoms"][symptom] += 1
        out[site_id]["pairs"].append((symptom, cause))
    return {k: {**v, "symptoms": dict(v["symptoms"]), "causes": dict(v["causes"])} for k, v in out.items()}


@_guard(dict)
def quality(site_ids, *, now: dt.datetime) -> dict:
    """Measured link quality per site ({"rtt_ms", "jitter_ms", "loss_pct", "days"}), from whichever
    app offers it (the monitoring app, through the standards app's ``link_quality`` hook)."""
    return facts.link_quality(list(site_ids), now) or {}


def meetings(site_ids, *, now: dt.datetime, days: int = 180) -> dict:
    """Meeting results per site over ``days``: meetings, not ready at the start, late, roll-call problems,
    and how often each check item failed (the meetings app's ``review_summary``)."""
    from diemcau.meetings.stability import review_summary

    return review_summary(list(site_ids), now, days)


@_guard(list)
def reference_platforms() -> list:
    """Specs of the province's reference platforms that are in use."""
    return [p.spec() for p in Platform.objects.filter(is_active=True, reference=True)]


@_guard(str)
def standard_min_resolution(group_code: str) -> str:
    """The minimum resolution the standard in force asks of a device group ('' when none)."""
    standard = Standard.objects.current()
    if standard is None:
        return ""
    for requirement in standard.requirements.all():
        rule = requirement.rule or {}
        if rule.get("device_group_good") == group_code and rule.get("min_resolution"):
            return rule["min_resolution"]
    return ""


def proposed_model_problems(*, group: str, manufacturer: str, model: str, protocols, video_codecs, audio_codecs,
                            max_resolution: str, platforms=None, min_resolution: str | None = None) -> list[str]:
    """Why a proposed model fails the province's compatibility check or minimum standard (words)."""
    problems = []
    if group in CALLING_GROUPS and (protocols or video_codecs or audio_codecs):
        fact = DeviceFact(id=0, group=group, condition="good", manufacturer=manufacturer, model=model,
                          protocols=tuple(protocols or ()), video_codecs=tuple(video_codecs or ()),
                          audio_codecs=tuple(audio_codecs or ()), max_resolution=max_resolution)
        platforms = reference_platforms() if platforms is None else platforms
        results = [(p, check_device(fact, p)) for p in platforms]
        if results and all(r.status == Compatibility.INCOMPATIBLE for _p, r in results):
            for platform, result in results:
                why = "; ".join(render_reason(r) for r in result.reasons[:2])
                problems.append(_("cannot join %(platform)s (%(why)s)") % {"platform": platform.name, "why": why})
    if group in RESOLUTION_GROUPS and max_resolution:
        need = standard_min_resolution(group) if min_resolution is None else min_resolution
        if need and Resolution.rank(max_resolution) < Resolution.rank(need):
            problems.append(_("resolution %(have)s is below the minimum standard %(need)s") % {
                "have": max_resolution, "need": need})
    return problems


def verdict_labels() -> list:
    """``[(code, label)]`` of the stability verdicts, and "" for sites never judged."""
    return [(v.value, v.label) for v in Verdict] + [("", _("Not judged"))]
