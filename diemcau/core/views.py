"""The in-app notices, each user's channels, the department's outbox, the health check."""

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core import outbox, replica
from diemcau.core.apps import DiemcauAppConfig
from diemcau.core.choices import DeliveryStatus
from diemcau.core.columns import save_hidden
from diemcau.core.heartbeat import STALE_AFTER, last_beat
from diemcau.core.models import ChannelPreference, Delivery, Notice


@login_required
def notice_list(request):
    notices = Notice.objects.filter(user=request.user)
    page = Paginator(notices, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    unread_ids = [n.pk for n in page.object_list if n.read_at is None]
    response = render(request, "core/notices.html", {"page": page, "unread_ids": set(unread_ids)})
    if unread_ids:
        Notice.objects.filter(pk__in=unread_ids).update(read_at=timezone.now())
    return response


def notice_topics() -> list[tuple[str, str]]:
    return [topic for config in apps.get_app_configs() if isinstance(config, DiemcauAppConfig)
            for topic in config.notice_topics]


@login_required
def channel_settings(request):
    """Each user chooses, per topic, whether the notices also come by e-mail."""
    topics = notice_topics()
    off = set(ChannelPreference.objects.filter(user=request.user, email=False).values_list("topic", flat=True))
    if request.method == "POST":
        wanted = set(request.POST.getlist("email"))
        for topic, _label in topics:
            ChannelPreference.objects.update_or_create(user=request.user, topic=topic,
                                                       defaults={"email": topic in wanted})
        messages.success(request, _("Your choices were saved."))
        return redirect("core:channels")
    return render(request, "core/channels.html", {
        "topics": [{"code": code, "label": label, "email": code not in off} for code, label in topics],
    })


def _require_outbox_admin(user) -> None:
    if not user.is_dost_admin:
        raise PermissionDenied


@login_required
def outbox_page(request):
    """The department's view of the outbox: what is waiting, and what needs a person's decision."""
    _require_outbox_admin(request.user)
    counts = dict(Delivery.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    attention = Delivery.objects.filter(status__in=[DeliveryStatus.UNCERTAIN, DeliveryStatus.FAILED]) \
        .select_related("endpoint").order_by("-created_at", "-pk")
    page = Paginator(attention, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/outbox.html", {
        "counts": [(status, label, counts.get(status, 0)) for status, label in DeliveryStatus.choices],
        "page": page,
    })


@login_required
@require_POST
def delivery_decide(request, pk):
    """Send an uncertain or failed delivery again, or close an uncertain one the receiver confirmed."""
    _require_outbox_admin(request.user)
    delivery = get_object_or_404(Delivery, pk=pk)
    if request.POST.get("decision") == "sent":
        done = outbox.delivery_mark_sent(delivery)
        text = _("The delivery was marked as received.")
    else:
        done = outbox.delivery_retry(delivery)
        text = _("The delivery will be sent again within a minute.")
    if done:
        messages.success(request, text)
    else:
        messages.error(request, _("This delivery has changed meanwhile; nothing was done."))
    return redirect("core:outbox")


def healthz(request):
    """For the province's monitoring and load balancers: 200 when everything answers, 503 otherwise.

    Reports the database, Redis when configured, and the worker's heartbeat
    (stale after two minutes); with a read replica, whether heavy reads go
    to it or fall back to the primary (down, or lagging), which does not make
    the node unhealthy. Says what failed, never why in detail: the
    answer is public.
    """
    checks = {"database": _check_database()}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis()
    checks["worker"] = _check_worker() if checks["database"]["ok"] else {"ok": False}
    healthy = all(check["ok"] for check in checks.values())
    if replica.configured():
        # Reported, not required: without the replica every read goes to the primary and the node still serves.
        checks["replica"] = replica.health()
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
        target = reverse("inventory:overview")
    return redirect(target)


def favicon(request):
    """Browsers ask for /favicon.ico; the icon's hashed name is known only once static files are collected."""
    return HttpResponsePermanentRedirect(static("diemcau/favicon.svg"))
