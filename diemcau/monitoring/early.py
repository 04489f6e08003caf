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
from diemcau.lib.workcalendar import VIETNAM
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


# -- Minute resolution: fast ramps in the last hours ---------------------------------------------
#
# The hourly trend needs about a dozen hours of rise; a link that goes from its usual level to FAIL
# within one to six hours reaches FAIL before it speaks. Beside it, every ``FAST_EVERY_MIN``
# minutes, a one-sided CUSUM (Page 1954) runs over the minute roll-ups of the last ``window_min``
# minutes against the site's *own* usual level at each minute's hour of the day (the median of its
# hourly roll-ups at that local hour over the ``PROFILE_DAYS`` days before the window; the flat
# median of the ``WINDOW_H`` hours before it while the site has fewer days, and for MOS). A link
# busier in office hours is judged against its office hours and its nights against its nights: most
# false warnings of a flat median came in the first office hours, when the usual level steps up,
# and a night ramp was judged against a "highest usual level" lifted by the office hours. CUSUM is
# the classic detector of a lasting shift above a known level: it accumulates evidence minute by
# minute and forgets noise (the allowance ``k``).
# Its quantities are in units of the gap between the site's usual level and the standard's FAIL
# level, so the thresholds come from the published standard: a site usually at 0,2 % loss and one
# at 0,8 % are judged against the same FAIL of 3 %, each from where it usually is. A minute counts
# at most as FAIL, so a burst of a few minutes (the alert rules' business) adds little. A warning
# further needs, all from the standard's levels and the site's own history:
#   * the last ``gate_min`` minutes on average past the standard's WARN level (the job's query asks
#     this of every site, so only those are read in full);
#   * the recent level (mean of the last ``recent_min`` minutes, each capped at FAIL) at least
#     ``min_progress`` of the way from the usual level to FAIL, ``min_band`` of the way from WARN to
#     FAIL, and above what the site usually reaches at this hour (its usual level there times the
#     ``high_quantile`` of its hours over their hour's usual level);
#   * a rise since the change point (the minimum of the running sum of deviations from the usual
#     level), on 5-minute means: Theil–Sen slope > 0 and Mann–Kendall z ≥
#     ``min_z``, reaching FAIL within ``horizon_h``. A link already failing (interquartile mean of the
#     last quarter-hour past FAIL) is left to the alert rules.
# Warnings share the hourly ones' cooldown and the site's trend alert (raised by either at once,
# cleared by the hourly job after clean hours while the minute job keeps resetting the count as long
# as it still sees the rise): a flapping link warns once, not every five minutes.

FAST_WINDOW_MIN = 360  # the longest window FastSettings may ask for
PROFILE_DAYS = 7  # days of hourly roll-ups for the usual level of each hour of the day
FAST_EVERY_MIN = 5
FAST_MIN_POINTS = 30


@dataclass(frozen=True)
class FastSettings:
    """Tuned on generated histories with another seed than the one the bench reports
    (``bench/monitoring_early_warning.py --seed 101``); all levels are shares of the standard's gaps."""

    window_min: int = 360     # minutes of roll-ups looked at
    allowance: float = 0.25   # k: drift below this share of the gap (usual → FAIL) is noise
    threshold: float = 12.0   # h: evidence, in gap × minutes above the allowance, before a warning
    min_progress: float = 0.5  # the recent level at least half way from the usual level to FAIL
    min_band: float = 0.45    # and nearly half way from the standard's WARN level to its FAIL level
    recent_min: int = 15
    gate_min: int = 30
    min_z: float = 2.33       # Mann–Kendall z of the rise since the change point (one-sided 1 %)
    block_min: int = 5
    horizon_h: float = 6.0    # FAIL foreseen within this time, or it is the hourly trend's business
    high_quantile: float = 0.9  # "above what it usually reaches": this quantile of its hours
    profile_days: int = PROFILE_DAYS  # the usual level by hour of the day over these days (0: flat, 36 h)


