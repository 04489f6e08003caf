"""Every page the demo's users can open, in Chromium: what a new user meets in the first hour.

The demo province is loaded once; one user of every role follows every link from the overview
(at most two pages of each kind), at a desktop width; the site technician does it again on a
phone. Then:

- no page asks any host but this server for anything (the network may be closed);
- every link a user is shown opens (no 403, 404 or 500 behind a link);
- no Vietnamese page shows an English choice label, a raw code or a decimal point;
- no page is wider than the screen: lists become cards on a phone, wide tables scroll inside.
"""

import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from diemcau.core.tests.crawl import crawl
from diemcau.core.tests.vietnamese import english_leaks
from diemcau.testing import shot_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# One demo user per role (README); the technician also opens everything on a phone.
DEMO_USERS = ["lanhdao", "quantri", "chuyenvien", "truongxa", "kythuat", "vnpt", "thanhtra"]
PHONE_USER = "kythuat"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
CRAWLERS = int(os.environ.get("DIEMCAU_CRAWLERS", "2"))


def _reference_data():
    """What the migrations put in a new database (transactional tests before this one flush it)."""
    from diemcau.incidents.reference import load_reference
    from diemcau.inventory.models import Term
    from diemcau.inventory.reference import load_taxonomies
    from diemcau.standards.services import load_default_standard

    load_taxonomies(Term)
    load_reference()
    load_default_standard()


@pytest.fixture(scope="module")
def visits(django_db_setup, django_db_blocker, live_server, chromium):
    """``{"desktop": [Visit …], "phone": [Visit …], "phone_shots": {…}, "typed_names": {…}}``."""
    from diemcau.core.demo import load_demo

    with django_db_blocker.unblock():
        _reference_data()
        load_demo(log=lambda line: None)
        found = {"desktop": [], "phone": [], "typed_names": _typed_names()}
        crawls = [("desktop", DESKTOP, username) for username in DEMO_USERS] + [("phone", PHONE, PHONE_USER)]
        # Two crawlers at once, each with its own browser (Playwright's objects belong to one thread): while
        # one waits for a page to settle the other's page is rendered, by the threaded live server.
        with ThreadPoolExecutor(max_workers=CRAWLERS) as pool:
            done = pool.map(lambda job: _crawl_in_own_browser(live_server.url, job[2], job[1]), crawls)
            for (size, _options, _username), visited in zip(crawls, done, strict=True):
                found[size] += visited
        site_page = next(v.url for v in found["phone"] if v.url.startswith("/sites/") and v.url[7:-1].isdigit())
        folder = os.path.dirname(shot_path("every_page", "x"))
        found["phone_shots"] = _phone_shots(chromium, live_server.url, site_page, folder)
        yield found


def _crawl_in_own_browser(base_url: str, username: str, options: dict):
    from django.db import connection
    from playwright.sync_api import sync_playwright

    from diemcau.conftest import launch_chromium
    from diemcau.core.demo import DEMO_PASSWORD

    try:
        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            try:
                context = browser.new_context(base_url=base_url, locale="vi-VN", **options)
                return crawl(context, base_url, username, password=DEMO_PASSWORD)
            finally:
                browser.close()
    finally:
        connection.close()  # the sign-in's second step read this thread's own connection


def _typed_names() -> set[str]:
    from diemcau.inventory.models import Device
    from diemcau.standards.models import Platform

    names = set()
    for manufacturer, model, software in Device.objects.values_list("manufacturer", "model", "software"):
        names |= {manufacturer, model, software, f"{manufacturer} {model}"}
    names |= set(Platform.objects.values_list("name", flat=True))
    return {n for n in names if n and len(n) > 2}


def _by_page(visits, problem):
    out = defaultdict(list)
    for visit in visits:
        for item in problem(visit):
            out[f"{visit.user} {visit.url}"].append(item)
    return dict(out)


