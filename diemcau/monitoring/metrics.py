"""``/monitoring/metrics``: every active site's current figures as Prometheus gauges."""

from __future__ import annotations

from diemcau.inventory.models import Site
from diemcau.monitoring.choices import GRADE_RANK, CheckStatus
from diemcau.monitoring.models import DeviceCheck
from diemcau.monitoring.quality import qualities

GAUGES = [
    ("diemcau_site_loss_percent", "Packet loss to the provincial reflector, last 15 minutes", "loss"),
    ("diemcau_site_jitter_ms", "Jitter (RFC 3550), last 15 minutes", "jitter"),
    ("diemcau_site_rtt_ms", "Median round-trip time, last 15 minutes", "rtt"),
    ("diemcau_site_mos", "Estimated voice MOS (ITU-T G.107), last 15 minutes", "mos"),
]


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def render_metrics() -> str:
    sites = list(Site.objects.active().select_related("organization").order_by("code"))
    figures = qualities([s.pk for s in sites], trend=False)
    labels = {s.pk: f'site="{_label(s.code)}",name="{_label(s.name)}",organization="{_label(s.organization.name)}"'
              for s in sites}
    out = []
    for name, help_text, attr in GAUGES:
        out += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        out += [f"{name}{{{labels[s.pk]}}} {getattr(figures[s.pk], attr):.4g}" for s in sites
                if getattr(figures[s.pk], attr) is not None]
    out += ["# HELP diemcau_site_grade Quality grade: 4 good, 3 ok, 1 bad, 0 terrible, 2 no data",
            "# TYPE diemcau_site_grade gauge"]
    out += [f"diemcau_site_grade{{{labels[s.pk]}}} {GRADE_RANK.get(figures[s.pk].grade, 2)}" for s in sites]
    out += ["# HELP diemcau_agent_last_seen_seconds Unix time of the agent's last report",
            "# TYPE diemcau_agent_last_seen_seconds gauge"]
    out += [f"diemcau_agent_last_seen_seconds{{{labels[s.pk]}}} {figures[s.pk].last_seen.timestamp():.0f}"
            for s in sites if figures[s.pk].last_seen]
    out += ["# HELP diemcau_site_alerts_raised Alerts currently raised at the site",
            "# TYPE diemcau_site_alerts_raised gauge"]
    out += [f"diemcau_site_alerts_raised{{{labels[s.pk]}}} {len(figures[s.pk].open_alerts)}" for s in sites]
    out += ["# HELP diemcau_device_up Device check answering (1), not answering or faulty (0)",
            "# TYPE diemcau_device_up gauge"]
    for check in DeviceCheck.objects.filter(enabled=True, device__site__in=[s.pk for s in sites]).select_related(
            "device").exclude(status=CheckStatus.UNKNOWN):
        site_labels = labels.get(check.device.site_id)
        if site_labels:
            out.append(f'diemcau_device_up{{{site_labels},device="{_label(check.device)}",method="{check.method}"}} '
                       f"{1 if check.status == CheckStatus.UP else 0}")
    return "\n".join(out) + "\n"
