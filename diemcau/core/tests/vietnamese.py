"""What must not show on a Vietnamese page: English choice labels, raw codes, decimal points.

The words to look for come from the application itself, so a new choice or term is checked
without touching this file: every field's choices and every ``TextChoices`` class (its stored
value and its English label), every reference term (code and English name), and the English
source of every translated message. Real proper names and technical terms that Vietnamese also
uses are allowed (``ALLOWED``).
"""

import re
from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db.models import Choices
from django.utils import translation

from diemcau.core.apps import DiemcauAppConfig

# Proper names, brands, units and the technical words that Vietnamese writes the same way.
ALLOWED = {
    "sip", "h.323", "webrtc", "mcu", "mos", "qos", "dscp", "sla", "api", "excel", "csv", "ups", "wi-fi", "wifi",
    "vnpt", "viettel", "cisco", "poly", "logitech", "yealink", "huawei", "zoom", "webex", "teams", "jitter",
    "codec", "firmware", "switch", "router", "hdmi", "usb", "poe", "ip", "url", "email", "e-mail", "token",
    "mbps", "kbps", "ms", "fps", "1080p", "720p", "4k", "opus", "g.711", "g.722", "h.264", "h.265", "vp8",
    "snmp", "tcp", "udp", "icmp", "ping", "iperf3", "html", "json", "yaml", "webhook", "demo", "online",
    "internet", "ftth", "4g/5g", "4g", "5g", "lan", "wan", "vpn", "tslcd", "swagger", "openapi", "admin",
    # Vietnamese uses these as they are; "Content" is the button's label on the codecs.
    "video", "content", "camera", "micro", "web",
}
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_DECIMAL_POINT = re.compile(
    r"(?<![\d.])\d+\.\d+\s?(?:ms|Mbps|kbps|kbit/s|%|MB|GB|kVA|dB|giờ|phút|ngày)(?![\w])|MOS\s\d\.\d")
_STOPWORDS = ("the", "and", "with", "not", "from", "none", "true", "false", "null", "unknown")


def _choice_classes():
    for config in apps.get_app_configs():
        if isinstance(config, DiemcauAppConfig) and find_spec(f"{config.name}.choices") is not None:
            module = import_module(f"{config.name}.choices")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, Choices) and value.__module__ == module.__name__:
                    yield value


def _field_choices():
    for model in apps.get_models():
        if not isinstance(apps.get_app_config(model._meta.app_label), DiemcauAppConfig):
            continue
        for field in model._meta.get_fields():
            yield from getattr(field, "flatchoices", None) or []


@lru_cache(maxsize=1)
def forbidden() -> tuple[set[str], set[str]]:
    """(raw codes, English phrases) that must not appear in Vietnamese text."""
    from diemcau.inventory.models import Term

    pairs = [(value, label) for cls in _choice_classes() for value, label in cls.choices]
    pairs += list(_field_choices())
    codes, english = set(), set()
    for value, label in pairs:
        with translation.override("en"):
            en = str(label)
        with translation.override("vi"):
            vi = str(label)
        if isinstance(value, str) and "_" in value and _IDENTIFIER.match(value):
            codes.add(value)
        if en != vi:
            english.add(en)
            if isinstance(value, str) and _IDENTIFIER.match(value) and value.lower() != vi.lower():
                codes.add(value)
    for code, name_vi, name_en in Term.objects.values_list("code", "name_vi", "name_en"):
        if _IDENTIFIER.match(code) and code.lower() != name_vi.lower():
            codes.add(code)
        if name_en and name_en != name_vi:
            english.add(name_en)
    english |= _untranslated_sources()
    # A code that the Vietnamese words themselves use ("web" in "Trang web") is no leak.
    vietnamese = _vietnamese_words()
    codes = {c for c in codes if len(c) >= 3 and c.lower() not in ALLOWED and c.lower() not in vietnamese}
    english = {e for e in english if len(e) >= 3 and e.lower() not in ALLOWED}
    return codes, english


def _catalogues():
    import gettext
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for mo in root.glob("**/locale/vi/LC_MESSAGES/django.mo"):
        with open(mo, "rb") as handle:
            yield gettext.GNUTranslations(handle)._catalog


@lru_cache(maxsize=1)
def _vietnamese_words() -> set[str]:
    """Every word of the Vietnamese translations and reference names, lower-cased."""
    from diemcau.inventory.models import Term

    texts = [str(v) for catalogue in _catalogues() for v in catalogue.values() if isinstance(v, str)]
    texts += list(Term.objects.values_list("name_vi", flat=True))
    return {w.lower() for text in texts for w in re.findall(r"[\w-]+", text)}


def _untranslated_sources() -> set[str]:
    """The English source of every translated message of two words or more (seen only if not translated)."""
    out = set()
    for catalogue in _catalogues():
        for msgid, msgstr in catalogue.items():
            if not isinstance(msgid, str) or "\x04" in msgid or msgid == msgstr:
                continue
            if re.fullmatch(r"[A-Za-z][A-Za-z ,'-]+[A-Za-z]", msgid) and len(msgid.split()) >= 2:
                out.add(msgid)
    return out


@lru_cache(maxsize=1)
def _patterns():
    codes, english = forbidden()
    words = sorted(codes | english | set(_STOPWORDS), key=len, reverse=True)
    return re.compile(r"(?<![\w/.#-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w/-])", re.IGNORECASE)


def _without_allowed(text: str) -> str:
    for name in sorted(ALLOWED_PHRASES, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


# Names that contain an English word but are names: product names, the API's title, the demo's invented data.
ALLOWED_PHRASES = {
    "Cisco Meeting Server", "Microsoft Teams", "Google Chrome", "Google Meet", "Rally Camera", "Studio X50",
    "Cloud Box", "Group 500", "OptiPlex", "Điểm Cầu API", "Room Kit", "Room Bar",
}


def english_leaks(text: str, names=()) -> list[str]:
    """Codes, English labels and decimal points found in ``text`` (a Vietnamese page's visible text).

    ``names``: what users typed that may be English (a device's model, "Group 500 Microphone").
    """
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    text = _without_allowed(text)
    found = []
    for match in _patterns().finditer(text):
        found.append(match.group(0))
    found += [m.group(0) for m in _DECIMAL_POINT.finditer(text)]
    return found
