"""Time and query count of a full recomputation of compliance, compatibility and verdicts.

Two sizes: the demo province (about a hundred sites), and 10,000 generated
sites with ~100,000 devices (the national figure). Each size is built in a
fresh throwaway database — a temporary SQLite file, or with ``--postgres``
the PostgreSQL database ``diemcau_bench_standards`` (dropped and created
again; never the development database).

    DEBUG=1 .venv/bin/python bench/standards_recompute.py [--sizes demo,10000] [--repeat 3]
    DEBUG=1 .venv/bin/python bench/standards_recompute.py --postgres

"first" creates every result row; "again" finds the same verdicts (only the
check time moves); "changed" follows a threshold change that alters them.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/diemcau_bench_standards")


def fresh_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str, tmp: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DIEMCAU_DATA_DIR"] = tmp
    os.environ.setdefault("DEBUG", "1")
    # Jobs the demo queues (notifications, recomputes) run inline: no worker here.
    os.environ.setdefault("HUEY_IMMEDIATE", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diemcau.settings")
    import django

    django.setup()


def generate(count: int, seed: int = 10_000) -> None:
    """``count`` sites with devices, links and contacts, written with bulk inserts."""
    import random
    from decimal import Decimal

    from diemcau.inventory.models import Contact, Device, Link, Organization, Site, Term

    rng = random.Random(seed)
    terms = {(t.taxonomy, t.code): t for t in Term.objects.all()}
    kinds = [terms[("organization_kind", k)] for k in ("commune", "ward", "department")]
    orgs = Organization.objects.bulk_create([
        Organization(code=f"G-{n:04d}", name=f"Đơn vị {n}", kind=rng.choice(kinds)) for n in range(count // 25)
    ])
    operators = Organization.objects.bulk_create([
        Organization(code=f"OP-{n}", name=f"Nhà mạng {n}", kind=terms[("organization_kind", "operator")]) for n in range(2)
    ])
    sites = []
    for n in range(count):
        has_ups = rng.choice([True, True, False, None])
        sites.append(Site(
            organization=orgs[n % len(orgs)], code=f"S-{n:05d}", name=f"Điểm cầu {n}", has_ups=has_ups,
            ups_runtime_min=rng.choice([None, 10, 15, 20, 30, 45, 60]) if has_ups else None,
            backup_plan=rng.choice(["", "Chuyển sang 4G dự phòng, gọi cán bộ đầu mối Sở KH&CN."]),
        ))
    sites = Site.objects.bulk_create(sites, batch_size=2000)
    conditions = [terms[("device_condition", c)] for c in ("good", "good", "good", "degraded", "broken", "unknown")]
    group = {code: terms[("device_group", code)] for code in ("terminal", "computer", "camera", "microphone", "speaker", "display", "controller", "network", "power", "accessory")}
    devices, links, contacts = [], [], []
    for site in sites:
        if rng.random() < 0.7:
            devices.append(Device(site=site, group=group["terminal"], condition=rng.choice(conditions),
                                  manufacturer="Poly", model=rng.choice(["Group 500", "HDX 7000", "RealPresence Group 310"]),
                                  firmware=rng.choice(["6.2.2", "6.1.8", "3.1.14", ""]),
                                  protocols=rng.choice([["SIP", "H.323"], ["SIP"], ["H.323"]]), video_codecs=["H.264"],
                                  audio_codecs=["G.711", "G.722"], max_resolution="1080p"))
        else:
            devices.append(Device(site=site, group=group["computer"], condition=rng.choice(conditions), manufacturer="Dell",
                                  model="OptiPlex", software=rng.choice(["Google Chrome", "Zoom Workplace", "Cisco Webex"]),
                                  protocols=["WebRTC"], video_codecs=["H.264", "VP8"], audio_codecs=["Opus"]))
        for code in ("camera", "microphone", "speaker", "display", "controller", "network", "power", "accessory"):
            if rng.random() < 0.9:
                devices.append(Device(site=site, group=group[code], condition=rng.choice(conditions),
                                      quantity=rng.randint(1, 3), max_resolution=rng.choice(["720p", "1080p", "480p", ""]) if code == "camera" else ""))
        if rng.random() < 0.97:
            down = Decimal(str(rng.choice([1, 1.5, 2, 4, 10, 50])))
            links.append(Link(site=site, role="primary", provider=rng.choice(operators), kind=terms[("link_kind", "tslcd")],
                              medium=rng.choice(["fibre", "fibre", "fibre", "wifi", "mobile"]), down_mbps=down, up_mbps=down))
        if rng.random() < 0.4:
            links.append(Link(site=site, role="backup", provider=rng.choice(operators), kind=terms[("link_kind", "mobile")],
                              medium="mobile", down_mbps=Decimal("10"), up_mbps=Decimal("5")))
        if rng.random() < 0.9:
            contacts.append(Contact(site=site, role="primary", full_name="Nguyễn Văn A", phone="0912345678"))
    Device.objects.bulk_create(devices, batch_size=5000)
    Link.objects.bulk_create(links, batch_size=5000)
    Contact.objects.bulk_create(contacts, batch_size=5000)


def add_platforms_and_profile() -> None:
    """The demo's platforms and profile, and recorded settings on about half the sites."""
    import random

    from django.utils import timezone

    from diemcau.core.demo import DemoContext
    from diemcau.standards import demo

    demo.load(DemoContext(rng=random.Random(1), now=timezone.now(), log=lambda line: None))


