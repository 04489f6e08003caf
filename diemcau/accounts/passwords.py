"""Password rules (OWASP ASVS 4 §2.1): length, not common or breached, not like the account.

ASVS asks for no composition rules and no forced rotation; the Vietnamese
level-2 practice often asks for both. ``PASSWORD_POLICY=strict`` adds the
composition rule here and a maximum age (``PASSWORD_MAX_AGE_DAYS``, enforced by
the account middleware); docs/security.md explains the choice.
"""

import gzip
from functools import cached_property
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def uses_mfa(user) -> bool:
    """Whether this account signs in with a second step (has a device, or its role must)."""
    if user is None:
        return False
    if getattr(user, "role", None) in settings.MFA_REQUIRED_ROLES:
        return True
    if user.pk is None:
        return False
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def min_length_for(user) -> int:
    return settings.PASSWORD_MIN_LENGTH_MFA if uses_mfa(user) else settings.PASSWORD_MIN_LENGTH


class LengthValidator:
    """At least PASSWORD_MIN_LENGTH_MFA characters with two-step verification, PASSWORD_MIN_LENGTH without."""

    def validate(self, password, user=None):
        minimum = min_length_for(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )
        if len(password) > 128:
            raise ValidationError(_("A password may have at most 128 characters."), code="password_too_long")

    def get_help_text(self):
        return _(
            "At least %(mfa)d characters with two-step verification, %(plain)d without. "
            "A phrase of several words is easiest to remember."
        ) % {"mfa": settings.PASSWORD_MIN_LENGTH_MFA, "plain": settings.PASSWORD_MIN_LENGTH}


class LocalCommonPasswordValidator(CommonPasswordValidator):
    """Passwords common in Vietnam and names of this system, on top of Django's 20,000."""

    DEFAULT_PASSWORD_LIST_PATH = Path(__file__).resolve().parent / "data" / "common-passwords-vi.txt.gz"

    def __init__(self, password_list_path=DEFAULT_PASSWORD_LIST_PATH):
        self.password_list_path = password_list_path

    @cached_property
    def passwords(self):
        with gzip.open(self.password_list_path, "rt", encoding="utf-8") as f:
            return {line.strip().lower() for line in f if line.strip()}

    def validate(self, password, user=None):
        folded = password.lower().strip()
        bare = folded.rstrip("0123456789!@#$.")
        if folded in self.passwords or (bare and bare in self.passwords):
            raise ValidationError(_("This password is too common."), code="password_too_common")


class CompositionValidator:
    """The stricter variant (PASSWORD_POLICY=strict): upper and lower case, a digit and a symbol."""

    def validate(self, password, user=None):
        classes = [
            any(c.isupper() for c in password), any(c.islower() for c in password),
            any(c.isdigit() for c in password), any(not c.isalnum() for c in password),
        ]
        if not all(classes):
            raise ValidationError(
                _("The password must contain an upper-case letter, a lower-case letter, a digit and a symbol."),
                code="password_composition",
            )

    def get_help_text(self):
        return _("It must contain an upper-case letter, a lower-case letter, a digit and a symbol.")
