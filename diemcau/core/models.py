"""History of changes and the outbox (notices, e-mails, webhooks), shared by every app."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.core.choices import DeliveryChannel, DeliveryStatus
from diemcau.lib.collation import vi_order


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
    # The event's idempotency key (see core.outbox.send): one notice per user and event.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=~Q(key=""),
                                               name="notice_once_per_event")]
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


class ChannelPreference(models.Model):
    """How one user wants to hear about one topic (the first part of a notice's kind).

    The in-app notice is always written: it is the record of what the user
    was told. E-mail is on unless the user turned it off for the topic.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    topic = models.CharField(max_length=40)
    email = models.BooleanField(_("by e-mail"), default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="channel_preference_unique")]
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")

    def __str__(self) -> str:
        return f"{self.user_id} {self.topic} e-mail={self.email}"


class WebhookEndpoint(models.Model):
    """An outside system told about events by signed JSON (HMAC-SHA256 of the body)."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"))
    secret = models.CharField(_("shared secret"), max_length=200)
    organization = models.ForeignKey("inventory.Organization", on_delete=models.CASCADE, null=True, blank=True,
                                     related_name="+", verbose_name=_("organisation"),
                                     help_text=_("Only incidents this organisation holds; empty for all."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = [vi_order("name")]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """One e-mail or webhook call: pending, being sent, sent, of unknown outcome, or given up on (with why).

    ``attempts`` counts the attempts *started*: each is recorded (and
    committed) before the message leaves, so a worker that stops mid-send
    leaves a row in ``sending`` that the next sweep marks ``uncertain``
    instead of sending it a second time. The row's id is the receiver's
    idempotency key (``Message-ID`` of the e-mail, ``X-Diemcau-Delivery`` of
    the webhook call).
    """

    channel = models.CharField(max_length=8, choices=DeliveryChannel.choices)
    recipient = models.CharField(max_length=500)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="deliveries")
    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_delivery_due")]
        constraints = [models.UniqueConstraint(fields=["key", "channel", "recipient"], condition=~Q(key=""),
                                               name="delivery_once_per_event")]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.status})"


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