def test_every_role_reaches_the_pages_of_its_work(visits):
    reached = {(v.user, v.url.split("?")[0]) for v in visits["desktop"]}
    assert len(visits["desktop"]) > 150
    for user in DEMO_USERS:
        assert (user, "/") in reached and (user, "/incidents/") in reached and (user, "/sites/") in reached
    assert ("quantri", "/accounts/users/") in reached
    assert any(u == "kythuat" and url.startswith("/sites/") and url.rstrip("/").split("/")[-1].isdigit()
               for u, url in reached)


def test_it_requests_nothing_from_another_host_on_any_page(visits):
    everything = visits["desktop"] + visits["phone"]
    assert any(v.url == "/api/v1/docs" for v in everything), "the API docs must be among the pages"
    assert _by_page(everything, lambda v: v.external) == {}
    assert _by_page(everything, lambda v: v.failed) == {}


def test_every_link_a_user_is_shown_opens(visits):
    broken = [(v.user, v.url, v.status, v.referrer) for v in visits["desktop"] + visits["phone"] if v.status >= 400]
    assert broken == []


# Swagger UI, the API's documentation for programmers, is in English and for a desktop by design.
ENGLISH_BY_DESIGN = {"/api/v1/docs"}


def test_no_vietnamese_page_shows_english_words_codes_or_decimal_points(visits):
    pages = [v for v in visits["desktop"] + visits["phone"] if v.url not in ENGLISH_BY_DESIGN]
    # Names users typed are theirs (a device's model may well be English); the application's words are ours.
    names = visits["typed_names"]
    assert _by_page(pages, lambda v: english_leaks(v.text, names)) == {}


def test_no_page_is_wider_than_the_screen(visits):
    too_wide = {f"{v.user} {v.url} ({v.viewport} px)": v.scroll_width
                for v in visits["desktop"] + visits["phone"]
                if v.scroll_width > v.viewport and v.url not in ENGLISH_BY_DESIGN}
    assert too_wide == {}


def test_the_home_page_the_incident_list_and_the_site_page_fit_a_phone(visits):
    """Screenshots of the three pages a technician uses most ($DIEMCAU_SHOTS), without sideways scrolling."""
    shots = visits["phone_shots"]
    assert set(shots) == {"home", "incidents", "site"}
    for name, shot in shots.items():
        assert shot["scroll_width"] <= 390, (name, shot)
        assert shot["file"].endswith(f"phone-{name}.png")
    # The incident list is cards: status, holder and due time of an incident without a sideways swipe.
    card = shots["incidents"]["first_card"]
    assert card["x"] >= 0 and card["x"] + card["width"] <= 390
    assert "Trạng thái" in card["text"] and "Đơn vị đang xử lý" in card["text"]


def _phone_shots(chromium, base_url, site_page, folder) -> dict:
    """Taken while the demo is loaded (the transactional tests empty the database after the first)."""
    from diemcau.core.demo import DEMO_PASSWORD
    from diemcau.core.tests.crawl import sign_in

    context = chromium.new_context(base_url=base_url, locale="vi-VN", **PHONE)
    context.set_default_timeout(90_000)
    page = context.new_page()
    sign_in(page, PHONE_USER, DEMO_PASSWORD)
    shots = {}
    for name, url in (("home", "/"), ("incidents", "/incidents/"), ("site", site_page)):
        page.goto(url)
        path = f"{folder}/phone-{name}.png"
        page.screenshot(path=path, full_page=True)
        shots[name] = {"url": url, "file": path, "scroll_width": page.evaluate("document.documentElement.scrollWidth")}
    page.goto("/incidents/")
    first = page.locator("table.table-cards tbody tr").first
    # The labels are drawn by CSS (::before from data-label), which innerText leaves out.
    labelled = first.evaluate("r => Array.from(r.querySelectorAll('td[data-label]'), "
                              "td => td.dataset.label + ': ' + td.innerText).join('\\n')")
    shots["incidents"]["first_card"] = {**first.bounding_box(), "text": labelled}
    context.close()
    return shots
