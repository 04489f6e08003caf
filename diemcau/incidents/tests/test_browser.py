"""In Chromium: a site technician reports on a phone; VNPT acknowledges and resolves; the timeline shows it all."""

import pytest

from diemcau.incidents.models import Incident
from diemcau.testing import shot_path, term

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


def test_the_incident_page_and_list_refresh_their_clocks_by_themselves(province, page_for, settings):
    """htmx polling (no inline script): the time used moves while the page stays open, with no event."""
    import time_machine

    from diemcau.incidents.services import incident_report
    from diemcau.incidents.tests.conftest import local

    settings.INCIDENT_LIVE_REFRESH_SECONDS = 1
    with time_machine.travel(local(2026, 3, 9, 8, 0), tick=False):
        incident = incident_report(site=province.site_a, user=province.tech, symptoms=[term("symptom", "audio_loss")])
    page = page_for(province.head)
    ack = "#clocks tr[data-target=acknowledge] .clock-used"
    with time_machine.travel(local(2026, 3, 9, 8, 15), tick=True):
        page.goto(incident.get_absolute_url())
        assert page.inner_text(ack).startswith("15/60′")
    with time_machine.travel(local(2026, 3, 9, 8, 40), tick=True):
        page.wait_for_function("s => document.querySelector(s).textContent.trim().startsWith('40/60')", arg=ack,
                               timeout=10_000)
        page.screenshot(path=_shot("incident-clocks-0840.png"), full_page=True)
    with time_machine.travel(local(2026, 3, 9, 9, 10), tick=True):
        page.wait_for_function("s => document.querySelector(s).textContent.includes('quá hạn 10')", arg=ack,
                               timeout=10_000)
        assert "Trễ hạn: UBND xã Thông Nông" in page.inner_text("#next-target")
        page.goto("/incidents/")
        assert "đã dùng 70/60′" in page.inner_text("#incident-rows")
    with time_machine.travel(local(2026, 3, 9, 9, 30), tick=True):
        page.wait_for_function("() => document.querySelector('#incident-rows').textContent.includes('đã dùng 90/60')",
                               timeout=10_000)
        page.screenshot(path=_shot("incident-list-0930.png"), full_page=True)
    assert incident.events.count() == 1
    assert not page.locator("script:not([src])").count()


def _shot(name):
    return shot_path("incidents", name)
