"""Official documents, their issued (frozen) versions, the roadmap and its tasks, and the guides.

A ``Document`` is the draft an agency edits (the free-text parts in
``texts``); issuing it writes an ``IssuedDocument`` — number, date, signer,
checksum and the .docx file — which never changes afterwards. A ``Roadmap``
is one run of the budget-bounded choice over a campaign's accepted
proposals; once adopted its items become ``Work`` (tracked tasks) whose every
change is a ``WorkUpdate`` row. ``Guide`` versions are never edited: a new
text is a new ``GuideVersion``, and readers confirm each version.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.reports.choices import DocKind, GuideTopic, PdfStatus, WorkStatus


class Document(models.Model):
    """One document being prepared by an agency: what it is about and the parts people write."""

    kind = models.CharField(_("kind"), max_length=16, choices=DocKind.choices)
    organization = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="documents",
                                     verbose_name=_("issuing agency"))
    campaign = models.ForeignKey("reviews.Campaign", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="documents", verbose_name=_("review campaign"))
    roadmap = models.ForeignKey("reports.Roadmap", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="documents", verbose_name=_("roadmap"))
    guide_version = models.ForeignKey("reports.GuideVersion", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="documents", verbose_name=_("guide version"))
    excerpt = models.CharField(_("excerpt (trích yếu)"), max_length=300)
    texts = models.JSONField(_("written parts"), default=dict, blank=True)
    as_of = models.DateField(_("as of"), null=True, blank=True, help_text=_("For a progress report: the date it reports on."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("draft saved at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("draft saved by"))

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "campaign", "organization"],
                                    condition=Q(kind__in=["unit_report", "assessment", "plan"]),
                                    name="report_one_document_per_campaign_and_unit"),
        ]
        indexes = [models.Index(fields=["organization", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.excerpt}"

    def get_absolute_url(self) -> str:
        return reverse("reports:document", args=[self.pk])

    @property
    def doc_type(self) -> str:
        return DocKind.doc_type(self.kind)


def issued_path(instance, filename) -> str:
    return f"reports/{instance.year}/{instance.document.kind}-{instance.document_id}-{instance.pk or 'new'}-{filename}"


class IssuedDocument(models.Model):
    """The issued, frozen version of a document: number, date, signer, checksum, the stored file.

    Never regenerated: the file is what was signed. The PDF, converted later by
    the worker from this same .docx, is stored beside it.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="issues")
    organization = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="+")
    type_abbr = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField(_("number"))
    number_text = models.CharField(_("number and symbol"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("signed by"))
    signer_name = models.CharField(_("signer's name"), max_length=120)
    signer_position = models.CharField(_("signer's position"), max_length=120)
    signer_authority = models.CharField(_("authority"), max_length=120, blank=True)
    texts = models.JSONField(default=dict, blank=True)
    facts = models.JSONField(default=dict, blank=True)  # the figures the document showed, for the record
    docx = models.FileField(upload_to=issued_path)
    checksum = models.CharField(_("SHA-256 of the .docx"), max_length=64)
    size = models.PositiveIntegerField(default=0)
    annex = models.FileField(upload_to=issued_path, blank=True)
    annex_checksum = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to=issued_path, blank=True)
    pdf_status = models.CharField(_("PDF"), max_length=12, choices=PdfStatus.choices, default=PdfStatus.PENDING)
    pdf_error = models.TextField(blank=True)
    pdf_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(fields=["organization", "type_abbr", "year", "number"],
                                    name="report_one_number_per_agency_type_year"),
        ]

    def __str__(self) -> str:
        return f"{self.number_text} ({self.issued_on:%d/%m/%Y})"

    def verify(self) -> bool:
        """The stored file is still the one that was issued."""
        with self.docx.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest() == self.checksum


