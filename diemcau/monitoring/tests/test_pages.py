import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from diemcau.monitoring import alerts, services
from diemcau.monitoring.choices import CheckMethod, Period
from diemcau.monitoring.models import AgentToken, DeviceCheck, Rollup
from diemcau.testing import make_device


def quality(site, loss, jitter=5.0, minutes=10, hours=24):
    now = timezone.now()  # per call: a time taken at import goes stale in a long run
    rows = [Rollup(site=site, period=Period.MINUTE, bucket=(now - dt.timedelta(minutes=m)).replace(second=0,
                   microsecond=0), rounds=2, loss_avg=loss, jitter_avg=jitter, rtt_avg=30.0, mos_avg=4.2)
            for m in range(1, minutes)]
    rows += [Rollup(site=site, period=Period.HOUR, bucket=(now - dt.timedelta(hours=h)).replace(minute=0, second=0,
                    microsecond=0), rounds=120, loss_avg=loss, jitter_avg=jitter, rtt_avg=30.0, mos_avg=4.2)
             for h in range(hours)]
    Rollup.objects.bulk_create(rows)


@pytest.fixture
def measured(province):
    quality(province.site_a, 0.2)
    quality(province.site_b, 12.0)
    quality(province.site_dept, 2.0)
    return province


def test_the_board_lists_sites_worst_first(measured, client_for, django_assert_max_num_queries):
    client = client_for(measured.staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("monitoring:board"))
    assert response.status_code == 200
    names = [row["site"].code for row in response.context["page"].object_list]
    assert names.index(measured.site_b.code) < names.index(measured.site_dept.code) < names.index(measured.site_a.code)
    assert response.context["page"].object_list[0]["q"].grade == "terrible"


def test_the_board_filters_by_operator_and_grade(measured, client_for):
    client = client_for(measured.staff)
    rows = client.get(reverse("monitoring:board"), {"operator": measured.viettel.pk}).context["page"].object_list
    assert {r["site"].pk for r in rows} == {measured.site_a.pk, measured.site_b.pk}
    rows = client.get(reverse("monitoring:board"), {"grade": "good"}).context["page"].object_list
    assert [r["site"].pk for r in rows] == [measured.site_a.pk]


def test_an_operator_sees_only_the_sites_of_its_links(measured, client_for):
    rows = client_for(measured.vnpt_user).get(reverse("monitoring:board")).context["page"].object_list
    assert {r["site"].pk for r in rows} == {measured.site_a.pk, measured.site_dept.pk}
    assert client_for(measured.vnpt_user).get(reverse("monitoring:site", args=[measured.site_b.pk])).status_code == 404


def test_a_unit_user_sees_only_its_own_sites(measured, client_for):
    client = client_for(measured.other_tech)
    assert client.get(reverse("monitoring:site", args=[measured.site_a.pk])).status_code == 404
    assert client.get(reverse("monitoring:series", args=[measured.site_a.pk])).status_code == 404


