"""Meetings, the sites taking part, their pre-meeting checks and roll-call, duty, backups, training.

A ``Meeting`` carries its checklist as it was when it was scheduled (the
``precheck`` section of the standard in force), and the times derived from
it (``opens_at``, ``due_at``), stored in UTC. Every check item confirmed or
measured is a ``CheckMark`` row, every roll-call tap a ``RollCallMark``,
every drill a ``Drill``: nothing is overwritten. ``Participation`` keeps the
current state derived from those rows (``services.participation_refresh``)
only so that the board reads one row per site.
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.meetings.choices import (
    BackupKind,
    Importance,
    Level,
    MarkSource,
    MeetingStatus,
    Outcome,
    Readiness,
    RollCall,
)


class MeetingSeries(models.Model):
    """Meetings scheduled together by one repeat rule (a weekly briefing)."""

    title = models.CharField(_("title"), max_length=300)
    rule = models.CharField(_("repeat rule"), max_length=200, help_text=_("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=MO"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")

    def __str__(self) -> str:
        return self.title


class MeetingQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(status=MeetingStatus.SCHEDULED)


class Meeting(models.Model):
    """One online meeting: who hosts it, which sites take part, when, on which platform."""

    title = models.CharField(_("title"), max_length=300)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.PROVINCIAL)
    importance = models.CharField(_("importance"), max_length=10, choices=Importance.choices,
                                  default=Importance.NORMAL)
    organizer = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("organised by"))
    host_site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("host site"))
    platform = models.ForeignKey("standards.Platform", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("platform"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    dial_in = models.TextField(_("how to join"), blank=True,
                               help_text=_("Room number, link, password, phone bridge number."))
    notes = models.TextField(_("notes"), blank=True)
    series = models.ForeignKey(MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="meetings", verbose_name=_("series"))
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # The standard's precheck section when the meeting was scheduled: {"standard", "opens_hours_before",
    # "due_minutes_before", "items": [{"code", "vi", "en", "auto", "source"}]}.
    checklist = models.JSONField(default=dict, editable=False)
    opens_at = models.DateTimeField(_("check opens"), editable=False)
    due_at = models.DateTimeField(_("check due"), editable=False)
    # Bumped by every mark: an open board asks for a new picture only when it moved.
    board_version = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [
            models.Index(fields=["starts_at"], name="meeting_starts"),
            models.Index(fields=["status", "ends_at"], name="meeting_status_ends"),
            models.Index(fields=["status", "due_at"], name="meeting_status_due"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.title} ({local:%H:%M %d/%m/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_important(self) -> bool:
        return self.importance == Importance.IMPORTANT

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def apply_checklist(self, checklist: dict) -> None:
        """Keep the checklist and derive the check window from the start time (stored UTC)."""
        self.checklist = checklist
        self.opens_at = self.starts_at - dt.timedelta(hours=float(checklist.get("opens_hours_before", 24)))
        self.due_at = self.starts_at - dt.timedelta(minutes=float(checklist.get("due_minutes_before", 60)))

    @property
    def items(self) -> list[dict]:
        return list(self.checklist.get("items") or [])

    @property
    def manual_items(self) -> list[dict]:
        return [i for i in self.items if not i.get("auto")]

    @property
    def auto_items(self) -> list[dict]:
        return [i for i in self.items if i.get("auto")]

    def check_is_open(self, now=None) -> bool:
        """Marks are taken from the opening of the check until the meeting ends."""
        now = now or timezone.now()
        return not self.is_cancelled and self.opens_at <= now <= self.ends_at

    def is_running(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.is_cancelled and self.starts_at <= now <= self.ends_at

    def phase(self, now=None) -> str:
        """``upcoming`` → ``check`` → ``late`` (after due) → ``running`` → ``ended``; or ``cancelled``."""
        now = now or timezone.now()
        if self.is_cancelled:
            return "cancelled"
        if now < self.opens_at:
            return "upcoming"
        if now < self.due_at:
            return "check"
        if now < self.starts_at:
            return "late"
        if now <= self.ends_at:
            return "running"
        return "ended"


class Participation(models.Model):
    """A site taking part in a meeting, with its current readiness and roll-call (derived from the rows)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participations",
                                verbose_name=_("meeting"))
    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="meeting_participations",
                             verbose_name=_("site"))
    is_host = models.BooleanField(_("host"), default=False)
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Derived from CheckMark rows by services.participation_refresh.
    state = models.CharField(_("readiness"), max_length=8, choices=Readiness.choices, default=Readiness.NO_DATA)
    failing = models.JSONField(default=list, blank=True)
    items = models.JSONField(default=dict, blank=True)  # {code: {"outcome", "at", "evidence_at", "by", "late"}}
    # {code: ISO time of the newest evidence of a measured item}, written by the evidence job only.
    evidence = models.JSONField(default=dict, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    # Chasing: 1 = the contact was told, 2 = the unit head too. Claimed by conditional UPDATE.
    chase_level = models.PositiveSmallIntegerField(default=0)
    chased_at = models.DateTimeField(null=True, blank=True)
    # The incident opened from this meeting at the site (a failed item or a roll-call problem).
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))
    # Derived from RollCallMark rows.
    rollcall = models.CharField(_("roll-call"), max_length=8, choices=RollCall.choices, blank=True)
    rollcall_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "site__code"]
        verbose_name = _("participating site")
        verbose_name_plural = _("participating sites")
        constraints = [models.UniqueConstraint(fields=["meeting", "site"], name="participation_unique_site")]
        indexes = [
            models.Index(fields=["site", "meeting"], name="participation_site"),
            models.Index(fields=["meeting", "chase_level"], name="participation_chase"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} / {self.site_id}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    def ready_on_time(self) -> bool:
        return self.ready_at is not None and self.ready_at <= self.meeting.due_at

    def was_late(self) -> bool:
        return self.ready_at is not None and self.ready_at > self.meeting.due_at


class CheckMark(models.Model):
    """One check item at one site for one meeting: confirmed by the contact or measured by the system."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="marks")
    item = models.CharField(_("item"), max_length=20)
    outcome = models.CharField(_("result"), max_length=8, choices=Outcome.choices)
    source = models.CharField(_("source"), max_length=8, choices=MarkSource.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("by"))
    late = models.BooleanField(_("late"), default=False)
    # For measured items: the time of the newest evidence used, and its figures.
    evidence_at = models.DateTimeField(_("evidence from"), null=True, blank=True)
    value = models.JSONField(default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to="meetings/%Y/%m/", blank=True)
    symptom = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("what is wrong"), limit_choices_to={"taxonomy": "symptom"})
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("check mark")
        verbose_name_plural = _("check marks")
        indexes = [models.Index(fields=["participation", "item", "at"], name="checkmark_item")]

    def __str__(self) -> str:
        return f"{self.participation_id} {self.item} {self.outcome}"


class RollCallMark(models.Model):
    """One tap of the host during the meeting: present, absent, audio or video problem."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="rollcall_marks")
    status = models.CharField(_("roll-call"), max_length=8, choices=RollCall.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    incident = models.ForeignKey("incidents.Incident", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("roll-call mark")
        verbose_name_plural = _("roll-call marks")
        indexes = [models.Index(fields=["participation", "at"], name="rollcall_participation")]

    def __str__(self) -> str:
        return f"{self.participation_id} {self.status}"


class DutyShift(models.Model):
    """Someone of an organisation on duty for a meeting or a period, with the phone to call."""

    organization = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organisation"))
    duty = models.CharField(_("duty"), max_length=120, blank=True,
                            help_text=_("E.g. link support, platform, hall equipment."))
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="duty_shifts", verbose_name=_("user account"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=40)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="duty",
                                verbose_name=_("meeting"), help_text=_("Empty: on duty for the whole period."))
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "organization__name", "pk"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        indexes = [models.Index(fields=["organization", "starts_at", "ends_at"], name="duty_org_time")]

    def __str__(self) -> str:
        return f"{self.name} · {self.organization}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        digits = "".join(ch for ch in (self.phone or "") if ch.isdigit())
        if not 8 <= len(digits) <= 15:
            errors["phone"] = _("A phone number has 8 to 15 digits.")
        if errors:
            raise ValidationError(errors)


class DutySwap(models.Model):
    """A shift handed from one person to another: its history."""

    shift = models.ForeignKey(DutyShift, on_delete=models.CASCADE, related_name="swaps")
    from_name = models.CharField(max_length=120)
    from_phone = models.CharField(max_length=40)
    to_name = models.CharField(_("new person"), max_length=120)
    to_phone = models.CharField(_("phone"), max_length=40)
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("duty swap")
        verbose_name_plural = _("duty swaps")

    def __str__(self) -> str:
        return f"{self.from_name} → {self.to_name}"


class BackupPlan(models.Model):
    """What a site does when its link or terminal fails during a meeting."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="backup_plans",
                             verbose_name=_("site"))
    kind = models.CharField(_("kind"), max_length=16, choices=BackupKind.choices)
    title = models.CharField(_("name"), max_length=200)
    steps = models.TextField(_("steps"), help_text=_("One step per line, in order."))
    equipment = models.TextField(_("equipment needed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site", "pk"]
        verbose_name = _("backup plan")
        verbose_name_plural = _("backup plans")

    def __str__(self) -> str:
        return self.title

    def step_list(self) -> list[str]:
        return [line.strip() for line in self.steps.splitlines() if line.strip()]


class Drill(models.Model):
    """One try of a backup plan: when, by whom, whether it worked, how long the switch took."""

    plan = models.ForeignKey(BackupPlan, on_delete=models.CASCADE, related_name="drills", verbose_name=_("plan"))
    held_at = models.DateTimeField(_("tried at"))
    conducted_by = models.CharField(_("tried by"), max_length=200)
    worked = models.BooleanField(_("it worked"))
    restore_minutes = models.PositiveSmallIntegerField(_("minutes to restore"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_at", "-pk"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        indexes = [models.Index(fields=["plan", "-held_at"], name="drill_plan_latest")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.held_at:%Y-%m-%d}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.held_at and self.held_at > timezone.now() + dt.timedelta(minutes=5):
            errors["held_at"] = _("A drill is recorded after it was held, not before.")
        if self.worked and self.restore_minutes is None:
            errors["restore_minutes"] = _("Say how many minutes it took to restore the meeting.")
        if errors:
            raise ValidationError(errors)


class TrainingSession(models.Model):
    """Training held for site contacts (R23): topic, date, trainer, who attended, the material."""

    topic = models.CharField(_("topic"), max_length=300)
    held_on = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=200)
    organizer = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("organised by"))
    material = models.TextField(_("material"), blank=True, help_text=_("Guides used, links, handouts."))
    guides = models.ManyToManyField("incidents.SymptomGuide", blank=True, related_name="+",
                                    verbose_name=_("guides from the knowledge base"))
    attendees = models.ManyToManyField("inventory.Contact", blank=True, related_name="trainings",
                                       verbose_name=_("attendees"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return f"{self.topic} ({self.held_on:%d/%m/%Y})"


class CalendarFeed(models.Model):
    """A secret address a calendar app reads: the meetings of a user, or of one site."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], condition=Q(revoked_at__isnull=True, site__isnull=False),
                                    name="feed_one_per_user_site"),
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True, site__isnull=True),
                                    name="feed_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.site_id or '*'}"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)
