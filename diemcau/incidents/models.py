"""Incidents, the rows of their timeline, the SLA clocks computed from them.

Every change of state is an ``IncidentEvent`` row. ``Holding`` (who held the
incident, from when to when) and ``Clock`` (one SLA target of one holding)
are derived from those rows by ``services.incident_recompute`` and never
edited by hand; the few current-state fields of ``Incident`` (status,
holder, due time, breached) are kept only so that lists stay fast.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diemcau.incidents.choices import (
    CalendarChangeKind,
    CalendarDayKind,
    Channel,
    ClockState,
    EventKind,
    Family,
    Severity,
    Status,
    Target,
)
from diemcau.inventory.choices import ORG_KIND_OPERATOR
from diemcau.lib.collation import vi_order

# Open incidents. Written as IN rather than ``is_open=True``: Django renders a
# boolean test as the bare column, which SQLite cannot match to an index.
OPEN = Q(is_open__in=[True])


class Incident(models.Model):
    """A problem at a site, reported by someone and held by one organisation at a time."""

    site = models.ForeignKey("inventory.Site", on_delete=models.PROTECT, related_name="incidents",
                             verbose_name=_("site"))
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reported by"))
    channel = models.CharField(_("reported through"), max_length=12, choices=Channel.choices, default=Channel.WEB)
    caller = models.CharField(_("caller"), max_length=200, blank=True,
                              help_text=_("For a phone call: who called and their number."))
    symptoms = models.ManyToManyField("inventory.Term", related_name="+", verbose_name=_("symptoms"),
                                      limit_choices_to={"taxonomy": "symptom"})
    family = models.CharField(_("symptom family"), max_length=16, choices=Family.choices, default=Family.OTHER)
    description = models.TextField(_("what happens"), blank=True)
    photo = models.FileField(_("photo"), upload_to="incidents/%Y/%m/", blank=True)
    important_meeting = models.BooleanField(
        _("during an important meeting"), default=False,
        help_text=_("The SLA clock then runs around the clock."),
    )
    meeting_ref = models.CharField(_("meeting"), max_length=200, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    suspected_cause = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("suspected cause"),
                                        limit_choices_to={"taxonomy": "cause"})
    holder = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="held_incidents",
                               verbose_name=_("responsible organisation"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NEW)
    cause_found = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("cause found"),
                                    limit_choices_to={"taxonomy": "cause"})
    action_taken = models.ForeignKey("inventory.Term", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("action taken"),
                                     limit_choices_to={"taxonomy": "action"})
    resolution = models.TextField(_("what was done"), blank=True)
    # Denormalised from the events and clocks by services.incident_recompute.
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    next_due_at = models.DateTimeField(_("next target"), null=True, blank=True)
    breached = models.BooleanField(_("target missed"), default=False)
    is_repeat = models.BooleanField(_("repeat at this site"), default=False)
    waiting_on = models.CharField(_("waiting for"), max_length=200, blank=True,
                                  help_text=_("The third party the holder waits for, while it waits."))
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates",
                                     verbose_name=_("duplicate of"))
    # Open incidents are a sliver of a million; this flag leads their index.
    is_open = models.BooleanField(_("open"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["-reported_at", "-id"], name="incident_recent"),
            models.Index(fields=["status", "-reported_at"], name="incident_status_recent"),
            models.Index(fields=["holder", "status", "-reported_at"], name="incident_holder_status"),
            models.Index(fields=["site", "-reported_at"], name="incident_site_recent"),
            models.Index(fields=["site", "family", "reported_at"], name="incident_site_family"),
            models.Index(fields=["is_open", "-reported_at", "-id"], name="incident_open_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.site.code}"

    @property
    def code(self) -> str:
        return f"SC-{self.pk:06d}" if self.pk else "SC-?"

    @property
    def duplicate_code(self) -> str:
        return f"SC-{self.duplicate_of_id:06d}" if self.duplicate_of_id else ""

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])


class IncidentEvent(models.Model):
    """One step of an incident's timeline; the SLA is computed from these rows."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("step"), max_length=14, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("by"))
    # The organisation holding the incident after this step.
    holder = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("holder"))
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_timeline")]
        verbose_name = _("incident step")
        verbose_name_plural = _("incident steps")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @property
    def severity_label(self):
        value = (self.data or {}).get("severity")
        return Severity(value).label if value in Severity.values else ""

    @property
    def target_label(self):
        value = (self.data or {}).get("target")
        return Target(value).label if value in Target.values else ""


