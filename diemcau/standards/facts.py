"""What the rules read about a site, loaded for many sites at once.

Rules never query the database: ``load_facts`` reads every site's devices,
links, contacts and measured link quality in a fixed number of queries and
hands the rules plain values, so judging 10,000 sites costs the same handful
of queries as judging one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.module_loading import import_string

from diemcau.core.apps import DiemcauAppConfig
from diemcau.inventory.models import Contact, Device, Link, Site, Term


@dataclass(frozen=True)
class DeviceFact:
    id: int
    group: str
    condition: str
    quantity: int = 1
    manufacturer: str = ""
    model: str = ""
    firmware: str = ""
    software: str = ""
    protocols: tuple = ()
    video_codecs: tuple = ()
    audio_codecs: tuple = ()
    max_resolution: str = ""

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.manufacturer, self.model) if p) or self.group


@dataclass(frozen=True)
class LinkFact:
    role: str
    medium: str
    down_mbps: Decimal | None = None
    up_mbps: Decimal | None = None


@dataclass(frozen=True)
class ContactFact:
    role: str
    name: str


@dataclass
class SiteFacts:
    """Everything the rules know about one site."""

    site_id: int
    has_ups: bool | None = None
    ups_runtime_min: int | None = None
    backup_plan: str = ""
    devices: list[DeviceFact] = field(default_factory=list)
    links: list[LinkFact] = field(default_factory=list)
    contacts: list[ContactFact] = field(default_factory=list)
    # Measured link quality over a recent window, from the monitoring app:
    # {"rtt_ms": float, "jitter_ms": float, "loss_pct": float, "days": int}.
    quality: dict = field(default_factory=dict)
    # Platform id → CompatibilityResult (filled by the compatibility check).
    compatibility: dict = field(default_factory=dict)
    # Device group code → {"vi": …, "en": …}, for reasons in words.
    group_names: dict = field(default_factory=dict)

    @property
    def primary_link(self) -> LinkFact | None:
        return next((link for link in self.links if link.role == "primary"), None)

    @property
    def backup_links(self) -> list[LinkFact]:
        return [link for link in self.links if link.role == "backup"]

    def group_name(self, code: str) -> dict:
        return self.group_names.get(code) or {"vi": code, "en": code}


def _lower_first(text: str) -> str:
    # Group names are read inside sentences ("Không có micro ở tình trạng tốt").
    return text[:1].lower() + text[1:] if text else text


def group_names() -> dict:
    return {
        t.code: {"vi": _lower_first(t.name_vi), "en": _lower_first(t.name_en or t.name_vi)}
        for t in Term.objects.filter(taxonomy="device_group")
    }


def link_quality(site_ids, now) -> dict:
    """Measured quality per site from every app that offers it.

    An app config may set ``link_quality = "dotted.path"`` to a function
    ``f(site_ids, now) -> {site_id: {"rtt_ms": …, "jitter_ms": …, "loss_pct":
    …, "days": …}}`` (values over its recent window, ``None`` when it has no
    figure). The monitoring app provides it; until then every measured
    requirement is unknown, never a pass.
    """
    merged: dict = {}
    for config in apps.get_app_configs():
        dotted = getattr(config, "link_quality", None) if isinstance(config, DiemcauAppConfig) else None
        if dotted:
            for site_id, values in (import_string(dotted)(list(site_ids), now) or {}).items():
                merged.setdefault(site_id, {}).update({k: v for k, v in values.items() if v is not None})
    return merged


def load_facts(sites: list[Site], *, now) -> dict[int, SiteFacts]:
    """Facts of the given sites in five queries whatever their number (plus the quality providers)."""
    terms = {t.pk: t.code for t in Term.objects.filter(taxonomy__in=["device_group", "device_condition"])}
    names = group_names()
    ids = [s.pk for s in sites]
    facts = {
        s.pk: SiteFacts(
            site_id=s.pk, has_ups=s.has_ups, ups_runtime_min=s.ups_runtime_min,
            backup_plan=s.backup_plan or "", group_names=names,
        )
        for s in sites
    }
    # A few sites: filter by id. Many: read every active site's rows and keep
    # the wanted ones (one query each, no parameter limit on SQLite).
    scope = {"site_id__in": ids} if len(ids) <= 1000 else {"site__retired_at__isnull": True}
    devices = defaultdict(list)
    rows = Device.objects.active().filter(**scope).order_by("pk").values_list(
        "id", "site_id", "group_id", "condition_id", "quantity", "manufacturer", "model", "firmware",
        "software", "protocols", "video_codecs", "audio_codecs", "max_resolution",
    )
    for (pk, site_id, group_id, condition_id, quantity, manufacturer, model, firmware, software,
         protocols, video_codecs, audio_codecs, max_resolution) in rows.iterator(chunk_size=5000):
        if site_id in facts:
            devices[site_id].append(DeviceFact(
                id=pk, group=terms.get(group_id, ""), condition=terms.get(condition_id, ""),
                quantity=quantity or 1, manufacturer=manufacturer, model=model, firmware=firmware,
                software=software, protocols=tuple(protocols or ()), video_codecs=tuple(video_codecs or ()),
                audio_codecs=tuple(audio_codecs or ()), max_resolution=max_resolution or "",
            ))
    for row in Link.objects.active().filter(**scope).values_list(
        "site_id", "role", "medium", "down_mbps", "up_mbps"
    ).order_by("role", "pk"):
        if row[0] in facts:
            facts[row[0]].links.append(LinkFact(role=row[1], medium=row[2], down_mbps=row[3], up_mbps=row[4]))
    for row in Contact.objects.active().filter(**scope).values_list("site_id", "role", "full_name").order_by("role", "pk"):
        if row[0] in facts:
            facts[row[0]].contacts.append(ContactFact(role=row[1], name=row[2]))
    for site_id, items in devices.items():
        facts[site_id].devices = items
    for site_id, values in link_quality(ids, now).items():
        if site_id in facts:
            facts[site_id].quality = values
    return facts

