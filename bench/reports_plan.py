"""Times the roadmap: the benefit/cost ranking, the budget slider and the exact MILP, at demo size
(175 accepted proposals, as the demo's campaign has) and at 10,000 sites × their proposals
(about 4.4 each, as bench/reviews_scale.py generates), split into 34 provinces for the MILP.

The items are generated with the shape the evidence gives (costs of the demo's proposal catalogue,
benefit scores from the same weights, a link prerequisite for a third of the codecs, province-wide
bundles), so the figures measure the solver, not the database. Prints medians of 5 runs.

    DEBUG=1 .venv/bin/python bench/reports_plan.py                  # the solver alone
    DEBUG=1 .venv/bin/python bench/reports_plan.py --db demo,10000  # from a throwaway database
    DEBUG=1 .venv/bin/python bench/reports_plan.py --db 10000 --postgres

With ``--db`` the whole path is timed on a throwaway database (``bench/throwaway.py``): the demo
province, or 10,000 generated sites with a campaign pre-filled and proposals written as
``bench/reviews_scale.py`` does, every unit accepted; then the roadmap built from the evidence (both
methods, the MILP limited to 60 s), the slider, and the assessment, plan and largest unit report
built as .docx (charts included).
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from diemcau.reports.roadmap import Item, Ranking, exact


def items_for(sites: int, *, seed: int = 2026, province: str = "") -> list[Item]:
    rng = random.Random(seed)
    out = []
    for s in range(sites):
        area = f"{province}u{s // 4}"
        link = None
        for k in range(rng.choice([2, 3, 4, 5, 6, 6])):
            kind = rng.random()
            cost = 0 if kind < 0.25 else rng.randint(2, 90) * 100_000 if kind < 0.9 else rng.randint(80, 180) * 1_000_000
            key = f"{province}s{s:05d}k{k}"
            requires = (link,) if link and cost > 50_000_000 else ()
            if k == 0 and rng.random() < 0.4:
                link = key
            bundle = f"{province}pw{k}" if rng.random() < 0.05 else ""
            out.append(Item(key, cost, round(rng.uniform(50, 900), 2), area=area, requires=requires, bundle=bundle))
    return out


def median(fn, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def report(label, items, budgets, *, milp_limit=60):
    ranking = Ranking(items)
    total = sum(i.cost for i in items)
    print(f"{label}: {len(items)} items, {len(ranking.packages)} packages, asked {total / 1e9:.1f} bn VND")
    print(f"  ranking (once)          {median(lambda: Ranking(items), runs=3):.3f} s")
    print(f"  slider, one budget      {median(lambda: ranking.plan([total // 3])):.4f} s")
    greedy = ranking.plan(budgets)
    started = time.perf_counter()
    best = exact(items, budgets, ranking=ranking, time_limit=milp_limit)
    took = time.perf_counter() - started
    if best.objective:
        gap = f"benefit/cost gap {100 * (best.objective - greedy.objective) / best.objective:.2f} %"
    else:
        gap = "no MILP solution to compare with"
    print(f"  MILP {len(budgets)} phases         {took:.2f} s ({best.status}), {gap}")
    return took


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def run_db(size: str, postgres: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from throwaway import configure

    configure("reports", postgres=postgres)
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from diemcau.accounts.models import User
    from diemcau.core import outbox
    from diemcau.core.demo import load_demo
    from diemcau.inventory.models import Organization, Site
    from diemcau.reports import planning, services
    from diemcau.reports.choices import DocKind
    from diemcau.reports.documents import build
    from diemcau.reviews import services as reviews
    from diemcau.reviews.choices import TaskState
    from diemcau.reviews.models import Campaign, UnitTask
    from diemcau.reviews.prefill import prefill_campaign

    started = time.perf_counter()
    if size == "demo":
        load_demo(log=lambda line: None)
        campaign = Campaign.objects.filter(closed_at__isnull=True).order_by("-deadline").first()
    else:
        import reviews_scale

        reviews_scale.generate(int(size))
        reviews_scale.judge()
        admin = User.objects.filter(role="dost_admin").first() or User.objects.create(
            username="bench", role="dost_admin", organization=Organization.objects.first())
        units = list(Organization.objects.filter(sites__retired_at__isnull=True).exclude(kind__code="operator")
                     .distinct())
        with outbox.notices_only():
            campaign = reviews.campaign_open(title="Bench", deadline=timezone.now() + dt.timedelta(days=30),
                                             organizations=units, user=admin)
        prefill_campaign(campaign, now=timezone.now())
        reviews_scale.propose(campaign)
        UnitTask.objects.filter(campaign=campaign).update(state=TaskState.ACCEPTED)
        from diemcau.inventory.models import Term

        Organization.objects.get_or_create(code="SKHCN", defaults={
            "name": "Sở Khoa học và Công nghệ", "kind": Term.objects.get(taxonomy="organization_kind", code="dost")})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = time.perf_counter() - started
    admin = User.objects.filter(role="dost_admin").first()
    from diemcau.reports.evidence import accepted_proposals

    asked = sum(p.cost_vnd for p in accepted_proposals(campaign))
    phases = [{"budget": asked // 3, "due": "2027-06-30"}, {"budget": asked // 4, "due": "2028-06-30"}]
    print(f"{connection.vendor}, {size}: {Site.objects.count()} sites, {accepted_proposals(campaign).count()} "
          f"accepted proposals, asked {asked / 1e9:.1f} bn VND; built in {built:.0f} s")
    took, roadmap = timed(lambda: services.roadmap_build(campaign=campaign, title="Bench", phases=phases,
                                                          user=admin, time_limit=60))
    print(f"  roadmap_build            {took:7.2f} s  (read {roadmap.seconds['read']} s, benefit/cost "
          f"{roadmap.seconds['greedy']} s, MILP {roadmap.seconds['exact']} s {roadmap.exact_status}; "
          + (f"gap {100 * roadmap.gap:.2f} %)" if roadmap.gap is not None else "no MILP solution to compare)"))
    took, solved = timed(lambda: planning.solve(campaign, [p["budget"] for p in phases], exact=False))
    print(f"  slider: evidence + ranking once {took:7.2f} s")
    answers = [timed(lambda b=b: planning.slider(solved.ranking, solved.details, b))[0]
               for b in (asked // 10, asked // 5, asked // 3, asked // 2, asked)]
    print(f"  slider: one answer       {statistics.median(answers):7.3f} s (median of 5 budgets)")
    department = services.department() or Organization.objects.get(code="SKHCN")
    for kind in (DocKind.ASSESSMENT, DocKind.PLAN):
        doc = services.document_for(kind=kind, organization=department, campaign=campaign, roadmap=roadmap)
        took, result = timed(lambda doc=doc: build(doc))
        print(f"  {kind:<24} {took:7.2f} s  (.docx {len(result.docx) // 1024} kB, annex "
              f"{len(result.annex or b'') // 1024} kB)")
    biggest = max(UnitTask.objects.filter(campaign=campaign).select_related("organization"),
                  key=lambda t: t.assessments.count())
    doc = services.document_for(kind=DocKind.UNIT_REPORT, organization=biggest.organization, campaign=campaign)
    took, result = timed(lambda: build(doc))
    print(f"  unit report ({biggest.assessments.count()} sites)  {took:7.2f} s")


def run_solver() -> None:
    demo = items_for(104)[:175]
    report("demo size", demo, [sum(i.cost for i in demo) // 3, sum(i.cost for i in demo) // 4])
    national = items_for(10_000)
    total = sum(i.cost for i in national)
    report("10,000 sites (one ranking)", national, [total // 3], milp_limit=60)
    started = time.perf_counter()
    gaps = []
    for p in range(34):
        province = items_for(295, seed=p, province=f"P{p}-")
        t = sum(i.cost for i in province)
        ranking = Ranking(province)
        g = ranking.plan([t // 3, t // 4])
        e = exact(province, [t // 3, t // 4], ranking=ranking, min_per_area=True, time_limit=30)
        gaps.append((e.objective - g.objective) / e.objective if e.objective else 0)
    print(f"34 provinces × 295 sites, MILP with phases and a minimum per unit: {time.perf_counter() - started:.1f} s "
          f"in all; benefit/cost gap median {100 * statistics.median(gaps):.2f} %, max {100 * max(gaps):.2f} %")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="", help="sizes to time from a database: demo,10000")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_db(args.phase, args.postgres)
    elif args.db:
        for size in args.db.split(","):  # each size in its own process and database
            subprocess.run([sys.executable, __file__, "--phase", size, *(["--postgres"] if args.postgres else [])],
                           check=True)
    else:
        run_solver()
