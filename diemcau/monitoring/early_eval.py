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


# -- Minute resolution: ramps of a given length, hourly detector alone and with the minute one -----

RAMPS_H = (1, 3, 6, 12, 24)
WARMUP_MIN = max(early.WINDOW_H, 24 * early.PROFILE_DAYS) * 60 + early.FAST_WINDOW_MIN
# The minute detector as it was before the usual level by hour of the day (a flat median of 36 h),
# replayed beside the current one on the same histories.
PREVIOUS_FAST = early.FastSettings(window_min=360, allowance=0.25, threshold=12.0, min_progress=0.5, min_band=0.5,
                                   recent_min=15, gate_min=30, min_z=2.33, block_min=5, horizon_h=6.0,
                                   high_quantile=0.9, profile_days=0)
MONTH_MIN = 30.44 * 24 * 60


def local_hour(history, minute: int) -> int:
    """The local hour of the day (UTC+7) of a minute of a generated history."""
    return (history.start_hour + minute // 60 + 7) % 24


def hourly_findings(history, level: Level, opts: early.Settings) -> list[int]:
    """Minutes at which the hourly job (at minute 7 of each hour, completed hours only) finds a trend."""
    out = []
    for h in range(early.MIN_POINTS - 1, len(history.hourly)):
        window = [(float(x), history.hourly[x]) for x in range(max(0, h + 1 - early.WINDOW_H), h + 1)]
        if early.detect(window, level, opts):
            out.append((h + 1) * 60 + 7)
    return out


def fast_findings(history, level: Level, opts: early.FastSettings, every: int = early.FAST_EVERY_MIN,
                  lag: int = 2) -> list[int]:
    """Minutes at which the minute job (every ``every`` minutes, roll-ups up to ``lag`` minutes old)
    finds a fast ramp. The gate the job puts in its query (recent mean past WARN) is applied first
    with numpy only to skip work; ``detect_fast`` applies it again."""
    import numpy as np

    loss = history.loss
    csum = np.concatenate([[0.0], np.cumsum(loss)])
    out = []
    baselines = {}
    for t in range(WARMUP_MIN - WARMUP_MIN % every + every, history.minutes + 1, every):
        end = t - lag + 1  # minutes [start, end) are rolled up
        start = end - opts.window_min
        if start < 0 or (csum[end] - csum[end - opts.gate_min]) / opts.gate_min < level.warn:
            continue
        first_hour = start // 60
        if first_hour not in baselines:
            if opts.profile_days:
                hours = range(max(0, first_hour - 24 * opts.profile_days), first_hour)
                baselines[first_hour] = early.Baseline.of_days(
                    [(local_hour(history, 60 * h), history.hourly[h]) for h in hours],
                    level.higher_is_worse, opts.high_quantile)
            else:
                baselines[first_hour] = early.Baseline.of(
                    history.hourly[max(0, first_hour - early.WINDOW_H):first_hour], level.higher_is_worse,
                    opts.high_quantile)
        points = [(float(m), float(loss[m])) for m in range(start, end)]
        hours = [local_hour(history, m) for m in range(start, end)] if opts.profile_days else None
        if early.detect_fast(points, baselines[first_hour], level, opts, hours=hours):
            out.append(t)
    return out


def warned(findings: list[int], cooldown_min: float) -> list[int]:
    """Findings that become warnings: one per measure per cooldown, whichever detector found it."""
    out = []
    for t in sorted(findings):
        if not out or t - out[-1] >= cooldown_min:
            out.append(t)
    return out


@dataclass
class RampScore:
    sites: int = 0
    warned_in_time: int = 0
    lead_min: list = None

    def __post_init__(self):
        self.lead_min = self.lead_min if self.lead_min is not None else []

    @property
    def share(self):
        return self.warned_in_time / self.sites if self.sites else 0.0

    @property
    def median_lead_min(self):
        return statistics.median(self.lead_min) if self.lead_min else None


@dataclass
class FastScore:
    ramps: dict  # ramp hours → {"before": RampScore, "previous": …, "after": …, and each "…_bursts"}
    false: dict  # "before" / "previous" / "after" → false warnings
    clean_minutes: float = 0.0

    def false_per_site_month(self, which: str) -> float:
        return self.false[which] / (self.clean_minutes / MONTH_MIN) if self.clean_minutes else 0.0


def fail_moment(history, fail: float, after: int, quarter: int = 15, count_bursts: bool = False):
    """First minute from ``after`` at which the last quarter-hour's interquartile mean is past FAIL:
    the link is failing, not one unlucky train. A burst of a few minutes (which the alert rules
    handle on their own) is not the ramp reaching FAIL, so its minutes are left out of the
    quarter-hour: the interquartile mean alone lets a burst of four or five minutes through.
    ``count_bursts`` keeps them in (the definition before, printed for comparison)."""
    loss = history.loss
    keep = None if count_bursts or history.bursts is None else ~history.bursts
    for m in range(max(after, quarter - 1), history.minutes):
        values = loss[m + 1 - quarter:m + 1]
        if keep is not None:
            values = values[keep[m + 1 - quarter:m + 1]]
            if len(values) < quarter // 2:
                continue
        if early.quarter_level(values.tolist()) > fail:
            return m
    return None


def evaluate_fast(per_ramp: int = 40, clean_sites: int = 60, clean_days: int = 37, seed: int = 7,
                  level: Level | None = None, hourly: early.Settings | None = None,
                  fast: early.FastSettings | None = None, ramps=RAMPS_H) -> FastScore:
    """Replay minute histories through the hourly detector alone ("before"), the hourly and the
    previous minute detector together ("previous", ``PREVIOUS_FAST``) and the hourly and the minute
    detector ``fast`` together ("after"): per ramp length the share warned before FAIL and the median
    lead; false warnings per site-month on clean links (a month each after the warm-up of
    ``WARMUP_MIN``) and before each ramp's onset."""
    import numpy as np

    level = level or Level(Problem.LOSS, 1.0, 3.0)
    hourly = hourly or early.Settings()
    fast = fast or early.FastSettings()
    rng = np.random.default_rng(seed)
    cooldown = hourly.cooldown_h * 60
    # "…_bursts": the same warnings scored against the former FAIL moment, which let a burst of four or
    # five minutes count as the ramp reaching FAIL (printed beside, so the change can be judged).
    replays = ("before", "previous", "after")
    tallies = replays + tuple(f"{which}_bursts" for which in replays)
    score = FastScore(ramps={r: {which: RampScore() for which in tallies} for r in ramps},
                      false=dict.fromkeys(replays, 0))

    def run(history, clean_until):
        by_hour = hourly_findings(history, level, hourly)
        out = {}
        for which, found in (("before", by_hour), ("previous", by_hour + fast_findings(history, level, PREVIOUS_FAST)),
                             ("after", by_hour + fast_findings(history, level, fast))):
            times = [t for t in warned(found, cooldown) if t >= WARMUP_MIN]
            out[which] = times
            score.false[which] += sum(1 for t in times if t < clean_until)
        score.clean_minutes += max(0, clean_until - WARMUP_MIN)
        return out

    for _ in range(clean_sites):
        minutes = clean_days * 24 * 60
        history = histories.generate_minutes(rng, minutes, start_hour=int(rng.integers(0, 24 * 7)))
        run(history, minutes)
    for ramp_h in ramps:
        for _ in range(per_ramp):
            onset = WARMUP_MIN + int(rng.integers(0, 24 * 60))
            minutes = onset + ramp_h * 60 + 6 * 60
            history = histories.generate_minutes(rng, minutes, start_hour=int(rng.integers(0, 24 * 7)),
                                                 onset=onset, ramp_minutes=ramp_h * 60.0, fail=level.fail)
            times = run(history, onset)
            crossings = {"": fail_moment(history, level.fail, onset),
                         "_bursts": fail_moment(history, level.fail, onset, count_bursts=True)}
            for which in tallies:
                crossing = crossings["_bursts" if which.endswith("_bursts") else ""]
                tally = score.ramps[ramp_h][which]
                tally.sites += 1
                before = [t for t in times[which.removesuffix("_bursts")]
                          if onset <= t < (crossing if crossing is not None else minutes)]
                if before and crossing is not None:
                    tally.warned_in_time += 1
                    tally.lead_min.append(crossing - before[0])
    return score
