"""Fixed value sets of the inventory.

The province's taxonomies (organisation kinds, device groups, conditions,
link kinds …) are data in the ``Term`` table; what is here is technical
vocabulary that code must reason about.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Taxonomy(models.TextChoices):
    ORGANIZATION_KIND = "organization_kind", _("Organisation kind")
    DEVICE_GROUP = "device_group", _("Device group")
    DEVICE_CONDITION = "device_condition", _("Device condition")
    STABILITY = "stability", _("Stability")
    SYMPTOM = "symptom", _("Symptom")
    CAUSE = "cause", _("Cause")
    ACTION = "action", _("Action kind")
    ACTION_LIST = "action_list", _("Action list")
    LINK_KIND = "link_kind", _("Link kind")
    INCIDENT_SEVERITY = "incident_severity", _("Incident severity")


# Keys of taxonomies.yaml and the taxonomy each one fills.
TAXONOMY_FILE_KEYS = {
    "organization_kinds": Taxonomy.ORGANIZATION_KIND,
    "device_groups": Taxonomy.DEVICE_GROUP,
    "device_conditions": Taxonomy.DEVICE_CONDITION,
    "stability": Taxonomy.STABILITY,
    "symptoms": Taxonomy.SYMPTOM,
    "causes": Taxonomy.CAUSE,
    "actions": Taxonomy.ACTION,
    "action_lists": Taxonomy.ACTION_LIST,
    "link_kinds": Taxonomy.LINK_KIND,
    "incident_severities": Taxonomy.INCIDENT_SEVERITY,
}


class LinkRole(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    BACKUP = "backup", _("Backup")


class LinkMedium(models.TextChoices):
    FIBRE = "fibre", _("Fibre (wired)")
    COPPER = "copper", _("Copper / Ethernet (wired)")
    WIFI = "wifi", _("Wi-Fi")
    MOBILE = "mobile", _("Mobile 4G/5G")

    @classmethod
    def wired(cls) -> set[str]:
        return {cls.FIBRE, cls.COPPER}


class ContactRole(models.TextChoices):
    PRIMARY = "primary", _("Primary contact")
    DEPUTY = "deputy", _("Deputy contact")


class Resolution(models.TextChoices):
    SD = "480p", "480p"
    HD = "720p", "720p"
    FHD = "1080p", "1080p"
    UHD = "2160p", "2160p (4K)"

    @classmethod
    def rank(cls, value: str | None) -> int:
        """Order of resolutions, 0 for unknown, so they compare."""
        order = [cls.SD, cls.HD, cls.FHD, cls.UHD]
        return order.index(value) + 1 if value in order else 0


PROTOCOLS = ["SIP", "H.323", "WebRTC", "H.320", "Proprietary"]
VIDEO_CODECS = ["H.261", "H.263", "H.264", "H.264 SVC", "H.265", "VP8", "VP9", "AV1"]
AUDIO_CODECS = ["G.711", "G.722", "G.722.1", "G.722.1C", "G.728", "G.729", "AAC-LD", "Opus", "Siren14", "iLBC"]

# Well-known device condition codes the code reasons about (the labels are data).
CONDITION_GOOD = "good"
CONDITION_DEGRADED = "degraded"
CONDITION_BROKEN = "broken"
CONDITION_UNKNOWN = "unknown"
ORG_KIND_OPERATOR = "operator"
ORG_KIND_DOST = "dost"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")
