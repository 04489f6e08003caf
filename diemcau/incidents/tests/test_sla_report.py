"""The SLA report: figures per organisation and operator, Excel, and query counts that do not grow."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from diemcau.incidents import services
from diemcau.incidents.tests.conftest import local
from diemcau.testing import term


def _history(province, report, at):
    """VNPT: one acknowledged in 20 min (met), one in 90 min (missed). Viettel: one in 10 min (met)."""
    network = term("cause", "network")
    one = report(province.site_a, province.tech, local(2026, 3, 9, 8, 0), suspected_cause=network)
    two = report(province.site_dept, province.tech, local(2026, 3, 10, 8, 0), suspected_cause=network)
    three = report(province.site_b, province.other_tech, local(2026, 3, 11, 8, 0), suspected_cause=network)
    with at(local(2026, 3, 9, 8, 20)):
        services.incident_acknowledge(one, user=province.vnpt_user)
    with at(local(2026, 3, 10, 9, 30)):
        services.incident_acknowledge(two, user=province.vnpt_user)
    with at(local(2026, 3, 11, 8, 10)):
        services.incident_acknowledge(three, user=province.viettel_user)
    with at(local(2026, 3, 11, 9, 0)):
        services.incident_resolve(three, user=province.viettel_user, cause_found=network,
                                  action_taken=term("action", "link"), resolution="Hàn lại cáp quang")
    return one, two, three


def test_operators_are_compared_side_by_side(province, report, at, client_for):
    _history(province, report, at)
    with at(local(2026, 3, 12, 8, 0)):
        response = client_for(province.leader).get(reverse("incidents:sla_report"),
                                                   {"start": "2026-01-01", "end": "2026-03-31"})
    report_data = response.context["report"]
    by_name = {r.label: r for r in report_data.operators}
    vnpt, viettel = by_name[province.vnpt.name], by_name[province.viettel.name]
    assert (vnpt.incidents, vnpt.ack_pct, vnpt.mtta) == (2, 50.0, 55)        # (20 + 90) / 2 = 55 min
    assert (viettel.incidents, viettel.ack_pct, viettel.mtta, viettel.mttr) == (1, 100.0, 10, 60)
    assert report_data.total == 3
    assert [t.code for t, _n in report_data.top_symptoms] == ["audio_loss"]
    html = response.content.decode()
    assert "chart.umd.min.js" in html and "operator-chart" in html


def test_the_report_exports_to_excel(province, report, at, client_for):
    _history(province, report, at)
    response = client_for(province.staff).get(reverse("incidents:sla_report"),
                                              {"start": "2026-03-01", "end": "2026-03-31", "export": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6
    rows = list(book.worksheets[2].values)
    assert any(row[0] == province.vnpt.name and row[1] == 2 for row in rows)


def test_an_operator_sees_only_its_own_figures(province, report, at, client_for):
    _history(province, report, at)
    response = client_for(province.viettel_user).get(reverse("incidents:sla_report"),
                                                     {"start": "2026-03-01", "end": "2026-03-31"})
    assert [r.label for r in response.context["report"].by_org] == [province.viettel.name]


def test_list_report_and_overview_queries_do_not_grow_with_incidents(province, report, client_for,
                                                                     django_assert_max_num_queries):
    for day in range(1, 26):
        report(province.site_a if day % 2 else province.site_b, province.tech, local(2026, 3, day, 9, 0),
               symptoms=["audio_loss", "video_lag"] if day % 3 else ["disconnect"])
    client = client_for(province.staff)
    # The list: 11 queries, plus the clocks of the page and the calendar days for the live SLA figures.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("incidents:list")).status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(reverse("incidents:list"), {"state": "open", "severity": "normal"}).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("incidents:list"), HTTP_HX_REQUEST="true",
                          HTTP_HX_TARGET="incident-rows").status_code == 200
    with django_assert_max_num_queries(16):
        client.get(reverse("incidents:sla_report"), {"start": "2026-03-01", "end": "2026-03-31"})
    with django_assert_max_num_queries(25):
        client.get(reverse("inventory:overview"))
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from diemcau.incidents.panels import site_panel

    request = RequestFactory().get("/")
    request.user = province.staff
    with django_assert_max_num_queries(6):
        template, context = site_panel(request, province.site_a)
        render_to_string(template, {"panel": context})
    with django_assert_max_num_queries(12):
        assert client.get(reverse("incidents:list"), {"export": "xlsx"}).status_code == 200


def test_the_monthly_tallies_always_equal_a_recount_from_the_clocks(province, report, at):
    from diemcau.incidents import escalation
    from diemcau.incidents.models import SlaTally
    from diemcau.incidents.tallies import sla_tally_rebuild

    _history(province, report, at)
    extra = report(province.site_a, province.tech, local(2026, 3, 31, 16, 0), severity="high")
    with at(local(2026, 4, 1, 9, 0)):
        escalation.sla_scan()
        services.incident_reassign(extra, user=province.staff, holder=province.dost, reason="Lỗi nền tảng")
    fields = ("holder_id", "site_org_id", "month", "target", "started", "met", "missed", "answered",
              "answered_seconds")
    live = sorted(t for t in SlaTally.objects.values_list(*fields) if any(t[4:]))
    sla_tally_rebuild()
    assert live == sorted(SlaTally.objects.values_list(*fields))
    # The top-list counts too, including a cause changed by a second resolution.
    from diemcau.incidents.models import IncidentTally
    from diemcau.incidents.tallies import incident_tally_rebuild

    with at(local(2026, 4, 1, 10, 0)):
        services.incident_resolve(extra, user=province.staff, cause_found=term("cause", "platform"),
                                  action_taken=term("action", "software"), resolution="Cập nhật MCU")
        services.incident_reopen(extra, user=province.staff, reason="Lại mất tiếng")
        services.incident_resolve(extra, user=province.staff, cause_found=term("cause", "configuration"),
                                  action_taken=term("action", "reconfigure"), resolution="Sửa cấu hình")
    top_fields = ("month", "site_id", "site_org_id", "kind", "term_id", "n")
    live_tops = sorted(t for t in IncidentTally.objects.values_list(*top_fields) if t[-1])
    incident_tally_rebuild()
    assert live_tops == sorted(IncidentTally.objects.values_list(*top_fields))
