"""The rule types of the minimum standard: one small named function per rule key.

A requirement's rule is data, e.g. ``{primary_link_mbps: {fail_below: 1.2,
warn_below: 2.0}}`` or ``{device_group_good: camera, min_resolution:
720p}``: one rule key (the type) and the options that type accepts. Adding a
requirement of an existing type is data only; an unknown key is rejected by
``validate_rule`` with a clear message.

Each function reads ``SiteFacts`` and returns an ``Outcome``: pass / warn /
fail / unknown and the reason in words. Missing data gives *unknown*, never
a pass.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from diemcau.inventory.choices import LinkMedium, Resolution
from diemcau.standards.choices import CALLING_GROUPS, Compatibility, Status
from diemcau.standards.facts import SiteFacts
from diemcau.standards.reasons import reason


@dataclass(frozen=True)
class Outcome:
    status: str
    reason: dict
    value: object = None
    # A failure of a requirement of severity "warning only", shown as a warning.
    soft: bool = False

    def as_dict(self) -> dict:
        data = {"status": str(self.status), "reason": self.reason}
        if self.value is not None:
            data["value"] = self.value
        if self.soft:
            data["soft"] = True
        return data


@dataclass(frozen=True)
class RuleType:
    key: str
    check: Callable[[SiteFacts, object, dict], Outcome]
    validate: Callable[[object, dict], list[str]]
    options: frozenset = field(default_factory=frozenset)
    description: str = ""


RULES: dict[str, RuleType] = {}


def rule_type(key: str, *, validate, options=(), description=""):
    """Register ``check(facts, value, options) -> Outcome`` under ``key``."""

    def register(check):
        RULES[key] = RuleType(key, check, validate, frozenset(options), description)
        return check

    return register


# Parameter checks ---------------------------------------------------------------

def _number(value) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def _thresholds(direction: str):
    """Check ``{fail_below, warn_below}`` or ``{fail_above, warn_above}`` levels."""
    fail_key, warn_key = f"fail_{direction}", f"warn_{direction}"
    allowed = {fail_key, warn_key, "recommended"}

    def validate(value, options) -> list[str]:
        if not isinstance(value, dict):
            return [_("expects levels such as {%(fail)s: …, %(warn)s: …}") % {"fail": fail_key, "warn": warn_key}]
        errors = [_("unknown level “%(key)s”") % {"key": k} for k in value if k not in allowed]
        for k, v in value.items():
            if k in allowed and _number(v) is None:
                errors.append(_("“%(key)s” must be a number") % {"key": k})
        if fail_key not in value:
            errors.append(_("the FAIL level “%(key)s” is required") % {"key": fail_key})
        if not errors and warn_key in value:
            fail, warn = _number(value[fail_key]), _number(value[warn_key])
            wrong = warn < fail if direction == "below" else warn > fail
            if wrong:
                errors.append(_("the WARN level must be less strict than the FAIL level"))
        return errors

    return validate


def _flag(value, options) -> list[str]:
    return [] if value is True else [_("expects true")]


def _medium(value, options) -> list[str]:
    allowed = {"wired", *LinkMedium.values}
    values = value if isinstance(value, list) else [value]
    bad = [str(v) for v in values if v not in allowed]
    return [_("unknown medium %(bad)s; use wired or %(allowed)s") % {
        "bad": ", ".join(bad), "allowed": ", ".join(LinkMedium.values)}] if bad else []


def _group(value, options) -> list[str]:
    from diemcau.inventory.models import Term

    errors = []
    if not isinstance(value, str) or not Term.objects.filter(taxonomy="device_group", code=value).exists():
        errors.append(_("unknown device group “%(group)s”") % {"group": value})
    if "min_count" in options and (not isinstance(options["min_count"], int) or options["min_count"] < 1):
        errors.append(_("min_count must be a whole number of at least 1"))
    if "min_resolution" in options and options["min_resolution"] not in Resolution.values:
        errors.append(_("min_resolution must be one of %(values)s") % {"values": ", ".join(Resolution.values)})
    return errors


def _capabilities(value, options) -> list[str]:
    from diemcau.inventory.choices import AUDIO_CODECS, PROTOCOLS, VIDEO_CODECS

    known = {"protocols": PROTOCOLS, "video_codecs": VIDEO_CODECS, "audio_codecs": AUDIO_CODECS}
    if not isinstance(value, dict) or not value:
        return [_("expects e.g. {audio_codecs: [G.722, G.711]}")]
    errors = []
    for key, names in value.items():
        if key not in known:
            errors.append(_("unknown capability “%(key)s”; use %(known)s") % {"key": key, "known": ", ".join(known)})
        elif not isinstance(names, list) or not names or any(n not in known[key] for n in names):
            errors.append(_("“%(key)s” must list some of %(allowed)s") % {"key": key, "allowed": ", ".join(known[key])})
    if "compatible_with_platform" in options and options["compatible_with_platform"] is not True:
        errors.append(_("compatible_with_platform expects true"))
    return errors


# Network -------------------------------------------------------------------------

@rule_type("primary_link_medium", validate=_medium, description="wired | fibre | copper | wifi | mobile")
def primary_link_medium(facts: SiteFacts, value, options) -> Outcome:
    link = facts.primary_link
    if link is None:
        return Outcome(Status.UNKNOWN, reason("no_primary_link"))
    wanted = value if isinstance(value, list) else [value]
    allowed = set()
    for item in wanted:
        allowed |= LinkMedium.wired() if item == "wired" else {item}
    if link.medium in allowed:
        return Outcome(Status.PASS, reason("primary_medium_ok", medium=link.medium), link.medium)
    if wanted == ["wired"]:
        return Outcome(Status.FAIL, reason("primary_medium_bad", medium=link.medium), link.medium)
    return Outcome(Status.FAIL, reason("primary_medium_not_allowed", medium=link.medium,
                                       allowed=", ".join(sorted(allowed))), link.medium)


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


@rule_type("primary_link_mbps", validate=_thresholds("below"), description="{fail_below, warn_below, recommended}")
def primary_link_mbps(facts: SiteFacts, value, options) -> Outcome:
    """The slower direction of the primary link against the levels, in Mbps."""
    link = facts.primary_link
    if link is None:
        return Outcome(Status.UNKNOWN, reason("no_primary_link"))
    known = [v for v in (link.down_mbps, link.up_mbps) if v is not None]
    fail, warn = _number(value["fail_below"]), _number(value.get("warn_below"))
    if known and min(known) < fail:
        return Outcome(Status.FAIL, reason("bandwidth_fail", value=_fmt(min(known)), limit=_fmt(fail)), float(min(known)))
    if len(known) < 2:
        return Outcome(Status.UNKNOWN, reason("bandwidth_unknown"))
    slowest = min(known)
    if warn is not None and slowest < warn:
        recommended = _number(value.get("recommended")) or warn
        return Outcome(Status.WARN, reason("bandwidth_warn", value=_fmt(slowest), limit=_fmt(recommended)), float(slowest))
    return Outcome(Status.PASS, reason("bandwidth_ok", value=_fmt(slowest)), float(slowest))


def _measured(metric: str, unit: str):
    def check(facts: SiteFacts, value, options) -> Outcome:
        measured = facts.quality.get(metric)
        if measured is None:
            return Outcome(Status.UNKNOWN, reason("measure_unknown", metric=metric))
        number = _number(measured).quantize(Decimal("0.1"))
        shown = _fmt(number)
        fail, warn = _number(value["fail_above"]), _number(value.get("warn_above"))
        if number > fail:
            return Outcome(Status.FAIL, reason("measure_fail", metric=metric, value=shown, unit=unit, limit=_fmt(fail)), float(number))
        if warn is not None and number > warn:
            return Outcome(Status.WARN, reason("measure_warn", metric=metric, value=shown, unit=unit, limit=_fmt(warn)), float(number))
        days = facts.quality.get("days", 7)
        return Outcome(Status.PASS, reason("measure_ok", metric=metric, value=shown, unit=unit, days=days), float(number))

    check.__name__ = metric
    return check


for _metric, _unit in (("rtt_ms", "ms"), ("jitter_ms", "ms"), ("loss_pct", "%")):
    rule_type(_metric, validate=_thresholds("above"), description="{fail_above, warn_above}")(_measured(_metric, _unit))


# Devices -------------------------------------------------------------------------

@rule_type("device_group_good", validate=_group, options=("min_count", "min_resolution"),
           description="device group code; min_count, min_resolution")
def device_group_good(facts: SiteFacts, value, options) -> Outcome:
    """Enough devices of a group in good condition (and of a resolution, for cameras)."""
    if not facts.devices:
        return Outcome(Status.UNKNOWN, reason("site_has_no_devices"))
    group = facts.group_name(value)
    minimum = options.get("min_count", 1)
    in_group = [d for d in facts.devices if d.group == value]
    if not in_group:
        return Outcome(Status.FAIL, reason("group_none", group=group), 0)
    good = [d for d in in_group if d.condition == "good"]
    min_resolution = options.get("min_resolution")
    if min_resolution:
        needed = Resolution.rank(min_resolution)
        fit = [d for d in good if Resolution.rank(d.max_resolution) >= needed]
        unknown_res = [d for d in good if not d.max_resolution]
        if sum(d.quantity for d in fit) >= minimum:
            best = max((d.max_resolution for d in fit), key=Resolution.rank)
            return Outcome(Status.PASS, reason("group_ok_resolution", count=sum(d.quantity for d in fit), group=group, best=best), best)
        if unknown_res:
            return Outcome(Status.UNKNOWN, reason("group_resolution_unknown", group=group))
        if good:
            best = max((d.max_resolution for d in good), key=Resolution.rank)
            return Outcome(Status.FAIL, reason("group_low_resolution", group=group, best=best, min=min_resolution), best)
    count = sum(d.quantity for d in good)
    if count >= minimum:
        return Outcome(Status.PASS, reason("group_ok", count=count, group=group), count)
    if any(d.condition == "unknown" for d in in_group):
        return Outcome(Status.UNKNOWN, reason("group_condition_unknown", group=group))
    worn = _condition_words(in_group)
    if count:
        return Outcome(Status.FAIL, reason("group_too_few", count=count, group=group, min=minimum), count)
    if any(d.condition == "degraded" for d in in_group):
        # It works, badly: the site works but is not stable.
        return Outcome(Status.WARN, reason("group_only_degraded", group=group, detail=worn), 0)
    return Outcome(Status.FAIL, reason("group_none_good", group=group, detail=worn), 0)


def _condition_words(devices) -> dict:
    """“2 degraded, 1 broken” in both languages, for the reason text."""
    degraded = sum(d.quantity for d in devices if d.condition == "degraded")
    broken = sum(d.quantity for d in devices if d.condition == "broken")
    vi, en = [], []
    if degraded:
        vi.append(f"{degraded} xuống cấp")
        en.append(f"{degraded} degraded")
    if broken:
        vi.append(f"{broken} hỏng")
        en.append(f"{broken} broken")
    return {"vi": ", ".join(vi), "en": ", ".join(en)} if vi else {}


def calling_devices(facts: SiteFacts) -> list:
    """Terminals and PCs that can place a call (not broken)."""
    return [d for d in facts.devices if d.group in CALLING_GROUPS and d.condition != "broken"]


@rule_type("terminal_supports_any", validate=_capabilities, options=("compatible_with_platform",),
           description="{protocols|video_codecs|audio_codecs: [...]}; compatible_with_platform")
def terminal_supports_any(facts: SiteFacts, value, options) -> Outcome:
    """Some working terminal or PC supports one of the listed names, for each listed capability."""
    if not facts.devices:
        return Outcome(Status.UNKNOWN, reason("site_has_no_devices"))
    devices = calling_devices(facts)
    if not devices:
        return Outcome(Status.FAIL, reason("no_calling_device"))
    have_all = []
    for capability, wanted in value.items():
        recorded = [d for d in devices if getattr(d, capability)]
        if not recorded:
            return Outcome(Status.UNKNOWN, reason("capability_unknown", field=capability))
        have = sorted({name for d in recorded for name in getattr(d, capability)})
        if not set(have) & set(wanted):
            return Outcome(Status.FAIL, reason("capability_missing", have=have, need=list(wanted)))
        have_all.extend(sorted(set(have) & set(wanted)))
    if options.get("compatible_with_platform"):
        return _platform_outcome(facts, have_all)
    return Outcome(Status.PASS, reason("capability_ok", have=have_all))


def _platform_outcome(facts: SiteFacts, have) -> Outcome:
    results = [r for r in facts.compatibility.values() if r.reference]
    if not results:
        return Outcome(Status.UNKNOWN, reason("no_reference_platform"))
    best = min(results, key=lambda r: Compatibility.rank(r.status))
    if best.status == Compatibility.COMPATIBLE:
        return Outcome(Status.PASS, reason("platform_ok", platform=best.platform_name))
    code, status = {
        Compatibility.LIMITED: ("platform_limited", Status.WARN),
        Compatibility.UNKNOWN: ("platform_unknown", Status.UNKNOWN),
    }.get(best.status, ("platform_incompatible", Status.FAIL))
    return Outcome(status, reason(code, platform=best.platform_name, why=best.why))


# People, power, backup ---------------------------------------------------------------

@rule_type("has_technical_contact", validate=_flag, description="true")
def has_technical_contact(facts: SiteFacts, value, options) -> Outcome:
    primary = next((c for c in facts.contacts if c.role == "primary"), None)
    if primary:
        return Outcome(Status.PASS, reason("contact_ok", name=primary.name))
    if facts.contacts:
        return Outcome(Status.WARN, reason("contact_deputy_only", name=facts.contacts[0].name))
    return Outcome(Status.FAIL, reason("contact_none"))


@rule_type("ups_runtime_min", validate=_thresholds("below"), description="{fail_below, warn_below}")
def ups_runtime_min(facts: SiteFacts, value, options) -> Outcome:
    if facts.has_ups is False:
        return Outcome(Status.FAIL, reason("ups_none"), 0)
    runtime = facts.ups_runtime_min
    if runtime is None:
        return Outcome(Status.UNKNOWN, reason("ups_unknown" if facts.has_ups is None else "ups_runtime_unknown"))
    fail, warn = _number(value["fail_below"]), _number(value.get("warn_below"))
    if runtime < fail:
        return Outcome(Status.FAIL, reason("ups_fail", value=runtime, limit=_fmt(fail)), runtime)
    if warn is not None and runtime < warn:
        return Outcome(Status.WARN, reason("ups_warn", value=runtime, limit=_fmt(warn)), runtime)
    return Outcome(Status.PASS, reason("ups_ok", value=runtime), runtime)


@rule_type("has_backup_link", validate=_flag, description="true")
def has_backup_link(facts: SiteFacts, value, options) -> Outcome:
    if not facts.links:
        return Outcome(Status.UNKNOWN, reason("links_unknown"))
    backups = facts.backup_links
    if backups:
        return Outcome(Status.PASS, reason("backup_link_ok", medium=backups[0].medium))
    return Outcome(Status.FAIL, reason("backup_link_none"))


BACKUP_PLAN_MIN_CHARS = 20


@rule_type("has_backup_plan", validate=_flag, description="true")
def has_backup_plan(facts: SiteFacts, value, options) -> Outcome:
    text = facts.backup_plan.strip()
    if not text:
        return Outcome(Status.FAIL, reason("backup_plan_none"))
    if len(text) < BACKUP_PLAN_MIN_CHARS:
        return Outcome(Status.WARN, reason("backup_plan_short", chars=len(text)))
    return Outcome(Status.PASS, reason("backup_plan_ok"))


# Reading and checking a rule -----------------------------------------------------------

def split_rule(rule: dict) -> tuple[str, object, dict]:
    """``(rule key, its value, the options)`` of a rule dict; raises ValueError when wrong."""
    if not isinstance(rule, dict) or not rule:
        raise ValueError(_("A rule is a mapping such as {has_backup_link: true}."))
    keys = [k for k in rule if k in RULES]
    if not keys:
        raise ValueError(_("Unknown rule type %(keys)s. Known types: %(known)s.") % {
            "keys": ", ".join(str(k) for k in rule), "known": ", ".join(sorted(RULES))})
    if len(keys) > 1:
        raise ValueError(_("A rule has one type; found %(keys)s.") % {"keys": ", ".join(keys)})
    key = keys[0]
    options = {k: v for k, v in rule.items() if k != key}
    unknown = [k for k in options if k not in RULES[key].options]
    if unknown:
        raise ValueError(_("Rule type %(key)s does not take %(unknown)s (it takes: %(options)s).") % {
            "key": key, "unknown": ", ".join(unknown), "options": ", ".join(sorted(RULES[key].options)) or "—"})
    return key, rule[key], options


def validate_rule(rule) -> list[str]:
    """Every problem of a rule, in words; an empty list when it is sound."""
    try:
        key, value, options = split_rule(rule)
    except ValueError as exc:
        return [str(exc)]
    return [f"{key}: {e}" for e in RULES[key].validate(value, options)]


def evaluate(rule, facts: SiteFacts, *, severity: str = "fail") -> Outcome:
    """Judge one site against one rule; a requirement of severity *warn* never fails.

    ``rule`` is a rule dict, or the ``split_rule`` of one (to split it once for many sites).
    """
    key, value, options = split_rule(rule) if isinstance(rule, dict) else rule
    outcome = RULES[key].check(facts, value, options)
    if severity == "warn" and outcome.status == Status.FAIL:
        return Outcome(Status.WARN, outcome.reason, outcome.value, soft=True)
    return outcome
