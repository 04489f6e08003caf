"""The SLA report page: per organisation, per month, operators side by side; Excel export."""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.core.exports import PERCENT, ExportColumn, Workbook, workbook_response
from diemcau.core.forms import BootstrapMixin
from diemcau.core.replica import using_replica
from diemcau.incidents import access, reports


class PeriodForm(BootstrapMixin, forms.Form):
    start = forms.DateField(label=gettext_lazy("From month"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))
    end = forms.DateField(label=gettext_lazy("To month"), required=False, input_formats=["%Y-%m", "%Y-%m-%d"],
                          widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"))


def _period(request):
    """First days of the first and last months (the last twelve months by default)."""
    this_month = timezone.localdate().replace(day=1)
    default_start = (this_month - dt.timedelta(days=320)).replace(day=1)
    form = PeriodForm(request.GET or None, initial={"start": default_start, "end": this_month})
    start, end = default_start, this_month
    if form.is_valid():
        start = (form.cleaned_data["start"] or default_start).replace(day=1)
        end = (form.cleaned_data["end"] or this_month).replace(day=1)
    return form, start, max(start, end)


@login_required
@using_replica
def sla_report(request):
    user = request.user
    form, start, end = _period(request)
    report = reports.sla_report(user=user, incidents=access.incidents_for_user(user), start=start, end=end,
                                tz=timezone.get_current_timezone())
    if request.GET.get("export") == "xlsx":
        return _excel(report, start, end, request)
    chart = {
        "months": [r.label for r in report.by_month],
        "ack": [r.ack_pct for r in report.by_month],
        "resolve": [r.resolve_pct for r in report.by_month],
        "operator_months": list(report.operator_months),
        "operators": [{"label": o.label, "data": [report.operator_months[m].get(o.key)
                                                  for m in report.operator_months]} for o in report.operators],
        "labels": {"ack": _("Acknowledged in time (%)"), "resolve": _("Resolved in time (%)")},
    }
    return render(request, "incidents/sla_report.html", {"form": form, "report": report, "chart": chart,
                                                         "query": request.GET.urlencode()})


def _excel(report, start_day, end_day, request):
    header = [_("Organisation"), _("Incidents held"), _("MTTA (min)"), _("MTTR (min)"),
              _("Acknowledged in time (%)"), _("Responded in time (%)"), _("Resolved in time (%)"),
              _("Cleared by itself"), _("Targets missed")]
    kinds = ["", "", "", "", PERCENT, PERCENT, PERCENT, "", ""]

    def columns(first_header):
        return [ExportColumn(h, k) for h, k in zip([first_header, *header[1:]], kinds, strict=True)]

    def figures(rows):
        return ([r.label, r.incidents, r.mtta, r.mttr, r.ack_pct, r.respond_pct, r.resolve_pct, r.self_cleared,
                 r.missed] for r in rows)

    period = _("From %(start)s to %(end)s") % {"start": start_day.strftime("%m/%Y"),
                                               "end": end_day.strftime("%m/%Y")}
    book = Workbook()
    book.table(_("By organisation"), columns(header[0]), figures(report.by_org), caption=period)
    book.table(_("By month"), columns(_("Month")), figures(report.by_month), caption=period)
    book.table(_("Operators"), columns(_("Operator")), figures(report.operators), caption=period)
    count = [ExportColumn(_("Incidents"))]
    book.table(_("Top symptoms"), [ExportColumn(_("Symptom")), *count],
               ([term.name, n] for term, n in report.top_symptoms), caption=period)
    book.table(_("Top causes found"), [ExportColumn(_("Cause found")), *count],
               ([term.name, n] for term, n in report.top_causes), caption=period)
    book.table(_("Sites with the most incidents"), [ExportColumn(_("Site")), *count],
               ([f"{site.name} ({site.code})", n] for site, n in report.top_sites), caption=period)
    return workbook_response(book.to_bytes(), f"sla-{start_day:%Y%m}-{end_day:%Y%m}", request=request,
                             what=_("SLA report"), rows=book.rows)
