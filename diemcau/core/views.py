"""The province overview and the in-app notices."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from diemcau.core.columns import save_hidden
from diemcau.core.heartbeat import STALE_AFTER, last_beat
from diemcau.core.models import Notice
from diemcau.core.panels import overview_panels
from diemcau.inventory.access import sites_for_user
from diemcau.inventory.choices import ContactRole, LinkRole
from diemcau.inventory.models import Contact, Device, Link, Term
from diemcau.lib.collation import vi_order

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
        .values("kind__name_vi", "kind__name_en", "kind__code", "provider__name", "provider__code")
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
    no_contact = sites.filter(has_contact=False).select_related("organization").order_by(vi_order("organization__name"), "code")
    no_backup = sites.filter(has_backup=False).select_related("organization").order_by(vi_order("organization__name"), "code")
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
    """For the province's monitoring and load balancers: 200 when everything answers, 503 otherwise.

    Reports the database, Redis when configured, and the worker's heartbeat
    (stale after two minutes). Says what failed, never why in detail: the
    answer is public.
    """
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    checks["worker"] = _check_worker() if checks["database"]["ok"] else {"ok": False}
    healthy = all(check["ok"] for check in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return {"ok": False}
    return {"ok": True}


def _check_redis() -> dict:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return {"ok": False}
    return {"ok": True}


def _check_worker() -> dict:
    last = last_beat("worker")
    if last is None:
        return {"ok": False, "last_beat": None}
    age = (timezone.now() - last.beat_at).total_seconds()
    return {"ok": age <= STALE_AFTER.total_seconds(), "last_beat": last.beat_at.isoformat(), "age_s": round(age)}


@login_required
@require_POST
def table_columns(request):
    """Keep the columns the user chose for one table (core.columns), then go back to it."""
    table = request.POST.get("table", "")[:100]
    everything = request.POST.getlist("all")
    shown = set(request.POST.getlist("show"))
    hidden = [] if request.POST.get("reset") else [key for key in everything if key not in shown]
    if table:
        save_hidden(request, table, hidden)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:overview")
    return redirect(target)


def favicon(request):
    """Browsers ask for /favicon.ico; the icon's hashed name is known only once static files are collected."""
    return HttpResponsePermanentRedirect(static("diemcau/favicon.svg"))
