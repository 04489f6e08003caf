"""Fixtures shared by every app's tests."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from diemcau.testing import make_province, signed_in_client, verified_device


@pytest.fixture(scope="session")
def django_db_modify_db_settings(tmp_path_factory, django_db_modify_db_settings_parallel_suffix):
    """On SQLite the tests use a file, as production does, not Django's shared in-memory
    database: there two threads' writes fail at once with "database table is locked" (the
    shared cache ignores the busy timeout), so the tests of two workers at once would test
    an artefact rather than the WAL, BEGIN IMMEDIATE and busy timeout set in settings."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and not database.get("TEST", {}).get("NAME"):
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


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
    """``client_for(user)`` gives a test client signed in as that user — past the second
    step too, as after typing a code, for roles that require it."""
    return signed_in_client


def totp_now(device) -> str:
    """The code the user's authenticator app would show now (one not used yet)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t >= totp.t():  # already used in this 30 s window: the app's next code is accepted too
        totp.time = totp.time + device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; nothing is downloaded."""
    import os

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        yield browser
        browser.close()


def launch_chromium(playwright):
    """Debian's Chromium, headless, with nothing fetched from the network on its own."""
    return playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"],
    )


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
        device = verified_device(user)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        if device is not None:  # the second step, with the code the phone would show
            device.refresh_from_db()
            page.fill("#id_code", totp_now(device))
            page.click("button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/mfa/" not in url)
        return page

    yield build
    for context in contexts:
        context.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """What a local SMTP server received: ``(recipients, content)`` per message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback (aiosmtpd); the settings point the e-mail backend at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def receiver():
    """A local webhook receiver that answers 503 to the first ``fail`` calls, then 204."""
    state = {"fail": 2, "calls": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["calls"].append((dict(self.headers), body))
            if len(state["calls"]) <= state["fail"]:
                self.send_response(503)
            else:
                self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
