"""The department's aggregate: the three lists with counts and cost, the focus items, filters, Excel."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diemcau.reviews import services
from diemcau.reviews.aggregate import proposals_in, three_lists
from diemcau.reviews.choices import TaskState
from diemcau.reviews.models import Proposal
from diemcau.reviews.templatetags.reviews import format_vnd
from diemcau.reviews.tests.conftest import complete, purchase, term
from diemcau.reviews.views import proposal_columns


def add(assessment, user, action, cost, *, group="terminal", **fields):
    return services.proposal_save(Proposal(assessment=assessment, group=term("device_group", group),
                                           action=term("action", action), description=f"{action} {group}",
                                           cost_vnd=cost, **fields), user=user)


@pytest.fixture
def submitted(campaign, task_a, task_b, province):
    complete(task_a, province.tech)
    a = task_a.assessments.get(site=province.site_a)
    add(a, province.tech, "keep", 0)
    add(a, province.tech, "training", 2_000_000, group="microphone", province_wide=True)
    mic = purchase(a, province.tech, group="microphone", cost=4_500_000)  # flagged: a good one exists
    mic.flag_reason = "Hội trường lớn cần hai micro"
    services.proposal_save(mic, user=province.tech)
    services.task_submit(task_a, user=province.head)
    complete(task_b, province.other_tech)  # reconfigures its degraded terminal (0 đ)
    b = task_b.assessments.get(site=province.site_b)
    add(b, province.other_tech, "link", 6_000_000, group="network", help_now=True)
    services.task_submit(task_b, user=province.other_head)
    # The department's own draft is not counted until submitted.
    dept = campaign.tasks.get(organization=province.department)
    complete(dept, province.admin)
    add(dept.assessments.get(), province.admin, "invest", 90_000_000, group="display")
    return campaign


def by_code(rows):
    return {r["code"]: (r["items"], r["cost"]) for r in rows}


def test_the_three_lists_count_items_and_add_costs(submitted):
    lists = by_code(three_lists(proposals_in(submitted, states=TaskState.handed_in())))
    assert lists == {"continue": (1, 0), "fix": (3, 8_000_000), "invest": (1, 4_500_000)}


def test_drafts_count_only_when_asked(submitted):
    lists = by_code(three_lists(proposals_in(submitted, states=list(TaskState.values))))
    assert lists["invest"] == (2, 94_500_000)


def test_the_aggregate_page_shows_lists_focus_and_flags(submitted, province, client_for, django_assert_max_num_queries):
    client = client_for(province.staff)
    with django_assert_max_num_queries(30):
        page = client.get(reverse("reviews:aggregate", args=[submitted.pk])).content.decode()
    assert format_vnd(8_000_000) == "8.000.000\u00a0₫"
    assert "8.000.000\u00a0₫" in page and "4.500.000\u00a0₫" in page
    focused = client.get(reverse("reviews:aggregate", args=[submitted.pk]) + "?focus=help_now").content.decode()
    assert "link network" in focused and "training microphone" not in focused
    flagged = client.get(reverse("reviews:aggregate", args=[submitted.pk]) + "?focus=flagged").content.decode()
    assert "Mua micro cổ ngỗng" in flagged and "link network" not in flagged


def test_filters_narrow_the_items_but_the_lists_stay_whole(submitted, province, client_for):
    url = reverse("reviews:aggregate", args=[submitted.pk])
    response = client_for(province.staff).get(url + f"?organization={province.commune_b.pk}")
    lists = by_code(response.context["lists"])
    assert lists == {"continue": (0, 0), "fix": (2, 6_000_000), "invest": (0, 0)}
    assert {p.assessment.site.code for p in response.context["page"].object_list} == {"X-20-01"}
    only_fix = client_for(province.staff).get(url + "?list=fix")
    assert {p.list_code for p in only_fix.context["page"].object_list} == {"fix"}


def test_the_aggregate_exports_to_excel_with_every_column(submitted, province, client_for):
    response = client_for(province.staff).get(reverse("reviews:aggregate", args=[submitted.pk]) + "?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 5
    keys = [c.key for c in proposal_columns()]
    assert rows[0][keys.index("cost")] == "Kinh phí dự kiến (đồng)"
    assert sum(r[keys.index("cost")] for r in rows[1:]) == 12_500_000
    assert any("Hội trường lớn cần hai micro" in (r[keys.index("flag_reason")] or "") for r in rows[1:])
    assert any("Điểm cầu đã có Micro ở tình trạng tốt" in (r[keys.index("flags")] or "") for r in rows[1:])


def test_the_sites_are_listed_worst_first_with_their_verdicts(submitted, province, client_for):
    response = client_for(province.staff).get(reverse("reviews:aggregate", args=[submitted.pk]))
    assert {row.assessment.site.code for row in response.context["sites"]} == {"X-14-01", "X-14-02", "X-20-01"}


def test_campaign_pages_keep_their_query_count(submitted, province, client_for, django_assert_max_num_queries):
    client = client_for(province.staff)
    task = submitted.tasks.get(organization=province.commune_a)
    assessment = task.assessments.get(site=province.site_a)
    for url, limit in ((reverse("reviews:campaigns"), 12), (reverse("reviews:campaign", args=[submitted.pk]), 14),
                       (reverse("reviews:task", args=[task.pk]), 20),
                       (reverse("reviews:assessment", args=[assessment.pk]), 30),
                       (reverse("reviews:compare", args=[submitted.pk]), 12),
                       (reverse("reviews:link_items", args=[submitted.pk]), 16)):
        with django_assert_max_num_queries(limit):
            assert client.get(url).status_code == 200


def test_focused_investment_puts_the_busiest_sites_first(submitted, province, client_for):
    from diemcau.reviews.models import Assessment

    site = province.site_b
    site.meetings_per_month = 12
    site.save(update_fields=["meetings_per_month"])
    assessment = Assessment.objects.get(task__campaign=submitted, site=site)
    Proposal.objects.create(assessment=assessment, group=term("device_group", "camera"), action=term("action", "replace"),
                     description="Camera mới cho hội trường", cost_vnd=30_000_000)
    response = client_for(province.staff).get(reverse("reviews:aggregate", args=[submitted.pk]) + "?focus=invest")
    codes = [p.assessment.site.code for p in response.context["page"].object_list]
    assert codes == ["X-20-01", "X-14-01"]


def test_each_site_shows_its_verdict_with_the_reasons_found(campaign, task_a, province, client_for):
    from diemcau.reviews.sources import render_reason
    from diemcau.standards.services import load_default_standard, recompute_sites

    load_default_standard()
    recompute_sites()
    complete(task_a, province.tech)
    services.task_submit(task_a, user=province.head)
    assessment = task_a.assessments.get(site=province.site_a2)
    reason = next(r for r in assessment.known["verdict"]["reasons"] if r["level"] != "stable")
    response = client_for(province.staff).get(reverse("reviews:aggregate", args=[campaign.pk]))
    row = next(r for r in response.context["sites"] if r.assessment.pk == assessment.pk)
    assert row.assessment.verdict in ("unstable", "unfit")
    assert render_reason(reason["reason"]) in response.content.decode()


def test_the_leaders_overview_shows_what_the_three_lists_cost(submitted, province, client_for):
    from diemcau.lib.numbers import format_money

    lists = three_lists(proposals_in(submitted, states=TaskState.handed_in()))
    assert any(row["cost"] for row in lists)
    page = client_for(province.leader).get(reverse("inventory:overview")).content.decode()
    for row in lists:
        assert str(row["label"]) in page and format_money(row["cost"]) in page
