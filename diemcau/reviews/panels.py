"""What review campaigns draw on every site page and on the province overview."""

from django.utils import timezone

from diemcau.reviews import access, aggregate
from diemcau.reviews.choices import TaskState


def site_panel(request, site):
    """The site's latest assessment: campaign, state, proposals; nothing when it was never reviewed."""
    latest = access.assessments_for_user(request.user).filter(site=site).select_related(
        "task", "task__campaign").order_by("-task__campaign__deadline", "-pk").first()
    if latest is None:
        return None
    proposals = access.proposals_for_user(request.user).filter(assessment=latest).select_related("action")
    return "reviews/_site_panel.html", {"assessment": latest, "task": latest.task, "proposals": list(proposals[:6]),
                                        "now": timezone.now()}


def overview_panel(request):
    """Progress of the open campaign(s) and the late units, for those who see the province."""
    user = request.user
    if not access.sees_whole_campaign(user):
        if user.is_unit_user:
            tasks = list(access.tasks_for_user(user).filter(campaign__closed_at__isnull=True)
                         .select_related("campaign").order_by("campaign__deadline")[:3])
            if tasks:
                return "reviews/_overview_panel.html", {"mine": tasks, "now": timezone.now()}
        return None
    campaigns = list(access.campaigns_for_user(user).filter(closed_at__isnull=True).order_by("deadline")[:2])
    if not campaigns:
        return None
    # The money: what the handed-in reports propose in each of the three lists (continue, fix, invest).
    return "reviews/_overview_panel.html", {
        "campaigns": [{"campaign": c, "progress": aggregate.progress(c),
                       "lists": aggregate.three_lists(aggregate.proposals_in(c, states=TaskState.handed_in()))}
                      for c in campaigns],
        "now": timezone.now(),
    }


