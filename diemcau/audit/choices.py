from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What happened. Security events first, then data movements."""

    LOGIN = "login", _("signed in")
    LOGOUT = "logout", _("signed out")
    LOGIN_FAILED = "login_failed", _("failed sign-in")
    LOGIN_THROTTLED = "login_throttled", _("sign-in refused: too many attempts from this address")
    SESSION_EXPIRED = "session_expired", _("session ended by timeout")
    ACCOUNT_LOCKED = "account_locked", _("account locked")
    ACCOUNT_UNLOCKED = "account_unlocked", _("account unlocked")
    ACCOUNT_DISABLED = "account_disabled", _("account disabled after inactivity")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    MFA_ENABLED = "mfa_enabled", _("two-step verification turned on")
    MFA_DISABLED = "mfa_disabled", _("two-step verification turned off")
    MFA_FAILED = "mfa_failed", _("wrong verification code")
    MFA_VERIFIED = "mfa_verified", _("two-step verification passed")
    RECOVERY_CODES = "recovery_codes", _("new recovery codes issued")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TOKEN_FAILED = "token_failed", _("API call with an invalid token")
    TOKEN_THROTTLED = "token_throttled", _("API call refused: too many invalid tokens from this address")
    USER_CREATED = "user_created", _("account created")
    USER_CHANGED = "user_changed", _("account changed")
    ROLE_CHANGED = "role_changed", _("role or permissions changed")
    EXPORT = "export", _("data exported")
    IMPORT = "import", _("data imported")


class AuditVia(models.TextChoices):
    WEB = "web", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("system")


# Failures counted by the per-address throttle of the sign-in page and of the API.
LOGIN_FAILURES = (AuditAction.LOGIN_FAILED, AuditAction.LOGIN_THROTTLED, AuditAction.MFA_FAILED)
TOKEN_FAILURES = (AuditAction.TOKEN_FAILED, AuditAction.TOKEN_THROTTLED)
