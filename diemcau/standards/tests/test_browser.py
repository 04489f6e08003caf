"""In Chromium: the DOST admin lowers a threshold, publishes, and a site's verdict changes on its page."""

import re

import pytest
from playwright.sync_api import expect

from diemcau.standards.models import Platform
from diemcau.standards.services import recompute_sites
from diemcau.testing import make_contact, make_device, make_link, make_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def slow_link_site(province):
    """A site that meets everything except its 1 Mbps primary link."""
    site = make_site(province.commune_a, "X-14-30", "Nhà văn hóa xã Thông Nông", has_ups=True, ups_runtime_min=60,
                     backup_plan="Mất đường truyền chính: chuyển 4G; hỏng codec: dùng máy tính xách tay.")
    make_link(site, province.vnpt, down="1", up="1")
    make_link(site, province.viettel, kind="mobile", role="backup", medium="mobile")
    make_contact(site)
    make_device(site, "terminal", protocols=["SIP"], video_codecs=["H.264"], audio_codecs=["G.722"])
    for group in ("microphone", "speaker", "display"):
        make_device(site, group)
    make_device(site, "camera", max_resolution="1080p")
    return site


def test_admin_lowers_a_threshold_publishes_and_the_verdict_changes(province, standard, page_for):
    Platform.objects.create(name="MCU tỉnh", code="mcu", reference=True, protocols=["SIP"])
    site = slow_link_site(province)
    recompute_sites()
    page = page_for(province.admin)
    page.goto(site.get_absolute_url())
    expect(page.locator("#verdict .verdict-unstable")).to_be_visible()
    expect(page.locator('#compliance tr[data-code="NET-BW"]')).to_have_class(re.compile("status-fail"))

    page.goto("/standards/versions/")
    page.fill("#id_version", "2026.2")
    page.get_by_role("button", name=re.compile("Bắt đầu bản dự thảo|Start a draft")).click()
    page.locator("#req-NET-BW").get_by_role("link").click()
    page.fill("#id_fail_level", "0.8")
    page.fill("#id_warn_level", "0.9")
    page.get_by_role("button", name=re.compile("Lưu|Save")).click()
    expect(page.locator("#req-NET-BW code.rule")).to_contain_text("fail_below: 0.8")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#publish")
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto(site.get_absolute_url())
    expect(page.locator("#verdict .verdict-stable")).to_be_visible()
    expect(page.locator('#compliance tr[data-code="NET-BW"]')).to_have_class(re.compile("status-pass"))
    expect(page.locator("#verdict")).to_contain_text("2026.2")


def test_a_site_tech_reads_the_verdict_on_a_phone(province, standard, page_for):
    site = slow_link_site(province)
    page = page_for(province.tech, phone=True)
    page.goto(site.get_absolute_url())  # never judged: judged when first shown
    # On a phone the standards panel is folded behind its button (what a technician needs comes first).
    page.get_by_role("button", name="Tiêu chuẩn và mức đáp ứng").click()
    expect(page.locator("#verdict .badge").first).to_be_visible()
    expect(page.locator("#verdict .verdict-reasons li").first).to_contain_text("NET-BW")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
