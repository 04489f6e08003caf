"""Monitoring: agent tokens, raw samples, roll-ups, alerts and device checks.

Raw samples are kept a few days (``MONITORING_RAW_DAYS``); the charts and the
early warning read the roll-ups (1 minute, 1 hour, 1 day), kept longer.
An alert is one row per site, problem and subject whose state changes are
rows of ``AlertFlip`` (healthchecks' ``Flip``): the history is computed from
those rows.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.monitoring.choices import (
    AlertState,
    CheckMethod,
    CheckStatus,
    Period,
    Problem,
    SampleKind,
    SnmpVersion,
)

TOKEN_PREFIX = "dca_"


def hash_token(raw: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 is enough and
    # lets every upload find its row by an indexed lookup.
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class AgentToken(models.Model):
    """A site's agent credential. Only its hash is stored; the token is shown once."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="agent_tokens",
                             verbose_name=_("site"))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("token starts with"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("issued by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last report"), null=True, blank=True, editable=False)
    agent_version = models.CharField(_("agent version"), max_length=40, blank=True, editable=False)
    hostname = models.CharField(_("computer name"), max_length=120, blank=True, editable=False)
    dropped_total = models.PositiveIntegerField(_("results lost at the site"), default=0, editable=False)
    # A throughput test asked for on the site page, told to the agent with its next batch's answer.
    throughput_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("agent token")
        verbose_name_plural = _("agent tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.site_id})"

    @staticmethod
    def new_raw() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @classmethod
    def authenticate(cls, raw: str):
        if not raw or not raw.startswith(TOKEN_PREFIX):
            return None
        # A retired site's token is revoked when the site is retired; refusing it here too keeps that true
        # for tokens of sites retired before (or by any other path).
        return cls.objects.filter(digest=hash_token(raw), revoked_at__isnull=True,
                                  site__retired_at__isnull=True).select_related("site").first()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Sample(models.Model):
    """One result from an agent, as sent; the headline numbers in columns, the rest in ``data``.

    A result is identified by its id and measurement time (an agent sends the same result again
    with both unchanged), so a batch sent twice stores nothing twice. On PostgreSQL the table is
    partitioned by local day of ``measured_at`` with BRIN indexes on both times
    (``diemcau.core.partitions``, migration 0007); retention drops whole days.
    """

    result_id = models.UUIDField()
    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=SampleKind.choices)
    measured_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    rtt_ms = models.FloatField(null=True)
    jitter_ms = models.FloatField(null=True)
    loss_pct = models.FloatField(null=True)
    mos = models.FloatField(null=True)
    ok = models.BooleanField(null=True)
    data = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["site", "measured_at"], name="monitoring_sample_site_time")]
        # Unique per result *and time*: a partitioned table's unique keys must hold its partition key.
        constraints = [models.UniqueConstraint(fields=["result_id", "measured_at"], name="monitoring_sample_result")]

    def __str__(self) -> str:
        return f"{self.kind} {self.site_id} {self.measured_at:%Y-%m-%d %H:%M:%S}"


