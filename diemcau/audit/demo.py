"""Demo: the administrators' authenticator (a known key) and a short audit trail."""

from datetime import timedelta

from django.conf import settings

from diemcau.accounts import mfa
from diemcau.audit.choices import AuditAction, AuditVia
from diemcau.audit.models import AuditEvent


def load(ctx):
    for role, user in ctx.users.items():
        if role in settings.MFA_REQUIRED_ROLES:
            mfa.demo_enrol(user)
    trail = []
    for days, (role, action, ip) in enumerate([
        ("site_tech", AuditAction.LOGIN_FAILED, "10.20.14.7"), ("site_tech", AuditAction.LOGIN, "10.20.14.7"),
        ("dost_admin", AuditAction.LOGIN, "10.20.1.5"), ("dost_admin", AuditAction.MFA_VERIFIED, "10.20.1.5"),
        ("dost_staff", AuditAction.EXPORT, "10.20.1.9"), ("auditor", AuditAction.LOGIN, "10.20.3.2"),
    ]):
        user = ctx.users.get(role)
        if user is None:
            continue
        trail.append(AuditEvent(
            at=ctx.now - timedelta(days=6 - days, hours=ctx.rng.randint(1, 8)), action=action, ip=ip,
            actor=None if action == AuditAction.LOGIN_FAILED else user, actor_name=user.username,
            via=AuditVia.WEB, user_agent="Mozilla/5.0 [DEMO]",
            details={"format": "xlsx", "rows": 214} if action == AuditAction.EXPORT else {},
        ))
    AuditEvent.objects.bulk_create(trail)
    ctx.log(f"  audit: {len(trail)} events; two-step key for the administrators")
