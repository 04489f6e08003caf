"""Worker jobs (huey): the SLA scan. Notifications are sent by the outbox (``core.tasks``)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from diemcau.incidents import escalation, rules


@db_periodic_task(crontab(minute="*"))
def sla_scan_task():
    """Every minute: calendar changes not yet applied, then warnings before targets pass, escalations after."""
    rules.calendar_changes_apply()
    return escalation.sla_scan()


@db_task()
def calendar_changes_task():
    """Right after a calendar day is added or removed: move the open clocks it touches (claimed once)."""
    return rules.calendar_changes_apply()


@db_task()
def policy_apply_task(policy_id: int, user_id: int | None, reason: str):
    """The department applies an edited policy to the open incidents it governs."""
    from diemcau.accounts.models import User
    from diemcau.incidents.models import SlaPolicy

    policy = SlaPolicy.objects.filter(pk=policy_id).first()
    if policy is None:
        return 0
    return rules.policy_apply_to_open(policy, user=User.objects.filter(pk=user_id).first(), reason=reason)
