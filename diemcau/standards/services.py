"""Writes of the standards app: standards, profiles, site settings, and recomputing results.

``recompute_sites`` judges every site (or some) against the standard in
force, every platform in use and its configuration profile, folds in the
findings of other apps, and stores compliance, compatibility and verdicts —
in one pass with a fixed number of reads, whatever the number of sites.
"""

import logging
from dataclasses import dataclass

import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from diemcau.core.apps import DiemcauAppConfig
from diemcau.core.history import record_change, snapshot
from diemcau.core.models import ChangeAction, ChangeRecord, ChangeVia
from diemcau.inventory.models import Site
from diemcau.standards.choices import Category, SettingsSource, Severity, StandardStatus, Status
from diemcau.standards.compatibility import check_all
from diemcau.standards.drift import compare
from diemcau.standards.facts import load_facts
from diemcau.standards.models import (
    ConfigProfile,
    PendingVerdict,
    Platform,
    Requirement,
    SiteCompatibility,
    SiteCompliance,
    SiteSettings,
    SiteVerdict,
    Standard,
    fingerprint,
)
from diemcau.standards.reference import read_standard_file
from diemcau.standards.rules import evaluate, split_rule, validate_rule
from diemcau.standards.verdict import decide, thresholds

log = logging.getLogger(__name__)
BATCH = 500


# Standards -----------------------------------------------------------------------------

def standard_from_data(data: dict, *, user=None, status: str = StandardStatus.DRAFT) -> Standard:
    """Create a standard from the YAML structure of ``standard.yaml``.

    Every requirement is checked first; an unknown rule type or a bad level
    rejects the whole file with the requirement's code in the message.
    """
    if not isinstance(data, dict) or not isinstance(data.get("requirements"), list):
        raise ValidationError(_("The file must have a list of “requirements”."))
    errors, seen = [], set()
    for index, item in enumerate(data["requirements"], start=1):
        code = str(item.get("code", "")).strip().upper() if isinstance(item, dict) else ""
        where = code or _("requirement %(n)s") % {"n": index}
        if not code:
            errors.append(_("%(where)s: a code is required") % {"where": where})
            continue
        if code in seen:
            errors.append(_("%(where)s: the code appears twice") % {"where": where})
        seen.add(code)
        if item.get("category") not in Category.values:
            errors.append(_("%(where)s: unknown category “%(cat)s”") % {"where": where, "cat": item.get("category")})
        if item.get("severity", Severity.FAIL) not in Severity.values:
            errors.append(_("%(where)s: severity must be fail or warn") % {"where": where})
        if not (item.get("vi") or item.get("text")):
            errors.append(_("%(where)s: the requirement text is missing") % {"where": where})
        errors.extend(f"{where}: {e}" for e in validate_rule(item.get("rule")))
    errors.extend(precheck_errors(data.get("precheck")))
    version = str(data.get("version") or "").strip()
    if not version:
        errors.append(_("The file has no version."))
    elif Standard.objects.filter(version=version).exists():
        errors.append(_("Version %(version)s already exists.") % {"version": version})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        standard = Standard.objects.create(
            name=str(data.get("name") or _("Minimum standard")), version=version, status=status, created_by=user,
            notes=str(data.get("notes") or ""), precheck=data.get("precheck") or {},
        )
        Requirement.objects.bulk_create([
            Requirement(
                standard=standard, code=str(item["code"]).strip().upper(), category=item["category"],
                text=item.get("vi") or item.get("text"), rule=item["rule"],
                severity=item.get("severity", Severity.FAIL), source=item.get("source", ""), position=index,
            )
            for index, item in enumerate(data["requirements"], start=1)
        ])
    return standard


def precheck_errors(precheck) -> list[str]:
    """What is wrong with a ``precheck`` section (empty: none given, the shipped one applies)."""
    if not precheck:
        return []
    if not isinstance(precheck, dict) or not isinstance(precheck.get("items"), list):
        return [_("precheck: it needs a list of “items”.")]
    errors = []
    for key in ("opens_hours_before", "due_minutes_before"):
        value = precheck.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            errors.append(_("precheck: %(key)s must be a number of zero or more") % {"key": key})
    seen = set()
    for index, item in enumerate(precheck["items"], start=1):
        code = str(item.get("code") or "").strip() if isinstance(item, dict) else ""
        if not code or not item.get("vi"):
            errors.append(_("precheck: item %(n)s needs a code and a Vietnamese text") % {"n": index})
        elif code in seen:
            errors.append(_("precheck: the item %(code)s appears twice") % {"code": code})
        seen.add(code)
    return errors