def test_the_site_page_shows_grade_charts_and_alert_history(measured, client_for, django_assert_max_num_queries):
    now = timezone.now()
    alerts.evaluate_site_rounds(measured.site_a.pk, [(now - dt.timedelta(seconds=30 * i), {"loss_pct": 20.0})
                                                     for i in range(5)])
    client = client_for(measured.tech)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("monitoring:site", args=[measured.site_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "chart-loss" in body and "chartjs-4.6.1" in body
    assert response.context["flips"][0].new_state == "raised"


@pytest.mark.parametrize("range_name,period", [("hour", 60), ("day", 60), ("week", 3600), ("month", 3600),
                                               ("year", 86400)])
def test_the_chart_series_come_from_roll_ups(measured, client_for, range_name, period):
    data = client_for(measured.tech).get(reverse("monitoring:series", args=[measured.site_a.pk]),
                                         {"range": range_name}).json()
    assert data["period_s"] == period
    if period == 60:
        assert len(data["t"]) == 9 and data["loss"][0] == 0.2
    elif period == 3600:
        assert len(data["t"]) == 24


def test_the_site_page_panel_is_drawn_on_the_inventory_site_page(measured, client_for):
    response = client_for(measured.tech).get(measured.site_a.get_absolute_url())
    assert 'id="monitoring"' in response.content.decode()


def test_issuing_a_token_shows_it_once_with_the_install_instructions(measured, client_for):
    client = client_for(measured.tech)
    response = client.post(reverse("monitoring:token_issue", args=[measured.site_a.pk]))
    assert response.status_code == 200
    raw = response.context["raw"]
    body = response.content.decode()
    assert raw in body and f"token = {raw}" in response.context["ini"]
    assert "install-agent.ps1" in body and "systemctl enable --now diemcau-agent" in body
    assert "name = VNPT Cao Bằng" in response.context["ini"]
    assert response["Cache-Control"] == "no-store"
    page = client.get(reverse("monitoring:site", args=[measured.site_a.pk])).content.decode()
    assert raw not in page and raw[:10] in page


def test_a_token_is_revoked_from_the_site_page(measured, client_for):
    token, _raw = services.agent_token_issue(site=measured.site_a, user=measured.tech)
    client = client_for(measured.tech)
    response = client.post(reverse("monitoring:token_revoke", args=[measured.site_a.pk, token.pk]))
    assert response.status_code == 302
    assert AgentToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.mark.parametrize("who,status", [("vnpt_user", 403), ("leader", 403), ("other_tech", 404), ("admin", 200)])
def test_only_those_who_change_the_site_issue_tokens(measured, client_for, who, status):
    response = client_for(getattr(measured, who)).post(reverse("monitoring:token_issue", args=[measured.site_a.pk]))
    assert response.status_code == status


def test_a_device_check_is_added_from_the_site_page(measured, client_for):
    device = make_device(measured.site_a, "terminal", serial="SN-C", ip_address="10.1.2.3")
    client = client_for(measured.tech)
    response = client.post(reverse("monitoring:check_add", args=[measured.site_a.pk]),
                           {"device": device.pk, "method": CheckMethod.SIP, "enabled": "on"})
    assert response.status_code == 302
    assert DeviceCheck.objects.get().device == device
    bad = client.post(reverse("monitoring:check_add", args=[measured.site_a.pk]),
                      {"device": device.pk, "method": CheckMethod.SNMP, "enabled": "on", "snmp_version": "3"})
    assert bad.status_code == 200 and "snmp_user" in bad.context["form"].errors


def test_metrics_need_the_token_and_give_per_site_gauges(measured, client, settings):
    settings.MONITORING_METRICS_TOKEN = "s3cret"
    url = reverse("monitoring:metrics")
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    response = client.get(url, HTTP_AUTHORIZATION="Bearer s3cret")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert f'diemcau_site_grade{{site="{measured.site_b.code}"' in text


def test_metrics_are_in_base_units_and_the_old_names_stay_one_release_marked_deprecated(measured, client, settings):
    settings.MONITORING_METRICS_TOKEN = "s3cret"
    text = client.get(reverse("monitoring:metrics"), HTTP_AUTHORIZATION="Bearer s3cret").content.decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("diemcau_") and f'site="{measured.site_b.code}"' in line:
            name, value = line.split("{")[0], float(line.rsplit(" ", 1)[1])
            values[name] = value
    # site B: 12 % loss, 5 ms jitter, 30 ms RTT (roll-ups of the fixture)
    assert values["diemcau_site_loss_ratio"] == pytest.approx(0.12)
    assert values["diemcau_site_jitter_seconds"] == pytest.approx(0.005)
    assert values["diemcau_site_rtt_seconds"] == pytest.approx(0.030)
    assert values["diemcau_site_loss_percent"] == pytest.approx(12.0)  # the old name, old unit
    assert values["diemcau_site_rtt_ms"] == pytest.approx(30.0)
    for old, new in (("diemcau_site_loss_percent", "diemcau_site_loss_ratio"),
                     ("diemcau_site_jitter_ms", "diemcau_site_jitter_seconds"),
                     ("diemcau_site_rtt_ms", "diemcau_site_rtt_seconds"),
                     ("diemcau_agent_last_seen_seconds", "diemcau_agent_last_seen_timestamp_seconds")):
        assert f"# HELP {old} DEPRECATED, removed in 0.2.0: use {new}" in text
        assert f"# TYPE {new} gauge" in text


def test_metrics_are_off_without_a_token_setting(measured, client, settings):
    settings.MONITORING_METRICS_TOKEN = ""
    assert client.get(reverse("monitoring:metrics")).status_code == 404


def test_the_overview_panel_counts_grades(measured, client_for):
    response = client_for(measured.leader).get("/")
    assert response.status_code == 200
    assert "Link quality now" in response.content.decode() or "Chất lượng đường truyền" in response.content.decode()


def test_vendor_oids_are_for_dost_only(measured, client_for):
    assert client_for(measured.tech).get(reverse("monitoring:vendor_oids")).status_code == 403
    client = client_for(measured.admin)
    response = client.post(reverse("monitoring:vendor_oids"), {"manufacturer": "Poly", "model": "",
                                                                "oid": "1.3.6.1.4.1.13885.1.1", "healthy_values": "1"})
    assert response.status_code == 302
    bad = client.post(reverse("monitoring:vendor_oids"), {"manufacturer": "X", "oid": "sysUpTime.0",
                                                           "healthy_values": "1"})
    assert "oid" in bad.context["form"].errors
