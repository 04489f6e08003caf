"""Generated link histories (hourly loss, jitter, RTT) with a known onset of degradation.

Used to evaluate the early warning (``bench/monitoring_early_warning.py``,
tests) and to give the demo province a realistic month. A clean link has a
usual level, a working-hours bump, multiplicative noise and rare short
spikes; a degrading one, from its onset, drifts towards and past the FAIL
level over half a day to five days.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field


@dataclass
class History:
    hours: int
    loss: list = field(default_factory=list)
    jitter: list = field(default_factory=list)
    rtt: list = field(default_factory=list)
    onset: int | None = None  # hour the degradation starts, None for a clean link


def _noise(rng, base, spread):
    return base * math.exp(rng.gauss(0.0, spread))


def generate(rng: random.Random, hours: int = 24 * 28, degrade: bool = False, start_hour: int = 0,
             onset: int | None = None, ramp_hours: float | None = None) -> History:
    base_loss = rng.uniform(0.05, 0.6)
    base_jitter = rng.uniform(2.0, 12.0)
    base_rtt = rng.uniform(15.0, 90.0)
    history = History(hours=hours)
    ramp_hours = ramp_hours or rng.uniform(12.0, 120.0)
    if degrade:
        history.onset = onset if onset is not None else rng.randint(24 * 5, hours - int(ramp_hours) - 24)
    # How far past the FAIL level (3 % loss) the link goes at the end of its ramp.
    target = rng.uniform(4.0, 12.0)
    for h in range(hours):
        local_hour = (start_hour + h + 7) % 24
        busy = 1.6 if 8 <= local_hour < 17 and ((start_hour + h) // 24) % 7 < 5 else 1.0
        loss = _noise(rng, base_loss * busy, 0.45)
        jitter = _noise(rng, base_jitter * busy, 0.25)
        rtt = _noise(rng, base_rtt, 0.08)
        if rng.random() < 0.015:  # a short burst: a minute of trouble averaged into the hour
            loss += rng.uniform(1.0, 5.0)
            jitter += rng.uniform(5.0, 30.0)
        if history.onset is not None and h >= history.onset:
            progress = min(1.0, (h - history.onset) / ramp_hours)
            loss += (target - base_loss) * progress * math.exp(rng.gauss(0.0, 0.2))
            jitter += 25.0 * progress * math.exp(rng.gauss(0.0, 0.2))
        history.loss.append(min(100.0, loss))
        history.jitter.append(jitter)
        history.rtt.append(rtt)
    return history


def first_crossing(values, fail: float, after: int = 0):
    for h in range(after, len(values)):
        if values[h] > fail:
            return h
    return None


@dataclass
class MinuteHistory:
    """Minute loss as the minute roll-ups hold it (the mean of the minute's rounds), and its hours."""

    minutes: int
    loss: object  # numpy array, % per minute
    hourly: list
    base: float
    onset: int | None = None  # minute the ramp starts
    reaches_fail: int | None = None  # minute the ramp alone brings the usual level to FAIL
    start_hour: int = 0  # hours since a Monday 00:00 UTC at minute 0 (local time is UTC+7)
    bursts: object = None  # numpy bool array: the minutes of a burst (the alert rules' business, not the ramp)


def generate_minutes(rng, minutes: int, start_hour: int = 0, onset: int | None = None,
                     ramp_minutes: float | None = None, fail: float = 3.0, packets_per_minute: int = 100,
                     burst_hours_share: float = 0.015) -> MinuteHistory:
    """Minute loss of one link, the hourly model of ``generate`` at minute resolution.

    ``rng`` is a ``numpy.random.Generator``. The link's loss rate is its usual level, higher in
    working hours, times a slow random wander (lognormal, σ 0.45 per hour as in ``generate``,
    moving smoothly from hour to hour), plus rare bursts of a few minutes (about 1.5 % of hours).
    A ramp starting at ``onset`` adds loss that brings the usual level to ``fail`` in
    ``ramp_minutes`` and keeps rising at the same pace to 4–12 %. Each minute is measured with
    ``packets_per_minute`` probe packets (two trains of 50 at the default 30 s interval), so the
    minute values carry the binomial noise a real agent's do.
    """
    import numpy as np

    base = rng.uniform(0.05, 0.6)
    hours = minutes // 60 + 2
    t = np.arange(minutes)
    # Wander: one lognormal draw per hour, interpolated (in logs) between hour centres.
    logs = rng.normal(0.0, 0.45, hours + 1)
    wander = np.exp(np.interp(t, np.arange(hours + 1) * 60 + 30, logs))
    hour_of = (start_hour + t // 60)
    local = (hour_of + 7) % 24
    busy = np.where((local >= 8) & (local < 17) & ((hour_of // 24) % 7 < 5), 1.6, 1.0)
    rate = base * busy * wander
    # Bursts: a few minutes of heavy loss.
    starts = np.flatnonzero(rng.random(minutes) < burst_hours_share / 60.0)
    bursts = np.zeros(minutes, dtype=bool)
    for s in starts:
        length = int(rng.integers(1, 6))
        rate[s:s + length] += rng.uniform(10.0, 40.0)
        bursts[s:s + length] = True
    reaches = None
    if onset is not None:
        target = rng.uniform(4.0, 12.0)
        pace = (fail - base) / ramp_minutes  # % per minute
        added = np.clip((t - onset) * pace, 0.0, target - base)
        rate = rate + added
        reaches = int(onset + ramp_minutes)
    p = np.clip(rate / 100.0, 0.0, 1.0)
    loss = rng.binomial(packets_per_minute, p) * (100.0 / packets_per_minute)
    hourly = [float(loss[h * 60:(h + 1) * 60].mean()) for h in range(minutes // 60)]
    return MinuteHistory(minutes=minutes, loss=loss, hourly=hourly, base=base, onset=onset, reaches_fail=reaches,
                         start_hour=start_hour, bursts=bursts)
