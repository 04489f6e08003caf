"""On a phone: a site contact completes a pre-filled assessment, and the unit head submits it."""

import datetime as dt

import pytest
from django.utils import timezone

from diemcau.reviews import services
from diemcau.reviews.choices import TaskState


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_site_tech_completes_a_prefilled_assessment_and_the_head_submits_on_a_phone(province, page_for):
    campaign = services.campaign_open(title="Rà soát 2026", deadline=timezone.now() + dt.timedelta(days=7),
                                      user=province.admin, organizations=[province.commune_a])
    task = campaign.tasks.get()

    tech = page_for(province.tech, phone=True)
    tech.goto("/reviews/")
    tech.click(f"#campaign-{campaign.pk}")
    tech.click("#start")
    tech.wait_for_selector("#assessments")
    for site in (province.site_a, province.site_a2):
        tech.click(f"#assessments a:has-text('{site.code}')")
        tech.wait_for_selector("#assessment-form")
        # Pre-filled from the inventory: the terminal is already "good"; only the fit for meetings is asked.
        for select in tech.locator("select[name$='-meets_needs']").all():
            select.select_option("fully" if site == province.site_a else "not")
        tech.fill("#id_a-summary", "Đã kiểm tra thực tế ngày 28/11")
        tech.click("#save")
        tech.wait_for_selector(".alert-success")
        assert tech.locator("#problems").count() == 0
        tech.goto(task.get_absolute_url())
    assert tech.locator("#submit").count() == 0  # only the head signs
    width = tech.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"

    head = page_for(province.head, phone=True)
    head.goto(task.get_absolute_url())
    head.fill("#id_note", "Đơn vị cam kết số liệu đúng thực tế")
    head.click("#submit")
    head.wait_for_selector("#signature")
    task.refresh_from_db()
    assert task.state == TaskState.SUBMITTED and task.submitted_by == province.head
