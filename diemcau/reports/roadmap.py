"""Choosing and ordering the work that fits the budget (R12.5, R17) — the solver, no database.

Two methods, as asset-management systems for bridges and roads use them:

- **Incremental benefit/cost** (``greedy``): packages in order of benefit per
  VND, each taken when it fits the budget left; answers a budget slider in
  milliseconds because the order is computed once (``Ranking``).
- **Exact mixed-integer programme** (``exact``, ``scipy.optimize.milp`` with
  HiGHS) when side constraints apply: budgets per phase, a prerequisite in
  the same or an earlier phase, at least one item per area.

Both maximise the same objective (benefit, discounted by phase), so the gap
between them is reported as one number.

An ``Item`` is one piece of work (a proposal); items with the same
``bundle`` are one ``Package`` (what is standardised province-wide is done
together or not at all). ``requires`` names items that must be done first
(a link upgrade before the codec that needs it). Ties are broken by the
package key, so the same input always gives the same plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PHASE_DISCOUNT = 0.85  # a benefit one phase later is worth this much of the same benefit now


@dataclass(frozen=True)
class Item:
    key: str
    cost: int
    benefit: float
    area: str = ""
    requires: tuple = ()
    bundle: str = ""


@dataclass
class Package:
    key: str
    items: list[str]
    cost: int
    benefit: float
    areas: set = field(default_factory=set)
    requires: set = field(default_factory=set)  # package keys

    @property
    def ratio(self) -> float:
        if self.cost <= 0:
            return math.inf
        return self.benefit / self.cost


@dataclass
class Plan:
    """Which phase each package is in (0: not funded), and the order in which it was chosen."""

    phase: dict  # package key → phase number (1-based) or 0
    rank: dict  # package key → position in the benefit/cost order (1-based)
    spent: list  # per phase
    budgets: list
    objective: float
    method: str
    status: str = "optimal"
    mip_gap: float | None = None
    missed_areas: list = field(default_factory=list)

    def funded(self) -> list[str]:
        return [k for k, p in self.phase.items() if p]


def phase_weight(phase: int) -> float:
    return PHASE_DISCOUNT ** (phase - 1) if phase else 0.0


def build_packages(items: list[Item]) -> dict[str, Package]:
    """Bundle items; a package requires the packages of its items' prerequisites (not itself)."""
    owner, packages = {}, {}
    for item in sorted(items, key=lambda i: i.key):
        key = f"b:{item.bundle}" if item.bundle else item.key
        owner[item.key] = key
        package = packages.get(key)
        if package is None:
            package = packages[key] = Package(key=key, items=[], cost=0, benefit=0.0)
        package.items.append(item.key)
        package.cost += int(item.cost)
        package.benefit += float(item.benefit)
        if item.area:
            package.areas.add(item.area)
    for item in items:
        for need in item.requires:
            if need in owner and owner[need] != owner[item.key]:
                packages[owner[item.key]].requires.add(owner[need])
    return packages


def closure(packages: dict[str, Package], key: str) -> list[str]:
    """The package and everything it needs first, prerequisites before it (cycles are cut)."""
    seen, order = set(), []

    def visit(k):
        if k in seen:
            return
        seen.add(k)
        for need in sorted(packages[k].requires):
            visit(need)
        order.append(k)

    visit(key)
    return order


def sort_key(package: Package, ratio: float):
    return (-ratio, -package.benefit, package.cost, package.key)


class Ranking:
    """The benefit/cost order of a set of packages, computed once; each budget is then one walk."""

    def __init__(self, items: list[Item]):
        self.packages = build_packages(items)
        self.closures = {k: closure(self.packages, k) for k in self.packages}
        ratios = {}
        for key, members in self.closures.items():
            cost = sum(self.packages[m].cost for m in members)
            benefit = sum(self.packages[m].benefit for m in members)
            ratios[key] = math.inf if cost <= 0 else benefit / cost
        self.ratios = ratios
        self.order = sorted(self.packages, key=lambda k: sort_key(self.packages[k], ratios[k]))
        self.rank = {key: position for position, key in enumerate(self.order, start=1)}

    def plan(self, budgets: list[int]) -> Plan:
        """Each package in order, with its unfunded prerequisites, into the earliest phase it fits."""
        budgets = [max(int(b), 0) for b in budgets] or [0]
        left = list(budgets)
        phase = dict.fromkeys(self.packages, 0)
        phases = len(budgets)
        for key in self.order:
            if phase[key]:
                continue
            members = self.closures[key]
            if len(members) == 1:  # no prerequisite: the common case, kept cheap for the slider
                cost = self.packages[key].cost
                for t in range(phases):
                    if cost <= left[t]:
                        left[t] -= cost
                        phase[key] = t + 1
                        break
                continue
            # Prerequisites first, each in the earliest phase with room that is not before its own
            # prerequisites; all of it or nothing.
            trial, room = {}, list(left)
            for member in self.closures[key]:
                if phase[member]:
                    continue
                needs = [phase[r] or trial.get(r, 0) for r in self.packages[member].requires]
                earliest = max([1, *needs])
                cost = self.packages[member].cost
                slot = next((t for t in range(earliest, len(budgets) + 1) if cost <= room[t - 1]), None)
                if slot is None:
                    trial = None
                    break
                room[slot - 1] -= cost
                trial[member] = slot
            if trial:
                phase.update(trial)
                left = room
        spent = [b - rest for b, rest in zip(budgets, left, strict=True)]
        return Plan(phase=phase, rank=self.rank, spent=spent, budgets=budgets,
                    objective=objective(self.packages, phase), method="greedy")


