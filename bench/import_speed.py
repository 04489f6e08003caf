"""How long the Excel import takes for a 5,000-row file (and its re-import).

Run: DEBUG=1 .venv/bin/python bench/import_speed.py [rows]
Uses a throw-away SQLite database (or DATABASE_URL's server with a test database),
prints the median of three runs for: reading + checking (dry run), the real
import, and the re-import of the same file (nothing changes).
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402


def main(rows: int):
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(rows)
    finally:
        teardown_databases(old, verbosity=0)


def run(rows: int):
    from diemcau.inventory.importer import import_inventory
    from diemcau.inventory.models import Device
    from diemcau.inventory.tests.import_helpers import device_row, link_row, site_row, xlsx
    from diemcau.testing import make_province

    province = make_province()
    sites = [site_row(code=f"X-14-{i:03d}") for i in range(100)]
    devices = [device_row(site=f"X-14-{i % 100:03d}", serial=f"BENCH-{i:06d}") for i in range(rows - 200)]
    links = [link_row(site=f"X-14-{i:03d}", c7=f"C-{i}") for i in range(100)]
    data = xlsx({"sites": sites, "devices": devices, "links": links})
    print(f"{connection.vendor}: {len(sites) + len(devices) + len(links)} rows, {len(data) / 1024:.0f} KiB")
    figures = {"dry run (check)": [], "import": [], "re-import (no change)": []}
    for _ in range(3):
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech, dry_run=True)
        figures["dry run (check)"].append(time.perf_counter() - start)
        assert result.ok, result.all_errors[:3]
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech)
        figures["import"].append(time.perf_counter() - start)
        assert result.applied
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech)
        figures["re-import (no change)"].append(time.perf_counter() - start)
        assert result.total["unchanged"] == len(sites) + len(devices) + len(links)
        Device.objects.filter(serial__startswith="BENCH-").delete()
        from diemcau.core.models import ChangeRecord
        from diemcau.inventory.models import Link, Site
        Link.objects.filter(circuit_id__startswith="C-").delete()
        ChangeRecord.objects.filter(site__code__startswith="X-14-0").delete()
        Site.objects.filter(code__regex=r"^X-14-0\d\d$").delete()
    base = statistics.median(figures["import"])
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"  {name:24} median {median:6.2f} s  ({median / base:4.2f}× the import, "
              f"{1000 * median / rows:5.2f} ms/row)")


if __name__ == "__main__":
    settings.DEBUG = False
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
