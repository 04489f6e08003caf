"""The one place monitoring talks to the incidents app.

An alert that raises opens an incident for its site and problem, or adds to
the one already open (all link problems of a site are one incident for the
link's operator). When every alert behind the incident has cleared, the
incident is resolved automatically, unless a person has taken it over
(acknowledged, answered, triaged, commented): then only a note is added and
the person closes it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from diemcau.incidents.choices import Channel, EventKind, Status
from diemcau.incidents.services import incident_comment, incident_report, incident_resolve
from diemcau.inventory.models import Term
from diemcau.monitoring.choices import AlertState, Problem
from diemcau.monitoring.models import Alert

# problem → (symptom code, suspected cause code, severity)
ROUTING = {
    Problem.LOSS: ("unstable_signal", "network", "high"),
    Problem.JITTER: ("unstable_signal", "network", "high"),
    Problem.RTT: ("video_lag", "network", "normal"),
    Problem.MOS: ("audio_noise", "network", "high"),
    Problem.TREND: ("unstable_signal", "network", "low"),
    # Heard during an important meeting: the people in it are suffering now.
    Problem.CALL: ("unstable_signal", "network", "critical"),
    Problem.NO_DATA: ("cannot_connect", "unknown", "normal"),
    Problem.DEVICE: ("cannot_connect", "equipment", "normal"),
}


def _term(taxonomy: str, code: str):
    return Term.objects.filter(taxonomy=taxonomy, code=code).first()


def _open(incident) -> bool:
    return incident is not None and incident.status in Status.open_values()


def _taken_over(incident) -> bool:
    """A person acted on it (anything after the automatic report, by someone)."""
    return incident.events.exclude(kind=EventKind.REPORTED).filter(user__isnull=False).exists()


def _siblings(alert):
    return [a for a in Alert.objects.filter(site_id=alert.site_id).select_related("incident")
            if a.incident_key == alert.incident_key and a.pk != alert.pk]


def alert_flipped(alert, new_state: str, *, at) -> None:
    """Open, update or resolve the incident behind ``alert``, stamped at the flip's time ``at``.

    Errors are not swallowed here: the flips job records them on the flip,
    tries again later and shows them on the monitoring board.
    """
    if new_state == AlertState.RAISED:
        _raised(alert, at)
    else:
        _cleared(alert, at)


def _raised(alert, at) -> None:
    shared = next((a.incident for a in _siblings(alert) if _open(a.incident)), None)
    if shared is None and _open(alert.incident):
        shared = alert.incident
    if shared is not None:
        incident_comment(shared, user=None, note=_("Monitoring: %(detail)s") % {"detail": alert.detail}, at=at)
        alert.incident = shared
    else:
        symptom, cause, severity = ROUTING.get(alert.problem, ROUTING[Problem.LOSS])
        description = _("Automatic alert from link monitoring: %(detail)s") % {"detail": alert.detail}
        alert.incident = incident_report(
            site=alert.site, user=None, symptoms=[t for t in [_term("symptom", symptom)] if t]
            or [_term("symptom", "other")], description=description, severity=severity,
            suspected_cause=_term("cause", cause), channel=Channel.MONITORING, at=at)
    alert.save(update_fields=["incident"])


def _cleared(alert, at) -> None:
    incident = alert.incident
    if not _open(incident):
        return
    if any(a.state == AlertState.RAISED and a.incident_id == incident.pk for a in _siblings(alert)):
        incident_comment(incident, user=None, note=_("Monitoring: %(detail)s") % {"detail": alert.detail}, at=at)
        return
    if _taken_over(incident):
        incident_comment(incident, user=None, note=_(
            "Monitoring: the alert has cleared (%(detail)s). Confirm the fix and resolve the incident.")
            % {"detail": alert.detail}, at=at)
        return
    _symptom, cause, _severity = ROUTING.get(alert.problem, ROUTING[Problem.LOSS])
    # Stamped when the link cleared, not when this runs; counted as "cleared by itself", not as met.
    incident_resolve(incident, user=None, cause_found=_term("cause", cause) or _term("cause", "unknown"),
                     action_taken=_term("action", "keep"), at=at, self_cleared=True,
                     resolution=_("Cleared by itself: monitoring shows the problem has been gone for several "
                                  "rounds (%(detail)s).") % {"detail": alert.detail})
