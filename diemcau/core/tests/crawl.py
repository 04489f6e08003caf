"""Open every page a user can reach by following links, in Chromium, and record what it did.

Used by test_every_page.py (and bench/page_weight.py): from the overview, follow every link to
this server breadth-first, as that user; for each page keep the status, every request the browser
made to another host, the visible text and how wide the page is.
"""

from collections import deque
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from diemcau.testing import PASSWORD

# Links that download a file, act, leave, or return JSON for the pages' scripts: not pages to open.
SKIP_PREFIXES = ("/accounts/logout", "/i18n/", "/media/", "/static/", "/monitoring/metrics")
SKIP_SUFFIXES = (".xlsx", ".yaml", ".json", ".csv", ".docx", ".pdf", ".ics", ".zip", ".png", "/photo/")
# Query parameters that only page or sort a list already opened.
NAVIGATION_PARAMS = {"page", "sort"}


@dataclass
class Visit:
    user: str
    url: str
    status: int
    elapsed_ms: float
    external: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    text: str = ""
    scroll_width: int = 0
    viewport: int = 0
    referrer: str = ""


def page_key(url: str):
    """What makes two links the same kind of page: the view, and which filters the query sets."""
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = parts.path
    params = tuple(sorted({k for k, _v in parse_qsl(parts.query)} - NAVIGATION_PARAMS))
    return name, params


def wanted(url: str) -> bool:
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES):
        return False
    if path.startswith("/api/") and path.rstrip("/") not in {"/api/v1/docs", "/api/docs"}:
        return False
    query = dict(parse_qsl(parts.query))
    return "export" not in query and not (set(query) & NAVIGATION_PARAMS)


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    if "/accounts/login/" not in page.url:
        return  # this browser is signed in already
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/mfa/" in page.url:  # the second step (administrators): the code their phone would show
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from diemcau.conftest import totp_now

        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        page.fill("#id_code", totp_now(device))
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/mfa/" not in url)


def crawl(context, base_url: str, username: str, *, password: str = PASSWORD, per_kind: int = 2,
          limit: int = 400, start: str = "/") -> list[Visit]:
    """Every page ``username`` reaches from ``start``; at most ``per_kind`` pages of each kind."""
    origin = urlsplit(base_url)
    context.set_default_timeout(90_000)  # a busy test machine, not a slow page: the weight bench times pages
    page = context.new_page()
    current: dict = {"external": [], "failed": [], "pending": set()}

    def on_request(request):
        current["pending"].add(request)
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc != origin.netloc:
            current["external"].append(request.url)

    def on_finished(request):
        current["pending"].discard(request)

    def on_failed(request):
        current["pending"].discard(request)
        # A fetch cut short by leaving the page (net::ERR_ABORTED) did not fail.
        if "ERR_ABORTED" not in (request.failure or ""):
            current["failed"].append(request.url)

    page.on("request", on_request)
    page.on("requestfinished", on_finished)
    page.on("requestfailed", on_failed)
    sign_in(page, username, password)
    seen_urls, kinds = set(), {}
    queue = deque([(start, "")])
    visits: list[Visit] = []
    while queue and len(visits) < limit:
        url, referrer = queue.popleft()
        if url in seen_urls:
            continue
        seen_urls.add(url)
        key = page_key(url)
        if kinds.get(key, 0) >= per_kind:
            continue
        kinds[key] = kinds.get(key, 0) + 1
        current["external"], current["failed"] = [], []
        try:
            response = page.goto(url, wait_until="load")
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a link to a file (a template, an export): not a page
            raise
        _settle(page, current["pending"])
        timing = page.evaluate("performance.getEntriesByType('navigation')[0].duration")
        visit = Visit(
            user=username, url=url, status=response.status if response else 0, elapsed_ms=timing,
            external=list(current["external"]), failed=list(current["failed"]), referrer=referrer,
            text=page.evaluate(_VISIBLE_TEXT), scroll_width=page.evaluate("document.documentElement.scrollWidth"),
            viewport=page.viewport_size["width"],
        )
        visits.append(visit)
        if "html" not in (response.headers.get("content-type", "") if response else ""):
            continue
        for href in page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.href)"):
            parts = urlsplit(href)
            if parts.netloc != origin.netloc or parts.scheme not in {"http", "https"}:
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if wanted(link) and link not in seen_urls:
                queue.append((link, url))
    page.close()
    return visits


def _settle(page, pending: set, quiet_ms: int = 150, limit_ms: int = 5000) -> None:
    """Wait until the page's own scripts have fetched what they fetch after loading."""
    waited = quiet = 0
    while waited < limit_ms and quiet < quiet_ms:
        page.wait_for_timeout(50)
        waited += 50
        quiet = quiet + 50 if not pending else 0


# What a reader sees: the rendered text, and the words shown in tooltips and empty fields.
# Text in code, pre and kbd elements is technical on purpose (a rule, a key, a command) and left out,
# and so is text marked as English (lang="en": the English name of a reference term, shown to edit it).
_VISIBLE_TEXT = """() => {
  let body = document.body.innerText;
  for (const el of document.querySelectorAll('code, pre, kbd, samp, [lang^="en"]')) { body = body.replace(el.innerText, ' '); }
  const bits = [body];
  for (const el of document.querySelectorAll('[title], [placeholder], [aria-label], img[alt]')) {
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      const v = el.getAttribute(name); if (v) bits.push(v);
    }
  }
  bits.push(document.title);
  return bits.join('\\n');
}"""
