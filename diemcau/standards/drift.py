"""The province's shared configuration fields and the comparison of a site's actual settings.

A profile and a site's actual settings are both ``{field key: value}``; the
fields are described once here (label, kind, how to compare), so the forms,
the API, the import and the drift table all read the same list.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from diemcau.standards.choices import DriftStatus


@dataclass(frozen=True)
class SettingField:
    key: str
    label: str
    kind: str = "text"  # text | int | bool | choice
    choices: tuple = ()
    unit: str = ""
    # "equal": must be the profile's value; "at_least": a number not below it.
    compare: str = "equal"
    help: str = ""


SETTING_FIELDS = [
    SettingField("call_bitrate_kbps", _("Call bitrate"), "int", unit="kbps", compare="at_least",
                 help=_("Bitrate of a call; the site must allow at least the profile's value.")),
    SettingField("resolution", _("Sent video resolution"), "choice", choices=("480p", "720p", "1080p")),
    SettingField("frame_rate", _("Frame rate"), "int", unit="fps"),
    SettingField("protocol", _("Call protocol"), "choice", choices=("SIP", "H.323", "WebRTC")),
    SettingField("sip_registrar", _("SIP registrar"), help=_("Host name or address, e.g. sip.caobang.gov.vn")),
    SettingField("h323_gatekeeper", _("H.323 gatekeeper")),
    SettingField("dscp_audio", _("DSCP marking, audio"), "int", help=_("46 (EF) is usual.")),
    SettingField("dscp_video", _("DSCP marking, video"), "int", help=_("34 (AF41) is usual.")),
    SettingField("firewall_ports", _("Firewall ports open"), help=_("e.g. 5060-5061 TCP/UDP; 1719-1720; 16384-32767 UDP")),
    SettingField("echo_cancellation", _("Echo cancellation"), "bool"),
    SettingField("noise_suppression", _("Noise suppression"), "bool"),
    SettingField("auto_gain", _("Automatic gain control"), "bool"),
    SettingField("mic_gain_db", _("Microphone gain"), "int", unit="dB"),
    SettingField("device_name", _("Device name"),
                 help=_("In a profile, a pattern with {code} for the site code, e.g. CB-{code}.")),
    SettingField("time_source", _("Time source (NTP)")),
]
FIELDS_BY_KEY = {f.key: f for f in SETTING_FIELDS}


def normalise(field: SettingField, value):
    """The value as compared: numbers as int, flags as bool, text trimmed; None when empty."""
    if value in (None, ""):
        return None
    if field.kind == "int":
        try:
            return int(str(value).strip())
        except ValueError:
            return str(value).strip()
    if field.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text in {"1", "true", "yes", "có", "bật", "on", "x"}:
            return True
        if text in {"0", "false", "no", "không", "tắt", "off"}:
            return False
        return None
    return str(value).strip()


def expected_value(field: SettingField, profile_value, site_code: str):
    value = normalise(field, profile_value)
    if field.key == "device_name" and isinstance(value, str):
        return value.replace("{code}", site_code)
    return value


def compare(profile: dict, actual: dict, *, site_code: str = "") -> list[dict]:
    """Field-by-field comparison of a site's actual settings with a profile.

    Only fields the profile sets are compared. Each row: ``{key, label,
    expected, actual, status}`` where status is match, drift or missing (the
    site has not recorded that setting: not known, not a match).
    """
    rows = []
    for field in SETTING_FIELDS:
        expected = expected_value(field, profile.get(field.key), site_code)
        if expected is None:
            continue
        have = normalise(field, (actual or {}).get(field.key))
        if have is None:
            status = DriftStatus.MISSING
        elif field.compare == "at_least" and isinstance(have, int) and isinstance(expected, int):
            status = DriftStatus.MATCH if have >= expected else DriftStatus.DRIFT
        elif isinstance(have, str) and isinstance(expected, str):
            status = DriftStatus.MATCH if have.casefold() == expected.casefold() else DriftStatus.DRIFT
        else:
            status = DriftStatus.MATCH if have == expected else DriftStatus.DRIFT
        rows.append({"key": field.key, "expected": expected, "actual": have, "status": str(status)})
    return rows


def label_of(key: str) -> str:
    field = FIELDS_BY_KEY.get(key)
    return str(field.label) if field else key
