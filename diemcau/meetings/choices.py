from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial")
    DEPARTMENT = "department", _("Department")
    UNIT = "unit", _("Unit")


class Importance(models.TextChoices):
    NORMAL = "normal", _("Normal")
    IMPORTANT = "important", _("Important")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Readiness(models.TextChoices):
    """A participating site's pre-meeting state, as the board shows it."""

    READY = "ready", _("Ready")
    PROBLEM = "problem", _("Problem")
    PENDING = "pending", _("Not checked")
    NO_DATA = "no_data", _("No data")


# Worst first: the board lists problems, then the unknown, then the ready.
READINESS_ORDER = [Readiness.PROBLEM, Readiness.NO_DATA, Readiness.PENDING, Readiness.READY]


class Outcome(models.TextChoices):
    PASS = "pass", _("OK")
    FAIL = "fail", _("Failed")
    NO_DATA = "no_data", _("No evidence")


class MarkSource(models.TextChoices):
    MANUAL = "manual", _("Confirmed by the contact")
    AUTO = "auto", _("Measured by the system")


class AutoSource(models.TextChoices):
    """Where an automatic check item takes its evidence (``source`` in the standard's precheck)."""

    PROBE = "probe", _("The agent's probes in the last minutes")
    TERMINAL = "terminal", _("SIP OPTIONS / SNMP check of the terminal")
    UPS = "ups", _("SNMP check of the UPS")
    INCIDENTS = "incidents", _("Open incidents at the site")
    THROUGHPUT = "throughput", _("Throughput test")


class RollCall(models.TextChoices):
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")
    AUDIO = "audio", _("Audio problem")
    VIDEO = "video", _("Video problem")

    @classmethod
    def problems(cls):
        return [cls.ABSENT, cls.AUDIO, cls.VIDEO]


# The symptom an incident opened from a roll-call problem starts with.
ROLLCALL_SYMPTOM = {RollCall.ABSENT: "cannot_connect", RollCall.AUDIO: "audio_loss", RollCall.VIDEO: "video_loss"}

# The symptoms offered first when a check item fails (the contact may pick others).
ITEM_SYMPTOMS = {
    "link": ["unstable_signal", "disconnect", "video_lag"],
    "call": ["cannot_connect", "incompatible", "disconnect"],
    "video_out": ["video_loss", "video_broken", "video_lag"],
    "video_in": ["video_loss", "video_broken", "video_lag"],
    "audio_out": ["audio_loss", "audio_noise"],
    "audio_in": ["audio_loss", "audio_noise"],
    "power": ["power_loss"],
    "backup": ["other"],
    "terminal": ["cannot_connect"],
    "ups": ["power_loss"],
    "incidents": ["other"],
    "throughput": ["video_lag", "unstable_signal"],
}

# The suspected cause that routes an incident from a failed item (network → the link's operator).
ITEM_CAUSES = {"link": "network", "throughput": "network", "call": "platform", "power": "power", "ups": "power"}


class BackupKind(models.TextChoices):
    SECOND_LINK = "second_link", _("Second link from the other operator")
    MOBILE_ROUTER = "mobile_router", _("4G router")
    SOFT_CLIENT = "soft_client", _("Software client on a laptop")
    OTHER_ROOM = "other_room", _("Another room")
    PHONE_BRIDGE = "phone_bridge", _("Audio only by phone bridge")
    OTHER = "other", _("Other")


class BackupState(models.TextChoices):
    WORKS = "works", _("Worked at its last drill")
    FAILED = "failed", _("Failed its last drill")
    UNTRIED = "untried", _("Never tried")
    NONE = "none", _("No backup plan")