def objective(packages: dict[str, Package], phase: dict) -> float:
    return sum(packages[k].benefit * phase_weight(p) for k, p in phase.items() if p)


def greedy(items: list[Item], budgets: list[int]) -> Plan:
    return Ranking(items).plan(budgets)


def exact(items: list[Item], budgets: list[int], *, min_per_area: bool = False, time_limit: float = 60.0,
          ranking: Ranking | None = None) -> Plan:
    """The optimum of the same objective with the side constraints, by HiGHS.

    Variables x[p, t] ∈ {0, 1}: package p done in phase t. Each package at most
    once; each phase within its budget; a prerequisite done in the same or an
    earlier phase; with ``min_per_area``, every area that has a package it can
    afford gets at least one (areas whose cheapest package exceeds the whole
    budget are reported in ``missed_areas``).
    """
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_array

    ranking = ranking or Ranking(items)
    packages = ranking.packages
    keys = sorted(packages)
    budgets = [max(int(b), 0) for b in budgets] or [0]
    n_p, n_t = len(keys), len(budgets)
    if n_p == 0:
        return Plan(phase={}, rank={}, spent=[0] * n_t, budgets=budgets, objective=0.0, method="milp")
    index = {k: i for i, k in enumerate(keys)}

    def var(p, t):
        return p * n_t + t

    cost = np.array([packages[k].cost for k in keys], dtype=float)
    benefit = np.array([packages[k].benefit for k in keys], dtype=float)
    weights = np.array([phase_weight(t + 1) for t in range(n_t)])
    c = -np.outer(benefit, weights).ravel()
    rows, cols, vals, lower, upper = [], [], [], [], []
    row = 0
    for p in range(n_p):  # at most once
        for t in range(n_t):
            rows.append(row), cols.append(var(p, t)), vals.append(1.0)
        lower.append(0), upper.append(1)
        row += 1
    for t in range(n_t):  # budget of each phase
        for p in range(n_p):
            if cost[p]:
                rows.append(row), cols.append(var(p, t)), vals.append(cost[p])
        lower.append(-np.inf), upper.append(budgets[t])
        row += 1
    for k in keys:  # prerequisites first: x[p, t] ≤ Σ_{s ≤ t} x[q, s]
        p = index[k]
        for need in sorted(packages[k].requires):
            q = index[need]
            for t in range(n_t):
                rows.append(row), cols.append(var(p, t)), vals.append(1.0)
                for s in range(t + 1):
                    rows.append(row), cols.append(var(q, s)), vals.append(-1.0)
                lower.append(-np.inf), upper.append(0)
                row += 1
    missed = []
    if min_per_area:
        areas: dict[str, list[int]] = {}
        for k in keys:
            for area in packages[k].areas:
                areas.setdefault(area, []).append(index[k])
        total = sum(budgets)
        for area in sorted(areas):
            members = areas[area]
            affordable = [p for p in members
                          if sum(packages[m].cost for m in ranking.closures[keys[p]]) <= total]
            if not affordable:
                missed.append(area)
                continue
            for p in members:
                for t in range(n_t):
                    rows.append(row), cols.append(var(p, t)), vals.append(1.0)
            lower.append(1), upper.append(np.inf)
            row += 1
    matrix = coo_array((vals, (rows, cols)), shape=(row, n_p * n_t)).tocsr()
    result = milp(c, constraints=LinearConstraint(matrix, lower, upper), integrality=np.ones(n_p * n_t),
                  bounds=Bounds(0, 1), options={"time_limit": time_limit, "disp": False})
    if result.x is None:  # HiGHS status 1: stopped at the time limit before any solution; 2: infeasible
        return Plan(phase=dict.fromkeys(keys, 0), rank=ranking.rank, spent=[0] * n_t, budgets=budgets,
                    objective=0.0, method="milp", status="time_limit" if result.status == 1 else "infeasible",
                    missed_areas=missed)
    x = np.round(result.x).reshape(n_p, n_t)
    phase = {}
    for k in keys:
        chosen = np.nonzero(x[index[k]] > 0.5)[0]
        phase[k] = int(chosen[0]) + 1 if len(chosen) else 0
    spent = [int(sum(cost[index[k]] for k in keys if phase[k] == t + 1)) for t in range(n_t)]
    status = "optimal" if result.status == 0 else "time_limit"
    gap = getattr(result, "mip_gap", None)
    return Plan(phase=phase, rank=ranking.rank, spent=spent, budgets=budgets,
                objective=objective(packages, phase), method="milp", status=status,
                mip_gap=float(gap) if gap is not None else None, missed_areas=missed)


def gap(greedy_plan: Plan, exact_plan: Plan) -> float | None:
    """How much of the optimum the benefit/cost method leaves, as a fraction (0.02 = 2 %); None when
    the exact method found no solution to compare with."""
    if exact_plan.status in ("infeasible", "time_limit") and not any(exact_plan.phase.values()):
        return None
    if exact_plan.objective <= 0:
        return 0.0
    return max(exact_plan.objective - greedy_plan.objective, 0.0) / exact_plan.objective


def next_increment(ranking: Ranking, budgets: list[int], extra: int, *, before: Plan | None = None) -> list[str]:
    """The packages that ``extra`` more VND in the first phase would add to the plan."""
    before = before or ranking.plan(budgets)
    more = [budgets[0] + extra, *budgets[1:]] if budgets else [extra]
    after = ranking.plan(more)
    return [k for k in ranking.order if after.phase[k] and not before.phase[k]]