def standard_import(text: str, *, user) -> Standard:
    """A draft standard from uploaded YAML text."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(_("The file is not valid YAML: %(error)s") % {"error": exc})
    return standard_from_data(data, user=user)


def load_default_standard(*, user=None) -> Standard:
    """Publish the shipped ``standard.yaml`` when no standard exists yet. Idempotent."""
    existing = Standard.objects.current() or Standard.objects.first()
    if existing is not None:
        return existing
    standard = standard_from_data(read_standard_file(), user=user, status=StandardStatus.PUBLISHED)
    standard.published_at = timezone.now()
    standard.save(update_fields=["published_at"])
    return standard


def standard_new_draft(*, user, based_on: Standard | None = None, version: str) -> Standard:
    """A draft copying the requirements of ``based_on`` (the version in force by default)."""
    based_on = based_on or Standard.objects.current()
    version = version.strip()
    if not version:
        raise ValidationError({"version": _("Give the new version a name, e.g. 2026.2.")})
    if Standard.objects.filter(version=version).exists():
        raise ValidationError({"version": _("Version %(version)s already exists.") % {"version": version}})
    with transaction.atomic():
        draft = Standard.objects.create(
            name=based_on.name if based_on else _("Minimum standard"), version=version,
            based_on=based_on, created_by=user, precheck=based_on.precheck if based_on else {},
        )
        if based_on:
            Requirement.objects.bulk_create([
                Requirement(standard=draft, code=r.code, category=r.category, text=r.text, rule=r.rule,
                            severity=r.severity, source=r.source, position=r.position)
                for r in based_on.requirements.all()
            ])
    return draft


def requirement_save(requirement: Requirement) -> Requirement:
    if not requirement.standard.is_draft:
        raise ValidationError(_("Only a draft can be changed; start a new draft to change the standard."))
    requirement.full_clean()
    requirement.save()
    return requirement


def requirement_delete(requirement: Requirement) -> None:
    if not requirement.standard.is_draft:
        raise ValidationError(_("Only a draft can be changed; start a new draft to change the standard."))
    requirement.delete()


@transaction.atomic
def standard_publish(standard: Standard, *, user, recompute: bool = True) -> Standard:
    """Put a draft in force; the previous version is kept as superseded, with its results."""
    standard = Standard.objects.select_for_update().get(pk=standard.pk)
    if not standard.is_draft:
        raise ValidationError(_("Only a draft can be published."))
    requirements = list(standard.requirements.all())
    if not requirements:
        raise ValidationError(_("A standard needs at least one requirement."))
    errors = [f"{r.code}: {e}" for r in requirements for e in validate_rule(r.rule)]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    Standard.objects.filter(status=StandardStatus.PUBLISHED).update(status=StandardStatus.SUPERSEDED)
    standard.status = StandardStatus.PUBLISHED
    standard.published_at = now
    standard.published_by = user
    standard.save(update_fields=["status", "published_at", "published_by"])
    if recompute:
        transaction.on_commit(lambda: request_verdict_recompute(None))
    return standard


# Platforms and profiles ----------------------------------------------------------------

def platform_save(platform: Platform) -> Platform:
    platform.full_clean()
    platform.updated_at = timezone.now()
    platform.save()
    transaction.on_commit(lambda: request_verdict_recompute(None))
    return platform


@transaction.atomic
def profile_save(profile: ConfigProfile) -> ConfigProfile:
    profile.settings = {k: v for k, v in (profile.settings or {}).items() if v not in (None, "")}
    profile.full_clean()
    if profile.is_default:
        ConfigProfile.objects.filter(is_default=True).exclude(pk=profile.pk).update(is_default=False)
    profile.updated_at = timezone.now()
    profile.save()
    transaction.on_commit(lambda: request_verdict_recompute(None))
    return profile


@transaction.atomic
def site_settings_save(site: Site, *, values: dict, profile: ConfigProfile | None = None, user=None,
                       source: str = SettingsSource.MANUAL, recompute: bool = True) -> SiteSettings:
    """Record a site's actual settings (replacing the last record) and recompute its verdict."""
    from diemcau.standards.drift import FIELDS_BY_KEY

    unknown = [k for k in values if k not in FIELDS_BY_KEY]
    if unknown:
        raise ValidationError({"values": _("Unknown setting(s): %(keys)s.") % {"keys": ", ".join(unknown)}})
    record = SiteSettings.objects.filter(site=site).first()
    before = snapshot(record) if record else None
    if record is None:
        record = SiteSettings(site=site)
    record.values = {k: v for k, v in values.items() if v not in (None, "")}
    record.profile = profile
    record.source = source
    record.recorded_at = timezone.now()
    record.recorded_by = user if getattr(user, "is_authenticated", False) else None
    record.full_clean()
    record.save()
    via = {SettingsSource.IMPORT: ChangeVia.IMPORT, SettingsSource.API: ChangeVia.API}.get(source, ChangeVia.WEB)
    record_change(record, user=user, before=before, via=via, site=site,
                  action=ChangeAction.UPDATE if before else ChangeAction.CREATE)
    if recompute:
        transaction.on_commit(lambda: request_verdict_recompute([site.pk]))
    return record


