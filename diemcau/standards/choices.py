"""Fixed value sets of the standards app: statuses, levels, categories, setting fields."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StandardStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class Category(models.TextChoices):
    NETWORK = "network", _("Network")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    DISPLAY = "display", _("Display")
    CONTROL = "control", _("Control")
    POWER = "power", _("Power")
    BACKUP = "backup", _("Backup")


class Severity(models.TextChoices):
    """What a failed requirement counts as: a real failure, or only a warning."""

    FAIL = "fail", _("Failure")
    WARN = "warn", _("Warning only")


class Status(models.TextChoices):
    """The outcome of one requirement at one site. Unknown is never a pass."""

    PASS = "pass", _("Meets")
    WARN = "warn", _("Meets with little margin")
    FAIL = "fail", _("Does not meet")
    UNKNOWN = "unknown", _("Not known")


class Verdict(models.TextChoices):
    STABLE = "stable", _("Stable")
    UNSTABLE = "unstable", _("Works but unstable")
    UNFIT = "unfit", _("Unfit")

    @classmethod
    def rank(cls, value: str) -> int:
        return [cls.STABLE, cls.UNSTABLE, cls.UNFIT].index(value)


class Compatibility(models.TextChoices):
    COMPATIBLE = "compatible", _("Compatible")
    LIMITED = "limited", _("Joins with limits")
    INCOMPATIBLE = "incompatible", _("Cannot join")
    UNKNOWN = "unknown", _("Not known")

    @classmethod
    def rank(cls, value: str) -> int:
        """Best first: a site is as compatible as its best device."""
        return [cls.COMPATIBLE, cls.LIMITED, cls.UNKNOWN, cls.INCOMPATIBLE].index(value)


class DriftStatus(models.TextChoices):
    MATCH = "match", _("As profile")
    DRIFT = "drift", _("Differs")
    MISSING = "missing", _("Not recorded")


class SettingsSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("Imported")
    API = "api", _("API")


CONTENT_SHARING = ["BFCP", "H.239", "WebRTC"]
ENCRYPTION = ["SRTP", "H.235", "DTLS-SRTP"]

# Device groups whose wear makes a site unstable even when each rule passes.
CORE_DEVICE_GROUPS = ["terminal", "computer", "camera", "microphone", "speaker", "display"]
# Device groups that can place a call.
CALLING_GROUPS = ["terminal", "computer"]
