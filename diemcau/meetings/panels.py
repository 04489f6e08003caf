"""What the meetings app draws on the province overview and on a site page."""

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from diemcau.meetings import access, backups
from diemcau.meetings.choices import Readiness
from diemcau.meetings.models import Participation

OVERVIEW_MEETINGS = 5


def overview_panel(request):
    """Today's and the next meetings with their readiness, and the gaps in backups and training."""
    user = request.user
    now = timezone.now()
    until = timezone.localtime(now).replace(hour=23, minute=59) + dt.timedelta(days=1)
    active = Q(participations__removed_at__isnull=True)
    meetings = list(access.meetings_for_user(user).scheduled().filter(ends_at__gte=now, starts_at__lte=until)
                    .select_related("host_site").order_by("starts_at")
                    .annotate(n_sites=Count("participations", filter=active),
                              n_ready=Count("participations", filter=active & Q(participations__state=Readiness.READY)),
                              n_problem=Count("participations",
                                              filter=active & Q(participations__state=Readiness.PROBLEM)))
                    [:OVERVIEW_MEETINGS])
    for meeting in meetings:
        meeting.current_phase = meeting.phase(now)
    gaps = {}
    if user.sees_province:
        # Flagged to the department: backups never shown to work, contacts to train.
        from diemcau.inventory.access import sites_for_user

        gaps = {"weak_backups": backups.weak_count(sites_for_user(user))}
    return "meetings/panels/overview.html", {"meetings": meetings, "now": now, "gaps": gaps}


def site_panel(request, site):
    """The site's next meetings with its readiness, and its backup state."""
    now = timezone.now()
    visible = access.meetings_for_user(request.user)
    upcoming = list(Participation.objects.filter(site=site, removed_at__isnull=True, meeting__in=visible,
                                                 meeting__status="scheduled", meeting__ends_at__gte=now)
                    .select_related("meeting").order_by("meeting__starts_at")[:3])
    backup = backups.site_backup([site.pk])[site.pk]
    return "meetings/panels/site.html", {"site": site, "upcoming": upcoming, "backup": backup, "now": now,
                                         "can_mark": [p for p in upcoming if access.can_mark(request.user, p)]}
