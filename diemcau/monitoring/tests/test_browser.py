"""In Chromium on a phone: a site technician registers the agent and reads the quality charts."""

import datetime as dt

import pytest
from django.utils import timezone

from diemcau.monitoring.choices import Period
from diemcau.monitoring.models import AgentToken, Rollup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_technician_registers_the_agent_and_switches_the_charts_on_a_phone(province, page_for):
    site = province.site_a
    now = timezone.now()
    Rollup.objects.bulk_create(
        [Rollup(site=site, period=Period.MINUTE, bucket=(now - dt.timedelta(minutes=m)).replace(second=0, microsecond=0),
                rounds=2, loss_avg=0.5 + m % 3, rtt_avg=30.0, jitter_avg=4.0, mos_avg=4.2) for m in range(1, 120)]
        + [Rollup(site=site, period=Period.HOUR, bucket=(now - dt.timedelta(hours=h)).replace(minute=0, second=0,
                  microsecond=0), rounds=120, loss_avg=1.0, rtt_avg=30.0, jitter_avg=4.0, mos_avg=4.2)
           for h in range(24 * 7)])
    page = page_for(province.tech, phone=True)
    page.goto(site.get_absolute_url())
    page.click("#monitoring >> text=Biểu đồ và cảnh báo")
    page.wait_for_url(f"**/monitoring/site/{site.pk}/")
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-loss') && "
                           "Chart.getChart('chart-loss').data.labels.length > 0")
    assert page.evaluate("Chart.getChart('chart-loss').data.labels.length") == 119
    page.click("#ranges [data-range=week]")
    page.wait_for_function("() => Chart.getChart('chart-loss').data.labels.length === 168")
    assert page.locator("#chart-delay").bounding_box()["width"] > 300

    page.click("text=Đăng ký agent: cấp mã")
    page.wait_for_load_state()
    token = page.input_value("#raw-token")
    assert token.startswith("dca_") and AgentToken.authenticate(token).site == site
    assert f"token = {token}" in page.inner_text("#agent-ini")
