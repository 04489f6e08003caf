"""What monitoring draws on the site page and on the province overview."""

from diemcau.monitoring import access, call_quality, quality
from diemcau.monitoring.choices import GRADE_RANK, Grade


def site_panel(request, site):
    """Current grade, last report, raised alerts, the 24-hour trend and, in a meeting, the last ten
    minutes of 20-second grades; the link to the full page."""
    from diemcau.monitoring.levels import grade_thresholds

    q = quality.qualities([site.pk])[site.pk]
    return "monitoring/panels/site.html", {"site": site, "q": q,
                                           "can_manage": access.can_manage_agent(request.user, site),
                                           "strip": call_quality.strips([site.pk], call_quality.BOARD_SPAN).get(site.pk),
                                           "grade_rule": grade_thresholds()}


def overview_panel(request):
    """How many visible sites are in each grade, and the five worst."""
    sites = list(access.monitored_sites_for_user(request.user).only("pk", "code", "name"))
    figures = quality.qualities([s.pk for s in sites], trend=False, alerts=False)
    counts = dict.fromkeys(Grade.values, 0)
    for q in figures.values():
        counts[q.grade] += 1
    worst = sorted(sites, key=lambda s: figures[s.pk].rank)[:5]
    worst = [(s, figures[s.pk]) for s in worst if GRADE_RANK.get(figures[s.pk].grade, 2) < 2]
    return "monitoring/panels/overview.html", {"counts": counts, "worst": worst, "grades": Grade}
