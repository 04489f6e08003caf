"""Query count and median time of the site list and the overview at demo size.

Builds a throwaway database (a temporary SQLite file, or the PostgreSQL
database named by BENCH_DATABASE_URL), loads the demo province, then renders
each page N times as a DOST administrator and as a commune technician.

    DEBUG=1 .venv/bin/python bench/inventory_pages.py [--repeat 30]
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/diemcau_bench DEBUG=1 .venv/bin/python bench/inventory_pages.py
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
tmp = tempfile.mkdtemp(prefix="diemcau-bench-")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
os.environ.setdefault("DEBUG", "1")
os.environ["DIEMCAU_DATA_DIR"] = tmp
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from throwaway import signed_in  # noqa: E402


def measure(client, url, repeat):
    client.get(url)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries), statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(f"database: {connection.vendor} ({os.environ['DATABASE_URL'].split('@')[-1]})")
    call_command("flush", interactive=False, verbosity=0) if connection.vendor == "postgresql" else None
    call_command("migrate", verbosity=0)
    from diemcau.accounts.models import User
    from diemcau.core.demo import load_demo
    from diemcau.inventory.models import Device, Site

    if not Site.objects.exists():
        load_demo(log=lambda line: None)
    print(f"demo size: {Site.objects.count()} sites, {Device.objects.count()} devices")
    print(f"{'page':<28}{'user':<12}{'queries':>8}{'median ms':>11}")
    for username in ("quantri", "kythuat"):
        client = signed_in(User.objects.get(username=username))  # the administrator past the second step
        for url in ("/sites/", "/", "/devices/", "/links/", "/sites/?q=thong+nong", "/sites/?export=xlsx"):
            queries, median = measure(client, url, args.repeat)
            print(f"{url:<28}{username:<12}{queries:>8}{median:>11.1f}")


if __name__ == "__main__":
    main()
