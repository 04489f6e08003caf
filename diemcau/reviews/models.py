"""Review campaigns: a campaign, each organisation's task, its site assessments and proposals.

A ``Campaign`` names its scope by the ``UnitTask`` rows it has (one per
organisation). A unit fills one ``Assessment`` per site, with a
``GroupAssessment`` per device group (state, compatibility, how far it meets
meeting needs, faults and causes), ``Evidence`` and ``Proposal``\\ s. Every
change of a task's state is a ``TaskEvent`` row; reminders are ``Reminder``
rows, claimed once.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.inventory.choices import Resolution, Taxonomy
from diemcau.lib.collation import vi_order
from diemcau.reviews.choices import (
    ActionList,
    EventKind,
    Frequency,
    GroupCompatibility,
    MeetsNeeds,
    TaskState,
)


class Campaign(models.Model):
    """One review the province orders: title, scope (its tasks), deadline, instructions."""

    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    deadline = models.DateTimeField(_("deadline"), help_text=_("Units submit before this time (Vietnam time)."))
    reminder_days = models.JSONField(
        _("reminders (days before the deadline)"), default=list, blank=True,
        help_text=_("E.g. 7, 3, 1: the units that have not submitted are reminded on those days."),
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("compare with campaign"),
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-deadline", "-pk"]
        verbose_name = _("review campaign")
        verbose_name_plural = _("review campaigns")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reviews:campaign", args=[self.pk])

    def clean(self):
        days = self.reminder_days or []
        if not isinstance(days, list) or any(not isinstance(d, int) or d < 0 or d > 90 for d in days):
            raise ValidationError({"reminder_days": _("Give whole numbers of days between 0 and 90.")})

    def is_past_deadline(self, now=None) -> bool:
        return (now or timezone.now()) > self.deadline


class UnitTask(models.Model):
    """What one organisation owes a campaign, and where it stands."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("campaign"))
    organization = models.ForeignKey(
        "inventory.Organization", on_delete=models.PROTECT, related_name="review_tasks",
        verbose_name=_("organisation"),
    )
    state = models.CharField(_("state"), max_length=12, choices=TaskState.choices, default=TaskState.NOT_STARTED)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("signed by"),
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_note = models.TextField(_("comments of the department"), blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        ordering = ["campaign", vi_order("organization__name")]
        verbose_name = _("unit task")
        verbose_name_plural = _("unit tasks")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization"], name="review_one_task_per_unit"),
        ]
        indexes = [models.Index(fields=["campaign", "state"])]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:task", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.state in TaskState.editable()

    def is_late(self, now=None) -> bool:
        """Not handed in by the deadline, or first handed in after it."""
        deadline = self.campaign.deadline
        if self.first_submitted_at is not None:
            return self.first_submitted_at > deadline
        return (now or timezone.now()) > deadline


