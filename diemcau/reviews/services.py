"""Writes of review campaigns: open a campaign, start, fill, submit, return, accept, remind.

Every change of a task's state writes a ``TaskEvent`` (who, when, what);
the submission is signed by the unit head who makes it.
"""

import datetime as dt
import hashlib
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from diemcau.accounts.choices import Role
from diemcau.accounts.models import User
from diemcau.core import outbox, uploads
from diemcau.core.scope import require
from diemcau.lib.collation import vi_sorted
from diemcau.reviews.access import can_review
from diemcau.reviews.checks import assessment_problems, refresh_flags_near
from diemcau.reviews.choices import EventKind, TaskState
from diemcau.reviews.models import (
    Assessment,
    Campaign,
    Evidence,
    Proposal,
    Reminder,
    TaskEvent,
    UnitTask,
)
from diemcau.reviews.prefill import prefill_task

log = logging.getLogger(__name__)


# Who is told -----------------------------------------------------------------------------

def unit_users(org_id, roles=(Role.UNIT_HEAD, Role.SITE_TECH)) -> list[User]:
    return list(User.objects.filter(organization_id=org_id, is_active=True, role__in=roles))


def department_users() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[Role.DOST_ADMIN, Role.DOST_STAFF]))


def notify(users, *, kind: str, title: str, body: str, url: str, key: str) -> int:
    """Through the outbox: in-app notices now, e-mails sent by the worker once the transaction commits."""
    return outbox.send(kind=kind, title=title, body=body, url=url, key=key, users=users)


def local_deadline(campaign: Campaign) -> str:
    return formats.date_format(timezone.localtime(campaign.deadline), "DATETIME_FORMAT")


# Campaigns -------------------------------------------------------------------------------

@transaction.atomic
def campaign_open(*, title: str, deadline: dt.datetime, organizations, user, instructions: str = "",
                  reminder_days=None, previous: Campaign | None = None, now=None) -> Campaign:
    """Open a campaign: one task per organisation in scope, and a notice to each unit."""
    now = now or timezone.now()
    organizations = list(organizations)
    if not organizations:
        raise ValidationError({"organizations": _("Choose at least one organisation.")})
    if deadline <= now:
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    campaign = Campaign(title=title, instructions=instructions, deadline=deadline, created_by=user, created_at=now,
                        previous=previous, reminder_days=sorted(set(reminder_days if reminder_days is not None
                                                                    else [7, 3, 1]), reverse=True))
    campaign.full_clean()
    campaign.save()
    UnitTask.objects.bulk_create([UnitTask(campaign=campaign, organization=o) for o in organizations])
    recipients = User.objects.filter(organization__in=organizations, is_active=True,
                                     role__in=[Role.UNIT_HEAD, Role.SITE_TECH])
    notify(recipients, kind="review.opened", url=campaign.get_absolute_url(), key=f"review.opened:{campaign.pk}",
           title=_("Review campaign: %(title)s") % {"title": title},
           body=_("Assess every site of your unit and submit by %(deadline)s.") % {
               "deadline": local_deadline(campaign)})
    return campaign


def campaign_close(campaign: Campaign, *, now=None) -> Campaign:
    campaign.closed_at = now or timezone.now()
    campaign.save(update_fields=["closed_at"])
    return campaign


# Tasks -------------------------------------------------------------------------------------

def _event(task, kind, user, note="", now=None, data=None) -> TaskEvent:
    return TaskEvent.objects.create(task=task, kind=kind, user=user, note=note, at=now or timezone.now(),
                                    data=data or {})


def _require_editable(task: UnitTask):
    if task.campaign.closed_at is not None:
        raise ValidationError(_("This campaign is closed."))
    if not task.is_editable:
        raise ValidationError(_("This unit's assessment has been submitted; it can change only when returned."))


@transaction.atomic
def task_start(task: UnitTask, *, user, now=None) -> int:
    """Create the pre-filled assessments of the unit's sites; the task becomes a draft."""
    now = now or timezone.now()
    task = UnitTask.objects.select_for_update().select_related("campaign").get(pk=task.pk)
    _require_editable(task)
    created = prefill_task(task, now=now)
    if task.state == TaskState.NOT_STARTED:
        task.state = TaskState.DRAFT
        task.started_at = now
        task.save(update_fields=["state", "started_at"])
        _event(task, EventKind.STARTED, user, now=now, data={"assessments": created})
    return created


def touch(assessment: Assessment, *, user, now=None) -> None:
    """An assessment changed: who and when, and the task is at least a draft."""
    now = now or timezone.now()
    assessment.updated_at = now
    assessment.updated_by = user
    assessment.save(update_fields=["updated_at", "updated_by"])
    task = assessment.task
    # A conditional update: the task object in hand may be stale.
    if UnitTask.objects.filter(pk=task.pk, state=TaskState.NOT_STARTED).update(state=TaskState.DRAFT, started_at=now):
        task.state, task.started_at = TaskState.DRAFT, now
        _event(task, EventKind.STARTED, user, now=now)


def assessment_check_editable(assessment: Assessment) -> None:
    _require_editable(assessment.task)


