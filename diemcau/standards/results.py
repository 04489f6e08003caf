"""Reading stored results for pages, exports and the API (no judging happens here)."""

from collections import Counter

from django.utils.translation import gettext_lazy as _

from diemcau.standards.choices import Compatibility, DriftStatus, Status, Verdict
from diemcau.standards.drift import compare, label_of
from diemcau.standards.models import (
    ConfigProfile,
    SiteCompatibility,
    SiteCompliance,
    SiteSettings,
    SiteVerdict,
    Standard,
)
from diemcau.standards.reasons import render


def compliance_rows(standard: Standard, compliance: SiteCompliance | None, requirements=None) -> list[dict]:
    """One row per requirement: the requirement, the status (unknown when not judged) and the reason."""
    rows = []
    results = compliance.results if compliance else {}
    for requirement in requirements if requirements is not None else standard.requirements.all():
        outcome = results.get(requirement.code)
        rows.append({
            "requirement": requirement,
            "status": outcome["status"] if outcome else Status.UNKNOWN,
            # A requirement of severity "warn" that is not met reads as not met, as in the verdict.
            "status_label": (_("Not met (counted as a warning)") if outcome and outcome.get("soft")
                             else Status(outcome["status"]).label if outcome else Status.UNKNOWN.label),
            "reason": render(outcome["reason"]) if outcome else "",
        })
    return rows


def compatibility_rows(row: SiteCompatibility | None) -> list[dict]:
    items = []
    for result in (row.results if row else []):
        items.append({
            "platform": result["platform_name"], "reference": result["reference"], "status": result["status"],
            "status_label": Compatibility(result["status"]).label,
            "why": [render(r) for r in result["why"]],
            "devices": [
                {"label": d["label"], "status": d["status"], "status_label": Compatibility(d["status"]).label,
                 "reasons": [render(r) for r in d["reasons"]]}
                for d in result["devices"]
            ],
        })
    return items


def drift_for_site(site) -> dict:
    """The site's actual settings against its profile, field by field (computed on read: it is cheap)."""
    record = SiteSettings.objects.filter(site=site).select_related("profile", "recorded_by").first()
    profile = record.profile if record and record.profile_id else ConfigProfile.objects.filter(
        is_default=True, is_active=True).first()
    rows = compare(profile.settings, record.values if record else {}, site_code=site.code) if profile else []
    for row in rows:
        row["label"] = label_of(row["key"])
        row["expected_text"] = shown(row["expected"])
        row["actual_text"] = shown(row["actual"])
        row["status_label"] = DriftStatus(row["status"]).label
    return {
        "profile": profile, "record": record, "rows": rows,
        "drifted": sum(1 for r in rows if r["status"] == DriftStatus.DRIFT),
        "missing": sum(1 for r in rows if r["status"] == DriftStatus.MISSING),
    }


def shown(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(_("On") if value else _("Off"))
    return str(value)


def verdict_reasons(verdict: SiteVerdict | None) -> list[dict]:
    if verdict is None:
        return []
    return [
        {"level": r["level"], "level_label": Verdict(r["level"]).label, "source": r.get("source", ""),
         "source_label": _source_label(r.get("source", "")), "text": render(r["reason"])}
        for r in verdict.reasons
    ]


def _source_label(label: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def current_verdicts(site_ids) -> dict:
    return {v.site_id: v for v in SiteVerdict.objects.filter(site_id__in=site_ids, is_current=True)}


def verdict_counts(sites_qs) -> dict:
    """Sites per verdict among the given sites; sites never judged are counted apart."""
    counts = Counter(
        SiteVerdict.objects.filter(is_current=True, site__in=sites_qs).values_list("verdict", flat=True)
    )
    total = sites_qs.count()
    judged = sum(counts.values())
    return {
        "rows": [{"verdict": v, "label": v.label, "count": counts.get(v, 0)} for v in Verdict],
        "total": total, "not_judged": max(total - judged, 0),
    }


def requirement_shares(standard: Standard | None, sites_qs) -> list[dict]:
    """For each requirement: how many of the sites pass, warn, fail or are unknown."""
    if standard is None:
        return []
    requirements = list(standard.requirements.all())
    tallies = {r.code: Counter() for r in requirements}
    judged = 0
    for results in SiteCompliance.objects.filter(standard=standard, site__in=sites_qs).values_list("results", flat=True).iterator(chunk_size=2000):
        judged += 1
        for code, tally in tallies.items():
            outcome = results.get(code)
            tally[outcome["status"] if outcome else Status.UNKNOWN] += 1
    rows = []
    for r in requirements:
        t = tallies[r.code]
        rows.append({
            "requirement": r, "judged": judged,
            "pass": t[Status.PASS], "warn": t[Status.WARN], "fail": t[Status.FAIL], "unknown": t[Status.UNKNOWN],
            "share": round(100 * t[Status.PASS] / judged) if judged else None,
        })
    return rows


def platform_summary(sites_qs) -> list[dict]:
    """For each platform: how many of the sites can join it, with limits, not, or not known."""
    tallies: dict = {}
    for results in SiteCompatibility.objects.filter(site__in=sites_qs).values_list("results", flat=True).iterator(chunk_size=2000):
        for result in results:
            row = tallies.setdefault(result["platform_id"], {
                "platform": result["platform_name"], "reference": result["reference"], **dict.fromkeys(Compatibility.values, 0)})
            row[result["status"]] += 1
    return sorted(tallies.values(), key=lambda r: (not r["reference"], r["platform"]))


def drift_summary(sites_qs) -> dict:
    """Which settings differ from the profile most often, over the sites that recorded theirs."""
    profiles = {p.pk: p for p in ConfigProfile.objects.filter(is_active=True)}
    default = next((p for p in profiles.values() if p.is_default), None)
    counts: Counter = Counter()
    recorded = 0
    for site_code, profile_id, values in SiteSettings.objects.filter(site__in=sites_qs).values_list(
            "site__code", "profile_id", "values").iterator(chunk_size=2000):
        profile = profiles.get(profile_id) or default
        if profile is None:
            continue
        recorded += 1
        for row in compare(profile.settings, values, site_code=site_code):
            if row["status"] == DriftStatus.DRIFT:
                counts[row["key"]] += 1
    return {
        "recorded": recorded, "total": sites_qs.count(),
        "rows": [{"key": k, "label": label_of(k), "count": n} for k, n in counts.most_common()],
    }
