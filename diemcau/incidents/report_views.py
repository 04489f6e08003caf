"""The SLA report page: per organisation, per month, operators side by side; Excel export."""

import datetime as dt
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from diemcau.core.forms import BootstrapMixin
from diemcau.core.listing import XLSX_TYPE
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
def sla_report(request):
    user = request.user
    form, start, end = _period(request)
    report = reports.sla_report(user=user, incidents=access.incidents_for_user(user), start=start, end=end,
                                tz=timezone.get_current_timezone())
    if request.GET.get("export") == "xlsx":
        return _excel(report, start, end)
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


def _excel(report, start_day, end_day):
    workbook = Workbook()
    bold = Font(bold=True)
    header = [_("Organisation"), _("Incidents held"), _("MTTA (min)"), _("MTTR (min)"),
              _("Acknowledged in time (%)"), _("Responded in time (%)"), _("Resolved in time (%)")]

    def table(sheet, title_cell, rows, first_header):
        sheet.append([title_cell])
        sheet.append([first_header, *header[1:]])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for r in rows:
            sheet.append([r.label, r.incidents, r.mtta, r.mttr, r.ack_pct, r.respond_pct, r.resolve_pct])

    period = _("From %(start)s to %(end)s") % {"start": start_day.strftime("%m/%Y"),
                                               "end": end_day.strftime("%m/%Y")}
    sheet = workbook.active
    sheet.title = _("By organisation")[:31]
    table(sheet, period, report.by_org, header[0])
    months = workbook.create_sheet(_("By month")[:31])
    table(months, period, report.by_month, _("Month"))
    operators = workbook.create_sheet(_("Operators")[:31])
    table(operators, period, report.operators, _("Operator"))
    tops = workbook.create_sheet(_("Top")[:31])
    tops.append([_("Symptom"), _("Incidents")])
    for term, n in report.top_symptoms:
        tops.append([term.name, n])
    tops.append([])
    tops.append([_("Cause found"), _("Incidents")])
    for term, n in report.top_causes:
        tops.append([term.name, n])
    tops.append([])
    tops.append([_("Site"), _("Incidents")])
    for site, n in report.top_sites:
        tops.append([f"{site.name} ({site.code})", n])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="sla-{start_day:%Y%m}-{end_day:%Y%m}.xlsx"'
    return response