def proposal_save(proposal: Proposal, *, user) -> Proposal:
    """Save a proposal, then recompute the waste flags of every purchase of its campaign it may overlap."""
    assessment = proposal.assessment
    _require_editable(assessment.task)
    if not proposal.pk:
        proposal.created_by = user
    proposal.full_clean()
    with transaction.atomic():
        proposal.save()
        touch(assessment, user=user)
        refresh_flags_near(assessment.task.campaign_id, [assessment.site_id])
    proposal.refresh_from_db(fields=["flags"])
    return proposal


def proposal_delete(proposal: Proposal, *, user) -> None:
    assessment = proposal.assessment
    _require_editable(assessment.task)
    with transaction.atomic():
        proposal.delete()
        touch(assessment, user=user)
        refresh_flags_near(assessment.task.campaign_id, [assessment.site_id])


def evidence_add(assessment: Assessment, *, user, note: str = "", photo=None, group=None) -> Evidence:
    """A note or photo; a photo must be a JPEG, PNG or WebP image within the size limit."""
    _require_editable(assessment.task)
    evidence = Evidence(assessment=assessment, note=(note or "").strip(), group=group, uploaded_by=user)
    if photo is not None:
        kind = uploads.check_photo(photo)
        evidence.content_type = kind
        evidence.size = photo.size
        evidence.photo = photo
    evidence.full_clean()
    with transaction.atomic():
        evidence.save()
        touch(assessment, user=user)
    return evidence


def evidence_delete(evidence: Evidence, *, user) -> None:
    _require_editable(evidence.assessment.task)
    if evidence.photo:
        evidence.photo.delete(save=False)
    evidence.delete()
    touch(evidence.assessment, user=user)


def task_problems(task: UnitTask):
    """What blocks the task's submission; every site of the unit must have an assessment."""
    from diemcau.inventory.models import Site
    from diemcau.reviews.checks import Problem

    assessments = task.assessments.select_related("site").order_by("site__code")
    problems = []
    assessed = set(assessments.values_list("site_id", flat=True))
    for site in Site.objects.active().filter(organization_id=task.organization_id).exclude(pk__in=assessed):
        problems.append(Problem(0, site.code, "site", _("Site %(site)s has no assessment yet.") % {"site": site}))
    return problems + assessment_problems(assessments)


@transaction.atomic
def task_submit(task: UnitTask, *, user, note: str = "", now=None) -> UnitTask:
    """The unit head signs and submits the unit's assessments; nothing is submitted with a blocking problem."""
    now = now or timezone.now()
    task = UnitTask.objects.select_for_update().select_related("campaign", "organization").get(pk=task.pk)
    require(user, task, "submit")
    _require_editable(task)
    refresh_flags_near(task.campaign_id, task.assessments.values_list("site_id", flat=True))
    problems = task_problems(task)
    if problems:
        raise ValidationError([f"{p.site}: {p.text}" for p in problems])
    resubmission = task.state == TaskState.RETURNED
    task.state = TaskState.SUBMITTED
    task.submitted_at, task.submitted_by = now, user
    if task.first_submitted_at is None:
        task.first_submitted_at = now
    task.save(update_fields=["state", "submitted_at", "submitted_by", "first_submitted_at"])
    task.assessments.update(confirmed=True)
    event = _event(task, EventKind.RESUBMITTED if resubmission else EventKind.SUBMITTED, user, note=note, now=now,
                   data={"late": now > task.campaign.deadline})
    notify(department_users(), kind="review.submitted", url=task.get_absolute_url(), key=f"review.submitted:{event.pk}",
           title=_("%(unit)s submitted its review") % {"unit": task.organization},
           body=_("Signed by %(name)s at %(at)s.") % {
               "name": user.get_full_name() or user.username,
               "at": formats.date_format(timezone.localtime(now), "DATETIME_FORMAT")})
    return task


def _require_reviewer(user, task):
    if not can_review(user):
        raise PermissionDenied
    if task.state != TaskState.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be accepted or returned."))


@transaction.atomic
def task_return(task: UnitTask, *, user, note: str = "", comments: dict | None = None, now=None) -> UnitTask:
    """Return a submission with a note and comments per item.

    ``comments`` maps ``("assessment" | "group" | "proposal", id)`` to text;
    the previous round's comments are cleared, these ones stay visible to
    the unit until it resubmits and the department accepts.
    """
    now = now or timezone.now()
    task = UnitTask.objects.select_for_update().select_related("campaign", "organization").get(pk=task.pk)
    _require_reviewer(user, task)
    comments = {k: v.strip() for k, v in (comments or {}).items() if v and v.strip()}
    if not note.strip() and not comments:
        raise ValidationError(_("Say what must change: a note or a comment on an item."))
    from diemcau.reviews.models import GroupAssessment

    Assessment.objects.filter(task=task).update(return_comment="")
    GroupAssessment.objects.filter(assessment__task=task).update(return_comment="")
    Proposal.objects.filter(assessment__task=task).update(return_comment="")
    models = {"assessment": Assessment, "group": GroupAssessment, "proposal": Proposal}
    scopes = {"assessment": "task", "group": "assessment__task", "proposal": "assessment__task"}
    for (kind, pk), text in comments.items():
        models[kind].objects.filter(pk=pk, **{scopes[kind]: task}).update(return_comment=text)
    task.state, task.returned_at, task.return_note = TaskState.RETURNED, now, note.strip()
    task.save(update_fields=["state", "returned_at", "return_note"])
    event = _event(task, EventKind.RETURNED, user, note=note.strip(), now=now,
                   data={"comments": [[k, pk, text] for (k, pk), text in comments.items()]})
    notify(unit_users(task.organization_id), kind="review.returned", url=task.get_absolute_url(),
           key=f"review.returned:{event.pk}",
           title=_("Your review was returned: %(title)s") % {"title": task.campaign.title},
           body=note.strip() or _("See the comments on the items."))
    return task


