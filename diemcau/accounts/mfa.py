"""Two-step verification with django-otp: an authenticator app (TOTP) and recovery codes.

django-otp rather than django-allauth's MFA: Điểm Cầu keeps Django's own
sign-in, accounts and templates, and django-otp adds only the devices and the
"verified" mark on the session (allauth would replace the whole account
flow). Its TOTP device throttles wrong codes itself and refuses a code
already used; QR codes are drawn here with segno (SVG, nothing leaves the server).
"""

import time

import segno
from django.conf import settings
from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
RECENT_KEY = "mfa_verified_at"


def mfa_required(user) -> bool:
    return user.role in settings.MFA_REQUIRED_ROLES


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_mfa(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user) -> TOTPDevice:
    """The not yet confirmed device of an enrolment in progress (a new key if none)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (drawn locally)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2, dark="#000", light="#fff")


def readable_key(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def mark_verified(request, device) -> None:
    otp_login(request, device)
    request.session[RECENT_KEY] = time.time()


def session_verified(request) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY)) and request.user.is_verified()


def recently_verified(request) -> bool:
    at = request.session.get(RECENT_KEY)
    return bool(at) and session_verified(request) and time.time() - at <= settings.MFA_RECENT_MINUTES * 60


@transaction.atomic
def mfa_enable(*, user, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator, drop any older one, and issue recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user) -> list[str]:
    """Replace the user's recovery codes with new ones (each works once), shown once."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name="recovery").count()


@transaction.atomic
def mfa_disable(*, user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def verify_code(user, code: str):
    """The device that accepts this code (authenticator first, then a recovery code), or None."""
    code = "".join(code.split())
    # Six digits are the app's code, anything else a recovery code: a typo in one does not
    # count as a failure (and a throttling delay) of the other.
    if code.isdigit():
        device = totp_device(user)
        return device if device is not None and device.verify_token(code) else None
    recovery = StaticDevice.objects.filter(user=user, name="recovery", confirmed=True).first()
    return recovery if recovery is not None and recovery.verify_token(code.lower()) else None


DEMO_KEY_HEX = "3132333435363738393031323334353637383930"  # the RFC 6238 test key; demo accounts only
DEMO_EMAIL_DOMAIN = "@demo.invalid"


def demo_enrol(user) -> TOTPDevice:
    """The demo province's accounts whose role requires a second step get a known key,
    printed by ``diemcau run`` with ``diemcau demo_code`` to show the current code."""
    if not user.email.endswith(DEMO_EMAIL_DOMAIN):
        raise ValueError("only demo accounts get the demo key")
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", key=DEMO_KEY_HEX, confirmed=True)
