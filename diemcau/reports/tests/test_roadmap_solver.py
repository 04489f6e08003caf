"""The roadmap solver against small cases worked out by hand."""

import random

import pytest

from diemcau.reports.roadmap import Item, Ranking, exact, gap, greedy, next_increment


def funded(plan):
    return sorted(plan.funded())


def test_the_benefit_cost_method_misses_the_optimum_the_exact_one_finds():
    # Ratios A 5, B 4, C 4. Budget 10: greedy takes A (6) and nothing else fits → 30;
    # the optimum is B + C = 40. The gap is a quarter of the optimum.
    items = [Item("A", 6, 30), Item("B", 5, 20), Item("C", 5, 20)]
    g, e = greedy(items, [10]), exact(items, [10])
    assert funded(g) == ["A"] and g.objective == 30
    assert funded(e) == ["B", "C"] and e.objective == pytest.approx(40)
    assert gap(g, e) == pytest.approx(0.25)


def test_a_budget_of_zero_funds_only_free_work():
    items = [Item("free", 0, 5), Item("paid", 1, 100)]
    for plan in (greedy(items, [0]), exact(items, [0])):
        assert funded(plan) == ["free"] and plan.spent == [0]


def test_a_budget_above_everything_funds_everything_in_the_first_phase():
    items = [Item(f"i{n}", 10 * n, n) for n in range(1, 8)]
    total = sum(i.cost for i in items)
    for plan in (greedy(items, [total * 3, 100]), exact(items, [total * 3, 100])):
        assert set(plan.phase.values()) == {1}
        assert plan.spent == [total, 0]


def test_ties_are_broken_the_same_way_every_time():
    items = [Item(key, 5, 10) for key in ("s3", "s1", "s2", "s4")]
    plans = []
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        plan = greedy(shuffled, [10])
        plans.append((funded(plan), plan.rank))
    assert all(p == plans[0] for p in plans)
    assert plans[0][0] == ["s1", "s2"]
    assert [k for k, _ in sorted(plans[0][1].items(), key=lambda kv: kv[1])] == ["s1", "s2", "s3", "s4"]


def test_higher_benefit_wins_a_tie_of_ratio_then_cheaper():
    items = [Item("big", 10, 20), Item("small", 5, 10), Item("other", 5, 10)]
    order = Ranking(items).order
    assert order == ["big", "other", "small"]


def test_a_codec_waits_for_the_link_it_needs():
    items = [Item("codec", 10, 50, requires=("link",)), Item("link", 5, 1)]
    assert funded(greedy(items, [12])) == ["link"]  # both cost 15: only the link fits
    assert funded(greedy(items, [15])) == ["codec", "link"]
    # Two phases: the link in phase 1, the codec in phase 2 — never the codec first.
    for plan in (greedy(items, [5, 10]), exact(items, [5, 10])):
        assert plan.phase["link"] == 1 and plan.phase["codec"] == 2
    bad = exact(items, [10, 5])  # the codec alone fits phase 1 but its link must come first
    assert not (bad.phase["codec"] == 1 and bad.phase["link"] != 1)


def test_at_least_one_item_per_area_when_asked():
    items = [Item("x1", 4, 40, area="X"), Item("x2", 5, 30, area="X"), Item("y1", 5, 5, area="Y")]
    assert funded(exact(items, [10])) == ["x1", "x2"]
    plan = exact(items, [10], min_per_area=True)
    assert funded(plan) == ["x1", "y1"] and plan.objective == pytest.approx(45)
    # An area whose cheapest item exceeds the whole budget is reported, not made infeasible.
    plan = exact([*items, Item("z1", 50, 100, area="Z")], [10], min_per_area=True)
    assert plan.missed_areas == ["Z"] and funded(plan) == ["x1", "y1"]


def test_items_standardised_province_wide_are_done_together_or_not_at_all():
    items = [Item("a", 3, 10, bundle="profile"), Item("b", 3, 10, bundle="profile"), Item("c", 4, 1)]
    assert funded(greedy(items, [4])) == ["c"]
    assert funded(greedy(items, [6])) == ["b:profile"]
    assert sorted(Ranking(items).packages["b:profile"].items) == ["a", "b"]


def test_later_phases_count_for_less():
    items = [Item("a", 5, 10), Item("b", 5, 10)]
    plan = exact(items, [5, 5])
    assert sorted(plan.phase.values()) == [1, 2]
    assert plan.objective == pytest.approx(10 + 10 * 0.85)


def test_what_the_next_tranche_would_add():
    items = [Item("a", 60, 60), Item("b", 100, 80), Item("c", 100, 10)]
    ranking = Ranking(items)
    assert funded(ranking.plan([100])) == ["a"]
    assert next_increment(ranking, [100], 100) == ["b"]
    assert next_increment(ranking, [1000], 100) == []


def test_the_exact_method_matches_brute_force_on_random_small_cases():
    from itertools import product

    rng = random.Random(7)
    for _ in range(15):
        items = [Item(f"k{n}", rng.randint(0, 9), rng.randint(0, 20)) for n in range(7)]
        budget = rng.randint(0, 30)
        best = max(sum(i.benefit for i, on in zip(items, mask, strict=True) if on)
                   for mask in product((0, 1), repeat=7)
                   if sum(i.cost for i, on in zip(items, mask, strict=True) if on) <= budget)
        plan = exact(items, [budget])
        assert plan.objective == pytest.approx(best)
        assert greedy(items, [budget]).objective <= best + 1e-9


def test_a_time_limit_without_a_solution_is_reported_not_taken_for_a_plan():
    from diemcau.reports.roadmap import Plan

    nothing = Plan(phase={"a": 0}, rank={"a": 1}, spent=[0], budgets=[5], objective=0.0, method="milp",
                   status="time_limit")
    assert gap(greedy([Item("a", 1, 1)], [5]), nothing) is None
    free = exact([Item("a", 0, 0)], [0])
    assert free.status == "optimal" and gap(greedy([Item("a", 0, 0)], [0]), free) == 0.0