@transaction.atomic
def task_accept(task: UnitTask, *, user, note: str = "", now=None) -> UnitTask:
    now = now or timezone.now()
    task = UnitTask.objects.select_for_update().select_related("campaign", "organization").get(pk=task.pk)
    _require_reviewer(user, task)
    task.state, task.accepted_at, task.accepted_by = TaskState.ACCEPTED, now, user
    task.save(update_fields=["state", "accepted_at", "accepted_by"])
    event = _event(task, EventKind.ACCEPTED, user, note=note, now=now)
    notify(unit_users(task.organization_id, roles=(Role.UNIT_HEAD,)), kind="review.accepted", key=f"review.accepted:{event.pk}",
           url=task.get_absolute_url(), title=_("Your review was accepted: %(title)s") % {"title": task.campaign.title},
           body=note)
    return task


# Reminders -------------------------------------------------------------------------------

def _claim(task: UnitTask, days_before: int, now) -> Reminder | None:
    """Insert the reminder row; a second worker (or a second run) fails the unique constraint."""
    try:
        with transaction.atomic():
            return Reminder.objects.create(task=task, days_before=days_before, claimed_at=now)
    except IntegrityError:
        return None


def due_reminder(task: UnitTask, now) -> int | None:
    """Which reminder is due for a task now: the closest reminder day passed, or -1 once late."""
    campaign = task.campaign
    if now > campaign.deadline:
        return -1
    left = campaign.deadline - now
    passed = [d for d in campaign.reminder_days if left <= dt.timedelta(days=d)]
    return min(passed) if passed else None


def reminder_send(task: UnitTask, days: int, now) -> bool:
    """Claim one (task, day) reminder and hand it to the outbox, in one transaction.

    The claim row and the messages commit together: a failure before the
    commit leaves no claim, so the next run tries again; after it, the
    outbox owns the sending (retries included). False when already claimed.
    """
    with transaction.atomic():
        claim = _claim(task, days, now)
        if claim is None:
            return False
        # Catching up after a pause sends only the latest reminder, not every missed one.
        for earlier in task.campaign.reminder_days:
            if earlier > days:
                _claim(task, earlier, now)
        deadline = local_deadline(task.campaign)
        if days < 0:
            title = _("Late: %(title)s") % {"title": task.campaign.title}
            body = _("The deadline (%(deadline)s) has passed and your unit has not submitted its review.") % {
                "deadline": deadline}
        else:
            title = _("Reminder: %(title)s, due %(deadline)s") % {"title": task.campaign.title, "deadline": deadline}
            body = _("Your unit has not submitted its review yet. Deadline: %(deadline)s (Vietnam time).") % {
                "deadline": deadline}
        claim.recipients = notify(unit_users(task.organization_id), kind="review.reminder",
                                  url=task.get_absolute_url(), title=title, body=body,
                                  key=f"review.reminder:{task.pk}:{days}")
        claim.sent_at = now
        claim.save(update_fields=["recipients", "sent_at"])
    return True


def reminders_send(*, now=None) -> int:
    """Remind the units that have not submitted, before the deadline; tell them and the department once late.

    Each (task, day) is claimed by one row, so it is sent once, whatever the
    number of workers or runs. Returns the number of reminders sent.
    """
    now = now or timezone.now()
    open_tasks = UnitTask.objects.filter(
        campaign__closed_at__isnull=True, state__in=TaskState.editable(),
        campaign__deadline__gte=now - dt.timedelta(days=30),
    ).select_related("campaign", "organization")
    sent = 0
    late = []
    for task in open_tasks.iterator(chunk_size=500):
        days = due_reminder(task, now)
        try:
            if days is None or not reminder_send(task, days, now):
                continue
        except Exception:  # nothing of it was kept: the next run tries again; the other units go on
            log.exception("reviews: the reminder of task %s could not be written", task.pk)
            continue
        sent += 1
        if days < 0:
            late.append(task)
    if late:
        names = ", ".join(vi_sorted(t.organization.name for t in late))
        key = "review.late:" + hashlib.sha256(",".join(str(t.pk) for t in sorted(late, key=lambda t: t.pk))
                                              .encode()).hexdigest()[:32]
        notify(department_users(), kind="review.late", url=reverse("reviews:campaigns"), key=key,
               title=_("%(n)s units missed the review deadline") % {"n": len(late)}, body=names)
    return sent
