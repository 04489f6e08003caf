"""What exists: organisations, their sites, and each site's devices, links and people."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.choices import (
    AUDIO_CODECS,
    ORG_KIND_DOST,
    ORG_KIND_OPERATOR,
    PROTOCOLS,
    VIDEO_CODECS,
    ContactRole,
    ImportStatus,
    LinkMedium,
    LinkRole,
    Resolution,
    Taxonomy,
)
from diemcau.lib.collation import vi_order
from diemcau.lib.text import fold


class Term(models.Model):
    """One entry of a province taxonomy (device group, symptom, link kind …).

    Loaded from ``diemcau/data/taxonomies.yaml`` by ``diemcau loadreference``;
    the code is the stable identifier, the labels are what users read.
    """

    taxonomy = models.CharField(_("taxonomy"), max_length=32, choices=Taxonomy.choices)
    code = models.SlugField(_("code"), max_length=40)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    extra = models.JSONField(_("extra"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["taxonomy", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["taxonomy", "code"], name="term_unique_code")]
        verbose_name = _("reference term")
        verbose_name_plural = _("reference terms")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


def _term_choices(taxonomy: str) -> dict:
    return {"taxonomy": taxonomy}


class RetirableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)

class Retirable(models.Model):
    """Objects are retired, never deleted: their history stays readable."""

    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    objects = RetirableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class OrganizationQuerySet(models.QuerySet):
    def operators(self):
        """The telecom operators (VNPT, Viettel …)."""
        return self.filter(kind__code=ORG_KIND_OPERATOR)

    def units(self):
        """Every organisation that has sites of its own: all but the operators."""
        return self.exclude(kind__code=ORG_KIND_OPERATOR)

    def department(self):
        """The Department of Science and Technology (the first, if several are recorded)."""
        return self.filter(kind__code=ORG_KIND_DOST, is_active=True).order_by("pk").first()


class Organization(models.Model):
    """A department, commune, ward, the leadership office or a telecom operator."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind"),
        limit_choices_to=_term_choices(Taxonomy.ORGANIZATION_KIND),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # For operators: who is told when an incident routed to them is escalated.
    escalation_contact = models.CharField(_("escalation contact"), max_length=200, blank=True)
    escalation_phone = models.CharField(_("escalation phone"), max_length=40, blank=True)
    escalation_email = models.EmailField(_("escalation e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    search_text = models.TextField(editable=False, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = [vi_order("name")]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:organization", args=[self.pk])

    @property
    def is_operator(self) -> bool:
        return self.kind.code == ORG_KIND_OPERATOR

    def save(self, *args, **kwargs):
        self.search_text = fold(f"{self.code} {self.name}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Site(Retirable):
    """A meeting room (điểm cầu) of an organisation, with its devices, links and people."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    code = models.CharField(
        _("code"), max_length=40, unique=True,
        help_text=_("Unique site code, e.g. SKHCN-01. Used to match rows on re-import."),
    )
    name = models.CharField(_("name"), max_length=200)
    room = models.CharField(_("room"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_hub = models.BooleanField(
        _("provincial hub"), default=False, help_text=_("The province's main conference room.")
    )
    seats = models.PositiveSmallIntegerField(
        _("seats"), null=True, blank=True, validators=[MaxValueValidator(2000)]
    )
    meetings_per_month = models.PositiveSmallIntegerField(
        _("provincial meetings per month"), null=True, blank=True,
        validators=[MaxValueValidator(200)],
        help_text=_("How many provincial meetings this site joins in a usual month."),
    )
    has_ups = models.BooleanField(_("has UPS"), null=True, blank=True, help_text=_("Leave empty if not known."))
    ups_model = models.CharField(_("UPS model"), max_length=120, blank=True)
    ups_runtime_min = models.PositiveSmallIntegerField(
        _("UPS runtime (minutes)"), null=True, blank=True, validators=[MaxValueValidator(24 * 60)]
    )
    backup_plan = models.TextField(
        _("backup plan"), blank=True,
        help_text=_("What happens when the primary link or terminal fails: backup PC, software, who to call."),
    )
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = [vi_order("organization__name"), "code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        indexes = [models.Index(fields=["organization", "retired_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("inventory:site", args=[self.pk])

    def clean(self):
        errors = {}
        if self.has_ups is False and self.ups_runtime_min:
            errors["ups_runtime_min"] = _("A runtime is given but the site is marked as having no UPS.")
        if self.code and not self.code.strip():
            errors["code"] = _("The code cannot be blank.")
        if errors:
            raise ValidationError(errors)

    def set_search_text(self):
        """What the list search matches (also called by the importer's bulk writes, which skip save())."""
        self.search_text = fold(f"{self.code} {self.name} {self.room} {self.address}")

    def save(self, *args, **kwargs):
        self.set_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


def _current_year() -> int:
    return datetime.date.today().year


def _validate_subset(values, allowed: list[str], field: str) -> dict:
    if values in (None, ""):
        return {}
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return {field: _("Expected a list of names.")}
    unknown = [v for v in values if v not in allowed]
    if unknown:
        return {
            field: _("Unknown value(s): %(unknown)s. Allowed: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(allowed)}
        }
    return {}


class Device(Retirable):
    """One piece of equipment at a site: terminal, PC, camera, microphone, UPS …"""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="devices", verbose_name=_("site"))
    group = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("device group"),
        limit_choices_to=_term_choices(Taxonomy.DEVICE_GROUP),
    )
    manufacturer = models.CharField(_("manufacturer"), max_length=80, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    serial = models.CharField(
        _("serial number"), max_length=80, blank=True,
        help_text=_("Unique across the province when given; used to match rows on re-import."),
    )
    firmware = models.CharField(_("firmware / software version"), max_length=80, blank=True)
    software = models.CharField(
        _("meeting software"), max_length=120, blank=True,
        help_text=_("For PCs: the soft client used to join meetings."),
    )
    year = models.PositiveSmallIntegerField(
        _("year in service"), null=True, blank=True, validators=[MinValueValidator(1990)]
    )
    condition = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("condition"),
        limit_choices_to=_term_choices(Taxonomy.DEVICE_CONDITION),
    )
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    protocols = models.JSONField(_("protocols"), default=list, blank=True)
    video_codecs = models.JSONField(_("video codecs"), default=list, blank=True)
    audio_codecs = models.JSONField(_("audio codecs"), default=list, blank=True)
    max_resolution = models.CharField(_("max resolution"), max_length=8, choices=Resolution.choices, blank=True)
    ip_address = models.GenericIPAddressField(_("management IP address"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    search_text = models.TextField(editable=False, default="")

    class Meta:
        ordering = ["site", "group__position", "model"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["serial"], condition=~Q(serial=""), name="device_unique_serial"),
        ]
        indexes = [models.Index(fields=["site", "retired_at"])]

    def __str__(self) -> str:
        label = " ".join(p for p in (self.manufacturer, self.model) if p) or str(self.group)
        return f"{label} ({self.serial})" if self.serial else label

    def get_absolute_url(self) -> str:
        return reverse("inventory:device", args=[self.pk])

    def clean(self):
        errors = {}
        errors.update(_validate_subset(self.protocols, PROTOCOLS, "protocols"))
        errors.update(_validate_subset(self.video_codecs, VIDEO_CODECS, "video_codecs"))
        errors.update(_validate_subset(self.audio_codecs, AUDIO_CODECS, "audio_codecs"))
        if self.year and self.year > _current_year() + 1:
            errors["year"] = _("The year cannot be in the future.")
        if self.serial != self.serial.strip():
            self.serial = self.serial.strip()
        if self.serial:
            clash = Device.objects.filter(serial=self.serial).exclude(pk=self.pk).select_related("site").first()
            if clash:
                errors["serial"] = _("Serial %(serial)s is already recorded at site %(site)s.") % {
                    "serial": self.serial, "site": clash.site.code,
                }
        if errors:
            raise ValidationError(errors)

    def set_search_text(self):
        """What the list search matches (also called by the importer's bulk writes, which skip save())."""
        self.search_text = fold(f"{self.manufacturer} {self.model} {self.serial} {self.software}")

    def save(self, *args, **kwargs):
        self.set_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)


class Link(Retirable):
    """A network connection of a site to the provincial platform: primary or backup."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="links", verbose_name=_("site"))
    role = models.CharField(_("role"), max_length=10, choices=LinkRole.choices, default=LinkRole.PRIMARY)
    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="provided_links", null=True, blank=True,
        verbose_name=_("provider"), limit_choices_to={"kind__code": ORG_KIND_OPERATOR},
    )
    kind = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("link kind"),
        limit_choices_to=_term_choices(Taxonomy.LINK_KIND),
    )
    medium = models.CharField(
        _("last-metre medium"), max_length=10, choices=LinkMedium.choices,
        help_text=_("How the conference equipment is attached: by cable, Wi-Fi or a mobile modem."),
    )
    down_mbps = models.DecimalField(
        _("download (Mbps)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100000)],
    )
    up_mbps = models.DecimalField(
        _("upload (Mbps)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100000)],
    )
    circuit_id = models.CharField(_("circuit / contract id"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["site", "role", "pk"]
        verbose_name = _("link")
        verbose_name_plural = _("links")
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(role="primary", retired_at__isnull=True),
                name="link_one_active_primary_per_site",
            ),
        ]

    def __str__(self) -> str:
        provider = self.provider.name if self.provider_id else _("no provider")
        return f"{self.get_role_display()}: {self.kind} — {provider}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:site", args=[self.site_id]) + f"#link-{self.pk}"

    @property
    def is_wired(self) -> bool:
        return self.medium in LinkMedium.wired()

    def clean(self):
        errors = {}
        if self.provider_id and not self.provider.is_operator:
            errors["provider"] = _("The provider must be a telecom operator.")
        if self.role == LinkRole.PRIMARY and self.site_id and self.retired_at is None:
            others = Link.objects.filter(site_id=self.site_id, role=LinkRole.PRIMARY, retired_at__isnull=True)
            if others.exclude(pk=self.pk).exists():
                errors["role"] = _("This site already has an active primary link; retire it or make this one a backup.")
        if errors:
            raise ValidationError(errors)


class Contact(Retirable):
    """A technical contact (cán bộ đầu mối kỹ thuật) of a site."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("site"))
    role = models.CharField(_("role"), max_length=10, choices=ContactRole.choices, default=ContactRole.PRIMARY)
    full_name = models.CharField(_("full name"), max_length=120)
    position = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="contacts",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["site", "role", vi_order("full_name")]
        verbose_name = _("technical contact")
        verbose_name_plural = _("technical contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(role="primary", retired_at__isnull=True),
                name="contact_one_active_primary_per_site",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("inventory:site", args=[self.site_id]) + f"#contact-{self.pk}"

    def clean(self):
        errors = {}
        digits = "".join(ch for ch in (self.phone or "") if ch.isdigit())
        if self.phone and not 8 <= len(digits) <= 15:
            errors["phone"] = _("A phone number has 8 to 15 digits.")
        if self.role == ContactRole.PRIMARY and self.site_id and self.retired_at is None:
            others = Contact.objects.filter(site_id=self.site_id, role=ContactRole.PRIMARY, retired_at__isnull=True)
            if others.exclude(pk=self.pk).exists():
                errors["role"] = _("This site already has a primary contact; make this one a deputy or retire the other.")
        if errors:
            raise ValidationError(errors)


class ImportRun(models.Model):
    """One check or import of an uploaded workbook run by the worker: its progress, then its result.

    Large files are not checked inside the web request (a 50,000-row file
    takes a minute or more): the page shows this row's progress until the
    result is stored. The uploaded file itself is kept under
    ``MEDIA_ROOT/imports/<file_token>.xlsx`` (see ``importer_views``).
    """

    key = models.CharField(max_length=40, unique=True, editable=False)
    file_token = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    filename = models.CharField(max_length=255)
    dry_run = models.BooleanField(default=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
