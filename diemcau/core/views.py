"""The province overview and the in-app notices."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from diemcau.core.models import Notice
from diemcau.core.panels import overview_panels
from diemcau.inventory.access import sites_for_user
from diemcau.inventory.choices import ContactRole, LinkRole
from diemcau.inventory.models import Contact, Device, Link, Term

GAP_LIST_LENGTH = 50


@login_required
def overview(request):
    """Counts of the sites the user can see, and the gaps that need someone's attention."""
    sites = sites_for_user(request.user)
    active_links = Link.objects.active()
    primary = active_links.filter(site=OuterRef("pk"), role=LinkRole.PRIMARY)
    sites = sites.annotate(
        has_contact=Exists(Contact.objects.active().filter(site=OuterRef("pk"), role=ContactRole.PRIMARY)),
        has_backup=Exists(active_links.filter(site=OuterRef("pk"), role=LinkRole.BACKUP)),
    )
    total = sites.count()
    by_kind = list(
        sites.values("organization__kind__name_vi", "organization__kind__name_en", "organization__kind__code")
        .annotate(n=Count("pk")).order_by("-n")
    )
    by_link = list(
        Link.objects.active().filter(role=LinkRole.PRIMARY, site__in=sites.values("pk"))
        .values("kind__name_vi", "kind__name_en", "provider__name", "medium")
        .annotate(n=Count("pk")).order_by("-n")
    )
    no_primary = sites.exclude(Exists(primary)).count()
    conditions = {t.pk: t for t in Term.objects.filter(taxonomy="device_condition")}
    by_condition = [
        {"term": conditions.get(row["condition_id"]), "n": row["n"]}
        for row in Device.objects.active().filter(site__in=sites.values("pk"))
        .values("condition_id").annotate(n=Count("pk")).order_by("condition__position")
    ]
    # The cards give the counts; the lists name the first sites, with a link to all of them.
    no_contact = sites.filter(has_contact=False).select_related("organization").order_by("organization__name", "code")
    no_backup = sites.filter(has_backup=False).select_related("organization").order_by("organization__name", "code")
    return render(request, "core/overview.html", {
        "total": total,
        "by_kind": by_kind,
        "by_link": by_link,
        "no_primary": no_primary,
        "by_condition": by_condition,
        "device_total": sum(row["n"] for row in by_condition),
        "no_contact": no_contact[:GAP_LIST_LENGTH],
        "no_backup": no_backup[:GAP_LIST_LENGTH],
        "no_contact_count": no_contact.count(),
        "no_backup_count": no_backup.count(),
        "panels": overview_panels(request),
    })


@login_required
def notice_list(request):
    notices = Notice.objects.filter(user=request.user)
    page = Paginator(notices, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    unread_ids = [n.pk for n in page.object_list if n.read_at is None]
    response = render(request, "core/notices.html", {"page": page, "unread_ids": set(unread_ids)})
    if unread_ids:
        Notice.objects.filter(pk__in=unread_ids).update(read_at=timezone.now())
    return response


def healthz(request):
    """For load balancers and systemd: the process answers and the database too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