# Findings of other apps ------------------------------------------------------------------

def _plain(value):
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def collect_findings(site_ids, now) -> dict:
    """Findings of every app that declares ``stability_inputs`` (see core.apps), by site."""
    merged: dict = {}
    for config in apps.get_app_configs():
        dotted = getattr(config, "stability_inputs", None) if isinstance(config, DiemcauAppConfig) else None
        if not dotted:
            continue
        for site_id, items in (import_string(dotted)(list(site_ids), now) or {}).items():
            for item in items:
                merged.setdefault(site_id, []).append({
                    "level": item.get("level"), "code": item.get("code", ""), "source": config.label,
                    "reason": str(item.get("reason", "")), "value": _plain(item.get("value")),
                })
    return merged


# Recomputing ------------------------------------------------------------------------------

@dataclass
class RecomputeReport:
    sites: int
    standard: str | None
    changed_verdicts: int
    by_verdict: dict


def _drift_for(site, record: SiteSettings | None, profiles: dict, default: ConfigProfile | None) -> dict:
    profile = profiles.get(record.profile_id) if record and record.profile_id else default
    if profile is None:
        return {"profile": None, "rows": []}
    return {
        "profile": profile.name, "profile_id": profile.pk,
        "rows": compare(profile.settings, record.values if record else {}, site_code=site.code),
    }


@dataclass
class _Rules:
    """What one recompute judges every site against, read once."""

    standard: Standard | None
    requirement_keys: list
    parsed: list
    platforms: list
    reference: list
    profiles: dict
    default_profile: ConfigProfile | None
    limits: dict

    @property
    def version(self):
        return self.standard.version if self.standard else None


@dataclass
class _Previous:
    """What the sites have now: their facts and findings, settings, and the results stored last time."""

    facts: dict
    findings: dict
    settings: dict
    compliance: dict
    compatibility: dict
    verdicts: dict


@dataclass
class _Rows:
    """One table's writes: rows only re-stamped (same results), rows replaced (stale), new rows."""

    same: list
    stale: list
    new: list

    def keep_or_replace(self, old, digest: str, make) -> bool:
        """Keep ``old`` when its fingerprint is ``digest``, else queue ``make()`` in its place; True if kept."""
        if old is not None and old.fingerprint == digest:
            self.same.append(old.pk)
            return True
        if old is not None:
            self.stale.append(old.pk)
        self.new.append(make())
        return False


def _read_rules() -> _Rules:
    standard = Standard.objects.current()
    requirements = list(standard.requirements.all()) if standard else []
    platforms = [p.spec() for p in Platform.objects.filter(is_active=True)]
    profiles = {p.pk: p for p in ConfigProfile.objects.filter(is_active=True)}
    return _Rules(
        standard=standard, requirement_keys=[(r.code, r.severity) for r in requirements],
        parsed=[(r.code, r.severity, split_rule(r.rule)) for r in requirements],
        platforms=platforms, reference=[p for p in platforms if p.reference], profiles=profiles,
        default_profile=next((p for p in profiles.values() if p.is_default), None), limits=thresholds(),
    )


