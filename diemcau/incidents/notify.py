"""Telling people about incidents: who hears about which step, through the outbox.

The sending (notices at once, e-mails and webhooks after commit, claims,
retries) is ``core.outbox``'s; this module only decides who is told what.
Each message's idempotency key names the row it announces (the timeline
event, the clock and its level), so one step is announced once.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core import outbox

# Who hears about what ---------------------------------------------------------

def holder_users(org_id) -> list[User]:
    roles = [Role.UNIT_HEAD, Role.SITE_TECH, Role.OPERATOR, Role.DOST_STAFF, Role.DOST_ADMIN]
    return list(User.objects.filter(organization_id=org_id, is_active=True, role__in=roles))


def unit_heads(org_id) -> list[User]:
    return list(User.objects.filter(organization_id=org_id, is_active=True, role=Role.UNIT_HEAD))


def department_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[Role.DOST_ADMIN, Role.DOST_STAFF]))


def _incident_url(incident) -> str:
    return incident.get_absolute_url()


def _payload(incident, kind: str, extra: dict | None = None) -> dict:
    data = {
        "event": f"incident.{kind}",
        "incident": {
            "id": incident.pk, "code": incident.code, "site": incident.site.code, "site_name": incident.site.name,
            "status": incident.status, "severity": incident.severity, "holder": incident.holder.code,
            "reported_at": incident.reported_at.isoformat(),
            "next_due_at": incident.next_due_at.isoformat() if incident.next_due_at else None,
            "breached": incident.breached, "url": settings.SITE_URL.rstrip("/") + _incident_url(incident),
        },
    }
    data.update(extra or {})
    return data


def send(*, kind: str, title: str, body: str, key: str, users=(), emails=(), incident=None, payload=None) -> None:
    """Through the outbox; the incident's page is the link, its holder and site unit choose the webhooks."""
    webhook_orgs = [incident.holder_id, incident.site.organization_id] if incident is not None else []
    outbox.send(kind=kind, title=title, body=body, key=key, users=users, emails=emails,
                url=_incident_url(incident) if incident is not None else "",
                webhook_payload=(payload or _payload(incident, kind)) if incident is not None else None,
                webhook_orgs=webhook_orgs)


def incident_changed(incident, event, kind: str) -> None:
    """Tell the people concerned about one step of an incident."""
    with override(settings.LANGUAGE_CODE):
        context = {"code": incident.code, "site": incident.site.name, "holder": incident.holder.name,
                   "step": event.get_kind_display(), "note": event.note}
        users = []
        if kind in ("reported", "assigned", "reopened"):
            users = holder_users(incident.holder_id)
            title = _("%(code)s: new incident at %(site)s for %(holder)s") % context
        else:
            title = _("%(code)s at %(site)s: %(step)s") % context
        if kind in ("acknowledged", "responded", "paused", "resolved") and incident.reported_by_id:
            users.append(incident.reported_by)
        if kind == "resumed":
            users = holder_users(incident.holder_id)
        body = "\n".join(p for p in (title, event.note) if p)
    send(kind=f"incident.{kind}", title=title, body=body, users=users, incident=incident,
         key=f"incident.{kind}:{event.pk}", payload=_payload(incident, kind, {"step": event.kind, "note": event.note}))


def clock_warned(clock) -> None:
    incident = clock.incident
    with override(settings.LANGUAGE_CODE):
        due = timezone.localtime(clock.due_at).strftime("%H:%M %d/%m/%Y")
        title = _("%(code)s at %(site)s: the %(target)s target passes at %(due)s") % {
            "code": incident.code, "site": incident.site.name, "target": clock.get_target_display().lower(),
            "due": due}
    send(kind="incident.warned", title=title, body=title, users=holder_users(clock.holder_id), incident=incident,
         key=f"incident.warned:{clock.pk}", payload=_payload(incident, "warned", {"target": clock.target, "due_at": clock.due_at.isoformat()}))


def clock_escalated(clock, level: int) -> None:
    """Level 1: the holder's head (or the operator's escalation contact); level 2: the department."""
    incident = clock.incident
    holder = clock.holder
    emails: list[str] = []
    if level == 1:
        if holder.is_operator:
            users = holder_users(holder.pk)
            emails = [holder.escalation_email]
        elif holder.kind.code == "dost":
            users = [u for u in department_users() if u.role == Role.DOST_ADMIN]
        else:
            users = unit_heads(holder.pk) or department_users()
    else:
        users = department_users()
    with override(settings.LANGUAGE_CODE):
        title = _("%(code)s at %(site)s: %(holder)s missed the %(target)s target (escalation level %(level)s)") % {
            "code": incident.code, "site": incident.site.name, "holder": holder.name,
            "target": clock.get_target_display().lower(), "level": level}
        body = title
        if holder.is_operator and holder.escalation_contact:
            body += "\n" + _("Escalation contact: %(name)s %(phone)s") % {
                "name": holder.escalation_contact, "phone": holder.escalation_phone}
    send(kind="incident.escalated", title=title, body=body, users=users, emails=emails, incident=incident,
         key=f"incident.escalated:{clock.pk}:{level}", payload=_payload(incident, "escalated", {"target": clock.target, "level": level}))
