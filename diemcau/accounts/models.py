"""People who sign in, their role and organisation, and their API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.accounts.choices import PROVINCE_EDITOR_ROLES, PROVINCE_WIDE_ROLES, UNIT_ROLES, Role


class User(AbstractUser):
    """A person using Điểm Cầu. Belongs to one organisation; the role scopes what they see."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SITE_TECH)
    organization = models.ForeignKey(
        "inventory.Organization", on_delete=models.PROTECT, related_name="users",
        verbose_name=_("organisation"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_wall_display = models.BooleanField(
        _("wall display account"), default=False,
        help_text=_("A read-only screen in a meeting room (the readiness board): its session is never "
                    "ended for inactivity or age. Give such an account the least role it needs."),
    )
    last_seen_at = models.DateTimeField(_("last active"), null=True, blank=True, editable=False)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True, editable=False)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def sees_province(self) -> bool:
        return self.role in PROVINCE_WIDE_ROLES

    @property
    def edits_province(self) -> bool:
        return self.role in PROVINCE_EDITOR_ROLES

    @property
    def is_unit_user(self) -> bool:
        return self.role in UNIT_ROLES

    @property
    def is_operator(self) -> bool:
        return self.role == Role.OPERATOR

    @property
    def is_dost_admin(self) -> bool:
        return self.role == Role.DOST_ADMIN

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def clean(self):
        super().clean()
        if self.role == Role.OPERATOR and self.organization_id and not self.organization.is_operator:
            raise ValidationError({"organization": _("An operator engineer must belong to a telecom operator.")})


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        """Create a token and return it with its clear key (never stored)."""
        key = "dc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:10], key_hash=_hash(key))
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = cls.objects.active().select_related("user", "user__organization__kind").filter(
            key_hash=_hash(key or "")
        ).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            token.last_used_at = now
            token.save(update_fields=["last_used_at"])
            # Token use is activity: an integration account is not disabled as idle.
            User.objects.filter(pk=token.user_id).update(last_seen_at=now)
        return token.user
