"""Columns of the inventory lists: shown on the pages and written to exports."""

from django.utils.translation import gettext_lazy as _

from diemcau.core.exports import DECIMAL
from diemcau.core.listing import Column


def _primary_link(site) -> str:
    links = getattr(site, "primary_links", None) or []
    if not links:
        return ""
    link = links[0]
    return f"{link.kind} — {link.provider.name}" if link.provider_id else str(link.kind)


def _primary_contact(site) -> str:
    contacts = getattr(site, "primary_contacts", None) or []
    return f"{contacts[0].full_name} — {contacts[0].phone}" if contacts else ""


def _yes_no(value):
    if value is None:
        return ""
    return str(_("yes")) if value else str(_("no"))


SITE_COLUMNS = [
    Column("code", _("Code"), lambda s: s.code, "code"),
    Column("name", _("Site"), lambda s: s.name, "name"),
    Column("organization", _("Organisation"), lambda s: s.organization.name, "organization__name"),
    Column("kind", _("Organisation kind"), lambda s: s.organization.kind.name, "organization__kind__position", export_only=True),
    Column("room", _("Room"), lambda s: s.room, export_only=True),
    Column("address", _("Address"), lambda s: s.address, export_only=True),
    Column("hub", _("Provincial hub"), lambda s: _yes_no(s.is_hub), export_only=True),
    Column("meetings", _("Meetings / month"), lambda s: s.meetings_per_month, "meetings_per_month", optional=True),
    Column("devices", _("Devices"), lambda s: s.device_count, "device_count", optional=True),
    Column("primary_link", _("Primary link"), _primary_link, optional=True),
    Column("has_ups", _("UPS"), lambda s: _yes_no(s.has_ups), optional=True),
    Column("ups_runtime", _("UPS (min)"), lambda s: s.ups_runtime_min, "ups_runtime_min", optional=True),
    Column("contact", _("Technical contact"), _primary_contact),
]

DEVICE_COLUMNS = [
    Column("site", _("Site"), lambda d: d.site.code, "site__code"),
    Column("organization", _("Organisation"), lambda d: d.site.organization.name, "site__organization__name", optional=True),
    Column("group", _("Device group"), lambda d: d.group.name, "group__position"),
    Column("manufacturer", _("Manufacturer"), lambda d: d.manufacturer, "manufacturer"),
    Column("model", _("Model"), lambda d: d.model, "model"),
    Column("serial", _("Serial"), lambda d: d.serial, "serial", optional=True),
    Column("firmware", _("Firmware"), lambda d: d.firmware, optional=True),
    Column("year", _("Year"), lambda d: d.year, "year", optional=True),
    Column("condition", _("Condition"), lambda d: d.condition.name, "condition__position"),
    Column("quantity", _("Qty"), lambda d: d.quantity, optional=True),
    Column("protocols", _("Protocols"), lambda d: d.protocols, optional=True),
    Column("video_codecs", _("Video codecs"), lambda d: d.video_codecs, optional=True),
    Column("audio_codecs", _("Audio codecs"), lambda d: d.audio_codecs, optional=True),
    Column("max_resolution", _("Max resolution"), lambda d: d.max_resolution, optional=True),
]

LINK_COLUMNS = [
    Column("site", _("Site"), lambda link: link.site.code, "site__code"),
    Column("organization", _("Organisation"), lambda link: link.site.organization.name, "site__organization__name", optional=True),
    Column("role", _("Role"), lambda link: link.get_role_display(), "role", optional=True),
    Column("provider", _("Provider"), lambda link: link.provider.name if link.provider else "", "provider__name"),
    Column("kind", _("Link kind"), lambda link: link.kind.name, "kind__position"),
    Column("medium", _("Medium"), lambda link: link.get_medium_display(), "medium", optional=True),
    Column("wired", _("Wired"), lambda link: _yes_no(link.is_wired)),
    Column("down", _("Down (Mbps)"), lambda link: link.down_mbps, "down_mbps", kind=DECIMAL),
    Column("up", _("Up (Mbps)"), lambda link: link.up_mbps, "up_mbps", optional=True, kind=DECIMAL),
    Column("circuit", _("Circuit id"), lambda link: link.circuit_id, optional=True),
]

ORGANIZATION_COLUMNS = [
    Column("code", _("Code"), lambda o: o.code, "code"),
    Column("name", _("Organisation"), lambda o: o.name, "name"),
    Column("kind", _("Kind"), lambda o: o.kind.name, "kind__position"),
    Column("sites", _("Sites"), lambda o: o.site_count, "site_count"),
]
