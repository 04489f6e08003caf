"""In Chromium, desktop and a 390 px phone: sign-in and the lock, enrolling an authenticator,
the second step, changing the password, the idle warning, the locks and audit pages — and
no page breaks the Content-Security-Policy."""


import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from diemcau.accounts import mfa
from diemcau.conftest import totp_now
from diemcau.testing import PASSWORD, shot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def shot(page, name):
    page.screenshot(path=shot_path("accounts", f"{name}.png"), full_page=True)


def csp_watch(page):
    refused = []
    page.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    return refused


def test_an_administrator_enrols_an_authenticator_on_a_phone(province, chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", **PHONE)
    page = context.new_page()
    refused = csp_watch(page)
    page.goto("/accounts/login/")
    shot(page, "login-phone")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/setup/**")
    assert page.locator(".mfa-qr svg").bounding_box()["width"] >= 150
    assert page.locator(".mfa-qr svg").bounding_box()["width"] <= 390
    shot(page, "mfa-setup-phone")
    device = TOTPDevice.objects.get(user=province.admin, confirmed=False)
    page.fill("#id_code", totp_now(device))
    page.click("button[type=submit]")
    page.wait_for_selector(".recovery-codes li")
    assert page.locator(".recovery-codes li").count() == 10
    shot(page, "mfa-recovery-codes-phone")
    page.click("text=Tôi đã lưu lại")
    page.wait_for_url(lambda url: "/accounts/mfa/" not in url)
    page.goto("/accounts/profile/")
    assert "Đã bật xác thực hai bước" in page.inner_text("main")
    shot(page, "profile-phone")
    assert not refused, refused
    context.close()


def test_the_second_step_and_a_wrong_code_on_the_desktop(province, chromium, live_server):
    device = TOTPDevice.objects.create(user=province.admin, name="authenticator", confirmed=True)
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.goto("/sites/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/mfa/**")
    page.fill("#id_code", "000000" if totp_now(device) != "000000" else "111111")
    page.click("button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    shot(page, "mfa-verify-wrong-desktop")
    page.wait_for_timeout(1100)  # django-otp's delay after a wrong code
    page.fill("#id_code", totp_now(device))
    page.click("button[type=submit]")
    page.wait_for_url("**/sites/")
    context.close()


def test_the_lock_is_explained_on_a_phone(province, chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN", **PHONE)
    page = context.new_page()
    page.goto("/accounts/login/")
    for _ in range(5):
        page.fill("#id_username", "tech")
        page.fill("#id_password", "sai-mat-khau")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    text = page.inner_text("main")
    assert "bị khóa" in text and "5" in text
    shot(page, "login-locked-phone")
    context.close()


def test_the_department_sees_and_lifts_a_lock_and_reads_the_audit_log(province, page_for, client):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "tech", "password": "wrong"})
    for phone in (False, True):
        page = page_for(province.admin, phone=phone)
        refused = csp_watch(page)
        page.goto("/accounts/locks/")
        assert "tech" in page.inner_text("main")
        shot(page, f"locks-{'phone' if phone else 'desktop'}")
        page.goto("/audit/")
        assert "tài khoản bị khóa" in page.inner_text("main")
        shot(page, f"audit-{'phone' if phone else 'desktop'}")
        assert not refused, refused
    page.goto("/accounts/locks/")
    page.click("button:has-text('Mở khóa')")
    page.wait_for_load_state()
    assert "Không có tài khoản nào bị khóa" in page.inner_text("main")


def test_a_user_changes_the_password_on_a_phone(province, page_for):
    page = page_for(province.head, phone=True)
    page.goto("/accounts/profile/password/")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "head-2026")
    page.fill("#id_new_password2", "head-2026")
    page.click("main button.btn-primary")
    page.wait_for_load_state()
    assert "quá ngắn" in page.inner_text("main")
    shot(page, "password-change-errors-phone")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "mây trắng trên núi phia oắc")
    page.fill("#id_new_password2", "mây trắng trên núi phia oắc")
    page.click("main button.btn-primary")
    page.wait_for_url("**/accounts/profile/")
    assert "Đã đổi mật khẩu" in page.inner_text("main")


def test_the_idle_warning_counts_down_and_stay_keeps_the_session(province, chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="vi-VN")
    page = context.new_page()
    page.clock.install()
    page.goto("/accounts/login/")
    page.fill("#id_username", "tech")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.locator("#session-warning").is_hidden()
    page.clock.run_for(15 * 60 * 1000 - 50 * 1000)
    assert page.locator("#session-warning").is_visible()
    assert 0 < int(page.inner_text("[data-session-countdown]")) <= 60
    shot(page, "session-warning-desktop")
    with page.expect_response("**/accounts/session/keepalive/") as response:
        page.click("[data-session-stay]")
    assert response.value.status == 204
    assert page.locator("#session-warning").is_hidden()
    # Past the limit the page goes to the sign-in page by itself (the server, whose clock did
    # not move, still knows the session and sends it back: the request is what matters here).
    with page.expect_request("**/accounts/login/?next=*"):
        page.clock.run_for(16 * 60 * 1000)
    context.close()


def test_pages_with_charts_and_confirmations_run_under_the_policy(province, page_for):
    page = page_for(province.admin)
    refused = csp_watch(page)
    for path in ("/", "/incidents/sla/", "/incidents/report/", province.site_a.get_absolute_url(),
                 "/standards/", "/accounts/profile/", "/audit/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert not refused, refused
    page.goto(province.site_a.get_absolute_url())
    page.on("dialog", lambda dialog: dialog.dismiss())
    retire = page.locator("form[data-confirm] button").first
    if retire.count():
        retire.click()
        page.wait_for_timeout(300)
        province.site_a.refresh_from_db()
        assert not province.site_a.is_retired  # the confirmation was refused: nothing happened
    assert mfa.has_mfa(province.admin)
