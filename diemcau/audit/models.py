"""The audit log: one row per security event or data movement, never changed afterwards."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.audit.choices import AuditAction, AuditVia


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or delete an audit row (only the retention prune may)."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit rows cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("audit rows are removed only by prune_before()")

    def prune_before(self, cutoff, *, batch: int = 5000) -> int:
        """Delete rows older than ``cutoff`` in batches (the retention job). Returns how many."""
        removed = 0
        while True:
            ids = list(self.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:batch])
            if not ids:
                return removed
            # Plain QuerySet.delete: the one sanctioned way rows leave the log.
            count, _per_model = models.QuerySet.delete(AuditEvent.objects.filter(pk__in=ids))
            removed += count


class AuditEvent(models.Model):
    """Who did what, when, from where: a sign-in, a lock, an MFA change, a token, an export …

    ``actor_name`` keeps the username as typed (a failed sign-in has no user)
    and survives the account; ``target_*`` name the object acted on.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    action = models.CharField(_("event"), max_length=40, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("user"),
    )
    actor_name = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser or client"), max_length=300, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=AuditVia.choices, default=AuditVia.WEB)
    target_type = models.CharField(_("object type"), max_length=60, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at"], name="audit_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["ip", "action", "-at"], name="audit_ip_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit rows are removed only by prune_before()")