@dataclass(frozen=True)
class Baseline:
    """The site's usual level and the highest it usually reaches, from its hourly roll-ups.

    With ``by_hour`` (the usual level at each local hour of the day) the usual level is the one of
    the hour in question and ``high`` is a multiple of it (``spread``): a link busy in office hours
    is judged against its office hours, its nights against its nights."""

    usual: float
    high: float
    by_hour: tuple | None = None
    spread: float = 1.0

    @classmethod
    def of(cls, hourly_values, higher_is_worse: bool = True, quantile: float = 0.9, min_points: int = MIN_POINTS):
        """From hourly values; ``high`` is the ``quantile`` on the bad side (1.0: the worst hour)."""
        values = sorted((v for v in hourly_values if v is not None), reverse=not higher_is_worse)
        if len(values) < min_points:
            return None
        return cls(statistics.median(values), values[min(len(values) - 1, int(quantile * len(values)))])

    @classmethod
    def of_days(cls, hourly, higher_is_worse: bool = True, quantile: float = 0.9, min_per_hour: int = 3):
        """From ``[(local hour of the day, value)]`` over several days: the median of each hour of the
        day, and ``spread`` the ``quantile`` of each hour's value over its hour's median. Measures that
        fall as they worsen (MOS), or too few days, get the flat baseline of ``of``."""
        values = [(h, v) for h, v in hourly if v is not None]
        flat = cls.of([v for _, v in values], higher_is_worse, quantile)
        if flat is None or not higher_is_worse:
            return flat
        per_hour = defaultdict(list)
        for h, v in values:
            per_hour[h].append(v)
        if len(per_hour) < 24 or min(len(vs) for vs in per_hour.values()) < min_per_hour:
            return flat
        by_hour = tuple(max(statistics.median(per_hour[h]), 1e-6) for h in range(24))
        ratios = sorted(v / by_hour[h] for h, v in values)
        spread = ratios[min(len(ratios) - 1, int(quantile * len(ratios)))]
        return cls(flat.usual, flat.high, by_hour, spread)

    def at(self, hour: int | None) -> tuple[float, float]:
        """``(usual, high)`` at a local hour of the day (the flat levels without ``by_hour``)."""
        if self.by_hour is None or hour is None:
            return self.usual, self.high
        usual = self.by_hour[hour]
        return usual, usual * self.spread


@dataclass(frozen=True)
class FastFinding:
    value: float
    from_value: float
    minutes: int
    slope_per_hour: float
    hours_to_fail: float


def cusum(zs, allowance: float):
    """One-sided CUSUM of ``zs``: ``(S at the end, index after its last zero)``."""
    s, start = 0.0, 0
    for i, z in enumerate(zs):
        s = max(0.0, s + z - allowance)
        if s == 0.0:
            start = i + 1
    return s, start


def quarter_level(values) -> float:
    """The interquartile mean of the values (the middle half): a few minutes of burst do not move it."""
    ordered = sorted(values)
    cut = len(ordered) // 4
    middle = ordered[cut:len(ordered) - cut] or ordered
    return sum(middle) / len(middle)


def capped_mean(values, cap: float) -> float:
    return sum(min(v, cap) for v in values) / len(values)


def mann_kendall_z(tau: float, n: int) -> float:
    """Kendall's tau of ``n`` points as the Mann–Kendall test's z (no ties correction)."""
    return 3.0 * tau * (n * (n - 1)) ** 0.5 / (2.0 * (2 * n + 5)) ** 0.5 if n > 2 else 0.0


def change_point(zs) -> int:
    """Where the rise began: the index after the minimum of the running sum of the deviations from the
    usual level (they sum to about zero while the link is at its usual level and grow once it rises),
    0 if the sum never dips below zero."""
    total, lowest, at = 0.0, 0.0, 0
    for i, z in enumerate(zs):
        total += z
        if total < lowest:
            lowest, at = total, i + 1
    return at