def timed(fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return elapsed, len(ctx.captured_queries), result


def run_phase(size: str, postgres: bool, repeat: int) -> None:
    tmp = tempfile.mkdtemp(prefix="diemcau-bench-")
    if postgres:
        fresh_postgres(PG_URL)
        url = PG_URL
    else:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    setup_django(url, tmp)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from diemcau.inventory.models import Device, Site
    from diemcau.standards.models import (
        Requirement,
        SiteCompatibility,
        SiteCompliance,
        SiteVerdict,
        Standard,
    )
    from diemcau.standards.services import recompute_sites

    start = time.perf_counter()
    if size == "demo":
        from diemcau.core.demo import load_demo

        load_demo(log=lambda line: None)
    else:
        generate(int(size))
        add_platforms_and_profile()
    built = time.perf_counter() - start
    label = f"{connection.vendor}, {Site.objects.count()} sites, {Device.objects.count()} devices"
    # The demo judged every site already: start "first" from no stored result.
    for model in (SiteCompliance, SiteCompatibility, SiteVerdict):
        model.objects.all().delete()
    first, q_first, report = timed(recompute_sites)
    again = [timed(recompute_sites) for _ in range(repeat)]
    bw = Requirement.objects.get(standard=Standard.objects.current(), code="NET-BW")
    flips = []
    for n in range(repeat):
        bw.rule = {"primary_link_mbps": {"fail_below": [0.5, 3][n % 2], "warn_below": 4}}
        bw.save(update_fields=["rule"])
        flips.append(timed(recompute_sites))
    one_site = timed(lambda: recompute_sites([Site.objects.order_by("pk").values_list("pk", flat=True).first()]))
    print(f"{label} (built in {built:.0f} s); verdicts {report.by_verdict}")
    print(f"  {'run':<10}{'median s':>10}{'queries':>9}{'sites/s':>10}")
    n = report.sites
    print(f"  {'first':<10}{first:>10.2f}{q_first:>9}{n / first:>10.0f}")
    med = statistics.median(t for t, _, _ in again)
    print(f"  {'again':<10}{med:>10.2f}{again[0][1]:>9}{n / med:>10.0f}")
    med = statistics.median(t for t, _, _ in flips)
    print(f"  {'changed':<10}{med:>10.2f}{max(q for _, q, _ in flips):>9}{n / med:>10.0f}"
          f"   ({statistics.median(r.changed_verdicts for _, _, r in flips):.0f} verdicts changed)")
    print(f"  {'one site':<10}{one_site[0]:>10.3f}{one_site[1]:>9}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="demo,10000")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args.phase, args.postgres, args.repeat)
        return
    # One process per size: each starts Django on its own fresh database.
    for size in args.sizes.split(","):
        command = [sys.executable, __file__, "--phase", size, "--repeat", str(args.repeat)]
        if args.postgres:
            command.append("--postgres")
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