class Rollup(models.Model):
    """Probe results of one site summarised over a minute, an hour or a day."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="+", db_index=False)
    period = models.PositiveIntegerField(choices=Period.choices)
    bucket = models.DateTimeField()
    rounds = models.PositiveIntegerField(default=0)
    bad_rounds = models.PositiveIntegerField(default=0)
    rtt_avg = models.FloatField(null=True)
    rtt_max = models.FloatField(null=True)
    jitter_avg = models.FloatField(null=True)
    jitter_max = models.FloatField(null=True)
    loss_avg = models.FloatField(null=True)
    loss_max = models.FloatField(null=True)
    mos_avg = models.FloatField(null=True)
    mos_min = models.FloatField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "period", "bucket"], name="rollup_unique_bucket")]
        indexes = [models.Index(fields=["period", "bucket"], name="monitoring_rollup_period")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.period}s {self.bucket:%Y-%m-%d %H:%M}"


class Cursor(models.Model):
    """How far a scheduled job got (by ``Sample.received_at`` or by time); claimed with a conditional UPDATE."""

    name = models.CharField(max_length=40, unique=True)
    position = models.DateTimeField()
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"


class Alert(models.Model):
    """The current state of one problem at one site (or one device of it)."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="alerts",
                             verbose_name=_("site"))
    problem = models.CharField(_("problem"), max_length=10, choices=Problem.choices)
    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="alerts", verbose_name=_("device"))
    state = models.CharField(_("state"), max_length=8, choices=AlertState.choices, default=AlertState.OK)
    # The last n rounds, newest last: True means the round was bad.
    recent = models.JSONField(default=list)
    clean_streak = models.PositiveIntegerField(default=0)
    evaluated_until = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    raised_at = models.DateTimeField(_("raised at"), null=True, blank=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))

    class Meta:
        ordering = ["site", "problem"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(fields=["site", "problem"], condition=Q(device__isnull=True),
                                    name="alert_unique_site_problem"),
            models.UniqueConstraint(fields=["site", "problem", "device"], condition=Q(device__isnull=False),
                                    name="alert_unique_device_problem"),
        ]

    def __str__(self) -> str:
        return f"{self.get_problem_display()} — {self.site_id}"

    @property
    def is_raised(self) -> bool:
        return self.state == AlertState.RAISED

    @property
    def incident_key(self) -> str:
        """Alerts with the same key share one incident: the link's problems are one problem to its operator."""
        from diemcau.monitoring.choices import LINK_PROBLEMS

        if self.problem in LINK_PROBLEMS:
            return "link"
        if self.device_id:
            return f"device:{self.device_id}"
        return self.problem


class AlertFlip(models.Model):
    """One change of an alert's state; the alert history on the site page is these rows.

    The roll-up job only writes the row; ``flips.process_flips`` then opens,
    updates or resolves the site's incident in a transaction of its own and
    stamps ``processed_at``. A flip whose incident could not be written is
    tried again later (``next_attempt_at``, ``attempts``, ``last_error``) and
    shown on the monitoring board; it never holds up other sites.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="flips")
    at = models.DateTimeField(_("at"), default=timezone.now)
    old_state = models.CharField(max_length=8, choices=AlertState.choices)
    new_state = models.CharField(_("state"), max_length=8, choices=AlertState.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["alert", "-at"], name="monitoring_flip_alert_at"),
            # The few flips still to carry to the incidents, among millions handled.
            models.Index(fields=["next_attempt_at"], condition=Q(processed_at__isnull=True),
                         name="monitoring_flip_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.old_state} → {self.new_state}"


class Warning(models.Model):
    """An early warning: the trend of a measure reaches the FAIL level soon.

    Found on the hourly roll-ups (a trend over a day and a half) or on the minute roll-ups of the
    last hours (a fast rise: ``from_value`` is the site's usual level, ``over_minutes`` how long the
    rise has lasted); see ``early``.
    """

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(_("measure"), max_length=10, choices=Problem.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    value = models.FloatField(_("current level"))
    slope_per_hour = models.FloatField(_("change per hour"))
    hours_to_fail = models.FloatField(_("hours until the FAIL level"))
    resolution = models.PositiveIntegerField(_("found on"), choices=Period.choices, default=Period.HOUR)
    from_value = models.FloatField(_("usual level"), null=True, blank=True)
    over_minutes = models.PositiveIntegerField(_("rising for (minutes)"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["site", "-at"], name="monitoring_warning_site_at")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.measure} {self.at:%Y-%m-%d %H:%M}"

    @property
    def value_shown(self) -> str:
        """The current level with its unit ("1,4 %"), in the reader's language."""
        from diemcau.monitoring.alerts import shown

        return shown(self.measure, self.value)

    @property
    def is_fast(self) -> bool:
        return self.resolution == Period.MINUTE

    @property
    def summary(self) -> str:
        """What was seen, in the reader's language: "Packet loss rose from 0.2 % to 1.8 % in 40 minutes:
        FAIL level in about 25 minutes" (minute roll-ups) or "1.4 % now, FAIL level in about 9 h"."""
        from diemcau.monitoring.early import describe

        return describe(self.measure, self.value, self.hours_to_fail, self.from_value, self.over_minutes)


