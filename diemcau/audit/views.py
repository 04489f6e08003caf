"""The audit log: read and exported by the department and the inspectors; no page changes it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from diemcau.audit.access import require_audit_reader
from diemcau.audit.choices import AuditAction
from diemcau.audit.filters import AuditFilter
from diemcau.audit.models import AuditEvent
from diemcau.audit.services import record
from diemcau.core.listing import Column, export_response, page_columns, paginate, wants_export


def _details_text(event) -> str:
    return "; ".join(f"{key}: {value}" for key, value in (event.details or {}).items())


COLUMNS = [
    Column("at", _("Time"), lambda e: e.at, sort="at"),
    Column("action", _("Event"), lambda e: e.get_action_display(), sort="action"),
    Column("user", _("User"), lambda e: e.actor_name, sort="actor_name"),
    Column("ip", _("IP address"), lambda e: e.ip, sort="ip"),
    Column("target", _("Object"), lambda e: e.target_repr),
    Column("via", _("Via"), lambda e: e.get_via_display(), optional=True),
    Column("details", _("Details"), _details_text, optional=True),
    Column("user_agent", _("Browser or client"), lambda e: e.user_agent, export_only=True),
]


@login_required
def audit_list(request):
    require_audit_reader(request.user)
    filter_form = AuditFilter(request.GET or None)
    qs = AuditEvent.objects.all()
    if filter_form.is_valid():
        qs = filter_form.apply(qs)
    sort = request.GET.get("sort", "")
    by_key = {c.key: c.sort for c in COLUMNS if c.sort}
    if sort.lstrip("-") in by_key:
        field = by_key[sort.lstrip("-")]
        qs = qs.order_by(f"-{field}" if sort.startswith("-") else field, "-pk")
    else:
        sort = ""
    fmt = wants_export(request)
    if fmt:
        record(AuditAction.EXPORT, request=request, target=_("Audit log"),
               details={"format": fmt, "filters": {k: v for k, v in request.GET.items() if k != "export"}})
        rows = qs[: settings.EXPORT_MAX_ROWS].iterator(chunk_size=2000)
        return export_response(fmt, "nhat-ky-kiem-toan", COLUMNS, rows, sheet_title="Nhật ký")
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    return render(request, "audit/list.html", {
        "page": paginate(request, qs),
        "filter": filter_form,
        "columns": page_columns(COLUMNS),
        "sort": sort,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "retention_days": settings.AUDIT_RETENTION_DAYS,
    })
