"""Can a site's terminal (or PC with a soft client) join a platform, and if not, why not.

One function per concern, all reading plain facts: protocols, codecs,
content sharing, encryption, firmware, resolution. A site is as compatible
as its best working calling device.
"""

import re
from dataclasses import dataclass, field

from diemcau.inventory.choices import Resolution
from diemcau.standards.choices import CALLING_GROUPS, Compatibility
from diemcau.standards.facts import DeviceFact, SiteFacts
from diemcau.standards.reasons import reason

# How each call protocol carries content (slides): SIP by BFCP, H.323 by H.239,
# WebRTC by the browser's screen sharing.
CONTENT_BY_PROTOCOL = {"SIP": "BFCP", "H.323": "H.239", "WebRTC": "WebRTC"}


@dataclass(frozen=True)
class PlatformSpec:
    """What a platform accepts, as plain values (see ``Platform.spec()``)."""

    id: int
    name: str
    reference: bool = False
    protocols: tuple = ()
    video_codecs: tuple = ()
    audio_codecs: tuple = ()
    content_sharing: tuple = ()
    encryption: tuple = ()
    encryption_required: bool = False
    min_resolution: str = ""
    soft_clients: tuple = ()
    min_firmware: tuple = ()  # ({"manufacturer": …, "model": …, "version": …}, …)


@dataclass
class DeviceCompatibility:
    device_id: int
    label: str
    status: str
    reasons: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"device_id": self.device_id, "label": self.label, "status": self.status, "reasons": self.reasons}


@dataclass
class CompatibilityResult:
    platform_id: int
    platform_name: str
    reference: bool
    status: str
    why: list = field(default_factory=list)
    devices: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "platform_id": self.platform_id, "platform_name": self.platform_name, "reference": self.reference,
            "status": self.status, "why": self.why, "devices": [d.as_dict() for d in self.devices],
        }


def version_tuple(text: str) -> tuple:
    return tuple(int(n) for n in re.findall(r"\d+", text or ""))


def version_below(have: str, need: str) -> bool:
    a, b = version_tuple(have), version_tuple(need)
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) < b + (0,) * (width - len(b))


def _names(values) -> list:
    return sorted(values) or ["—"]


def _matches_client(software: str, clients) -> bool:
    folded = software.casefold()
    return any(c.casefold() in folded or folded in c.casefold() for c in clients if c)


def _firmware_floor(device: DeviceFact, platform: PlatformSpec) -> str | None:
    for entry in platform.min_firmware:
        maker = (entry.get("manufacturer") or "").casefold()
        model = (entry.get("model") or "").casefold()
        if maker and maker != device.manufacturer.casefold():
            continue
        if model and model not in device.model.casefold():
            continue
        return entry.get("version") or None
    return None


def check_device(device: DeviceFact, platform: PlatformSpec) -> DeviceCompatibility:
    """Compatibility of one calling device with one platform, with every reason found."""
    blocking, unknown, limits = [], [], []
    via_client = (
        device.group == "computer" and device.software and platform.soft_clients
        and _matches_client(device.software, platform.soft_clients)
    )
    common = set(device.protocols) & set(platform.protocols)
    if via_client:
        # The platform's own client negotiates codecs and content with it.
        common = common or {"WebRTC"} & set(platform.protocols) or set(platform.protocols[:1])
    elif not device.protocols:
        if device.group == "computer" and device.software and platform.soft_clients:
            blocking.append(reason("compat_soft_client", have=device.software, need=list(platform.soft_clients)))
        else:
            unknown.append(reason("compat_unknown_protocols"))
    elif not common:
        blocking.append(reason("compat_no_protocol", have=_names(device.protocols), need=_names(platform.protocols)))
    if not via_client and (device.protocols or not blocking):
        for capability, code in (("video_codecs", "compat_no_video"), ("audio_codecs", "compat_no_audio")):
            have, need = set(getattr(device, capability)), set(getattr(platform, capability))
            if not need:
                continue
            if not have:
                if reason("compat_unknown_codecs") not in unknown:
                    unknown.append(reason("compat_unknown_codecs"))
            elif not have & need:
                blocking.append(reason(code, have=_names(have), need=_names(need)))
    floor = _firmware_floor(device, platform)
    if floor and not via_client:
        if not device.firmware:
            unknown.append(reason("compat_firmware_unknown", need=floor))
        elif version_below(device.firmware, floor):
            blocking.append(reason("compat_firmware_old", have=device.firmware, need=floor))
    if common and platform.content_sharing:
        sharing = {CONTENT_BY_PROTOCOL.get(p) for p in common} & set(platform.content_sharing)
        if not sharing:
            limits.append(reason("compat_no_content", need=_names(platform.content_sharing)))
    if common and platform.encryption_required:
        if "WebRTC" in common and "DTLS-SRTP" in platform.encryption:
            pass  # WebRTC media is always encrypted
        elif not via_client:
            unknown.append(reason("compat_encryption_unknown"))
    if (platform.min_resolution and device.max_resolution and device.group != "computer"
            and Resolution.rank(device.max_resolution) < Resolution.rank(platform.min_resolution)):
        limits.append(reason("compat_resolution_low", have=device.max_resolution, need=platform.min_resolution))
    if blocking:
        status = Compatibility.INCOMPATIBLE
    elif unknown:
        status = Compatibility.UNKNOWN
    elif limits:
        status = Compatibility.LIMITED
    else:
        status = Compatibility.COMPATIBLE
    return DeviceCompatibility(device.id, device.label, status, blocking + unknown + limits)


def check_site(facts: SiteFacts, platform: PlatformSpec) -> CompatibilityResult:
    """The site joins as well as its best working terminal or PC does."""
    candidates = [d for d in facts.devices if d.group in CALLING_GROUPS]
    working = [d for d in candidates if d.condition != "broken"]
    result = CompatibilityResult(platform.id, platform.name, platform.reference, Compatibility.UNKNOWN)
    if not working:
        result.status = Compatibility.UNKNOWN if not facts.devices else Compatibility.INCOMPATIBLE
        result.why = [reason("compat_no_device")] + [
            reason("compat_device_broken", device=d.label) for d in candidates
        ]
        return result
    result.devices = sorted((check_device(d, platform) for d in working), key=lambda r: Compatibility.rank(r.status))
    best = result.devices[0]
    result.status = best.status
    result.why = list(best.reasons)
    return result


def check_all(facts: SiteFacts, platforms: list[PlatformSpec]) -> dict:
    return {p.id: check_site(facts, p) for p in platforms}