class VendorStatusOid(models.Model):
    """A vendor's numeric status OID for a device model, and the values that mean healthy."""

    manufacturer = models.CharField(_("manufacturer"), max_length=80)
    model = models.CharField(_("model"), max_length=120, blank=True, help_text=_("Empty: every model of the maker."))
    oid = models.CharField(_("status OID (numeric)"), max_length=200)
    healthy_values = models.CharField(_("values meaning healthy"), max_length=200,
                                      help_text=_("Comma separated, e.g. 1,2."))
    label = models.CharField(_("what it reports"), max_length=120, blank=True)

    class Meta:
        ordering = ["manufacturer", "model"]
        verbose_name = _("vendor status OID")
        verbose_name_plural = _("vendor status OIDs")

    def __str__(self) -> str:
        return f"{self.manufacturer} {self.model} {self.oid}".strip()

    def clean(self):
        from django.core.exceptions import ValidationError

        parts = self.oid.strip().strip(".").split(".")
        if len(parts) < 2 or not all(p.isdigit() for p in parts):
            raise ValidationError({"oid": _("Write the OID in numbers, e.g. 1.3.6.1.4.1.2636.3.1.13.1.6.")})
        self.oid = ".".join(parts)

    def is_healthy(self, value) -> bool:
        wanted = {v.strip() for v in self.healthy_values.split(",") if v.strip()}
        return str(value).strip() in wanted


class DeviceCheck(models.Model):
    """A check the server runs against a device: SIP OPTIONS, SNMP or a TCP port."""

    device = models.ForeignKey("inventory.Device", on_delete=models.CASCADE, related_name="checks",
                               verbose_name=_("device"))
    method = models.CharField(_("method"), max_length=6, choices=CheckMethod.choices)
    host = models.CharField(_("address to check"), max_length=120, blank=True,
                            help_text=_("Empty: the device's management IP address. Give another address when "
                                        "the server reaches the device through NAT."))
    port = models.PositiveIntegerField(_("port"), null=True, blank=True,
                                       help_text=_("Empty: 5060 for SIP, 161 for SNMP."))
    enabled = models.BooleanField(_("enabled"), default=True)
    snmp_version = models.CharField(_("SNMP version"), max_length=2, choices=SnmpVersion.choices, blank=True)
    snmp_community = models.CharField(_("community"), max_length=80, blank=True)
    snmp_user = models.CharField(_("v3 user"), max_length=80, blank=True)
    snmp_auth_key = models.CharField(_("v3 authentication key (SHA)"), max_length=120, blank=True)
    snmp_priv_key = models.CharField(_("v3 privacy key (AES)"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.UNKNOWN,
                              editable=False)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True, editable=False)
    rtt_ms = models.FloatField(_("answer time (ms)"), null=True, blank=True, editable=False)
    detail = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["device", "method"]
        verbose_name = _("device check")
        verbose_name_plural = _("device checks")
        constraints = [models.UniqueConstraint(fields=["device", "method"], name="devicecheck_unique_method")]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.device_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if not self.host and self.device_id and not self.device.ip_address:
            errors["host"] = _("The device has no management IP address: give the address to check.")
        if self.method == CheckMethod.TCP and not self.port:
            errors["port"] = _("Give the TCP port to check.")
        if self.method == CheckMethod.SNMP:
            if self.snmp_version == SnmpVersion.V3 and not self.snmp_user:
                errors["snmp_user"] = _("SNMP v3 needs a user.")
            if self.snmp_version == SnmpVersion.V2C and not self.snmp_community:
                errors["snmp_community"] = _("SNMP v2c needs a community.")
            if not self.snmp_version:
                errors["snmp_version"] = _("Choose the SNMP version.")
        if errors:
            raise ValidationError(errors)

    @property
    def target_host(self) -> str:
        return self.host or self.device.ip_address or ""

    @property
    def target_port(self) -> int:
        return self.port or {CheckMethod.SIP: 5060, CheckMethod.SNMP: 161}.get(self.method, 0)

    def get_absolute_url(self) -> str:
        return reverse("monitoring:site", args=[self.device.site_id])


class CheckResult(models.Model):
    """A device check result that changed its status or failed; pruned with the raw samples.

    Partitioned by local day of ``at`` on PostgreSQL, like ``Sample``.
    """

    device_check = models.ForeignKey(DeviceCheck, on_delete=models.CASCADE, related_name="results")
    at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=CheckStatus.choices)
    rtt_ms = models.FloatField(null=True)
    detail = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["device_check", "-at"], name="monitoring_result_check_at")]

    def __str__(self) -> str:
        return f"{self.device_check_id} {self.status}"