class Roadmap(models.Model):
    """One budget-bounded choice of work over a campaign's accepted proposals."""

    campaign = models.ForeignKey("reviews.Campaign", on_delete=models.PROTECT, related_name="roadmaps",
                                 verbose_name=_("review campaign"))
    title = models.CharField(_("title"), max_length=200)
    phases = models.JSONField(_("phases"), default=list,
                              help_text=_("Each phase: its name, budget in VND and due date."))
    min_per_area = models.BooleanField(_("at least one item per unit"), default=False)
    greedy_objective = models.FloatField(default=0)
    exact_objective = models.FloatField(null=True, blank=True)
    exact_status = models.CharField(max_length=16, blank=True)
    gap = models.FloatField(null=True, blank=True)
    chosen = models.CharField(max_length=8, default="greedy")  # which plan the items follow
    seconds = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    adopted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("adopted by"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:roadmap", args=[self.pk])

    def clean(self):
        phases = self.phases or []
        if not phases:
            raise ValidationError({"phases": _("Give at least one phase with its budget.")})
        for n, phase in enumerate(phases, start=1):
            if not isinstance(phase.get("budget"), int) or phase["budget"] < 0:
                raise ValidationError({"phases": _("Phase %(n)s: the budget is a whole number of VND, 0 or more.")
                                       % {"n": n}})

    @property
    def total_budget(self) -> int:
        return sum(p.get("budget", 0) for p in self.phases or [])


class RoadmapItem(models.Model):
    """One proposal in a roadmap: its phase (0: not funded), rank, benefit and why."""

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="items")
    proposal = models.ForeignKey("reviews.Proposal", on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="+")
    package = models.CharField(max_length=80)
    phase = models.PositiveSmallIntegerField(_("phase"), default=0)
    greedy_phase = models.PositiveSmallIntegerField(default=0)
    rank = models.PositiveIntegerField(_("rank"))
    cost = models.PositiveBigIntegerField(_("cost (VND)"))
    benefit = models.FloatField(_("benefit score"))
    reasons = models.JSONField(default=dict, blank=True)
    explanation = models.TextField(_("why"), blank=True)

    class Meta:
        ordering = ["roadmap", "rank", "pk"]
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        indexes = [models.Index(fields=["roadmap", "phase", "rank"])]

    def __str__(self) -> str:
        return f"{self.roadmap_id}#{self.rank}"


class Work(models.Model):
    """A roadmap item being done: who owns it, by when, where it stands, what it has cost."""

    item = models.OneToOneField(RoadmapItem, on_delete=models.PROTECT, related_name="work")
    owner = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="roadmap_work",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=WorkStatus.choices, default=WorkStatus.PLANNED)
    cost_spent = models.PositiveBigIntegerField(_("cost spent (VND)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("roadmap task")
        verbose_name_plural = _("roadmap tasks")
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return f"{self.item.proposal.description} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reports:work", args=[self.pk])

    def is_overdue(self, today) -> bool:
        return self.status in WorkStatus.open_values() and self.due_on < today


class WorkUpdate(models.Model):
    """One change of a task: its status, the cost spent so far, a note; who and when."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("status"), max_length=12, choices=WorkStatus.choices)
    cost_spent = models.PositiveBigIntegerField(_("cost spent (VND)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["work", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.work_id} {self.status} {self.at:%Y-%m-%d}"


class Chase(models.Model):
    """A reminder about an overdue task, claimed by inserting this row (one per task and day)."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="chases")
    on = models.DateField()
    claimed_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["work", "-on"]
        constraints = [models.UniqueConstraint(fields=["work", "on"], name="report_chase_once_a_day")]

    def __str__(self) -> str:
        return f"{self.work_id} {self.on}"


class Guide(models.Model):
    """A short shared technical guide or operating procedure (R14); its text is in its versions."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    topic = models.CharField(_("topic"), max_length=16, choices=GuideTopic.choices)
    symptoms = models.ManyToManyField("inventory.Term", blank=True, related_name="+", verbose_name=_("symptoms"),
                                      limit_choices_to={"taxonomy": "symptom"},
                                      help_text=_("The incident symptom guides that link to this guide."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["topic", "title"]
        verbose_name = _("guide")
        verbose_name_plural = _("guides")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reports:guide", args=[self.code])


class GuideVersion(models.Model):
    """One version of a guide's text (Markdown). Never edited: a change is a new version."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["guide", "-number"]
        verbose_name = _("guide version")
        verbose_name_plural = _("guide versions")
        constraints = [models.UniqueConstraint(fields=["guide", "number"], name="report_guide_version_once")]

    def __str__(self) -> str:
        return f"{self.guide} v{self.number}"


class GuideRead(models.Model):
    """A site contact's confirmation that they have read one version of a guide."""

    version = models.ForeignKey(GuideVersion, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["version", "at"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="report_guide_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.version_id}"