def _sites_to_judge(site_ids) -> list[Site]:
    sites_qs = Site.objects.active().only("id", "code", "has_ups", "ups_runtime_min", "backup_plan")
    if site_ids is not None:
        sites_qs = sites_qs.filter(pk__in=list(site_ids))
    return list(sites_qs.order_by("pk"))


def _read_previous(rules: _Rules, sites: list[Site], *, all_sites: bool, now) -> _Previous:
    ids = [s.pk for s in sites]
    # Every active site: filter by that rather than by ten thousand ids.
    scope = {"site__retired_at__isnull": True} if all_sites or len(ids) > 1000 else {"site_id__in": ids}
    standard = rules.standard
    return _Previous(
        facts=load_facts(sites, now=now), findings=collect_findings(ids, now),
        settings={r.site_id: r for r in SiteSettings.objects.filter(**scope)},
        compliance={r.site_id: r for r in SiteCompliance.objects.filter(standard=standard, **scope)
                    .only("id", "site_id", "fingerprint")} if standard else {},
        compatibility={r.site_id: r for r in SiteCompatibility.objects.filter(**scope)
                       .only("id", "site_id", "fingerprint")},
        verdicts={v.site_id: v for v in SiteVerdict.objects.filter(is_current=True, **scope)
                  .only("id", "site_id", "fingerprint")},
    )


def _compliance_row(rules: _Rules, site, outcomes: dict, old, rows: _Rows, now) -> None:
    counts = dict.fromkeys(Status.values, 0)
    for outcome in outcomes.values():
        counts[outcome["status"]] += 1
    digest = fingerprint(outcomes)
    rows.keep_or_replace(old, digest, lambda: SiteCompliance(
        site_id=site.pk, standard=rules.standard, computed_at=now, results=outcomes, fingerprint=digest,
        passed=counts[Status.PASS], warned=counts[Status.WARN], failed=counts[Status.FAIL],
        unknown=counts[Status.UNKNOWN],
    ))


def _compatibility_row(site, compat: dict, old, rows: _Rows, now) -> None:
    results = [r.as_dict() for r in compat.values()]
    digest = fingerprint(results)
    rows.keep_or_replace(old, digest, lambda: SiteCompatibility(
        site_id=site.pk, computed_at=now, results=results, fingerprint=digest))


def _verdict_row(rules: _Rules, previous: _Previous, site, facts, outcomes: dict, compat: dict, rows: _Rows,
                 now) -> str:
    """Decide the site's verdict and queue it (a new row when it changed); returns the verdict."""
    drift = _drift_for(site, previous.settings.get(site.pk), rules.profiles, rules.default_profile)
    findings = previous.findings.get(site.pk, [])
    verdict, reasons = decide(
        requirements=rules.requirement_keys, compliance=outcomes,
        compatibility=[compat[p.id] for p in rules.reference], devices=facts.devices, drift=drift,
        findings=findings, limits=rules.limits,
    )
    standard_id = rules.standard.pk if rules.standard else None
    digest = fingerprint([verdict, standard_id, reasons])
    rows.keep_or_replace(previous.verdicts.get(site.pk), digest, lambda: SiteVerdict(
        site_id=site.pk, verdict=verdict, standard_id=standard_id, computed_at=now, checked_at=now,
        reasons=reasons, fingerprint=digest, is_current=True,
        inputs={
            "standard": rules.version,
            "compliance": {k: v["status"] for k, v in outcomes.items()},
            "compatibility": {str(k): r.status for k, r in compat.items()},
            "devices": {"total": len(facts.devices),
                        "worn": [d.id for d in facts.devices if d.condition in ("degraded", "broken")]},
            "drift": {"profile": drift.get("profile"),
                      "fields": [r["key"] for r in drift["rows"] if r["status"] == "drift"]},
            "quality": {k: _plain(v) for k, v in facts.quality.items()},
            "findings": findings,
            "thresholds": rules.limits,
        },
    ))
    return verdict


