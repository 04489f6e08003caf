"""The agent's INI file for a site, filled in with the server, the token and the reflector."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from diemcau.inventory.models import Link


def reflector_for(server_url: str) -> str:
    configured = getattr(settings, "MONITORING_REFLECTOR", "")
    if configured:
        return configured
    host = urlsplit(server_url).hostname or "localhost"
    return f"{host}:862"


def agent_ini(site, token: str, server_url: str, *, reflector: str | None = None, data_dir: str = "",
              interval_s: int = 30, extra_probe: str = "") -> str:
    """The whole ``agent.ini`` for ``site``; the operator line comes from its primary link."""
    link = (Link.objects.active().filter(site=site, role="primary").select_related("provider").first())
    operator = link.provider if link and link.provider_id else None
    platform = getattr(settings, "MONITORING_PLATFORM_HOST", "")
    lines = [
        f"; Điểm Cầu agent — {site.code} {site.name}",
        "[agent]",
        f"server = {server_url.rstrip('/')}",
        f"token = {token}",
        f"data_dir = {data_dir}" if data_dir else "; data_dir =",
        f"interval_s = {interval_s}",
        "meeting_interval_s = 5",
        "codec = g711",
        "",
        "[probe]",
        f"reflector = {reflector or reflector_for(server_url)}",
        "count = 50",
        "spacing_ms = 20",
        "dscp = 34",
    ]
    if extra_probe:
        lines.append(extra_probe)
    lines += ["", "[platform]"]
    if platform:
        lines += [f"host = {platform}", "tcp_ports = 443, 5061", f"dns_names = {platform}"]
    lines += ["", "[operator]"]
    if operator:
        lines += [f"name = {operator.name}", f"phone = {operator.phone}"]
    lines += ["", "[buffer]", "max_rows = 200000", ""]
    return "\n".join(lines)
