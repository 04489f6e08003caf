"""Fixed value sets of review campaigns: task states, answers, frequencies, waste flags."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskState(models.TextChoices):
    """Where one organisation stands in a campaign."""

    NOT_STARTED = "not_started", _("Not started")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")

    @classmethod
    def editable(cls) -> set:
        """States in which the unit may still change its assessments."""
        return {cls.NOT_STARTED, cls.DRAFT, cls.RETURNED}

    @classmethod
    def handed_in(cls) -> set:
        return {cls.SUBMITTED, cls.ACCEPTED}


class EventKind(models.TextChoices):
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class MeetsNeeds(models.TextChoices):
    """How far a device group (or the site) meets the needs of meetings."""

    FULLY = "fully", _("Fully meets meeting needs")
    PARTLY = "partly", _("Partly meets meeting needs")
    NOT = "not", _("Does not meet meeting needs")

    @classmethod
    def rank(cls, value: str) -> int:
        return {cls.FULLY: 0, cls.PARTLY: 1, cls.NOT: 2}.get(value, 1)


class GroupCompatibility(models.TextChoices):
    COMPATIBLE = "compatible", _("Compatible")
    LIMITED = "limited", _("Works with limits")
    INCOMPATIBLE = "incompatible", _("Not compatible")
    UNKNOWN = "unknown", _("Not known")


class Frequency(models.TextChoices):
    """How often a fault happens, in words a site contact can answer."""

    RARELY = "rarely", _("A few times a year")
    MONTHLY = "monthly", _("About monthly")
    WEEKLY = "weekly", _("About weekly")
    EVERY_MEETING = "every_meeting", _("Almost every meeting")


class ActionList(models.TextChoices):
    """The three lists of R12.2; an action kind falls in one (its ``extra["list"]``)."""

    CONTINUE = "continue", _("Continue to use")
    FIX = "fix", _("Fix, reconfigure, small parts or minor upgrade")
    INVEST = "invest", _("Really needs new investment")


class Change(models.TextChoices):
    """A site between two campaigns."""

    IMPROVED = "improved", _("Improved")
    SAME = "same", _("Unchanged")
    WORSE = "worse", _("Worse")
    NEW = "new", _("Not assessed before")


# Action kinds that buy equipment (the waste checks look at these).
PURCHASE_ACTIONS = ("replace", "invest")
# Causes a cheaper action fixes: buying equipment for them is waste.
CHEAP_CAUSES = ("configuration", "operation", "coordination")
# Device groups that are often shared by several units in one building.
SHARED_GROUPS = ("network", "power")
# Device groups that place a call: a purchase must join the province's platforms.
CALLING_GROUPS = ("terminal", "computer")
# Device groups checked against the standard's minimum resolution.
RESOLUTION_GROUPS = ("camera",)
# Action kinds that concern links (what an operator sees of a campaign).
LINK_ACTIONS = ("link", "reconnect")
LINK_GROUPS = ("network",)
# Which device group most likely shows a symptom, first present wins (for pre-filling).
SYMPTOM_GROUPS = {
    "audio_loss": ("microphone", "audio_processor", "speaker", "terminal", "computer"),
    "audio_noise": ("microphone", "audio_processor", "speaker"),
    "video_lag": ("network", "terminal", "computer"),
    "video_broken": ("network", "terminal", "computer", "camera"),
    "video_loss": ("camera", "terminal", "computer", "display"),
    "unstable_signal": ("network", "terminal", "computer"),
    "disconnect": ("network", "terminal", "computer"),
    "cannot_connect": ("terminal", "computer", "network"),
    "incompatible": ("terminal", "computer"),
    "content_share": ("terminal", "computer"),
    "power_loss": ("power",),
}