def detect_fast(points, baseline: Baseline | None, level: Level, opts: FastSettings = FastSettings(), why=None,
                hours=None):
    """``points`` = ``[(minute, value)]`` oldest first over the last hours → a FastFinding or None.

    ``hours`` (the local hour of the day of each point) lets a baseline by hour of the day judge each
    minute against the usual level of its hour. ``why`` (a list) receives the name of the condition
    that failed, for tests and tuning."""
    def no(reason):
        if why is not None:
            why.append(reason)
        return None

    kept = [i for i, (_, y) in enumerate(points) if y is not None]
    points = [points[i] for i in kept]
    if baseline is None or len(points) < FAST_MIN_POINTS:
        return no("data")
    sign = 1.0 if level.higher_is_worse else -1.0
    ys = [sign * y for _, y in points]
    fail, warn = sign * level.fail, sign * level.warn
    # The usual level of each minute (of its hour of the day when the baseline knows them).
    usuals = [sign * baseline.at(None if hours is None else hours[i])[0] for i in kept]
    usual, high = (sign * v for v in baseline.at(None if hours is None else hours[kept[-1]]))
    gap = fail - usual
    if gap <= 0 or min(fail - u for u in usuals) <= 0:
        return no("usually failing")  # nothing to foresee
    gate = ys[-opts.gate_min:]
    if sum(gate) / len(gate) < warn:
        return no("below warn")
    last = ys[-opts.recent_min:]
    if quarter_level(last) > fail:
        return no("failing")  # the alert rules speak now
    # The recent level, each minute counted at most as FAIL: a burst is the alert rules' business.
    recent = capped_mean(last, fail)
    if (recent - usual < opts.min_progress * gap or recent <= high
            or recent < warn + opts.min_band * (fail - warn)):
        return no("not off its usual level")
    zs = [(min(y, fail) - u) / (fail - u) for y, u in zip(ys, usuals, strict=True)]
    s, since = cusum(zs, opts.allowance)
    if s < opts.threshold:
        return no("cusum")
    # Where the rise began: for the trend test the running-sum change point (CUSUM's last zero is
    # reset now and then by noise on a slow ramp); for the story told, the later of the two (on a fast
    # ramp the running sum wanders back into the quiet hours before it).
    start = change_point(zs)
    told = max(start, min(since, len(ys) - 1))
    if len(ys) - start < opts.recent_min:
        return no("cusum")
    # The rise since the change point, on means of ``block_min`` minutes (a minute's loss is a count
    # of a hundred packets: most pairwise slopes of raw minutes are ties).
    xs, bs = [], []
    for end in range(len(ys), start, -opts.block_min):
        chunk = ys[max(start, end - opts.block_min):end]
        xs.append(points[end - 1][0])
        bs.append(capped_mean(chunk, fail))
    xs.reverse()
    bs.reverse()
    slope, intercept, tau = theil_sen(xs, bs)
    if slope <= 0 or mann_kendall_z(tau, len(xs)) < opts.min_z:
        return no("no rise")
    now_level = max(recent, intercept + slope * xs[-1])
    hours = (fail - now_level) / slope / 60.0
    if hours > opts.horizon_h:
        return no("slow")
    return FastFinding(value=sign * recent, from_value=sign * usual, minutes=int(round(xs[-1] - points[told][0])),
                       slope_per_hour=sign * slope * 60.0, hours_to_fail=max(hours, 0.0))


def _in_about(hours: float) -> str:
    if hours < 1.0:
        minutes = max(5, int(round(hours * 60 / 5.0)) * 5)
        return _("about %(n)s minutes") % {"n": format_number(minutes, 0)}
    return _("about %(n)s hours") % {"n": format_number(hours, 0 if hours >= 3 else 1)}


def describe(measure: str, value, hours_to_fail, from_value=None, over_minutes=None) -> str:
    """The warning in words, in the reader's language (``Warning.summary``, the trend alert's reason)."""
    from diemcau.monitoring.alerts import shown

    if from_value is not None and over_minutes is not None:
        return _("%(measure)s rose from %(from)s to %(to)s in %(minutes)s minutes: FAIL level in %(when)s") % {
            "measure": Problem(measure).label, "from": shown(measure, from_value), "to": shown(measure, value),
            "minutes": format_number(over_minutes, 0), "when": _in_about(hours_to_fail)}
    return _("%(measure)s %(value)s now: FAIL level in %(when)s") % {
        "measure": Problem(measure).label, "value": shown(measure, value), "when": _in_about(hours_to_fail)}


def _may_become(measure: str) -> str:
    from diemcau.incidents.choices import Severity
    from diemcau.monitoring.incident_link import ROUTING

    severity = ROUTING.get(measure, ("", "", "normal"))[2]
    return _("it may become a “%(measure)s” alert and an incident of %(severity)s severity") % {
        "measure": Problem(measure).label, "severity": str(Severity(severity).label).lower()}


