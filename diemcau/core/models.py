"""History of changes and in-app notices, shared by every app."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    RETIRE = "retire", _("retired")
    RESTORE = "restore", _("restored")


class ChangeVia(models.TextChoices):
    WEB = "web", _("web form")
    API = "api", _("API")
    IMPORT = "import", _("Excel import")
    SYSTEM = "system", _("system")


class ChangeRecord(models.Model):
    """One change of one object: who, when, what (field → [before, after]).

    ``site`` is set for objects that belong to a site so that a site page
    shows the history of its devices, links and contacts too.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=200)
    site = models.ForeignKey(
        "inventory.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="change_records"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    via = models.CharField(max_length=10, choices=ChangeVia.choices, default=ChangeVia.WEB)
    changes = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"]),
            models.Index(fields=["site", "-at"]),
        ]
        verbose_name = _("change record")
        verbose_name_plural = _("change records")

    def __str__(self) -> str:
        return f"{self.object_repr} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """An in-application message for one user (reminders, escalations, repeats …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=40, blank=True, help_text="Machine-readable source, e.g. incident.escalated")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return self.title


class Heartbeat(models.Model):
    """The last sign of life of a background process (one row per name, overwritten).

    Not a record of history: a liveness signal read by ``/healthz``. Written
    by :func:`diemcau.core.heartbeat.beat`.
    """

    name = models.CharField(max_length=60, primary_key=True)
    beat_at = models.DateTimeField()
    host = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(null=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class TableColumns(models.Model):
    """The columns one user chose to see in one wide table (as NetBox's UserConfig keeps them).

    ``table`` names the table (the view's URL name, e.g. ``standards:matrix``); ``hidden``
    lists the keys of the columns the user turned off, so a column added later shows up.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    table = models.CharField(max_length=100)
    hidden = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "table"], name="core_table_columns_one_per_table")]
        verbose_name = _("chosen table columns")
        verbose_name_plural = _("chosen table columns")

    def __str__(self) -> str:
        return f"{self.user_id} {self.table}"
