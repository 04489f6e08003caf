"""Early warning: a link getting worse is announced before it reaches the FAIL level.

On the hourly roll-ups of the last ``WINDOW_H`` hours of each measure, a
robust trend is fitted — the Theil–Sen slope (median of pairwise slopes),
with Kendall's tau as the test that the rise is a trend and not noise — and
extrapolated to the standard's FAIL level. A warning is given when the level
would be reached within ``HORIZON_H`` hours and the link is already clearly
off its usual level. ``bench/monitoring_early_warning.py`` measures the lead
time and the false warnings on generated histories with a known onset.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.lib.numbers import format_number
from diemcau.monitoring.choices import AlertState, Period, Problem
from diemcau.monitoring.levels import Level, current_levels

WINDOW_H = 36
MIN_POINTS = 12
RECENT_H = 4


@dataclass(frozen=True)
class Settings:
    horizon_h: float = 72.0
    min_tau: float = 0.35
    # The recent level must be at least this share of the way from the
    # window's usual level to the FAIL level: a flat noisy link never is.
    min_progress: float = 0.2
    cooldown_h: float = 24.0


@dataclass(frozen=True)
class Finding:
    value: float
    slope_per_hour: float
    hours_to_fail: float


def theil_sen(xs, ys) -> tuple[float, float, float]:
    """Slope, intercept and Kendall's tau of the points."""
    slopes, concordant, discordant = [], 0, 0
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            dx = xs[j] - xs[i]
            if dx == 0:
                continue
            dy = ys[j] - ys[i]
            slopes.append(dy / dx)
            if dy > 0:
                concordant += 1
            elif dy < 0:
                discordant += 1
    if not slopes:
        return 0.0, statistics.median(ys), 0.0
    slope = statistics.median(slopes)
    intercept = statistics.median(y - slope * x for x, y in zip(xs, ys, strict=True))
    tau = (concordant - discordant) / len(slopes)
    return slope, intercept, tau


def detect(points, level: Level, opts: Settings = Settings()) -> Finding | None:
    """``points`` = ``[(hour, value)]`` oldest first (hour as a float) → a Finding or None."""
    points = [(x, y) for x, y in points if y is not None]
    if len(points) < MIN_POINTS:
        return None
    sign = 1.0 if level.higher_is_worse else -1.0
    xs = [x for x, _ in points]
    ys = [sign * y for _, y in points]
    fail = sign * level.fail
    recent = statistics.median(ys[-RECENT_H:])
    if recent >= fail:
        return None  # already failing: the alert rules speak now
    slope, intercept, tau = theil_sen(xs, ys)
    if slope <= 0 or tau < opts.min_tau:
        return None
    fitted = intercept + slope * xs[-1]
    now_level = max(fitted, recent)
    usual = statistics.median(ys[: max(len(ys) // 3, 1)])
    if fail <= usual or (now_level - usual) < opts.min_progress * (fail - usual):
        return None
    hours = (fail - now_level) / slope
    if hours > opts.horizon_h:
        return None
    return Finding(value=sign * now_level, slope_per_hour=sign * slope, hours_to_fail=max(hours, 0.0))


MEASURES = {Problem.LOSS: "loss_avg", Problem.JITTER: "jitter_avg", Problem.RTT: "rtt_avg", Problem.MOS: "mos_avg"}


def evaluate_all(now: dt.datetime | None = None, opts: Settings = Settings()) -> int:
    """Look at every site's last hours; record warnings and raise or clear the "trend" alert."""
    from diemcau.monitoring.models import Rollup

    now = now or timezone.now()
    start = now - dt.timedelta(hours=WINDOW_H)
    series = defaultdict(lambda: defaultdict(list))
    rows = Rollup.objects.filter(period=Period.HOUR, bucket__gte=start).order_by("bucket").values_list(
        "site_id", "bucket", *MEASURES.values())
    for site_id, bucket, *values in rows.iterator(chunk_size=5000):
        hour = (bucket - start).total_seconds() / 3600.0
        for (problem, _field), value in zip(MEASURES.items(), values, strict=True):
            series[site_id][problem].append((hour, value))
    levels = current_levels()
    warned = 0
    for site_id, measures in series.items():
        findings = {p: detect(pts, levels[p], opts) for p, pts in measures.items() if p in levels}
        findings = {p: f for p, f in findings.items() if f}
        warned += record(site_id, findings, now, opts)
    return warned


@transaction.atomic
def record(site_id: int, findings: dict, now: dt.datetime, opts: Settings = Settings()) -> int:
    """Store new warnings (one per measure per cooldown) and feed the site's trend alert."""
    from diemcau.monitoring.alerts import Pattern, _alert, _flip, shown, step
    from diemcau.monitoring.models import Warning

    recent = set(Warning.objects.filter(site_id=site_id, at__gte=now - dt.timedelta(hours=opts.cooldown_h))
                 .values_list("measure", flat=True))
    new = [Warning(site_id=site_id, measure=p, at=now, value=f.value, slope_per_hour=f.slope_per_hour,
                   hours_to_fail=f.hours_to_fail) for p, f in findings.items() if p not in recent]
    Warning.objects.bulk_create(new)
    alert = _alert(site_id, Problem.TREND)
    pattern = Pattern(1, 1, int(getattr(settings, "MONITORING_TREND_CLEAR_HOURS", 6)))
    new_state = step(alert, bool(findings), pattern)
    if new_state == AlertState.RAISED:
        problem, finding = min(findings.items(), key=lambda kv: kv[1].hours_to_fail)
        slope = shown(problem, finding.slope_per_hour, 2)
        reason = _("%(measure)s is getting worse (%(value)s now, %(slope)s per hour): FAIL level in about "
                   "%(hours)s hours") % {"measure": Problem(problem).label, "value": shown(problem, finding.value),
                                         "slope": slope if slope.startswith("-") else f"+{slope}",
                                         "hours": format_number(finding.hours_to_fail, 0)}
        _flip(alert, new_state, now, finding.value, reason)
    elif new_state == AlertState.OK:
        _flip(alert, new_state, now, None, _("The link is no longer getting worse"))
    else:
        alert.save(update_fields=["recent", "clean_streak"])
    return len(new)
