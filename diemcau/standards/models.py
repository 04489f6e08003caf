"""The minimum standard (versioned), platforms, configuration profiles, and what was judged.

A ``Standard`` is edited as a draft and published as a new version; the old
versions and every ``SiteCompliance`` judged against them stay. Results are
computed for all sites in one pass (``services.recompute_sites``) and stored,
so pages only read them.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.choices import AUDIO_CODECS, PROTOCOLS, VIDEO_CODECS, Resolution
from diemcau.lib.collation import vi_order
from diemcau.standards.choices import (
    CONTENT_SHARING,
    ENCRYPTION,
    Category,
    SettingsSource,
    Severity,
    StandardStatus,
    Verdict,
)


def fingerprint(value) -> str:
    """A digest of freshly computed results, to tell whether they changed since the last run.

    Both sides of the comparison come from the same code building the same
    structures in the same order, so ``repr`` is stable and several times
    faster than canonical JSON.
    """
    return hashlib.sha1(repr(value).encode(), usedforsecurity=False).hexdigest()


def rule_text(rule) -> str:
    """A rule as the admin writes it: ``{primary_link_mbps: {fail_below: 1.2}}``."""
    import yaml

    return yaml.safe_dump(rule, default_flow_style=True, allow_unicode=True, sort_keys=False, width=1000).strip()


class StandardQuerySet(models.QuerySet):
    def current(self):
        """The version in force, or None."""
        return self.filter(status=StandardStatus.PUBLISHED).order_by("-published_at", "-pk").first()


class Standard(models.Model):
    """One version of the province's minimum standard for a site."""

    name = models.CharField(_("name"), max_length=200)
    version = models.CharField(_("version"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=StandardStatus.choices, default=StandardStatus.DRAFT)
    notes = models.TextField(_("what changed"), blank=True)
    # The pre-meeting checklist: {"opens_hours_before", "due_minutes_before", "items": [{code, vi, en, auto,
    # source}]}; the meetings app copies it onto each meeting it schedules. Empty: the shipped file's.
    precheck = models.JSONField(_("pre-meeting check"), default=dict, blank=True)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("based on"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )

    objects = StandardQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("minimum standard")
        verbose_name_plural = _("minimum standards")
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="published"), name="standard_one_in_force"),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("standards:standard", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == StandardStatus.DRAFT


class Requirement(models.Model):
    """One requirement of a standard: a rule with its FAIL/WARN levels, severity and source."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("standard"))
    code = models.CharField(_("code"), max_length=30, help_text=_("Short stable code, e.g. NET-BW."))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    text = models.TextField(_("requirement"), help_text=_("What a site needs, in words the units read."))
    rule = models.JSONField(_("rule"), help_text=_("Rule type and its levels, e.g. {primary_link_mbps: {fail_below: 1.2, warn_below: 2.0}}."))
    severity = models.CharField(
        _("severity"), max_length=6, choices=Severity.choices, default=Severity.FAIL,
        help_text=_("A requirement of severity “warning only” never counts as a failure."),
    )
    source = models.TextField(_("source"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["standard", "position", "code"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [models.UniqueConstraint(fields=["standard", "code"], name="requirement_unique_code")]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:60]}"

    def clean(self):
        from diemcau.standards.rules import validate_rule

        errors = validate_rule(self.rule)
        if errors:
            raise ValidationError({"rule": errors})
        if self.code:
            self.code = self.code.strip().upper()

    @property
    def rule_text(self) -> str:
        return rule_text(self.rule)

    @property
    def rule_key(self) -> str:
        from diemcau.standards.rules import RULES

        return next((k for k in (self.rule or {}) if k in RULES), "")


def _check_names(values, allowed, field) -> dict:
    if not isinstance(values, list) or any(v not in allowed for v in values):
        return {field: _("Choose from: %(allowed)s.") % {"allowed": ", ".join(allowed)}}
    return {}


class Platform(models.Model):
    """A conference platform or MCU of the province, and what it accepts."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    reference = models.BooleanField(
        _("province platform"), default=False,
        help_text=_("Sites must be able to join it (requirement VID-PROTO and the verdict)."),
    )
    protocols = models.JSONField(_("protocols"), default=list, blank=True)
    video_codecs = models.JSONField(_("video codecs"), default=list, blank=True)
    audio_codecs = models.JSONField(_("audio codecs"), default=list, blank=True)
    min_resolution = models.CharField(_("minimum resolution"), max_length=8, choices=Resolution.choices, blank=True)
    max_resolution = models.CharField(_("maximum resolution"), max_length=8, choices=Resolution.choices, blank=True)
    content_sharing = models.JSONField(_("content sharing"), default=list, blank=True)
    encryption = models.JSONField(_("encryption"), default=list, blank=True)
    encryption_required = models.BooleanField(_("encryption required"), default=False)
    soft_clients = models.JSONField(
        _("accepted meeting software"), default=list, blank=True,
        help_text=_("Names of the PC clients that join it, e.g. Google Chrome, Cisco Webex."),
    )
    min_firmware = models.JSONField(
        _("minimum firmware"), default=list, blank=True,
        help_text=_("Per manufacturer (and model): the lowest firmware version it accepts."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-reference", vi_order("name")]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standards:platforms") + f"#platform-{self.pk}"

    def clean(self):
        errors = {}
        errors.update(_check_names(self.protocols, PROTOCOLS, "protocols"))
        errors.update(_check_names(self.video_codecs, VIDEO_CODECS, "video_codecs"))
        errors.update(_check_names(self.audio_codecs, AUDIO_CODECS, "audio_codecs"))
        errors.update(_check_names(self.content_sharing, CONTENT_SHARING, "content_sharing"))
        errors.update(_check_names(self.encryption, ENCRYPTION, "encryption"))
        if self.encryption_required and not self.encryption:
            errors["encryption"] = _("Name the encryption it requires.")
        if not self.protocols:
            errors.setdefault("protocols", _("A platform accepts at least one protocol."))
        if not isinstance(self.min_firmware, list) or any(
            not isinstance(e, dict) or not e.get("manufacturer") or not e.get("version") for e in self.min_firmware
        ):
            errors["min_firmware"] = _("Each line needs a manufacturer and a version.")
        if errors:
            raise ValidationError(errors)

    def spec(self):
        from diemcau.standards.compatibility import PlatformSpec

        return PlatformSpec(
            id=self.pk, name=self.name, reference=self.reference, protocols=tuple(self.protocols),
            video_codecs=tuple(self.video_codecs), audio_codecs=tuple(self.audio_codecs),
            content_sharing=tuple(self.content_sharing), encryption=tuple(self.encryption),
            encryption_required=self.encryption_required, min_resolution=self.min_resolution,
            soft_clients=tuple(self.soft_clients), min_firmware=tuple(self.min_firmware),
        )


class ConfigProfile(models.Model):
    """The province's shared settings for a kind of site (call bitrate, protocol, DSCP …)."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    is_default = models.BooleanField(
        _("default profile"), default=False, help_text=_("Applies to every site that has no other profile."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-is_default", vi_order("name")]
        verbose_name = _("configuration profile")
        verbose_name_plural = _("configuration profiles")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="profile_one_default"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("standards:profiles") + f"#profile-{self.pk}"

    def clean(self):
        from diemcau.standards.drift import FIELDS_BY_KEY

        unknown = [k for k in (self.settings or {}) if k not in FIELDS_BY_KEY]
        if unknown:
            raise ValidationError({"settings": _("Unknown setting(s): %(keys)s.") % {"keys": ", ".join(unknown)}})


class SiteSettings(models.Model):
    """A site's actual settings as last recorded, and the profile it should follow."""

    site = models.OneToOneField(
        "inventory.Site", on_delete=models.CASCADE, related_name="actual_settings", verbose_name=_("site"),
    )
    profile = models.ForeignKey(
        ConfigProfile, on_delete=models.SET_NULL, null=True, blank=True, related_name="sites",
        verbose_name=_("profile"), help_text=_("Empty: the default profile."),
    )
    values = models.JSONField(_("actual settings"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=SettingsSource.choices, default=SettingsSource.MANUAL)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return str(_("Settings of %(site)s") % {"site": self.site})


class SiteCompliance(models.Model):
    """How one site meets one version of the standard: an outcome per requirement."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="compliance", verbose_name=_("site"))
    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="results", verbose_name=_("standard"))
    computed_at = models.DateTimeField(_("computed at"))
    # {requirement code: {"status": …, "reason": {code, params}, "value": …}}
    results = models.JSONField(default=dict)
    # sha1 of the results: a recomputation compares it instead of reading every JSON back.
    fingerprint = models.CharField(max_length=40, default="", editable=False)
    passed = models.PositiveSmallIntegerField(default=0)
    warned = models.PositiveSmallIntegerField(default=0)
    failed = models.PositiveSmallIntegerField(default=0)
    unknown = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["site", "-computed_at"]
        verbose_name = _("compliance result")
        verbose_name_plural = _("compliance results")
        constraints = [models.UniqueConstraint(fields=["site", "standard"], name="compliance_one_per_version")]

    def __str__(self) -> str:
        return f"{self.site_id} / {self.standard_id}"


class SiteCompatibility(models.Model):
    """The last compatibility check of a site against every platform in use."""

    site = models.OneToOneField("inventory.Site", on_delete=models.CASCADE, related_name="compatibility")
    computed_at = models.DateTimeField(_("computed at"))
    results = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=40, default="", editable=False)

    class Meta:
        verbose_name = _("compatibility result")
        verbose_name_plural = _("compatibility results")

    def __str__(self) -> str:
        return str(self.site_id)


class SiteVerdict(models.Model):
    """A stability verdict of a site, with every reason and the inputs it used.

    A new row is written when the verdict or its reasons change (its history);
    a recomputation that finds the same only moves ``checked_at``.
    """

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="verdicts", verbose_name=_("site"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    standard = models.ForeignKey(
        Standard, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("standard"),
    )
    computed_at = models.DateTimeField(_("since"))
    checked_at = models.DateTimeField(_("last checked"))
    # [{"level": stable|unstable|unfit, "source": app label or "standards", "reason": {…}}]
    reasons = models.JSONField(default=list)
    inputs = models.JSONField(default=dict)
    # sha1 of (verdict, standard, reasons): tells a changed verdict without reading the reasons back.
    fingerprint = models.CharField(max_length=40, default="", editable=False)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["site", "-computed_at", "-pk"]
        verbose_name = _("stability verdict")
        verbose_name_plural = _("stability verdicts")
        constraints = [
            models.UniqueConstraint(fields=["site"], condition=Q(is_current=True), name="verdict_one_current"),
        ]
        indexes = [models.Index(fields=["is_current", "verdict"])]

    def __str__(self) -> str:
        return f"{self.site_id}: {self.verdict}"


class PendingVerdict(models.Model):
    """A site whose verdict inputs changed and waits for the next recomputation.

    Other apps mark sites here (one row per site, however many changes), and
    a job of the worker drains the table every minute: a burst of a thousand
    incident updates costs one recomputation, not a thousand queued jobs.
    """

    site = models.OneToOneField("inventory.Site", on_delete=models.CASCADE, related_name="+", primary_key=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pending verdict")
        verbose_name_plural = _("pending verdicts")

    def __str__(self) -> str:
        return f"{self.site_id} since {self.requested_at:%Y-%m-%d %H:%M}"
