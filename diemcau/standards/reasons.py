"""Reasons in words, stored as a code and parameters and rendered in the reader's language.

Results are computed for thousands of sites at once and read later by people
using Vietnamese or English, so a stored reason is ``{"code": …, "params":
{…}}`` (or ``{"text": …}`` for findings other apps already translated) and
the words are chosen when the page is drawn.
"""

from decimal import Decimal, InvalidOperation

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.choices import LinkMedium
from diemcau.lib.numbers import format_number

TEXTS = {
    # network
    "no_primary_link": _("No primary link recorded"),
    "primary_medium_ok": _("Primary link is %(medium)s"),
    "primary_medium_bad": _("Primary link is %(medium)s; a wired link is required"),
    "primary_medium_not_allowed": _("Primary link is %(medium)s; allowed: %(allowed)s"),
    "bandwidth_unknown": _("Bandwidth of the primary link not recorded"),
    "bandwidth_fail": _("Primary link %(value)s Mbps < %(limit)s Mbps"),
    "bandwidth_warn": _("Primary link %(value)s Mbps, little margin (recommended %(limit)s Mbps)"),
    "bandwidth_ok": _("Primary link %(value)s Mbps each way"),
    "measure_unknown": _("No measurement yet (%(metric)s)"),
    "measure_fail": _("%(metric)s %(value)s %(unit)s > %(limit)s %(unit)s"),
    "measure_warn": _("%(metric)s %(value)s %(unit)s > %(limit)s %(unit)s (warning level)"),
    "measure_ok": _("%(metric)s %(value)s %(unit)s over the last %(days)s days"),
    # devices
    "site_has_no_devices": _("No device recorded at this site yet"),
    "group_none": _("No %(group)s recorded"),
    "group_none_good": _("No %(group)s in good condition (%(detail)s)"),
    "group_too_few": _("Only %(count)s %(group)s in good condition, %(min)s required"),
    "group_only_degraded": _("No %(group)s in good condition, only degraded ones (%(detail)s)"),
    "group_condition_unknown": _("The condition of the %(group)s is not assessed"),
    "group_ok": _("%(count)s %(group)s in good condition"),
    "group_low_resolution": _("Good %(group)s only up to %(best)s, %(min)s required"),
    "group_resolution_unknown": _("Good %(group)s, but its resolution is not recorded"),
    "group_ok_resolution": _("%(count)s %(group)s in good condition, up to %(best)s"),
    "no_calling_device": _("No terminal or PC with meeting software in working order"),
    "capability_unknown": _("%(field)s of the terminal not recorded"),
    "capability_missing": _("Terminal supports %(have)s; needs one of %(need)s"),
    "capability_ok": _("Supports %(have)s"),
    "no_reference_platform": _("No province platform recorded to check against"),
    "platform_incompatible": _("Cannot join %(platform)s: %(why)s"),
    "platform_limited": _("Joins %(platform)s with limits: %(why)s"),
    "platform_unknown": _("Compatibility with %(platform)s not known: %(why)s"),
    "platform_ok": _("Compatible with %(platform)s"),
    # people, power, backup
    "contact_ok": _("Technical contact: %(name)s"),
    "contact_deputy_only": _("Only a deputy contact (%(name)s), no primary technical contact"),
    "contact_none": _("No technical contact named"),
    "ups_none": _("No UPS"),
    "ups_unknown": _("Whether the site has a UPS is not recorded"),
    "ups_runtime_unknown": _("UPS runtime not recorded"),
    "ups_fail": _("UPS %(value)s min < %(limit)s min"),
    "ups_warn": _("UPS %(value)s min < %(limit)s min recommended"),
    "ups_ok": _("UPS %(value)s min"),
    "backup_link_ok": _("Backup link: %(medium)s"),
    "backup_link_none": _("No backup link"),
    "links_unknown": _("No link recorded"),
    "backup_plan_ok": _("Written backup plan recorded"),
    "backup_plan_short": _("Backup plan too short to act on (%(chars)s characters)"),
    "backup_plan_none": _("No written backup plan"),
    # compatibility details
    "compat_no_protocol": _("no common protocol (terminal %(have)s, platform %(need)s)"),
    "compat_no_video": _("no common video codec (terminal %(have)s, platform %(need)s)"),
    "compat_no_audio": _("no common audio codec (terminal %(have)s, platform %(need)s)"),
    "compat_no_content": _("content sharing not supported (platform accepts %(need)s)"),
    "compat_firmware_old": _("firmware %(have)s below the platform's minimum %(need)s"),
    "compat_firmware_unknown": _("firmware version not recorded (platform needs %(need)s or later)"),
    "compat_encryption_unknown": _("the platform requires encryption and the terminal's support is not recorded"),
    "compat_no_encryption": _("no common encryption (platform requires %(need)s)"),
    "compat_unknown_protocols": _("protocols of the terminal not recorded"),
    "compat_unknown_codecs": _("codecs of the terminal not recorded"),
    "compat_resolution_low": _("video limited to %(have)s (the platform needs at least %(need)s)"),
    "compat_soft_client": _("meeting software %(have)s is not one the platform accepts (%(need)s)"),
    "compat_device_broken": _("%(device)s is broken"),
    "compat_no_device": _("no terminal or PC with meeting software"),
    # verdict
    "verdict_requirement_fail": _("%(code)s not met: %(reason)s"),
    "verdict_requirement_warn": _("%(code)s with little margin: %(reason)s"),
    "verdict_requirement_soft": _("%(code)s not met (counted as a warning): %(reason)s"),
    "verdict_too_many_fails": _("%(count)s requirements not met (unfit from %(limit)s)"),
    "verdict_too_many_warns": _("%(count)s requirements with little margin (unstable from %(limit)s)"),
    "verdict_too_many_unknown": _("%(count)s requirements cannot be judged for lack of data (at most %(limit)s)"),
    "verdict_device_degraded": _("%(count)s devices degraded or broken: %(devices)s"),
    "verdict_no_platform": _("Cannot join any province platform: %(why)s"),
    "verdict_platform_limited": _("Joins the province platform only with limits: %(why)s"),
    "verdict_drift": _("%(count)s settings differ from the profile %(profile)s: %(fields)s"),
    "verdict_no_standard": _("No standard in force to judge against"),
    "verdict_all_clear": _("Meets the standard; no finding against it"),
}

