"""Times the roadmap: the benefit/cost ranking, the budget slider and the exact MILP, at demo size
(175 accepted proposals, as the demo's campaign has) and at 10,000 sites × their proposals
(about 4.4 each, as bench/reviews_scale.py generates), split into 34 provinces for the MILP.

The items are generated with the shape the evidence gives (costs of the demo's proposal catalogue,
benefit scores from the same weights, a link prerequisite for a third of the codecs, province-wide
bundles), so the figures measure the solver, not the database. Prints medians of 5 runs.

    DEBUG=1 .venv/bin/python bench/reports_plan.py
"""

import random
import statistics
import time

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
    gap = (best.objective - greedy.objective) / best.objective if best.objective else 0
    print(f"  MILP {len(budgets)} phases         {took:.2f} s ({best.status}), benefit/cost gap {100 * gap:.2f} %")
    return took


if __name__ == "__main__":
    demo = items_for(104)[:175]
    report("demo size", demo, [sum(i.cost for i in demo) // 3, sum(i.cost for i in demo) // 4])
    national = items_for(10_000)
    total = sum(i.cost for i in national)
    report("10,000 sites (one ranking)", national, [total // 3], milp_limit=120)
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
