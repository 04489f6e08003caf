"""JSON API of the standards app: the standard, platforms, a site's compliance and verdict, its settings.

Mounted at ``/api/v1/standards/``; the same access helpers as the pages.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from diemcau.core.api_support import Pagination
from diemcau.core.replica import using_replica
from diemcau.standards import access, services
from diemcau.standards.choices import SettingsSource, Status, Verdict
from diemcau.standards.models import (
    ConfigProfile,
    Platform,
    SiteCompatibility,
    SiteCompliance,
    SiteVerdict,
    Standard,
)
from diemcau.standards.reasons import render
from diemcau.standards.results import compatibility_rows, drift_for_site, verdict_reasons

router = Router(tags=["standards"])


class RequirementOut(Schema):
    code: str
    category: str
    text: str
    rule: dict
    severity: str
    source: str


class StandardOut(Schema):
    id: int
    name: str
    version: str
    status: str
    published_at: datetime | None


class StandardDetailOut(StandardOut):
    requirements: list[RequirementOut]


class PlatformOut(Schema):
    id: int
    code: str
    name: str
    reference: bool
    protocols: list[str]
    video_codecs: list[str]
    audio_codecs: list[str]
    min_resolution: str
    max_resolution: str
    content_sharing: list[str]
    encryption: list[str]
    encryption_required: bool
    soft_clients: list[str]
    min_firmware: list[dict]
    is_active: bool


class OutcomeOut(Schema):
    code: str
    status: str
    reason: str


class ComplianceOut(Schema):
    site: str
    standard: str | None
    computed_at: datetime | None
    results: list[OutcomeOut]


class ReasonOut(Schema):
    level: str
    source: str
    text: str


class VerdictOut(Schema):
    site: str
    verdict: str | None
    since: datetime | None
    checked_at: datetime | None
    standard: str | None
    reasons: list[ReasonOut]


class VerdictRowOut(Schema):
    site_id: int
    site: str = Field(..., alias="site.code")
    verdict: str
    since: datetime = Field(..., alias="computed_at")
    checked_at: datetime


class SettingsIn(Schema):
    values: dict
    profile: str | None = None


class DriftRowOut(Schema):
    key: str
    expected: object = None
    actual: object = None
    status: str


class SettingsOut(Schema):
    site: str
    profile: str | None
    values: dict
    drift: list[DriftRowOut]


@router.get("/versions", response=list[StandardOut])
def list_standards(request):
    return list(access.standards_for_user(request.user))


@router.get("/versions/current", response=StandardDetailOut)
def current_standard(request):
    standard = Standard.objects.current()
    if standard is None:
        raise HttpError(404, "No standard is in force.")
    return {**StandardOut.from_orm(standard).dict(), "requirements": list(standard.requirements.all())}


@router.get("/versions/{pk}", response=StandardDetailOut)
def get_standard(request, pk: int):
    standard = access.standard_for_user(request.user, pk)
    return {**StandardOut.from_orm(standard).dict(), "requirements": list(standard.requirements.all())}


@router.get("/platforms", response=list[PlatformOut])
def list_platforms(request):
    return list(Platform.objects.all())


@router.get("/verdicts", response=list[VerdictRowOut])
@using_replica
@paginate(Pagination)
def list_verdicts(request, verdict: str | None = None):
    qs = SiteVerdict.objects.filter(is_current=True, site__in=access.sites_for_user(request.user)).select_related("site").order_by("site__code")
    if verdict:
        if verdict not in Verdict.values:
            raise HttpError(422, f"verdict must be one of {', '.join(Verdict.values)}")
        qs = qs.filter(verdict=verdict)
    return qs.only("id", "site_id", "site__code", "verdict", "computed_at", "checked_at")


@router.get("/sites/{pk}/compliance", response=ComplianceOut)
def site_compliance(request, pk: int, standard: int | None = None):
    site = access.site_for_user(request.user, pk)
    chosen = access.standard_for_user(request.user, standard) if standard else Standard.objects.current()
    row = SiteCompliance.objects.filter(site=site, standard=chosen).first() if chosen else None
    results = []
    if chosen:
        for requirement in chosen.requirements.all():
            outcome = (row.results if row else {}).get(requirement.code)
            results.append({
                "code": requirement.code, "status": outcome["status"] if outcome else Status.UNKNOWN,
                "reason": render(outcome["reason"]) if outcome else "",
            })
    return {"site": site.code, "standard": chosen.version if chosen else None,
            "computed_at": row.computed_at if row else None, "results": results}


@router.get("/sites/{pk}/verdict", response=VerdictOut)
def site_verdict(request, pk: int):
    site = access.site_for_user(request.user, pk)
    verdict = SiteVerdict.objects.filter(site=site, is_current=True).select_related("standard").first()
    return {
        "site": site.code, "verdict": verdict.verdict if verdict else None,
        "since": verdict.computed_at if verdict else None, "checked_at": verdict.checked_at if verdict else None,
        "standard": verdict.standard.version if verdict and verdict.standard else None,
        "reasons": [{"level": r["level"], "source": r["source"], "text": r["text"]} for r in verdict_reasons(verdict)],
    }


@router.get("/sites/{pk}/compatibility")
def site_compatibility(request, pk: int):
    site = access.site_for_user(request.user, pk)
    return {"site": site.code, "platforms": compatibility_rows(SiteCompatibility.objects.filter(site=site).first())}


def _settings_out(site) -> dict:
    drift = drift_for_site(site)
    record = drift["record"]
    return {
        "site": site.code, "profile": drift["profile"].code if drift["profile"] else None,
        "values": record.values if record else {},
        "drift": [{k: row[k] for k in ("key", "expected", "actual", "status")} for row in drift["rows"]],
    }


@router.get("/sites/{pk}/settings", response=SettingsOut)
def get_site_settings(request, pk: int):
    return _settings_out(access.site_for_user(request.user, pk))


@router.put("/sites/{pk}/settings", response=SettingsOut)
def put_site_settings(request, pk: int, payload: SettingsIn):
    """Record a site's actual settings (e.g. read from the codec by a script)."""
    try:
        site = access.site_for_user(request.user, pk, record_settings=True)
    except PermissionDenied:
        raise HttpError(403, "You may not record settings for this site.")
    profile = None
    if payload.profile:
        profile = ConfigProfile.objects.filter(code=payload.profile, is_active=True).first()
        if profile is None:
            raise HttpError(422, f"Unknown profile {payload.profile}")
    try:
        services.site_settings_save(site, values=payload.values, profile=profile, user=request.user, source=SettingsSource.API)
    except ValidationError as exc:
        raise HttpError(422, "; ".join(exc.messages))
    return _settings_out(site)