def _write(compliance: _Rows, compatibility: _Rows, verdicts: _Rows, now) -> None:
    """Rows whose results are the same only get the new time (one UPDATE per 5,000); changed ones are
    replaced (DELETE + INSERT is far cheaper than a per-row UPDATE of a JSON column); a changed verdict is
    a new row, the old one kept as history."""
    with transaction.atomic():
        for model, rows in ((SiteCompliance, compliance), (SiteCompatibility, compatibility)):
            for chunk in _chunks(rows.same):
                model.objects.filter(pk__in=chunk).update(computed_at=now)
            for chunk in _chunks(rows.stale):
                model.objects.filter(pk__in=chunk).delete()
            model.objects.bulk_create(rows.new, batch_size=BATCH)
        for chunk in _chunks(verdicts.same):
            SiteVerdict.objects.filter(pk__in=chunk).update(checked_at=now)
        for chunk in _chunks(verdicts.stale):
            SiteVerdict.objects.filter(pk__in=chunk).update(is_current=False)
        SiteVerdict.objects.bulk_create(verdicts.new, batch_size=BATCH)


def recompute_sites(site_ids=None, *, now=None) -> RecomputeReport:
    """Judge the given sites (all active sites when ``None``) and store every result.

    Reads: the standard, its requirements, platforms, profiles, the sites, their
    devices, links and contacts, settings, previous results and verdicts — each
    once. Writes go in batches of 500.
    """
    now = now or timezone.now()
    rules = _read_rules()
    sites = _sites_to_judge(site_ids)
    if not sites:
        return RecomputeReport(0, rules.version, 0, {})
    previous = _read_previous(rules, sites, all_sites=site_ids is None, now=now)
    compliance, compatibility, verdicts = _Rows([], [], []), _Rows([], [], []), _Rows([], [], [])
    by_verdict: dict = {}
    for site in sites:
        facts = previous.facts[site.pk]
        compat = check_all(facts, rules.platforms)
        facts.compatibility = compat
        outcomes = {code: evaluate(rule, facts, severity=severity).as_dict() for code, severity, rule in rules.parsed}
        if rules.standard:
            _compliance_row(rules, site, outcomes, previous.compliance.get(site.pk), compliance, now)
        _compatibility_row(site, compat, previous.compatibility.get(site.pk), compatibility, now)
        verdict = _verdict_row(rules, previous, site, facts, outcomes, compat, verdicts, now)
        by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
    _write(compliance, compatibility, verdicts, now)
    return RecomputeReport(len(sites), rules.version, len(verdicts.new), by_verdict)


def _chunks(items, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def stale_site_ids() -> list[int]:
    """Active sites whose inventory changed after their verdict was last checked (or never judged)."""
    current = SiteVerdict.objects.filter(site=OuterRef("pk"), is_current=True)
    changes = ChangeRecord.objects.filter(site=OuterRef("pk"), at__gt=OuterRef("checked"))
    return list(
        Site.objects.active().annotate(checked=Subquery(current.values("checked_at")[:1]))
        .filter(Q(checked__isnull=True) | Q(updated_at__gt=F("checked")) | Exists(changes))
        .values_list("pk", flat=True)
    )


def request_verdict_recompute(site_ids=None) -> None:
    """Ask for the verdicts of these sites (all when ``None``) to be recomputed.

    Other apps call this when their inputs change (an incident closed, a
    measurement window rolled). Sites are marked in ``PendingVerdict`` and the
    worker's ``drain_pending_verdicts`` job recomputes them within a minute,
    so a burst of changes costs one recomputation. A full recomputation (a
    standard published) is queued as one job. In huey's immediate mode
    (tests, tiny installs) everything runs at once.
    """
    from huey.contrib.djhuey import HUEY

    from diemcau.standards.tasks import recompute_verdicts

    if site_ids is None or HUEY.immediate:
        recompute_verdicts(sorted(set(site_ids)) if site_ids is not None else None)
        return
    now = timezone.now()
    PendingVerdict.objects.bulk_create(
        [PendingVerdict(site_id=pk, requested_at=now) for pk in set(site_ids)], ignore_conflicts=True
    )


def drain_pending_verdicts(limit: int = 5000) -> int:
    """Recompute the sites marked pending; a mark made while computing stays for the next run."""
    started = timezone.now()
    ids = list(PendingVerdict.objects.order_by("requested_at").values_list("site_id", flat=True)[:limit])
    if not ids:
        return 0
    recompute_sites(ids)
    PendingVerdict.objects.filter(site_id__in=ids, requested_at__lte=started).delete()
    return len(ids)
