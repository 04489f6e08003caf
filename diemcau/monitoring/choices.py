from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """Call quality grade of a link (QOS.md, ``quality_grades`` in standard.yaml)."""

    GOOD = "good", _("Good")
    OK = "ok", _("Acceptable")
    BAD = "bad", _("Bad")
    TERRIBLE = "terrible", _("Terrible")
    UNKNOWN = "unknown", _("No data")


GRADE_RANK = {Grade.TERRIBLE: 0, Grade.BAD: 1, Grade.UNKNOWN: 2, Grade.OK: 3, Grade.GOOD: 4}


class SampleKind(models.TextChoices):
    PROBE = "probe", _("Packet train to the reflector")
    CHECK = "check", _("Pre-meeting self-check")
    TCP_CONNECT = "tcp_connect", _("TCP connect to the platform")
    DNS = "dns", _("DNS resolution")
    HTTPS = "https", _("HTTPS to the server")
    THROUGHPUT = "throughput", _("Throughput test")
    GRADE = "grade", _("Call-quality grade of a 20-second meeting window")


# Both are packet trains to the reflector: each is a round for roll-ups and alerts.
TRAIN_KINDS = ("probe", "check")


class Period(models.IntegerChoices):
    MINUTE = 60, _("1 minute")
    HOUR = 3600, _("1 hour")
    DAY = 86400, _("1 day")


class Problem(models.TextChoices):
    LOSS = "loss", _("Packet loss")
    JITTER = "jitter", _("Jitter")
    RTT = "rtt", _("Round-trip delay")
    MOS = "mos", _("Voice quality (MOS)")
    NO_DATA = "no_data", _("No data from the agent")
    DEVICE = "device", _("Device not answering")
    TREND = "trend", _("Link getting worse")
    CALL = "call", _("Bad call quality in an important meeting")


LINK_PROBLEMS = {Problem.LOSS, Problem.JITTER, Problem.RTT, Problem.MOS, Problem.TREND, Problem.CALL}


class AlertState(models.TextChoices):
    OK = "ok", _("Clear")
    RAISED = "raised", _("Raised")


class CheckMethod(models.TextChoices):
    SIP = "sip", _("SIP OPTIONS")
    SNMP = "snmp", _("SNMP")
    TCP = "tcp", _("TCP port")


class SnmpVersion(models.TextChoices):
    V2C = "2c", _("v2c (community)")
    V3 = "3", _("v3 (user)")


class CheckStatus(models.TextChoices):
    UP = "up", _("Answering")
    DOWN = "down", _("Not answering")
    FAULT = "fault", _("Answering, reports a fault")
    UNKNOWN = "unknown", _("Not checked yet")
