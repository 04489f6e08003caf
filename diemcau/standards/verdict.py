"""The stability verdict of a site: the rule, in one place.

``decide`` reads what was judged about a site (compliance with the standard,
compatibility with the province platforms, device wear, configuration drift)
and the findings other apps contribute (incident history, measured quality),
and returns stable / unstable / unfit with *every* reason that led to it.
Its thresholds are settings (``VERDICT_*``), so the province tunes them
without a code change.
"""

from django.conf import settings

from diemcau.standards.choices import CORE_DEVICE_GROUPS, Compatibility, Severity, Status, Verdict
from diemcau.standards.reasons import reason

DEFAULTS = {
    # This many failed requirements (severity "fail") make a site unfit.
    "VERDICT_UNFIT_FAILS": 3,
    # This many failed requirements make it unstable.
    "VERDICT_UNSTABLE_FAILS": 1,
    # This many requirements met with little margin make it unstable.
    "VERDICT_UNSTABLE_WARNS": 3,
    # More requirements than this that cannot be judged for lack of data make it unstable.
    "VERDICT_UNKNOWN_LIMIT": 4,
    # This many settings that differ from the profile make it unstable.
    "VERDICT_DRIFT_FIELDS": 3,
    # This many degraded or broken core devices (terminal, camera, mic, speaker, display) make it unstable.
    "VERDICT_DEGRADED_DEVICES": 1,
}


def thresholds() -> dict:
    return {name: int(getattr(settings, name, default)) for name, default in DEFAULTS.items()}


def decide(*, requirements, compliance: dict, compatibility: list, devices: list, drift: dict,
           findings: list, limits: dict | None = None) -> tuple[str, list[dict]]:
    """The verdict and every reason for it.

    - ``requirements``: ``[(code, severity), …]`` of the standard in force
      (empty when none is in force);
    - ``compliance``: ``{code: {"status", "reason"}}``;
    - ``compatibility``: the results against the province's reference platforms;
    - ``devices``: the site's ``DeviceFact``s;
    - ``drift``: ``{"profile": name, "rows": [...]}`` from ``drift.compare``;
    - ``findings``: ``[{"level", "code", "reason", "source"}]`` from other apps.

    A reason is ``{"level": "unstable"|"unfit", "source": …, "reason": {…}}``.
    """
    limits = limits or thresholds()
    reasons: list[dict] = []

    def add(level, item, source="standards"):
        reasons.append({"level": level, "source": source, "reason": item})

    if not requirements:
        add(Verdict.UNSTABLE, reason("verdict_no_standard"))
    severity = dict(requirements)
    fails = [c for c, o in compliance.items() if o["status"] == Status.FAIL and severity.get(c) != Severity.WARN]
    warns = [c for c, o in compliance.items() if o["status"] == Status.WARN]
    unknown = [c for c, o in compliance.items() if o["status"] == Status.UNKNOWN]

    if len(fails) >= limits["VERDICT_UNFIT_FAILS"]:
        add(Verdict.UNFIT, reason("verdict_too_many_fails", count=len(fails), limit=limits["VERDICT_UNFIT_FAILS"]))
    if len(fails) >= limits["VERDICT_UNSTABLE_FAILS"]:
        for code in fails:
            add(Verdict.UNSTABLE, reason("verdict_requirement_fail", code=code, reason=compliance[code]["reason"]))
    if len(warns) >= limits["VERDICT_UNSTABLE_WARNS"]:
        add(Verdict.UNSTABLE, reason("verdict_too_many_warns", count=len(warns), limit=limits["VERDICT_UNSTABLE_WARNS"]))
        for code in warns:
            text = "verdict_requirement_soft" if compliance[code].get("soft") else "verdict_requirement_warn"
            add(Verdict.UNSTABLE, reason(text, code=code, reason=compliance[code]["reason"]))
    if len(unknown) > limits["VERDICT_UNKNOWN_LIMIT"]:
        add(Verdict.UNSTABLE, reason("verdict_too_many_unknown", count=len(unknown), limit=limits["VERDICT_UNKNOWN_LIMIT"]))

    worn = [d for d in devices if d.group in CORE_DEVICE_GROUPS and d.condition in ("degraded", "broken")]
    if worn and len(worn) >= limits["VERDICT_DEGRADED_DEVICES"]:
        words = {"vi": {"degraded": "xuống cấp", "broken": "hỏng"}, "en": {"degraded": "degraded", "broken": "broken"}}
        labels = {lang: ", ".join(f"{d.label} ({w[d.condition]})" for d in worn[:6]) for lang, w in words.items()}
        add(Verdict.UNSTABLE, reason("verdict_device_degraded", count=sum(d.quantity for d in worn), devices=labels))

    if compatibility:
        best = min(compatibility, key=lambda r: Compatibility.rank(r.status))
        if best.status == Compatibility.INCOMPATIBLE:
            add(Verdict.UNFIT, reason("verdict_no_platform", why=best.why))
        elif best.status == Compatibility.LIMITED:
            add(Verdict.UNSTABLE, reason("verdict_platform_limited", why=best.why))

    drifted = [row["key"] for row in drift.get("rows", []) if row["status"] == "drift"]
    if drifted and len(drifted) >= limits["VERDICT_DRIFT_FIELDS"]:
        from diemcau.standards.drift import FIELDS_BY_KEY

        add(Verdict.UNSTABLE, reason(
            "verdict_drift", count=len(drifted), profile=drift.get("profile") or "—",
            fields=[_field_names(FIELDS_BY_KEY[k]) for k in drifted if k in FIELDS_BY_KEY],
        ))

    for finding in findings:
        level = finding.get("level")
        if level in (Verdict.UNSTABLE, Verdict.UNFIT):
            add(level, {"text": finding.get("reason", finding.get("code", "")), "value": finding.get("value")},
                source=finding.get("source", ""))

    verdict = max((r["level"] for r in reasons), key=Verdict.rank, default=Verdict.STABLE)
    if not reasons:
        reasons.append({"level": Verdict.STABLE, "source": "standards", "reason": reason("verdict_all_clear")})
    reasons.sort(key=lambda r: -Verdict.rank(r["level"]))
    return str(verdict), [{**r, "level": str(r["level"])} for r in reasons]


def _field_names(field) -> dict:
    from django.utils import translation

    names = {}
    for lang in ("vi", "en"):
        with translation.override(lang):
            names[lang] = str(field.label)
    return names
