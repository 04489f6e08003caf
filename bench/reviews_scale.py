"""Time of pre-filling and aggregating a review campaign, at demo size and at 10,000 sites.

Each size is built in a fresh throwaway database — a temporary SQLite file,
or with ``--postgres`` the PostgreSQL database ``diemcau_bench_reviews``
(dropped and created again; never the development database).

    DEBUG=1 .venv/bin/python bench/reviews_scale.py [--sizes demo,10000] [--repeat 3]
    DEBUG=1 .venv/bin/python bench/reviews_scale.py --postgres

Phases (median of ``--repeat`` runs, with the number of queries):
- prefill: every unit starts its task (all its sites pre-filled from the
  inventory, compliance, compatibility, verdicts and incidents);
- prefill batch: the same, as one worker job in batches of 500 sites across units;
- one unit: one unit of 25 sites starts (what a site contact waits for);
- waste checks: every proposal of the campaign re-checked (R16);
- one save: the re-check that saving one proposal costs (its site and shared neighbours);
- aggregate: three lists, focus counts, themes, sites with verdicts, progress;
- export: the whole proposal list to .xlsx.
"""

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(count: int, seed: int = 4) -> None:
    """``count`` sites in units of 25, each with a terminal and usual devices, bulk inserted."""
    from diemcau.inventory.models import Device, Organization, Site, Term

    rng = random.Random(seed)
    terms = {(t.taxonomy, t.code): t for t in Term.objects.all()}
    orgs = Organization.objects.bulk_create([
        Organization(code=f"G-{n:04d}", name=f"Đơn vị {n}", kind=terms[("organization_kind", "commune")])
        for n in range(max(count // 25, 1))
    ])
    sites = Site.objects.bulk_create([
        Site(organization=orgs[n % len(orgs)], code=f"S-{n:05d}", name=f"Điểm cầu {n}",
             address=f"Trụ sở {n // 2}")  # two sites share each building
        for n in range(count)
    ], batch_size=2000)
    conditions = [terms[("device_condition", c)] for c in ("good", "good", "good", "degraded", "broken", "unknown")]
    devices = []
    for site in sites:
        devices.append(Device(site=site, group=terms[("device_group", "terminal")], condition=rng.choice(conditions),
                              manufacturer="Poly", model="Group 500", protocols=["SIP", "H.323"],
                              video_codecs=["H.264"], audio_codecs=["G.722"], max_resolution="1080p"))
        for code in ("camera", "microphone", "speaker", "display", "network", "power", "accessory"):
            if rng.random() < 0.9:
                devices.append(Device(site=site, group=terms[("device_group", code)],
                                      condition=rng.choice(conditions), quantity=rng.randint(1, 3)))
    Device.objects.bulk_create(devices, batch_size=5000)


def judge() -> None:
    """Verdicts, compliance and compatibility, so pre-filling reads what it reads in production."""
    from django.utils import timezone

    from diemcau.core.demo import DemoContext
    from diemcau.standards import demo

    demo.load(DemoContext(rng=random.Random(1), now=timezone.now(), log=lambda line: None))


def propose(campaign) -> int:
    """About one and a half proposals per site, of every kind, as units would write them."""
    from diemcau.inventory.models import Term
    from diemcau.reviews.models import GroupAssessment, Proposal

    rng = random.Random(2)
    actions = {t.code: t for t in Term.objects.filter(taxonomy="action")}
    causes = {t.code: t for t in Term.objects.filter(taxonomy="cause")}
    rows = []
    for ga in GroupAssessment.objects.filter(assessment__task__campaign=campaign).values(
            "assessment_id", "group_id", "condition__code").iterator(chunk_size=5000):
        if ga["condition__code"] == "good" and rng.random() < 0.8:
            continue
        code = rng.choice(["keep", "reconfigure", "accessory", "software", "link", "training", "replace", "invest"])
        rows.append(Proposal(assessment_id=ga["assessment_id"], group_id=ga["group_id"], action=actions[code],
                             cause=causes[rng.choice(["equipment", "configuration", "network", "operation"])],
                             description="Đề xuất", cost_vnd=rng.randint(0, 50) * 1_000_000,
                             province_wide=rng.random() < 0.1, help_now=rng.random() < 0.05,
                             justification="Thuyết minh"))
    Proposal.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def timed(fn):
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return elapsed, count[0], result


def run_phase(size: str, postgres: bool, repeat: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from throwaway import configure

    configure("reviews", postgres=postgres)
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from diemcau.accounts.models import User
    from diemcau.core import outbox
    from diemcau.core.demo import load_demo
    from diemcau.core.listing import export_response
    from diemcau.inventory.models import Device, Organization, Site
    from diemcau.reviews import aggregate, services
    from diemcau.reviews.checks import refresh_flags, refresh_flags_near
    from diemcau.reviews.choices import TaskState
    from diemcau.reviews.models import Assessment, Campaign, Proposal, UnitTask
    from diemcau.reviews.prefill import prefill_campaign, prefill_task
    from diemcau.reviews.views import proposal_columns

    start = time.perf_counter()
    if size == "demo":
        load_demo(log=lambda line: None)
        Campaign.objects.all().delete()
    else:
        generate(int(size))
        judge()
    built = time.perf_counter() - start

    def analyze():
        # Bulk inserts leave PostgreSQL without statistics until autovacuum runs: do what it would do.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    analyze()
    admin = User.objects.filter(role="dost_admin").first() or User.objects.create(
        username="bench", role="dost_admin", organization=Organization.objects.first())
    units = list(Organization.objects.filter(sites__retired_at__isnull=True).exclude(kind__code="operator").distinct())
    with outbox.notices_only():
        campaign = services.campaign_open(title="Bench", deadline=timezone.now() + dt.timedelta(days=30),
                                          organizations=units, user=admin)
    tasks = list(UnitTask.objects.filter(campaign=campaign).select_related("campaign"))
    now = timezone.now()

    def prefill_all():
        return sum(prefill_task(task, now=now) for task in tasks)

    prefills = []
    for _ in range(repeat):
        Assessment.objects.filter(task__campaign=campaign).delete()
        prefills.append(timed(prefill_all))
    batched = []
    for _ in range(repeat):
        Assessment.objects.filter(task__campaign=campaign).delete()
        batched.append(timed(lambda: prefill_campaign(campaign, now=now)))
    biggest = max(tasks, key=lambda t: Site.objects.filter(organization_id=t.organization_id).count())
    one_unit = []
    for _ in range(repeat):
        Assessment.objects.filter(task=biggest).delete()
        one_unit.append(timed(lambda: prefill_task(biggest, now=now)))
    proposals = propose(campaign)
    analyze()
    flags = [timed(lambda: refresh_flags(campaign.pk)) for _ in range(repeat)]
    one_site = Proposal.objects.filter(assessment__task__campaign=campaign).values_list(
        "assessment__site_id", flat=True).first()
    saves = [timed(lambda: refresh_flags_near(campaign.pk, [one_site])) for _ in range(repeat)]
    UnitTask.objects.filter(campaign=campaign).update(state=TaskState.SUBMITTED, submitted_at=now,
                                                      first_submitted_at=now)
    states = list(TaskState.handed_in())

    def aggregate_all():
        base = aggregate.proposals_in(campaign, states=states)
        lists = aggregate.three_lists(base)
        aggregate.focus_counts(base)
        aggregate.province_wide_themes(base)
        rows = aggregate.site_rows(campaign, states=states)
        aggregate.verdict_counts(rows)
        aggregate.progress(campaign)
        return lists

    aggregates = [timed(aggregate_all) for _ in range(repeat)]

    def export():
        items = aggregate.proposals_in(campaign, states=states).order_by("assessment__site__code", "pk")
        return len(export_response("xlsx", "bench", proposal_columns(), items.iterator(chunk_size=2000)).content)

    exports = [timed(export) for _ in range(max(1, repeat // 2))]
    sites = Assessment.objects.filter(task__campaign=campaign).count()
    flagged = Proposal.objects.filter(assessment__task__campaign=campaign).exclude(flags=[]).count()
    print(f"{connection.vendor}, {Site.objects.count()} sites, {Device.objects.count()} devices, {len(tasks)} units, "
          f"{proposals} proposals ({flagged} flagged); built in {built:.0f} s")
    print(f"  {'phase':<14}{'median s':>10}{'queries':>9}{'per site ms':>13}")
    for name, runs in (("prefill", prefills), ("prefill batch", batched), ("one unit", one_unit), ("waste checks", flags), ("one save", saves),
                       ("aggregate", aggregates), ("export xlsx", exports)):
        med = statistics.median(t for t, _, _ in runs)
        per = max(runs[0][2], 1) if name == "one unit" else 1 if name == "one save" else sites
        print(f"  {name:<14}{med:>10.2f}{max(q for _, q, _ in runs):>9}{1000 * med / per:>13.3f}")
    lists = aggregates[0][2]
    print("  lists: " + "; ".join(f"{r['code']} {r['items']} items {r['cost']:,} đ" for r in lists))


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
