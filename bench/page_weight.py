"""How many bytes a user's browser downloads: the first visit, and each page after it.

Runs against a server that is already up (``make run``, DEBUG off so static files are compressed
and cached as in production) and prints:

- the first visit: sign-in page, signing in, the first page, with an empty cache — every byte
  transferred (compressed bodies and headers), by kind;
- the median and the largest weight of the other pages a user reaches by following links
  (cache warm, as after the first visit), and the pages that load Chart.js;
- the time of the first page after signing in.

    .venv/bin/python bench/page_weight.py --url http://127.0.0.1:8000 [--user kythuat] [--password …]
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from diemcau.core.demo import DEMO_PASSWORD  # noqa: E402
from diemcau.core.tests.crawl import crawl  # noqa: E402

ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"]


def _kind(url: str, content_type: str) -> str:
    if url.endswith(".css") or "css" in content_type:
        return "css"
    if url.endswith(".js") or "javascript" in content_type:
        return "js"
    if "font" in content_type or url.endswith((".woff2", ".woff")):
        return "font"
    if "image" in content_type:
        return "image"
    return "html/json"


class Meter:
    """Bytes transferred per response, from the browser's own accounting (body as sent + headers)."""

    def __init__(self, page):
        self.rows = []
        page.on("requestfinished", self._finished)

    def _finished(self, request):
        response = request.response()
        if response is None:
            return
        sizes = request.sizes()
        self.rows.append((request.url, _kind(request.url, response.headers.get("content-type", "")),
                          sizes["responseBodySize"] + sizes["responseHeadersSize"], response.from_service_worker))

    def take(self):
        rows, self.rows = self.rows, []
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="kythuat")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--phone", action="store_true", help="390 px wide, as a technician's phone")
    args = parser.parse_args()
    viewport = {"width": 390, "height": 844} if args.phone else {"width": 1366, "height": 900}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(base_url=args.url, viewport=viewport, locale="vi-VN")
        page = context.new_page()
        meter = Meter(page)
        page.goto("/accounts/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        started = time.monotonic()
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.wait_for_load_state("load")
        after_login = time.monotonic() - started
        page.wait_for_load_state("networkidle")
        first = meter.take()
        by_kind = defaultdict(int)
        for _url, kind, size, _sw in first:
            by_kind[kind] += size
        total = sum(by_kind.values())
        print(f"first visit ({args.user}, {viewport['width']} px, empty cache): {total / 1000:.1f} kB in {len(first)} responses")
        for kind, size in sorted(by_kind.items(), key=lambda kv: -kv[1]):
            print(f"  {kind:<9} {size / 1000:7.1f} kB")
        for url, _k, size, _sw in sorted(first, key=lambda r: -r[2])[:6]:
            print(f"    {size / 1000:7.1f} kB  {url.replace(args.url, '')}")
        print(f"first page after signing in (submit to load): {after_login:.2f} s")

        # Every page the user reaches, cache warm: what each further page costs.
        weights, charts = {}, []
        visits = crawl(context, args.url, args.user, password=args.password, per_kind=1, limit=150)
        print(f"pages reached: {len(visits)}")
        browser.close()

        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(base_url=args.url, viewport=viewport, locale="vi-VN")
        page = context.new_page()
        meter = Meter(page)
        page.goto("/accounts/login/")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.wait_for_load_state("networkidle")
        meter.take()
        for visit in visits:
            page.goto(visit.url)
            page.wait_for_load_state("networkidle")
            rows = meter.take()
            weights[visit.url] = sum(size for _u, _k, size, _sw in rows)
            if any("chart" in url for url, *_rest in rows) or page.evaluate("!!window.Chart"):
                charts.append(visit.url)
        browser.close()
    sizes = sorted(weights.values())
    print(f"further pages, cache warm: median {statistics.median(sizes) / 1000:.1f} kB, "
          f"largest {sizes[-1] / 1000:.1f} kB ({max(weights, key=weights.get)})")
    print(f"pages with Chart.js: {len(charts)} of {len(weights)}: {', '.join(sorted(charts)[:8])}")


if __name__ == "__main__":
    main()
