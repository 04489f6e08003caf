"""Fixtures shared by every app's tests."""

import pytest
from django.test import Client

from diemcau.testing import make_province


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    # Argon2 is the production hasher; tests use MD5 so that they stay fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture
def province(db):
    return make_province()


@pytest.fixture
def client_for():
    """``client_for(user)`` gives a test client signed in as that user."""

    def build(user):
        client = Client()
        client.force_login(user)
        return client

    return build


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; nothing is downloaded."""
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page_for(chromium, live_server):
    """``page_for(user, phone=False)``: a signed-in Playwright page on the live server."""
    contexts = []

    def build(user, *, phone: bool = False):
        from diemcau.testing import PASSWORD

        options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True} if phone else {}
        context = chromium.new_context(base_url=live_server.url, locale="vi-VN", **options)
        contexts.append(context)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield build
    for context in contexts:
        context.close()
