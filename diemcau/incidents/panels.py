"""What the incidents app draws on the site page and on the province overview."""

from django.db.models import Count, Q

from diemcau.incidents import access
from diemcau.incidents.choices import Status
from diemcau.incidents.models import OPEN, RepeatFlag


def site_panel(request, site):
    """Open incidents of the site, its repeats, and the button to report one."""
    visible = access.incidents_for_user(request.user).filter(site=site)
    recent = list(visible.select_related("holder").prefetch_related("symptoms").order_by("-reported_at")[:5])
    counts = visible.filter(OPEN).aggregate(
        open=Count("pk"), breached=Count("pk", filter=Q(breached=True)))
    flags = list(RepeatFlag.objects.filter(site=site, cleared_at__isnull=True))
    can_report = not site.is_retired and access.report_sites_for_user(request.user).filter(pk=site.pk).exists()
    return "incidents/panels/site.html", {"site": site, "recent": recent, "counts": counts, "flags": flags,
                                          "can_report": can_report}


def overview_panel(request):
    """Open and late incidents, and R10: sites with repeats and the head who answers for them."""
    from diemcau.incidents.views import _heads_by_org
    from diemcau.inventory.access import sites_for_user

    user = request.user
    incidents = access.incidents_for_user(user)
    # Only open incidents are read (a partial index), however long the history.
    counts = incidents.filter(OPEN).aggregate(
        open=Count("pk"), breached=Count("pk", filter=Q(breached=True)),
        waiting=Count("pk", filter=Q(status=Status.WAITING)),
    )
    flags = RepeatFlag.objects.filter(cleared_at__isnull=True).select_related("site", "site__organization")
    if not user.sees_province:
        flags = flags.filter(site__in=sites_for_user(user))
    flags = list(flags.order_by("-last_incident_at")[:10])
    heads = _heads_by_org({f.site.organization_id for f in flags})
    for flag in flags:
        flag.heads = heads.get(flag.site.organization_id, [])
    return "incidents/panels/overview.html", {"counts": counts, "flags": flags}
