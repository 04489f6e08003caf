from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDING = "responding", _("Being handled")
    WAITING = "waiting", _("Waiting for the reporter")
    THIRD_PARTY = "third_party", _("Waiting for a third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")

    @classmethod
    def open_values(cls):
        return [cls.NEW, cls.ACKNOWLEDGED, cls.RESPONDING, cls.WAITING, cls.THIRD_PARTY]

    @classmethod
    def waiting_values(cls):
        return [cls.WAITING, cls.THIRD_PARTY]


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    PHONE = "phone", _("Phone call to the operator")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring alert")


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    TRIAGED = "triaged", _("Triaged")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESPONDED = "responded", _("Responded")
    PAUSED = "paused", _("Waiting for the reporter")
    THIRD_PARTY = "third_party", _("Waiting for a third party")
    RESUMED = "resumed", _("Resumed")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    COMMENTED = "commented", _("Comment")
    WARNED = "warned", _("Warned before the target")
    ESCALATED = "escalated", _("Escalated")
    RETARGETED = "retargeted", _("New SLA targets applied by the department")


# Events that change the SLA clocks (the others are only told on the timeline).
CLOCK_EVENTS = {
    EventKind.REPORTED, EventKind.ASSIGNED, EventKind.REASSIGNED, EventKind.TRIAGED,
    EventKind.ACKNOWLEDGED, EventKind.RESPONDED, EventKind.PAUSED, EventKind.THIRD_PARTY, EventKind.RESUMED,
    EventKind.RESOLVED, EventKind.REOPENED, EventKind.CLOSED, EventKind.RETARGETED,
}
# Events that fix the targets from their moment on (a snapshot of them is kept in the event's data).
TARGET_EVENTS = {
    EventKind.REPORTED, EventKind.ASSIGNED, EventKind.REASSIGNED, EventKind.REOPENED, EventKind.TRIAGED,
    EventKind.RETARGETED,
}


class Target(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    RESPOND = "respond", _("Respond")
    RESOLVE = "resolve", _("Resolve")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    OVERDUE = "overdue", _("Overdue")
    MISSED = "missed", _("Missed")
    HANDED_OVER = "handed_over", _("Handed over in time")
    SELF_CLEARED = "self_cleared", _("Cleared by itself")

    @classmethod
    def decided_values(cls):
        """A clock in one of these states is never computed again."""
        return [cls.MET, cls.MISSED, cls.HANDED_OVER, cls.SELF_CLEARED]

    @classmethod
    def live_values(cls):
        return [cls.RUNNING, cls.PAUSED, cls.OVERDUE]


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKING = "working", _("Working day (swapped)")


class CalendarChangeKind(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")


# Severities from the most to the least urgent.
SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.NORMAL: 2, Severity.LOW: 3}


# Symptoms of one family count together for repeat detection (R10); the
# knowledge base may regroup them (SymptomGuide.family).
DEFAULT_FAMILIES = {
    "audio_loss": "audio", "audio_noise": "audio",
    "video_lag": "video", "video_broken": "video", "video_loss": "video",
    "unstable_signal": "connection", "disconnect": "connection", "cannot_connect": "connection",
    "incompatible": "compatibility", "content_share": "content", "power_loss": "power", "other": "other",
}


class Family(models.TextChoices):
    AUDIO = "audio", _("sound")
    VIDEO = "video", _("picture")
    CONNECTION = "connection", _("connection")
    COMPATIBILITY = "compatibility", _("compatibility")
    CONTENT = "content", _("content sharing")
    POWER = "power", _("power")
    OTHER = "other", _("other")