def evaluate_fast(now: dt.datetime | None = None, opts: FastSettings = FastSettings()) -> int:
    """Every few minutes: look for fast rises in the minute roll-ups of the last hours.

    Only sites whose last ``gate_min`` minutes average past the standard's WARN level on some
    measure are read in full (one aggregate query decides which): the detector could not warn the
    others, so ten thousand quiet sites cost one query.
    """
    from django.db.models import Avg

    from diemcau.monitoring.models import Rollup
    from diemcau.monitoring.rollups import bucket_start

    now = now or timezone.now()
    end = bucket_start(now, Period.MINUTE)  # the minute under way is not rolled up yet
    levels = current_levels()
    gate = (Rollup.objects.filter(period=Period.MINUTE, bucket__gte=end - dt.timedelta(minutes=opts.gate_min),
                                  bucket__lt=end)
            .values("site_id").annotate(**{f: Avg(f) for f in MEASURES.values()}))
    candidates = defaultdict(set)
    for row in gate:
        for problem, field in MEASURES.items():
            level, value = levels.get(problem), row[field]
            if level is not None and value is not None and (level.warns(value) or level.fails(value)):
                candidates[row["site_id"]].add(problem)
    if not candidates:
        return 0
    start = end - dt.timedelta(minutes=opts.window_min)
    first_hour = bucket_start(start, Period.HOUR)
    series = defaultdict(lambda: defaultdict(list))
    hours = defaultdict(list)  # the local hour of the day of each minute, as the baseline by hour needs
    for site_id, bucket, *values in (Rollup.objects.filter(period=Period.MINUTE, site_id__in=list(candidates),
                                                           bucket__gte=start, bucket__lt=end)
                                     .order_by("bucket").values_list("site_id", "bucket", *MEASURES.values())):
        minute = (bucket - start).total_seconds() / 60.0
        hours[site_id].append(bucket.astimezone(VIETNAM).hour)
        for problem, value in zip(MEASURES, values, strict=True):
            series[site_id][problem].append((minute, value))
    lookback = dt.timedelta(hours=max(WINDOW_H, 24 * opts.profile_days))
    hourly = defaultdict(lambda: defaultdict(list))
    for site_id, bucket, *values in (Rollup.objects.filter(period=Period.HOUR, site_id__in=list(candidates),
                                                           bucket__gte=first_hour - lookback, bucket__lt=first_hour)
                                     .values_list("site_id", "bucket", *MEASURES.values())):
        hour = bucket.astimezone(VIETNAM).hour  # once per row, not once per measure
        for problem, value in zip(MEASURES, values, strict=True):
            hourly[site_id][problem].append((bucket, hour, value))
    warned = 0
    for site_id, problems in candidates.items():
        findings = {}
        for problem in problems:
            level = levels[problem]
            rows = hourly[site_id][problem]
            if opts.profile_days:
                baseline = Baseline.of_days([(hour, value) for _bucket, hour, value in rows],
                                            level.higher_is_worse, opts.high_quantile)
            else:
                since = first_hour - dt.timedelta(hours=WINDOW_H)
                baseline = Baseline.of([value for bucket, _hour, value in rows if bucket >= since], level.higher_is_worse,
                                       opts.high_quantile)
            finding = detect_fast(series[site_id][problem], baseline, level, opts,
                                  hours=hours[site_id] if opts.profile_days else None)
            if finding:
                findings[problem] = finding
        if findings:
            warned += record_fast(site_id, findings, now)
    return warned


@transaction.atomic
def record_fast(site_id: int, findings: dict, now: dt.datetime, opts: Settings = Settings()) -> int:
    """Store new fast warnings (one per measure per cooldown, shared with the hourly ones) and feed the
    site's trend alert a bad round: it is raised at once, and its clearing (by the hourly job, after
    clean hours) waits while the minute detector still sees the rise."""
    from diemcau.monitoring.alerts import Pattern, _alert, _flip, step
    from diemcau.monitoring.models import Warning

    recent = set(Warning.objects.filter(site_id=site_id, at__gte=now - dt.timedelta(hours=opts.cooldown_h))
                 .values_list("measure", flat=True))
    new = [Warning(site_id=site_id, measure=p, at=now, value=f.value, slope_per_hour=f.slope_per_hour,
                   hours_to_fail=f.hours_to_fail, resolution=Period.MINUTE, from_value=f.from_value,
                   over_minutes=f.minutes) for p, f in findings.items() if p not in recent]
    Warning.objects.bulk_create(new)
    alert = _alert(site_id, Problem.TREND)
    pattern = Pattern(1, 1, int(getattr(settings, "MONITORING_TREND_CLEAR_HOURS", 6)))
    if step(alert, True, pattern) == AlertState.RAISED:
        problem, finding = min(findings.items(), key=lambda kv: kv[1].hours_to_fail)
        said = describe(problem, finding.value, finding.hours_to_fail, finding.from_value, finding.minutes)
        reason = f"{said}; {_may_become(problem)}"
        _flip(alert, AlertState.RAISED, now, finding.value, reason)
    else:
        alert.save(update_fields=["recent", "clean_streak"])
    return len(new)
