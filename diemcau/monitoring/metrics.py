"""``/monitoring/metrics``: every active site's current figures as Prometheus gauges.

Names and values follow Prometheus' conventions: base units (seconds, ratios
from 0 to 1) named in the suffix (``_seconds``, ``_ratio``), a Unix time as
``_timestamp_seconds``. The names of the first release (percent and
milliseconds) are still written, marked DEPRECATED in their HELP line, for
one more release so dashboards can move; see ``docs/monitoring.md``.
"""

from __future__ import annotations

from diemcau.inventory.models import Site
from diemcau.monitoring import call_quality
from diemcau.monitoring.choices import GRADE_RANK, CheckStatus
from diemcau.monitoring.models import DeviceCheck
from diemcau.monitoring.quality import qualities

# (name, help, attribute, factor to the base unit)
GAUGES = [
    ("diemcau_site_loss_ratio", "Packet loss to the provincial reflector (0-1), last 15 minutes", "loss", 0.01),
    ("diemcau_site_jitter_seconds", "Jitter (RFC 3550), last 15 minutes", "jitter", 0.001),
    ("diemcau_site_rtt_seconds", "Median round-trip time, last 15 minutes", "rtt", 0.001),
    ("diemcau_site_mos", "Estimated voice MOS (ITU-T G.107), last 15 minutes", "mos", 1.0),
]
# The first release's names: written until the next release, then removed.
DEPRECATED = [
    ("diemcau_site_loss_percent", "diemcau_site_loss_ratio", "loss"),
    ("diemcau_site_jitter_ms", "diemcau_site_jitter_seconds", "jitter"),
    ("diemcau_site_rtt_ms", "diemcau_site_rtt_seconds", "rtt"),
]
REMOVED_IN = "0.2.0"


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _gauge(out: list, name: str, help_text: str) -> None:
    out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]


def render_metrics() -> str:
    sites = list(Site.objects.active().select_related("organization").order_by("code"))
    ids = [s.pk for s in sites]
    figures = qualities(ids, trend=False)
    strips = call_quality.strips(ids, call_quality.BOARD_SPAN)
    labels = {s.pk: f'site="{_label(s.code)}",name="{_label(s.name)}",organization="{_label(s.organization.name)}"'
              for s in sites}
    out = []
    for name, help_text, attr, factor in GAUGES:
        _gauge(out, name, help_text)
        out += [f"{name}{{{labels[s.pk]}}} {getattr(figures[s.pk], attr) * factor:.6g}" for s in sites
                if getattr(figures[s.pk], attr) is not None]
    _gauge(out, "diemcau_site_grade", "Quality grade of the last 15 minutes: 4 good, 3 ok, 1 bad, 0 terrible, 2 no data")
    out += [f"diemcau_site_grade{{{labels[s.pk]}}} {GRADE_RANK.get(figures[s.pk].grade, 2)}" for s in sites]
    _gauge(out, "diemcau_site_call_grade", "Call-quality grade in a meeting, the most frequent of the last three "
           "20-second windows: 4 good, 3 ok, 1 bad, 0 terrible (only sites graded in the last 10 minutes)")
    out += [f"diemcau_site_call_grade{{{labels[pk]}}} {GRADE_RANK.get(strip.grade, 2)}"
            for pk, strip in sorted(strips.items(), key=lambda kv: labels[kv[0]])]
    _gauge(out, "diemcau_agent_last_seen_timestamp_seconds", "Unix time of the agent's last report")
    out += [f"diemcau_agent_last_seen_timestamp_seconds{{{labels[s.pk]}}} {figures[s.pk].last_seen.timestamp():.0f}"
            for s in sites if figures[s.pk].last_seen]
    _gauge(out, "diemcau_site_alerts_raised", "Alerts currently raised at the site")
    out += [f"diemcau_site_alerts_raised{{{labels[s.pk]}}} {len(figures[s.pk].open_alerts)}" for s in sites]
    _gauge(out, "diemcau_device_up", "Device check answering (1), not answering or faulty (0)")
    for check in DeviceCheck.objects.filter(enabled=True, device__site__in=ids).select_related(
            "device").exclude(status=CheckStatus.UNKNOWN):
        site_labels = labels.get(check.device.site_id)
        if site_labels:
            out.append(f'diemcau_device_up{{{site_labels},device="{_label(check.device)}",method="{check.method}"}} '
                       f"{1 if check.status == CheckStatus.UP else 0}")
    for old, new, attr in DEPRECATED:
        _gauge(out, old, f"DEPRECATED, removed in {REMOVED_IN}: use {new} (base units)")
        out += [f"{old}{{{labels[s.pk]}}} {getattr(figures[s.pk], attr):.4g}" for s in sites
                if getattr(figures[s.pk], attr) is not None]
    _gauge(out, "diemcau_agent_last_seen_seconds",
           f"DEPRECATED, removed in {REMOVED_IN}: use diemcau_agent_last_seen_timestamp_seconds")
    out += [f"diemcau_agent_last_seen_seconds{{{labels[s.pk]}}} {figures[s.pk].last_seen.timestamp():.0f}"
            for s in sites if figures[s.pk].last_seen]
    return "\n".join(out) + "\n"