METRICS = {
    "rtt_ms": _("Round-trip time"),
    "jitter_ms": _("Jitter"),
    "loss_pct": _("Packet loss"),
}
CAPABILITY_FIELDS = {
    "protocols": _("Protocols"),
    "video_codecs": _("Video codecs"),
    "audio_codecs": _("Audio codecs"),
}

_PARAM_LABELS = {
    "medium": lambda v: LinkMedium(v).label if v in LinkMedium.values else v,
    "metric": lambda v: METRICS.get(v, v),
    "field": lambda v: CAPABILITY_FIELDS.get(v, v),
}


# Parameters that hold a measured or required number: written as the language writes numbers.
_NUMBERS = {"value", "limit"}


def _number_text(value):
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return value
    try:
        return format_number(Decimal(str(value)))
    except InvalidOperation:
        return value


def _localise(value):
    if isinstance(value, dict) and "vi" in value:
        lang = (get_language() or "vi")[:2]
        return value.get(lang) or value["vi"]
    if isinstance(value, list):
        return ", ".join(str(_localise(v)) for v in value) or "—"
    if isinstance(value, dict) and "code" in value:
        return render(value)
    return value


def render(reason: dict | None) -> str:
    """The words of one stored reason, in the current language."""
    if not reason:
        return ""
    if "text" in reason:
        return _localise(reason["text"])
    template = TEXTS.get(reason.get("code"))
    if template is None:
        return str(reason.get("code"))
    params = {}
    for key, value in (reason.get("params") or {}).items():
        value = _localise(value)
        if key in _NUMBERS:
            value = _number_text(value)
        params[key] = _PARAM_LABELS[key](value) if key in _PARAM_LABELS else value
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def reason(code: str, /, **params) -> dict:
    assert code in TEXTS, code
    return {"code": code, "params": params} if params else {"code": code}
