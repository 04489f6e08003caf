"""Pages: the province quality board, a site's quality page, agent tokens, device checks, /metrics."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diemcau.core.listing import paginate
from diemcau.core.replica import using_replica
from diemcau.inventory.models import Link
from diemcau.monitoring import access, agent_config, call_quality, flips, quality, services
from diemcau.monitoring.choices import Grade, SampleKind
from diemcau.monitoring.forms import BoardFilter, DeviceCheckForm, VendorStatusOidForm
from diemcau.monitoring.levels import grade_thresholds
from diemcau.monitoring.models import (
    AgentToken,
    AlertFlip,
    DeviceCheck,
    Sample,
    VendorStatusOid,
    Warning,
)


def board_rows(user, data: dict | None = None):
    """Visible sites with their quality, worst first, filtered; returns (rows, form)."""
    form = BoardFilter(data or None)
    sites = access.monitored_sites_for_user(user).select_related("organization")
    grade_wanted = ""
    if form.is_valid():
        cd = form.cleaned_data
        if cd["organization"]:
            sites = sites.filter(organization=cd["organization"])
        links = Link.objects.active()
        if cd["operator"]:
            sites = sites.filter(pk__in=links.filter(provider=cd["operator"]).values("site_id"))
        if cd["link_kind"]:
            sites = sites.filter(pk__in=links.filter(kind=cd["link_kind"]).values("site_id"))
        grade_wanted = cd["grade"]
    sites = list(sites)
    figures = quality.qualities([s.pk for s in sites], trend=False, alerts=False)
    rows = []
    for site in sites:
        q = figures[site.pk]
        if grade_wanted and q.grade != grade_wanted:
            continue
        rows.append({"site": site, "q": q})
    rows.sort(key=lambda r: (r["q"].rank, r["site"].code))
    return rows, form


def fill_page(rows) -> None:
    """The trend, alerts, meeting strip and primary link of the rows on one page only."""
    ids = [r["site"].pk for r in rows]
    full = quality.qualities(ids)
    strips = call_quality.strips(ids, call_quality.BOARD_SPAN)
    primary = {}
    for link in Link.objects.active().filter(site__in=ids, role="primary").select_related("provider", "kind"):
        primary.setdefault(link.site_id, link)
    for row in rows:
        row["q"] = full[row["site"].pk]
        row["strip"] = strips.get(row["site"].pk)
        row["link"] = primary.get(row["site"].pk)


@login_required
@using_replica
def board(request):
    rows, form = board_rows(request.user, request.GET)
    tally = {}
    for row in rows:
        tally[row["q"].grade] = tally.get(row["q"].grade, 0) + 1
    counts = [(code, label, tally[code]) for code, label in Grade.choices if code in tally]
    query = request.GET.copy()
    query.pop("page", None)
    page = paginate(request, rows, 50)
    fill_page(page.object_list)
    return render(request, "monitoring/board.html", {
        "page": page, "filter": form, "counts": counts, "total": len(rows),
        "query": query.urlencode(), "can_configure": access.can_configure_vendors(request.user),
        "in_meeting": any(row.get("strip") for row in page.object_list), "grade_rule": grade_thresholds(),
        # The department is shown the flips whose incident keeps failing (R20: never silently).
        "failing_flips": list(flips.failing()) if request.user.edits_province else [],
    })


@login_required
@using_replica
def site_quality(request, pk):
    site = access.site_for_monitoring(request.user, pk)
    q = quality.qualities([site.pk])[site.pk]
    can_manage = access.can_manage_agent(request.user, site)
    flips = AlertFlip.objects.filter(alert__site=site).select_related("alert", "alert__device", "alert__incident")[:30]
    return render(request, "monitoring/site.html", {
        "site": site, "q": q, "flips": flips, "can_manage": can_manage,
        "tokens": AgentToken.objects.filter(site=site).select_related("created_by")[:10] if can_manage else [],
        "checks": DeviceCheck.objects.filter(device__site=site).select_related("device", "device__group"),
        "warnings": Warning.objects.filter(site=site)[:10],
        "self_checks": Sample.objects.filter(site_id=site.pk, kind=SampleKind.CHECK).order_by("-measured_at")[:5],
        "throughputs": Sample.objects.filter(site_id=site.pk, kind=SampleKind.THROUGHPUT).order_by("-measured_at")[:3],
        "ranges": list(quality.RANGES),
        "strip": call_quality.strips([site.pk], call_quality.SITE_SPAN).get(site.pk), "grade_rule": grade_thresholds(),
    })


@login_required
@using_replica
def call_quality_part(request, pk):
    """The call-quality card alone, polled by the site page while it is open."""
    site = access.site_for_monitoring(request.user, pk)
    return render(request, "monitoring/includes/call_quality.html", {
        "site": site, "strip": call_quality.strips([site.pk], call_quality.SITE_SPAN).get(site.pk),
        "grade_rule": grade_thresholds()})


@login_required
@using_replica
def site_series(request, pk):
    site = access.site_for_monitoring(request.user, pk)
    return JsonResponse(quality.series(site.pk, request.GET.get("range", "day")))


@login_required
@require_POST
def token_issue(request, pk):
    site = access.site_for_monitoring(request.user, pk)
    if not access.can_manage_agent(request.user, site):
        raise PermissionDenied
    token, raw = services.agent_token_issue(site=site, user=request.user)
    server = request.build_absolute_uri("/").rstrip("/")
    response = render(request, "monitoring/token_issued.html", {
        "site": site, "token": token, "raw": raw, "server": server,
        "ini": agent_config.agent_ini(site, raw, server),
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def throughput_request(request, pk):
    site = access.site_for_monitoring(request.user, pk)
    if not access.can_manage_agent(request.user, site):
        raise PermissionDenied
    if services.agent_throughput_request(site=site, user=request.user):
        messages.success(request, _("Throughput test requested: the agent runs it after its next upload "
                                    "(within a minute) and the result appears here."))
    return redirect("monitoring:site", pk=site.pk)


@login_required
@require_POST
def token_revoke(request, pk, token_pk):
    site = access.site_for_monitoring(request.user, pk)
    token = access.token_for_user(request.user, site, token_pk)
    services.agent_token_revoke(token=token, user=request.user)
    messages.success(request, _("The token is revoked: the agent using it can no longer send results."))
    return redirect("monitoring:site", pk=site.pk)


def _check_form(request, site, instance=None):
    form = DeviceCheckForm(request.POST or None, instance=instance, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.device_check_save(form.save(commit=False), user=request.user)
        except ValidationError as exc:
            form._update_errors(exc)
        else:
            messages.success(request, _("Device check saved."))
            return redirect("monitoring:site", pk=site.pk)
    return render(request, "monitoring/check_form.html", {"site": site, "form": form, "check": instance})


@login_required
def check_add(request, pk):
    site = access.site_for_monitoring(request.user, pk, change=True)
    return _check_form(request, site)


@login_required
def check_edit(request, check_pk):
    check = access.check_for_user(request.user, check_pk, change=True)
    return _check_form(request, check.device.site, check)


@login_required
@require_POST
def check_delete(request, check_pk):
    check = access.check_for_user(request.user, check_pk, change=True)
    site_pk = check.device.site_id
    services.device_check_delete(check, user=request.user)
    messages.success(request, _("Device check removed."))
    return redirect("monitoring:site", pk=site_pk)


@login_required
def vendor_oids(request):
    if not access.can_configure_vendors(request.user):
        raise PermissionDenied
    form = VendorStatusOidForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            VendorStatusOid.objects.filter(pk=request.POST.get("delete")).delete()
            return redirect("monitoring:vendor_oids")
        if form.is_valid():
            try:
                services.vendor_oid_save(form.save(commit=False))
            except ValidationError as exc:
                form._update_errors(exc)
            else:
                messages.success(request, _("Vendor status OID saved."))
                return redirect("monitoring:vendor_oids")
    return render(request, "monitoring/vendor_oids.html", {"rows": VendorStatusOid.objects.all(), "form": form})


def metrics(request):
    """Prometheus text format, per-site gauges; needs ``MONITORING_METRICS_TOKEN`` (off when unset)."""
    from diemcau.monitoring.metrics import render_metrics

    expected = getattr(settings, "MONITORING_METRICS_TOKEN", "")
    if not expected:
        raise Http404
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.startswith("Bearer ") else request.GET.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponse("unauthorized\n", status=401, content_type="text/plain")
    return HttpResponse(render_metrics(), content_type="text/plain; version=0.0.4; charset=utf-8")