class Holding(models.Model):
    """A period during which one organisation held the incident (derived from the events)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="holdings")
    holder = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="holdings")
    period = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["incident", "period"]
        constraints = [models.UniqueConstraint(fields=["incident", "period"], name="holding_unique_period")]
        indexes = [models.Index(fields=["holder", "incident"], name="holding_holder")]

    def __str__(self) -> str:
        return f"{self.incident_id}#{self.period} {self.holder_id}"


class Clock(models.Model):
    """One SLA target (acknowledge, respond, resolve) of one holding.

    ``warned_at`` and ``escalation_level`` are written only by the scheduled
    scan, each by a conditional UPDATE, so that two workers never warn or
    escalate twice. A clock in a decided state (``ClockState.decided_values``)
    is never written again except ``counted``.

    Time used: ``elapsed_seconds`` up to ``counting_since``; while the clock
    runs it keeps counting from there (``live.figures`` adds that part for
    "now"). ``carried_seconds`` is the part used before the last change of
    targets (severity raised, policy re-applied); ``target_seconds`` counts
    from that change.
    """

    holding = models.ForeignKey(Holding, on_delete=models.CASCADE, related_name="clocks")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="clocks")
    holder = models.ForeignKey("inventory.Organization", on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=12, choices=Target.choices)
    target_seconds = models.PositiveIntegerField()
    around_the_clock = models.BooleanField(default=False)
    # The working hours fixed for this clock ("07:00-11:30,13:30-17:00"); empty for 24/7 or older rows.
    hours = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=ClockState.choices, default=ClockState.RUNNING)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    second_escalation_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.PositiveIntegerField(default=0)
    carried_seconds = models.PositiveIntegerField(default=0)
    counting_since = models.DateTimeField(null=True, blank=True)
    # False for the clocks of an incident closed as a duplicate: they count in no report.
    counted = models.BooleanField(default=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["incident", "holding__period", "target"]
        constraints = [models.UniqueConstraint(fields=["holding", "target"], name="clock_unique_target")]
        indexes = [
            models.Index(fields=["state", "due_at"], name="clock_state_due"),
            models.Index(fields=["state", "warn_at"], name="clock_state_warn"),
            models.Index(fields=["holder", "target", "started_at"], name="clock_holder_report"),
            models.Index(fields=["target", "started_at"], name="clock_target_report"),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.target} {self.state}"

    @property
    def is_running(self) -> bool:
        return self.state in ClockState.live_values()

    @property
    def is_decided(self) -> bool:
        return self.state in ClockState.decided_values()


class SlaPolicy(models.Model):
    """Targets for one severity, for everyone or for one operator's contract."""

    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    operator = models.ForeignKey("inventory.Organization", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="sla_policies", verbose_name=_("operator contract"),
                                 limit_choices_to={"kind__code": ORG_KIND_OPERATOR},
                                 help_text=_("Leave empty for the province-wide default."))
    acknowledge_minutes = models.PositiveIntegerField(_("acknowledge within (minutes)"))
    respond_minutes = models.PositiveIntegerField(_("respond within (minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("resolve within (minutes)"))
    around_the_clock = models.BooleanField(_("around the clock (24/7)"), default=False,
                                           help_text=_("Otherwise only working hours count."))
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"), default=75,
        help_text=_("The holder is warned when this share of the time has been used."),
    )

    class Meta:
        ordering = [vi_order("operator__name"), "severity"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["severity"], condition=Q(operator__isnull=True),
                                    name="sla_one_default_per_severity"),
            models.UniqueConstraint(fields=["severity", "operator"], name="sla_one_per_operator_severity"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} · {self.operator or _('default')}"

    def seconds(self, target: str) -> int:
        return 60 * {Target.ACKNOWLEDGE: self.acknowledge_minutes, Target.RESPOND: self.respond_minutes,
                     Target.RESOLVE: self.resolve_minutes}[target]


class CalendarDay(models.Model):
    """A day the Prime Minister swaps: an extra day off or a weekend day worked."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class CalendarChange(models.Model):
    """A day added to or removed from the calendar, and when the worker moved the open clocks it touches.

    The worker claims each change once (``applied_at`` from NULL, a
    conditional UPDATE), re-derives the open clocks that count time on or
    after that day, and writes how many incidents it recomputed.
    """

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("reason"), max_length=200, blank=True)
    change = models.CharField(_("change"), max_length=8, choices=CalendarChangeKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    applied_at = models.DateTimeField(_("open clocks moved at"), null=True, blank=True)
    incidents_moved = models.PositiveIntegerField(_("incidents recomputed"), default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["applied_at", "at"], name="calendar_change_pending")]
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")

    def __str__(self) -> str:
        return f"{self.get_change_display()} {self.date:%d/%m/%Y}"


class SymptomGuide(models.Model):
    """Knowledge base: what usually causes a symptom and what the site contact checks first."""

    symptom = models.OneToOneField("inventory.Term", on_delete=models.CASCADE, related_name="guide",
                                   verbose_name=_("symptom"), limit_choices_to={"taxonomy": "symptom"})
    family = models.CharField(_("symptom family"), max_length=16, choices=Family.choices)
    usual_causes = models.TextField(_("usual causes"), help_text=_("One per line."))
    first_checks = models.TextField(_("first checks"), help_text=_("One per line, in the order to do them."))
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["symptom__position"]
        verbose_name = _("symptom guide")
        verbose_name_plural = _("symptom guides")

    def __str__(self) -> str:
        return str(self.symptom)

    def check_list(self) -> list[str]:
        return [line.strip() for line in self.first_checks.splitlines() if line.strip()]

    def cause_list(self) -> list[str]:
        return [line.strip() for line in self.usual_causes.splitlines() if line.strip()]


class RepeatFlag(models.Model):
    """R10: the same symptom family repeats at a site with no corrective action recorded."""

    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="repeat_flags")
    family = models.CharField(max_length=16, choices=Family.choices)
    count = models.PositiveSmallIntegerField()
    window_days = models.PositiveSmallIntegerField()
    first_incident_at = models.DateTimeField()
    last_incident_at = models.DateTimeField()
    flagged_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-last_incident_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "family"], condition=Q(cleared_at__isnull=True),
                                    name="repeat_one_open_flag"),
        ]
        indexes = [models.Index(fields=["cleared_at", "site"], name="repeat_open")]

    def __str__(self) -> str:
        return f"{self.site_id} {self.family} ×{self.count}"


class SlaTally(models.Model):
    """Monthly sums of the SLA clocks, so the report reads a few thousand rows, not millions.

    One row per holder, site organisation, month (Hanoi time, by the clock's
    start) and target. Kept exact by ``incident_recompute`` (it applies the
    difference between a clock's old and new contribution) and rebuilt from
    the clocks by ``tallies.sla_tally_rebuild``.
    """

    holder = models.ForeignKey("inventory.Organization", on_delete=models.CASCADE, related_name="+")
    site_org = models.ForeignKey("inventory.Organization", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    target = models.CharField(max_length=12, choices=Target.choices)
    started = models.IntegerField(default=0)
    met = models.IntegerField(default=0)
    missed = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_seconds = models.BigIntegerField(default=0)
    self_cleared = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["holder", "site_org", "month", "target"],
                                               name="sla_tally_unique")]
        indexes = [models.Index(fields=["month", "holder"], name="sla_tally_month"),
                   models.Index(fields=["site_org", "month"], name="sla_tally_site_org")]

    def __str__(self) -> str:
        return f"{self.holder_id} {self.month:%Y-%m} {self.target}"


class IncidentTally(models.Model):
    """Monthly counts for the report's top lists: incidents per site, per symptom, per cause found.

    ``kind`` "site" counts incidents (term empty); "symptom" and "cause" count
    them per term. Kept by the services on report and resolution, rebuilt by
    ``tallies.incident_tally_rebuild`` after bulk loads.
    """

    month = models.DateField()
    site = models.ForeignKey("inventory.Site", on_delete=models.CASCADE, related_name="+")
    site_org = models.ForeignKey("inventory.Organization", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    term = models.ForeignKey("inventory.Term", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "site", "kind", "term"], condition=Q(term__isnull=False),
                                    name="incident_tally_unique_term"),
            models.UniqueConstraint(fields=["month", "site", "kind"], condition=Q(term__isnull=True),
                                    name="incident_tally_unique_site"),
        ]
        indexes = [models.Index(fields=["month", "kind"], name="incident_tally_month"),
                   models.Index(fields=["site_org", "month"], name="incident_tally_org")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.site_id} {self.kind} {self.term_id}: {self.n}"
