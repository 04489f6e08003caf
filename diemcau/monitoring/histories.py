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
