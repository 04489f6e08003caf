"""Replay generated histories hour by hour through the early-warning detector and score it."""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass

from diemcau.monitoring import early, histories
from diemcau.monitoring.choices import Problem
from diemcau.monitoring.levels import Level


@dataclass
class Score:
    sites: int
    degrading: int
    warned_in_time: int
    missed: int
    lead_hours: list
    false_warnings: int
    clean_site_weeks: float

    @property
    def median_lead_h(self):
        return statistics.median(self.lead_hours) if self.lead_hours else None

    @property
    def false_per_site_week(self):
        return self.false_warnings / self.clean_site_weeks if self.clean_site_weeks else 0.0


def replay(values, level: Level, opts: early.Settings):
    """Hours at which a warning would have been given (one per cooldown)."""
    warnings, last = [], None
    for h in range(early.MIN_POINTS, len(values)):
        window = [(float(x), values[x]) for x in range(max(0, h + 1 - early.WINDOW_H), h + 1)]
        if last is not None and h - last < opts.cooldown_h:
            continue
        if early.detect(window, level, opts):
            warnings.append(h)
            last = h
    return warnings


def evaluate(sites: int = 200, share_degrading: float = 0.5, seed: int = 7, level: Level | None = None,
             opts: early.Settings | None = None, weeks: int = 4) -> Score:
    opts = opts or early.Settings()
    rng = random.Random(seed)
    level = level or Level(Problem.LOSS, 1.0, 3.0)
    score = Score(sites, 0, 0, 0, [], 0, 0.0)
    for _ in range(sites):
        degrade = rng.random() < share_degrading
        history = histories.generate(rng, hours=24 * 7 * weeks, degrade=degrade)
        warned = replay(history.loss, level, opts)
        clean_until = history.onset if degrade else history.hours
        score.false_warnings += sum(1 for h in warned if h < clean_until)
        score.clean_site_weeks += clean_until / (24 * 7)
        if not degrade:
            continue
        score.degrading += 1
        crossing = histories.first_crossing(history.loss, level.fail, history.onset)
        before = [h for h in warned if history.onset <= h < (crossing if crossing is not None else history.hours)]
        if before and crossing is not None:
            score.warned_in_time += 1
            score.lead_hours.append(crossing - before[0])
        else:
            score.missed += 1
    return score
