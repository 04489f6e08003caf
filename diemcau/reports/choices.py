"""Fixed value sets of the reports app: kinds of document, states of a roadmap task, guide topics."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocKind(models.TextChoices):
    """Which official document; each has its type (Phụ lục III) and its builder."""

    UNIT_REPORT = "unit_report", _("Unit report")
    ASSESSMENT = "assessment", _("Province assessment")
    PLAN = "plan", _("Overall plan")
    PROGRESS = "progress", _("Progress report")
    GUIDE = "guide", _("Technical guide")

    @classmethod
    def doc_type(cls, kind: str) -> str:
        """The decree's type of document (its name, as Phụ lục III lists it)."""
        return {cls.PLAN: "kế hoạch", cls.GUIDE: "hướng dẫn"}.get(kind, "báo cáo")


class PdfStatus(models.TextChoices):
    PENDING = "pending", _("Being converted")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Conversion failed")
    UNAVAILABLE = "unavailable", _("LibreOffice is not installed on the server")


class WorkStatus(models.TextChoices):
    """Where one roadmap task stands."""

    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def open_values(cls):
        return [cls.PLANNED, cls.IN_PROGRESS]


class GuideTopic(models.TextChoices):
    """What a guide is about; the pages that link to guides look them up by topic."""

    CONFIGURATION = "configuration", _("Standard configuration")
    CONNECTION = "connection", _("Connection standard")
    PRECHECK = "precheck", _("Pre-meeting check")
    INCIDENT = "incident", _("Incident intake and handling")
    SUPPORT = "support", _("Technical support")
    OTHER = "other", _("Other")
