"""How long the Excel import takes, and how much memory, for a file of N rows (and its re-import).

    DEBUG=1 .venv/bin/python bench/import_speed.py [ROWS] [--postgres] [--runs N]

ROWS defaults to 5,000 (100 sites, 100 links, the rest devices). Runs against
a throwaway database (``bench/throwaway.py``), never the development one,
and prints the median of ``--runs`` runs (3, or 1 from 20,000 rows) for:
reading + checking (a dry run), the real import, and the re-import of the
same file (nothing changes); then the process's peak resident memory, and
what it was before the first import (Django, the data and the file itself).
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", type=int, nargs="?", default=5000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args()
    runs = args.runs or (3 if args.rows < 20000 else 1)

    from throwaway import configure

    configure("import", postgres=args.postgres)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False
    call_command("migrate", verbosity=0)

    from diemcau.core.models import ChangeRecord
    from diemcau.inventory.importer import import_inventory
    from diemcau.inventory.models import Device, Link, Site
    from diemcau.inventory.tests.import_helpers import device_row, link_row, site_row, xlsx
    from diemcau.testing import make_province

    province = make_province()
    sites = [site_row(code=f"X-14-{i:03d}") for i in range(100)]
    devices = [device_row(site=f"X-14-{i % 100:03d}", serial=f"BENCH-{i:06d}") for i in range(args.rows - 200)]
    links = [link_row(site=f"X-14-{i:03d}", c7=f"C-{i}") for i in range(100)]
    data = xlsx({"sites": sites, "devices": devices, "links": links})
    total = len(sites) + len(devices) + len(links)
    print(f"{connection.vendor}: {total} rows, {len(data) / 1024:.0f} KiB, {runs} run(s)")
    before = peak_mb()
    figures = {"dry run (check)": [], "import": [], "re-import (no change)": []}
    for _ in range(runs):
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech, dry_run=True)
        figures["dry run (check)"].append(time.perf_counter() - start)
        assert result.ok, [str(e) for e in result.all_errors[:3]]
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech)
        figures["import"].append(time.perf_counter() - start)
        assert result.applied
        start = time.perf_counter()
        result = import_inventory(data, user=province.tech)
        figures["re-import (no change)"].append(time.perf_counter() - start)
        assert result.total["unchanged"] == total
        Device.objects.filter(serial__startswith="BENCH-").delete()
        Link.objects.filter(circuit_id__startswith="C-").delete()
        ChangeRecord.objects.filter(site__code__startswith="X-14-0").delete()
        Site.objects.filter(code__regex=r"^X-14-0\d\d$").delete()
    base = statistics.median(figures["import"])
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"  {name:24} median {median:7.2f} s  ({median / base:4.2f}× the import, "
              f"{1000 * median / total:5.2f} ms/row)")
    print(f"  peak memory              {peak_mb():7.0f} MB  ({before:.0f} MB before the first import)")


if __name__ == "__main__":
    main()
