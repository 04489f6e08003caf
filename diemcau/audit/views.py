"""The audit log: read and exported by the department and the inspectors; no page changes it."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from diemcau.audit.access import require_audit_reader
from diemcau.audit.filters import AuditFilter
from diemcau.audit.models import AuditEvent
from diemcau.audit.services import IMPORT_CHECKED, IMPORT_FAILED, IMPORT_REFUSED, IMPORT_SAVED
from diemcau.core.listing import Column, export_response, page_columns, paginate, wants_export

# The details' keys and coded values as words (the page and the export show them in the reader's language).
DETAIL_LABELS = {
    "list": _("list"), "format": _("format"), "rows": _("rows"), "filters": _("filters"), "complete": _("complete"),
    "file": _("file"), "size": _("size"), "outcome": _("outcome"), "changed": _("rows changed"),
    "errors": _("errors"), "reason": _("reason"), "prefix": _("token starts with"), "enrolment": _("when enrolling"),
    "fields": _("fields"), "by_administrator": _("by an administrator"), "role": _("role"),
    "organization": _("organisation"), "name": _("name"),
}
DETAIL_VALUES = {
    "outcome": {IMPORT_SAVED: _("saved"), IMPORT_CHECKED: _("checked, nothing saved"),
                IMPORT_REFUSED: _("refused, nothing saved"), IMPORT_FAILED: _("failed, nothing saved")},
    "reason": {"idle": _("idle too long"), "max_age": _("session too old")},
    "format": {"xlsx": "Excel (.xlsx)", "csv": "CSV"},
}


def _detail_value(key, value) -> str:
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if key in DETAIL_VALUES and value in DETAIL_VALUES[key]:
        return str(DETAIL_VALUES[key][value])
    if key == "size" and isinstance(value, int):
        return filesizeformat(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_detail_value(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(_detail_value(key, v) for v in value)
    return str(value)


def _details_text(event) -> str:
    return "; ".join(f"{DETAIL_LABELS.get(key, key)}: {_detail_value(key, value)}"
                     for key, value in (event.details or {}).items())


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
        rows = qs[: settings.EXPORT_MAX_ROWS].iterator(chunk_size=2000)
        return export_response(fmt, "nhat-ky-kiem-toan", COLUMNS, rows, sheet_title="Nhật ký", request=request,
                               what=_("Audit log"))
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