class TaskEvent(models.Model):
    """One change of a task's state: who, when, and the note (the signature of a submission)."""

    task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Assessment(models.Model):
    """The assessment of one site in one campaign, pre-filled from what the system knows."""

    task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("task"))
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="assessments",
                             verbose_name=_("site"))
    meets_needs = models.CharField(_("meets meeting needs"), max_length=8, choices=MeetsNeeds.choices, blank=True)
    summary = models.TextField(_("overall assessment"), blank=True,
                               help_text=_("What works, what does not, and what the unit needs."))
    # What the system knew when the assessment was pre-filled (shown beside the answers).
    verdict = models.CharField(_("stability"), max_length=10, blank=True)
    known = models.JSONField(default=dict, blank=True)
    prefilled_at = models.DateTimeField(_("pre-filled at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))
    confirmed = models.BooleanField(_("checked by the site contact"), default=False)
    return_comment = models.TextField(_("comment of the department"), blank=True)

    class Meta:
        ordering = ["task", "site__code"]
        verbose_name = _("site assessment")
        verbose_name_plural = _("site assessments")
        constraints = [models.UniqueConstraint(fields=["task", "site"], name="review_one_assessment_per_site")]

    def __str__(self) -> str:
        return f"{self.site} — {self.task.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("reviews:assessment", args=[self.pk])

    @property
    def verdict_label(self) -> str:
        from diemcau.reviews.sources import verdict_labels

        return str(dict(verdict_labels()).get(self.verdict or "", self.verdict))


class GroupAssessment(models.Model):
    """One device group at one site: its state, compatibility, fit for meetings, faults and causes."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="groups")
    group = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("device group"),
                              limit_choices_to={"taxonomy": Taxonomy.DEVICE_GROUP})
    device_count = models.PositiveIntegerField(_("devices"), default=0)
    devices = models.JSONField(default=list, blank=True)  # [{"label", "condition"}] when pre-filled
    condition = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True, verbose_name=_("state"),
                                  limit_choices_to={"taxonomy": Taxonomy.DEVICE_CONDITION})
    compatibility = models.CharField(_("compatibility"), max_length=12, choices=GroupCompatibility.choices,
                                     blank=True)
    meets_needs = models.CharField(_("meets meeting needs"), max_length=8, choices=MeetsNeeds.choices, blank=True)
    causes = models.ManyToManyField("inventory.Term", related_name="+", blank=True, verbose_name=_("main causes"),
                                    limit_choices_to={"taxonomy": Taxonomy.CAUSE})
    notes = models.TextField(_("notes"), blank=True)
    return_comment = models.TextField(_("comment of the department"), blank=True)

    class Meta:
        ordering = ["assessment", "group__position"]
        verbose_name = _("device group assessment")
        verbose_name_plural = _("device group assessments")
        constraints = [models.UniqueConstraint(fields=["assessment", "group"], name="review_one_row_per_group")]

    def __str__(self) -> str:
        return str(self.group)


class Fault(models.Model):
    """A frequent fault of a device group (a symptom of the taxonomy) and how often it happens."""

    group_assessment = models.ForeignKey(GroupAssessment, on_delete=models.CASCADE, related_name="faults")
    symptom = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("fault"), limit_choices_to={"taxonomy": Taxonomy.SYMPTOM})
    frequency = models.CharField(_("how often"), max_length=14, choices=Frequency.choices)
    incidents = models.PositiveIntegerField(_("incidents recorded"), default=0)

    class Meta:
        ordering = ["group_assessment", "symptom__position"]
        verbose_name = _("fault")
        verbose_name_plural = _("faults")
        constraints = [models.UniqueConstraint(fields=["group_assessment", "symptom"], name="review_one_fault_row")]

    def __str__(self) -> str:
        return f"{self.symptom}: {self.get_frequency_display()}"


def evidence_path(instance, filename) -> str:
    # Never the uploaded name: it may carry anything; the type decides the extension.
    from diemcau.core.uploads import PHOTO_TYPES

    ext = PHOTO_TYPES.get(instance.content_type, ".bin")
    return f"reviews/{instance.assessment.task.campaign_id}/{uuid.uuid4().hex}{ext}"


class Evidence(models.Model):
    """A note or photo backing an assessment, a device group of it, or a proposal.

    Photos live under MEDIA_ROOT and are only served through an access-checked view.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    group = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                              verbose_name=_("device group"), limit_choices_to={"taxonomy": Taxonomy.DEVICE_GROUP})
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to=evidence_path, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["assessment", "uploaded_at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.note[:60] or self.photo.name

    def clean(self):
        if not self.note.strip() and not self.photo:
            raise ValidationError(_("Write a note or attach a photo."))


class Proposal(models.Model):
    """A proposed action (action taxonomy) for a device group of a site, with its cost and reasons.

    ``flags`` are the waste checks it trips (R16), stored so the department
    reads them; ``flag_reason`` is the unit's written answer to them.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="proposals")
    group = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                              verbose_name=_("device group"), limit_choices_to={"taxonomy": Taxonomy.DEVICE_GROUP},
                              help_text=_("Empty when it concerns the whole site."))
    action = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("action"), limit_choices_to={"taxonomy": Taxonomy.ACTION})
    cause = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, related_name="+", null=True, blank=True,
                              verbose_name=_("cause it fixes"), limit_choices_to={"taxonomy": Taxonomy.CAUSE})
    description = models.CharField(_("what exactly"), max_length=300)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    cost_vnd = models.PositiveBigIntegerField(_("estimated cost (VND)"), default=0)
    justification = models.TextField(_("justification"), blank=True)
    manufacturer = models.CharField(_("proposed manufacturer"), max_length=80, blank=True)
    model = models.CharField(_("proposed model"), max_length=120, blank=True)
    protocols = models.JSONField(_("protocols"), default=list, blank=True)
    video_codecs = models.JSONField(_("video codecs"), default=list, blank=True)
    audio_codecs = models.JSONField(_("audio codecs"), default=list, blank=True)
    max_resolution = models.CharField(_("max resolution"), max_length=8, choices=Resolution.choices, blank=True)
    province_wide = models.BooleanField(_("should be standardised province-wide"), default=False)
    help_now = models.BooleanField(_("needs technical help now"), default=False)
    flags = models.JSONField(default=list, blank=True)  # [{"code": …, "message": …}]
    flag_reason = models.TextField(_("reason despite the warning"), blank=True)
    return_comment = models.TextField(_("comment of the department"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["assessment", "action__position", "pk"]
        verbose_name = _("proposed action")
        verbose_name_plural = _("proposed actions")

    def __str__(self) -> str:
        return f"{self.action}: {self.description}"

    def clean(self):
        from diemcau.inventory.choices import AUDIO_CODECS, PROTOCOLS, VIDEO_CODECS

        errors = {}
        if self.action_id and self.action.code == "keep" and self.cost_vnd:
            errors["cost_vnd"] = _("Keeping a device as it is costs nothing; choose another action for paid work.")
        for field, allowed in (("protocols", PROTOCOLS), ("video_codecs", VIDEO_CODECS), ("audio_codecs", AUDIO_CODECS)):
            values = getattr(self, field) or []
            if not isinstance(values, list) or any(v not in allowed for v in values):
                errors[field] = _("Choose from: %(allowed)s.") % {"allowed": ", ".join(allowed)}
        if self.quantity < 1:
            errors["quantity"] = _("At least one.")
        if errors:
            raise ValidationError(errors)

    @property
    def list_code(self) -> str:
        return (self.action.extra or {}).get("list", ActionList.FIX)

    @property
    def list_label(self) -> str:
        return ActionList(self.list_code).label

    @property
    def is_purchase(self) -> bool:
        from diemcau.reviews.choices import PURCHASE_ACTIONS

        return self.action.code in PURCHASE_ACTIONS

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)

    @property
    def proposed_label(self) -> str:
        return " ".join(p for p in (self.manufacturer, self.model) if p)


class Reminder(models.Model):
    """A reminder of a task, claimed by inserting this row: a second worker's insert fails."""

    task = models.ForeignKey(UnitTask, on_delete=models.CASCADE, related_name="reminders")
    # Days before the deadline; -1 is the notice that the deadline has passed.
    days_before = models.SmallIntegerField()
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["task", "-days_before"]
        constraints = [models.UniqueConstraint(fields=["task", "days_before"], name="review_reminder_once")]

    def __str__(self) -> str:
        return f"{self.task_id} −{self.days_before}d"
