"""In Chromium: a site technician reports on a phone; VNPT acknowledges and resolves; the timeline shows it all."""

import pytest

from diemcau.incidents.models import Incident
from diemcau.testing import term

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_site_tech_reports_on_a_phone_and_vnpt_acknowledges_and_resolves(province, page_for):
    tech = page_for(province.tech, phone=True)
    tech.goto("/incidents/report/")
    assert tech.locator("#id_site").input_value() == str(province.site_a.pk)
    assert not tech.locator(".guide.shown").count()
    tech.click("label:has-text('Mất tiếng')")
    assert "Kiểm tra cáp âm thanh" in tech.inner_text("#first-checks")     # first checks appear at once
    tech.fill("#id_description", "Điểm cầu tỉnh không nghe được tiếng")
    box = tech.locator("button[type=submit]").bounding_box()
    assert box["width"] > 300                                              # a thumb-sized button on a phone
    tech.click("button[type=submit]")
    tech.wait_for_url("**/incidents/*/")
    incident = Incident.objects.get()
    assert incident.code in tech.inner_text("h1")

    staff = page_for(province.staff)
    staff.goto(incident.get_absolute_url())
    staff.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    staff.select_option("#id_triage-holder", label=province.vnpt.name)
    staff.select_option("#id_triage-suspected_cause", value=str(term("cause", "network").pk))
    staff.fill("#id_triage-reason", "Mất tín hiệu quang tại xã")
    staff.locator("form[action$='/triage/'] button").click()
    staff.wait_for_load_state()
    assert province.vnpt.name in staff.inner_text("#holder")

    vnpt = page_for(province.vnpt_user, phone=True)
    vnpt.goto(incident.get_absolute_url())
    vnpt.click("button[name=acknowledge]")
    vnpt.wait_for_load_state()
    vnpt.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    vnpt.select_option("#id_resolve-cause_found", label="Đường truyền")
    vnpt.select_option("#id_resolve-action_taken", label="Củng cố đường truyền")
    vnpt.fill("#id_resolve-resolution", "Hàn lại sợi quang bị đứt")
    vnpt.click("button[name=resolve]")
    vnpt.wait_for_load_state()
    steps = vnpt.locator("#timeline li").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert steps == ["reported", "triaged", "reassigned", "acknowledged", "resolved"]
    timeline = vnpt.inner_text("#timeline")
    assert "Mất tín hiệu quang tại xã" in timeline and "Hàn lại sợi quang bị đứt" in timeline
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.holder == province.vnpt
